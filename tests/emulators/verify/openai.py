"""OpenAI-compatible API (contracts/openai-compatible-admin-api.md; platform.openai.com/docs/api-reference):
`GET /v1/models` (200 live, 403 restricted, 401 dead) and, for admin keys, `GET /v1/organization/projects`."""

from __future__ import annotations

from tests.emulators.verify.server import ALNUM, ApiEmulator, Reply, Request, random_text


def _error(status: int, message: str, code: str | None) -> Reply:
    kind = {401: "invalid_request_error", 403: "permission_error"}.get(status, "invalid_request_error")
    return Reply(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


class OpenAIEmulator(ApiEmulator):
    name = "openai-compatible"

    def __init__(self) -> None:
        super().__init__()
        self.live: set[str] = set()
        self.restricted: set[str] = set()
        self.admin: set[str] = set()

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def new_key(self, *, live: bool = True, prefix: str = "sk-proj-") -> str:
        key = prefix + random_text(ALNUM, 48)
        if live:
            (self.admin if prefix == "sk-admin-" else self.live).add(key)
        return key

    def handle(self, request: Request) -> Reply:
        token = request.bearer() or ""
        masked = f"{token[:8]}****{token[-4:]}"  # what OpenAI's own message shows
        if request.method == "GET" and request.path == "/v1/models":
            if token in self.restricted:
                return _error(
                    403, "You have insufficient permissions for this operation. Missing scopes: model.read", None
                )
            if token in self.live:
                return Reply(
                    200,
                    {
                        "object": "list",
                        "data": [{"id": "gpt-4o", "object": "model", "created": 0, "owned_by": "system"}],
                    },
                )
            return _error(401, f"Incorrect API key provided: {masked}.", "invalid_api_key")
        if request.method == "GET" and request.path == "/v1/organization/projects":
            if token in self.admin:
                return Reply(200, {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False})
            if token in self.live:
                return _error(403, "admin key required", "insufficient_permissions")
            return _error(401, f"Incorrect API key provided: {masked}.", "invalid_api_key")
        return _error(404, f"Unknown request URL: {request.method} {request.path}", "unknown_url")
