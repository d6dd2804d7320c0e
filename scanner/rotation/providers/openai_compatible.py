"""The OpenAI-compatible admin API over httpx: the only HTTP client that talks to a key provider."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from scanner.errors import ConfigError, ProviderAuthError, ProviderError, ProviderOrgMismatch, ProviderRateLimited
from scanner.findings import redact
from scanner.rotation.config import ProviderConfig
from scanner.rotation.providers import (
    Deletion,
    Liveness,
    MintedKey,
    Project,
    ProjectKey,
    RotatedWebhookSecret,
    ServiceAccount,
    WebhookEndpoint,
)

MAX_ATTEMPTS = 5
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
MAX_WAIT = 60.0
"""The longest single wait keysweep accepts from Retry-After / X-RateLimit-Reset before giving up."""
PAGE_LIMIT = 100


class OpenAICompatibleProvider:
    """Speaks `contracts/openai-compatible-admin-api.md` against a configurable base URL."""

    def __init__(
        self,
        config: ProviderConfig,
        env: Mapping[str, str],
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        on_response: Callable[[str, str, int, str | None], None] | None = None,
    ) -> None:
        self.config = config
        self._env = env
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._on_response = on_response
        self._client = httpx.Client(
            base_url=config.base_url,
            timeout=config.timeout,
            transport=transport,
            headers={"User-Agent": "keysweep-rotate"},
        )

    def close(self) -> None:
        self._client.close()

    # -- admin endpoints ------------------------------------------------------------------------------

    def list_projects(self, org: str | None) -> Iterator[Project]:
        for item in self._pages("/organization/projects", self._admin(), org, {"include_archived": "true"}):
            yield Project(
                id=item["id"],
                name=str(item.get("name") or ""),
                archived=item.get("status") == "archived" or bool(item.get("archived_at")),
            )

    def list_project_keys(self, org: str | None, project_id: str) -> Iterator[ProjectKey]:
        for item in self._pages(f"/organization/projects/{project_id}/api_keys", self._admin(), org):
            yield _project_key(item, project_id)

    def get_project_key(self, org: str | None, project_id: str, key_id: str) -> ProjectKey | None:
        status, body, _ = self._call(
            "GET",
            f"/organization/projects/{project_id}/api_keys/{key_id}",
            self._admin(),
            org,
            accept=(200, 404),
        )
        return None if status == 404 else _project_key(body, project_id)

    def list_service_accounts(self, org: str | None, project_id: str) -> Iterator[ServiceAccount]:
        for item in self._pages(f"/organization/projects/{project_id}/service_accounts", self._admin(), org):
            yield ServiceAccount(id=item["id"], project_id=project_id, name=str(item.get("name") or ""))

    def create_service_account(self, org: str | None, project_id: str, name: str) -> MintedKey:
        # NOTE: not idempotent, so never retried on 5xx or timeouts here; the caller reconciles by listing
        # service accounts by their deterministic name (a blind retry could mint twice).
        _, body, request_id = self._call(
            "POST",
            f"/organization/projects/{project_id}/service_accounts",
            self._admin(),
            org,
            json={"name": name},
            idempotent=False,
        )
        try:
            api_key = body["api_key"]
            return MintedKey(
                service_account_id=body["id"],
                key_id=api_key["id"],
                project_id=project_id,
                name=str(body.get("name") or name),
                value=api_key["value"],
                request_id=request_id,
            )
        except (KeyError, TypeError):
            raise self._malformed("POST", "service_accounts", "no api_key.value in the answer", request_id) from None

    def delete_service_account(self, org: str | None, project_id: str, sa_id: str) -> Deletion:
        status, _, request_id = self._call(
            "DELETE",
            f"/organization/projects/{project_id}/service_accounts/{sa_id}",
            self._admin(),
            org,
            accept=(200, 404),
        )
        return Deletion(sa_id, already_gone=status == 404, request_id=request_id)

    def delete_project_key(self, org: str | None, project_id: str, key_id: str) -> Deletion:
        status, _, request_id = self._call(
            "DELETE",
            f"/organization/projects/{project_id}/api_keys/{key_id}",
            self._admin(),
            org,
            accept=(200, 404),
        )
        return Deletion(key_id, already_gone=status == 404, request_id=request_id)

    # -- project-key endpoints -----------------------------------------------------------------------

    def liveness(self, key: str) -> Liveness:
        status, _, _ = self._call("GET", "/models", key, None, accept=(200, 401, 403), parse=False)
        return {200: Liveness.LIVE, 403: Liveness.RESTRICTED}.get(status, Liveness.DEAD)

    def list_webhook_endpoints(self, key: str) -> Iterator[WebhookEndpoint]:
        for item in self._pages("/webhook_endpoints", key, None, credential=self._project_credential_name()):
            yield WebhookEndpoint(
                id=item["id"],
                url=str(item.get("url") or ""),
                signing_secret_hint=str(item.get("signing_secret_hint") or ""),
            )

    def rotate_webhook_secret(self, key: str, endpoint_id: str) -> RotatedWebhookSecret:
        _, body, request_id = self._call(
            "POST",
            f"/webhook_endpoints/{endpoint_id}/rotate_secret",
            key,
            None,
            json={"keep_old_secret_active_for_24_hours": False},
            idempotent=False,
            credential=self._project_credential_name(),
        )
        secret = body.get("signing_secret") if isinstance(body, dict) else None
        if not isinstance(secret, str):
            raise self._malformed("POST", "rotate_secret", "no signing_secret in the answer", request_id)
        return RotatedWebhookSecret(endpoint_id=endpoint_id, signing_secret=secret, request_id=request_id)

    # -- plumbing ------------------------------------------------------------------------------------

    def _admin(self) -> str:
        value = self._env.get(self.config.admin_key_env, "").strip()
        if not value:
            raise ConfigError(
                f"provider {self.config.name!r} needs its admin key in the environment variable "
                f"{self.config.admin_key_env} (an admin key, sk-admin-…, of the org; never a flag)"
            )
        return value

    def _project_credential_name(self) -> str:
        return self.config.project_key_env or "the project key minted by this rotation"

    def _pages(
        self,
        path: str,
        key: str,
        org: str | None,
        params: dict[str, str] | None = None,
        credential: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        after: str | None = None
        seen: set[str] = set()
        while True:
            query = dict(params or {}, limit=str(PAGE_LIMIT))
            if after:
                query["after"] = after
            _, body, request_id = self._call("GET", path, key, org, params=query, credential=credential)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise self._malformed("GET", path, "expected a list object with `data`", request_id)
            yield from body["data"]
            if not body.get("has_more"):
                return
            after = body.get("last_id") or (body["data"][-1].get("id") if body["data"] else None)
            if not after or after in seen:
                raise self._malformed("GET", path, "has_more is true but last_id does not advance", request_id)
            seen.add(after)

    def _call(
        self,
        method: str,
        path: str,
        key: str,
        org: str | None,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        accept: tuple[int, ...] = (200,),
        idempotent: bool = True,
        parse: bool = True,
        credential: str | None = None,
    ) -> tuple[int, Any, str | None]:
        headers = {"Authorization": f"Bearer {key}"}
        if org:
            headers["OpenAI-Organization"] = org
        where = f"{method} {self.config.base_url}{path}"
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._client.request(method, path, params=params, json=json, headers=headers)
            except httpx.TransportError as exc:
                if not idempotent or attempt == self._max_attempts:
                    raise ProviderError(
                        f"{where}: {type(exc).__name__} ({exc}); the provider did not answer "
                        f"after {attempt} attempt(s); re-run with --resume"
                    ) from None
                self._sleep(_backoff(attempt))
                continue
            status = response.status_code
            request_id = response.headers.get("x-request-id")
            if self._on_response:
                self._on_response(method, path, status, request_id)
            if status in accept:
                if not parse or status == 404 or not response.content:
                    return status, None, request_id
                try:
                    return status, response.json(), request_id
                except ValueError:
                    raise self._malformed(method, path, "the body is not JSON", request_id, status) from None
            if status == 429:
                wait = _retry_after(response.headers)
                if attempt == self._max_attempts or (wait is not None and wait > MAX_WAIT):
                    raise ProviderRateLimited(
                        f"{where}: rate limited (429) after {attempt} attempt(s)"
                        + (f"; the provider asks to wait {wait:.0f}s" if wait is not None else "")
                        + f"; wait and re-run with --resume (request id {request_id})",
                        status=status,
                        request_id=request_id,
                    )
                self._sleep(wait if wait is not None else _backoff(attempt))
                continue
            if status >= 500 and idempotent and attempt < self._max_attempts:
                self._sleep(_backoff(attempt))
                continue
            raise self._error(method, path, response, request_id, credential, attempt, key, org)
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(
        self,
        method: str,
        path: str,
        response: httpx.Response,
        request_id: str | None,
        credential: str | None,
        attempt: int,
        key: str,
        org: str | None = None,
    ) -> ProviderError:
        status = response.status_code
        # NOTE: providers echo the offending key in error messages ("Incorrect API key provided: sk-…"); the
        # message ends up in the terminal and the ticket, so the key never may.
        message = _error_message(response).replace(key, redact(key, "sk-"))
        where = f"{method} {self.config.base_url}{path}"
        rid = f" (request id {request_id})" if request_id else ""
        admin = path.startswith("/organization")
        cred = self.config.admin_key_env if admin else (credential or "the project key")
        if status in (401, 403) and org and _is_org_mismatch(response):
            # NOTE: the key may be perfectly valid: it belongs to another organization than the one asked for
            # (the org ID found beside the exposed key, or the config's `org`). Blaming the key misleads.
            return ProviderOrgMismatch(
                f"{where}: {status} {message}: organization mismatch: the key in {cred} does not belong to "
                f"organization {org} (sent as OpenAI-Organization). Check `org` in [rotation.providers."
                f"{self.config.name}] and the org IDs found beside the exposed key{rid}",
                status=status,
                request_id=request_id,
            )
        if status == 401:
            return ProviderAuthError(
                f"{where}: 401 {message}: the key in {cred} is invalid, revoked or unknown to "
                f"{self.config.base_url}" + ("; it must be an admin key (sk-admin-…)" if admin else "") + rid,
                status=status,
                request_id=request_id,
            )
        if status == 403:
            scope = (
                "organization admin rights: read and write projects, API keys and service accounts"
                if admin
                else "access to webhook endpoints of the project"
            )
            return ProviderAuthError(
                f"{where}: 403 {message}: the key in {cred} lacks {scope}{rid}",
                status=status,
                request_id=request_id,
            )
        if status == 404:
            return ProviderError(
                f"{where}: 404 {message}: the object does not exist (re-run the plan){rid}",
                status=status,
                request_id=request_id,
            )
        if status >= 500:
            return ProviderError(
                f"{where}: {status} {message} after {attempt} attempt(s); the provider is "
                f"failing, re-run with --resume later{rid}",
                status=status,
                request_id=request_id,
            )
        return ProviderError(f"{where}: {status} {message}{rid}", status=status, request_id=request_id)

    def _malformed(
        self, method: str, path: str, what: str, request_id: str | None, status: int | None = None
    ) -> ProviderError:
        rid = f" (request id {request_id})" if request_id else ""
        return ProviderError(
            f"{method} {self.config.base_url}{path}: malformed answer: {what}{rid}",
            status=status,
            request_id=request_id,
        )


def _project_key(item: Any, project_id: str) -> ProjectKey:
    owner = item.get("owner") or {}
    owner_type = str(owner.get("type") or "user")
    sa = owner.get("service_account") or {}
    return ProjectKey(
        id=item["id"],
        project_id=project_id,
        name=str(item.get("name") or ""),
        redacted_value=str(item.get("redacted_value") or ""),
        owner_type=owner_type,
        service_account_id=sa.get("id") if owner_type == "service_account" else None,
    )


def _is_org_mismatch(response: httpx.Response) -> bool:
    """The provider says the organization, not the key, is wrong (`mismatched_organization`, or says so)."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return False
    if not isinstance(error, dict):
        return False
    code = str(error.get("code") or error.get("type") or "")
    return "organization" in code.lower() or "organization" in str(error.get("message") or "").lower()


def _backoff(attempt: int) -> float:
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))


def _retry_after(headers: httpx.Headers) -> float | None:
    for name in ("retry-after", "x-ratelimit-reset"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value.strip().rstrip("s")))
        except ValueError:
            continue
    return None


def _error_message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or {}
        text = str(error.get("message") or "").strip()
        code = error.get("code") or error.get("type")
        return f"{text} [{code}]" if code and text else text or (code or response.reason_phrase)
    except (ValueError, AttributeError):
        return response.reason_phrase
