"""The request loop the hosting clients share: bounded waits on rate limits, one clear error per status."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scanner.errors import HostingError
from scanner.rotation.hosting.config import safe_url

if TYPE_CHECKING:
    import httpx

JSONObject = dict[str, object]


class HostingApi:
    """Base of GitHubApi and GitLabApi: `request()` retries rate limits and turns failures into HostingError."""

    name = "hosting"

    def __init__(
        self,
        api_url: str,
        repository: str,
        http: httpx.Client,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 60.0,
        attempts: int = 3,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.repository = repository
        self.http = http
        self.sleep = sleep
        self.max_wait = max_wait
        self.attempts = attempts

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    def _token_names(self) -> str:
        return "the token"

    def request(
        self, method: str, path: str, *, ok: tuple[int, ...], allow: tuple[int, ...] = (), **kw: Any
    ) -> httpx.Response:
        import httpx

        url = f"{self.api_url}{path}"
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.http.request(method, url, headers=self._headers(), **kw)
            except httpx.HTTPError as exc:
                raise HostingError(f"{self.name} API {method} {safe_url(url)} failed: {exc}") from None
            if response.status_code in ok or response.status_code in allow:
                return response
            wait = self._rate_limit_wait(response)
            if wait is None or attempt == self.attempts:
                raise self.error(method, url, response)
            self.sleep(wait)
        raise AssertionError("unreachable")

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying a rate-limited answer; None when it is not one (or too long)."""
        if not _is_rate_limited(response):
            return None
        headers = response.headers
        if "retry-after" in headers:
            try:
                wait = float(headers["retry-after"])
            except ValueError:
                wait = self.max_wait
        elif "x-ratelimit-reset" in headers:
            try:
                wait = max(0.0, float(headers["x-ratelimit-reset"]) - time.time())
            except ValueError:
                wait = self.max_wait
        else:
            wait = 1.0
        return wait if wait <= self.max_wait else None

    def error(self, method: str, url: str, response: httpx.Response) -> HostingError:
        status = response.status_code
        detail = _message(response)
        where = f"{self.name} API {method} {safe_url(url)}"
        if status == 401:
            text = f"{where}: 401 the token was rejected ({detail}); check {self._token_names()}"
        elif _is_rate_limited(response):
            reset = response.headers.get("retry-after") or response.headers.get("x-ratelimit-reset") or "?"
            text = f"{where}: {status} rate limited ({detail}); try again later (retry-after/reset: {reset})"
        elif status == 403:
            text = (
                f"{where}: 403 the token lacks a permission ({detail}); it needs write access to pull "
                "requests and contents (and the `workflow` scope to change .github/workflows)"
            )
        elif status == 404:
            text = f"{where}: 404 no repository {self.repository!r}, or the token cannot see it ({detail})"
        elif status == 422:
            text = f"{where}: 422 validation failed ({detail})"
        else:
            text = f"{where}: {status} ({detail})"
        return HostingError(text, status=status)


def json_list(response: httpx.Response) -> list[JSONObject]:
    try:
        data = response.json()
    except ValueError:
        raise HostingError(f"{safe_url(str(response.request.url))}: the answer is not JSON") from None
    if not isinstance(data, list):
        raise HostingError(f"{safe_url(str(response.request.url))}: expected a JSON list")
    return [d for d in data if isinstance(d, dict)]


def json_object(response: httpx.Response) -> JSONObject:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise HostingError(f"{safe_url(str(response.request.url))}: expected a JSON object")
    return data


def text(obj: JSONObject, key: str) -> str:
    """A string field of an answer ('' when absent or null)."""
    value = obj.get(key)
    return "" if value is None else str(value)


def number(obj: JSONObject, key: str, response: httpx.Response) -> int:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise HostingError(f"{safe_url(str(response.request.url))}: the answer has no {key} number")


def _is_rate_limited(response: httpx.Response) -> bool:
    status, headers = response.status_code, response.headers
    return status == 429 or (
        status == 403 and ("retry-after" in headers or headers.get("x-ratelimit-remaining") == "0")
    )


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase or "no details"
    if isinstance(data, dict):
        message = data.get("message") or data.get("error") or ""
        errors = data.get("errors")
        if errors:
            message = f"{message}: {errors}"
        return str(message)[:300] or "no details"
    return "no details"
