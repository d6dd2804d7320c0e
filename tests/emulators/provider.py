"""An in-process emulator of the OpenAI-compatible admin API (contracts/openai-compatible-admin-api.md).

A stdlib ThreadingHTTPServer on 127.0.0.1 and a free port. It follows the contract, not keysweep: list
pagination (limit/after/first_id/last_id/has_more), redacted values (visible prefix + last 4), admin-key
auth on /organization/*, project or service-account keys on /models and /webhook_endpoints, 400 when a
service-account key is deleted through the project-keys endpoint, x-request-id and X-RateLimit-* headers,
and faults on demand.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ALPHABET = string.ascii_letters + string.digits


def fake_key(prefix: str, length: int = 48) -> str:
    """A key-shaped random value built at runtime (no key literal in the source)."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))


@dataclass
class Key:
    id: str
    project_id: str
    name: str
    value: str
    owner_type: str  # user | service_account
    service_account_id: str | None
    created_at: int


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    malformed: bool = False
    after_effect: bool = False
    """Perform the request, then answer with the fault (the worst case for non-idempotent calls)."""


class ProviderEmulator:
    """State plus an HTTP server; every mutation goes through a lock so threads see one story."""

    def __init__(self, *, visible_prefix: int = 10, org: str = "org-NexusProd01") -> None:
        self.visible_prefix = visible_prefix
        self.org = org
        self.lock = threading.RLock()
        self.admin_keys: set[str] = set()
        self.projects: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, Key] = {}
        self.service_accounts: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.legacy_keys: set[str] = set()
        self.restricted: set[str] = set()
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- seeding -------------------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}{secrets.token_hex(4)}"

    def add_admin_key(self, value: str | None = None) -> str:
        value = value or fake_key("sk-admin-")
        self.admin_keys.add(value)
        return value

    def add_project(self, name: str, *, archived: bool = False, org: str | None = None) -> str:
        pid = self._id("proj_")
        self.projects[pid] = {
            "id": pid,
            "object": "organization.project",
            "name": name,
            "created_at": int(time.time()),
            "archived_at": int(time.time()) if archived else None,
            "status": "archived" if archived else "active",
            "org": org or self.org,
        }
        return pid

    def add_user_key(self, project_id: str, name: str, value: str) -> str:
        kid = self._id("key_")
        self.keys[kid] = Key(kid, project_id, name, value, "user", None, int(time.time()))
        return kid

    def add_service_account(self, project_id: str, name: str, value: str | None = None) -> tuple[str, str, str]:
        """(service account id, key id, value)."""
        sid = self._id("svc_acct_")
        self.service_accounts[sid] = {
            "id": sid,
            "object": "organization.project.service_account",
            "name": name,
            "role": "member",
            "created_at": int(time.time()),
            "project_id": project_id,
        }
        value = value or fake_key("sk-svcacct-")
        kid = self._id("key_")
        self.keys[kid] = Key(kid, project_id, name, value, "service_account", sid, int(time.time()))
        return sid, kid, value

    def add_webhook(self, url: str, secret: str) -> str:
        wid = self._id("we_")
        self.webhooks[wid] = {"id": wid, "url": url, "secret": secret, "created_at": int(time.time())}
        return wid

    # -- observations for tests ----------------------------------------------------------------------

    def is_live(self, value: str) -> bool:
        with self.lock:
            return (
                value in self.admin_keys
                or value in self.legacy_keys
                or any(k.value == value for k in self.keys.values())
                or any(w["secret"] == value for w in self.webhooks.values())
            )

    def accounts_named(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [sa for sa in self.service_accounts.values() if sa["name"] == name]

    def keys_of(self, sa_id: str) -> list[Key]:
        with self.lock:
            return [k for k in self.keys.values() if k.service_account_id == sa_id]

    def calls(self, method: str, pattern: str) -> int:
        return sum(1 for m, p, _ in self.log if m == method and re.search(pattern, p))

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        malformed: bool = False,
        after_effect: bool = False,
    ) -> None:
        with self.lock:
            self.faults.append(Fault(method, re.compile(path), status, times, headers or {}, malformed, after_effect))

    def redact(self, value: str) -> str:
        return value[: self.visible_prefix] + "*" * 8 + value[-4:]

    # -- server --------------------------------------------------------------------------------------

    def start(self) -> str:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, extra = emulator.handle(self.command, self.path, dict(self.headers.items()), raw)
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("x-request-id", f"req_{secrets.token_hex(8)}")
                defaults = {
                    "X-RateLimit-Limit": "60",
                    "X-RateLimit-Remaining": "59",
                    "X-RateLimit-Reset": "1",
                }
                for name, value in {**defaults, **extra}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        server = self._server
        self._thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # -- the API -------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        url = urlsplit(target)
        path = url.path.removeprefix("/v1")
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        with self.lock:
            fault = next((f for f in self.faults if f.method == method and f.path.search(path) and f.times > 0), None)
            if fault:
                fault.times -= 1
                if fault.after_effect:
                    self._dispatch(method, path, query, headers, raw)
                self.log.append((method, path, fault.status))
                body: Any = b"{not json" if fault.malformed else _error(fault.status, "injected fault")
                return fault.status, body, fault.headers
            status, answer = self._dispatch(method, path, query, headers, raw)
            self.log.append((method, path, status))
            return status, answer, {}

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any]:
        token = headers.get("Authorization", headers.get("authorization", "")).removeprefix("Bearer ").strip()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return 400, _error(400, "body is not JSON")
        if path.startswith("/organization/"):
            if token not in self.admin_keys:
                if self.is_live(token):
                    return 403, _error(403, "admin key required", "insufficient_permissions")
                return 401, _error(401, "invalid admin key", "invalid_api_key")
            org = headers.get("OpenAI-Organization") or headers.get("openai-organization")
            if org is not None and org != self.org:
                return 401, _error(401, f"the key does not belong to organization {org}", "mismatched_organization")
            return self._admin(method, path, query, body, org)
        if path == "/models" and method == "GET":
            return self._models(token)
        if path.startswith("/webhook_endpoints"):
            if not self._is_project_credential(token):
                return 401, _error(401, "invalid api key", "invalid_api_key")
            return self._webhooks(method, path, query, body)
        return 404, _error(404, f"no route {method} {path}")

    def _is_project_credential(self, token: str) -> bool:
        return any(k.value == token for k in self.keys.values())

    def _models(self, token: str) -> tuple[int, Any]:
        if token in self.restricted and self.is_live(token):
            return 403, _error(403, "missing scope model.read", "insufficient_permissions")
        if self._is_project_credential(token) or token in self.legacy_keys:
            return 200, {"object": "list", "data": [{"id": "nexus-gpt-4o", "object": "model"}]}
        return 401, _error(401, "Incorrect API key provided", "invalid_api_key")

    def _admin(
        self, method: str, path: str, query: dict[str, str], body: dict[str, Any], org: str | None
    ) -> tuple[int, Any]:
        parts = path.strip("/").split("/")[1:]  # after "organization"
        if parts == ["projects"] and method == "GET":
            archived = query.get("include_archived") == "true"
            items = [
                _public(p)
                for p in self.projects.values()
                if (archived or p["status"] == "active") and (org is None or p["org"] == org)
            ]
            return self._page(items, query)
        if len(parts) < 3 or parts[0] != "projects" or parts[1] not in self.projects:
            return 404, _error(404, "no such project")
        pid = parts[1]
        if org is not None and self.projects[pid]["org"] != org:
            return 404, _error(404, "no such project in this organization")
        rest = parts[2:]
        if rest == ["api_keys"] and method == "GET":
            return self._page([self._key_json(k) for k in self.keys.values() if k.project_id == pid], query)
        if len(rest) == 2 and rest[0] == "api_keys":
            key = self.keys.get(rest[1])
            if key is None or key.project_id != pid:
                return 404, _error(404, "no such key")
            if method == "GET":
                return 200, self._key_json(key)
            if method == "DELETE":
                if key.owner_type == "service_account":
                    return 400, _error(
                        400,
                        "keys of service accounts are deleted with the service account",
                        "invalid_request_error",
                    )
                del self.keys[key.id]
                return 200, {"object": "organization.project.api_key.deleted", "id": key.id, "deleted": True}
        if rest == ["service_accounts"] and method == "GET":
            return self._page([_public(s) for s in self.service_accounts.values() if s["project_id"] == pid], query)
        if rest == ["service_accounts"] and method == "POST":
            name = body.get("name")
            if not isinstance(name, str) or not name:
                return 400, _error(400, "name is required")
            sid, kid, value = self.add_service_account(pid, name)
            sa = _public(self.service_accounts[sid])
            return 200, {
                **sa,
                "api_key": {
                    "object": "organization.project.service_account.api_key",
                    "id": kid,
                    "name": "Secret Key",
                    "created_at": sa["created_at"],
                    "value": value,
                },
            }
        if len(rest) == 2 and rest[0] == "service_accounts" and method == "DELETE":
            sa = self.service_accounts.get(rest[1])
            if sa is None or sa["project_id"] != pid:
                return 404, _error(404, "no such service account")
            del self.service_accounts[sa["id"]]
            for k in [k for k in self.keys.values() if k.service_account_id == sa["id"]]:
                del self.keys[k.id]
            return 200, {
                "object": "organization.project.service_account.deleted",
                "id": sa["id"],
                "deleted": True,
            }
        return 404, _error(404, f"no route {method} {path}")

    def _webhooks(self, method: str, path: str, query: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts == ["webhook_endpoints"] and method == "GET":
            return self._page([self._webhook_json(w) for w in self.webhooks.values()], query)
        if len(parts) == 3 and parts[2] == "rotate_secret" and method == "POST":
            hook = self.webhooks.get(parts[1])
            if hook is None:
                return 404, _error(404, "no such webhook endpoint")
            hook["secret"] = fake_key("whsec_", 32)
            return 200, {**self._webhook_json(hook), "signing_secret": hook["secret"]}
        return 404, _error(404, f"no route {method} {path}")

    def _page(self, items: list[dict[str, Any]], query: dict[str, str]) -> tuple[int, Any]:
        try:
            limit = int(query.get("limit", "20"))
        except ValueError:
            return 400, _error(400, "limit must be an integer", param="limit")
        if not 1 <= limit <= 100:
            return 400, _error(400, "limit must be between 1 and 100", param="limit")
        after = query.get("after")
        if after:
            ids = [i["id"] for i in items]
            if after not in ids:
                return 400, _error(400, "unknown cursor", param="after")
            items = items[ids.index(after) + 1 :]
        page = items[:limit]
        return 200, {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(items) > limit,
        }

    def _key_json(self, k: Key) -> dict[str, Any]:
        owner: dict[str, Any] = {"type": k.owner_type}
        if k.owner_type == "user":
            owner["user"] = {"object": "organization.user", "id": "user_1", "name": "Ops", "role": "owner"}
        else:
            sa = self.service_accounts.get(k.service_account_id or "", {})
            owner["service_account"] = {"id": k.service_account_id, "name": sa.get("name"), "role": "member"}
        return {
            "object": "organization.project.api_key",
            "id": k.id,
            "name": k.name,
            "redacted_value": self.redact(k.value),
            "created_at": k.created_at,
            "last_used_at": None,
            "owner": owner,
        }

    def _webhook_json(self, w: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": w["id"],
            "object": "webhook_endpoint",
            "url": w["url"],
            "signing_secret_hint": self.redact(w["secret"]),
            "created_at": w["created_at"],
        }


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("org", "project_id")}


def _error(status: int, message: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    kind = {
        400: "invalid_request_error",
        401: "invalid_request_error",
        403: "permission_error",
        404: "invalid_request_error",
        429: "rate_limit_error",
    }.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
