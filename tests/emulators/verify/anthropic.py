"""Anthropic API (docs.anthropic.com/en/api/models-list, /admin-api/organization/get-me, /errors): `x-api-key` and
`anthropic-version` headers; errors `{"type": "error", "error": {"type", "message"}}`."""

from __future__ import annotations

import uuid

from tests.emulators.verify.server import ALNUM, ApiEmulator, Reply, Request, random_text


def _error(status: int, kind: str, message: str) -> Reply:
    return Reply(status, {"type": "error", "error": {"type": kind, "message": message}})


class AnthropicEmulator(ApiEmulator):
    name = "anthropic"

    def __init__(self) -> None:
        super().__init__()
        self.live: set[str] = set()
        self.admin: set[str] = set()

    @property
    def base_url(self) -> str:
        return self.url

    def new_key(self, *, live: bool = True, admin: bool = False) -> str:
        key = ("sk-ant-admin01-" if admin else "sk-ant-api03-") + random_text(ALNUM + "_-", 93) + "AA"
        if live:
            (self.admin if admin else self.live).add(key)
        return key

    def handle(self, request: Request) -> Reply:
        if request.header("anthropic-version") is None:
            return _error(400, "invalid_request_error", "anthropic-version: header is required")
        key = request.header("x-api-key")
        if not key:
            return _error(401, "authentication_error", "x-api-key header is required")
        if request.method == "GET" and request.path == "/v1/models":
            if key in self.live:
                model = {
                    "type": "model",
                    "id": "claude-sonnet-4",
                    "display_name": "Claude Sonnet 4",
                    "created_at": "2025-05-22T00:00:00Z",
                }
                return Reply(200, {"data": [model], "has_more": False, "first_id": model["id"], "last_id": model["id"]})
            return _error(401, "authentication_error", "invalid x-api-key")
        if request.method == "GET" and request.path == "/v1/organizations/me":
            if key in self.admin:
                return Reply(200, {"id": str(uuid.uuid4()), "name": "Acme", "type": "organization"})
            if key in self.live:
                return _error(403, "permission_error", "this endpoint requires an admin key")
            return _error(401, "authentication_error", "invalid x-api-key")
        return _error(404, "not_found_error", "Not found")
