"""GitLab REST API (docs.gitlab.com/api/personal_access_tokens/#get-single-personal-access-token): `GET
/api/v4/personal_access_tokens/self` with `PRIVATE-TOKEN`; 401 for an invalid, revoked or expired token."""

from __future__ import annotations

from tests.emulators.verify.server import ALNUM, ApiEmulator, Reply, Request, random_text


class GitLabEmulator(ApiEmulator):
    name = "gitlab"

    def __init__(self) -> None:
        super().__init__()
        self.live: set[str] = set()

    @property
    def base_url(self) -> str:
        return self.url

    def new_key(self, *, live: bool = True) -> str:
        token = "glpat-" + random_text(ALNUM, 20)
        if live:
            self.live.add(token)
        return token

    def handle(self, request: Request) -> Reply:
        token = request.header("PRIVATE-TOKEN") or request.bearer()
        if request.method != "GET" or request.path != "/api/v4/personal_access_tokens/self":
            return Reply(404, {"message": "404 Not Found"})
        if token not in self.live:
            return Reply(401, {"message": "401 Unauthorized"})
        return Reply(200, {
            "id": 42, "name": "deploy-bot", "revoked": False, "created_at": "2025-01-02T10:00:00.000Z",
            "description": None, "scopes": ["read_api"], "user_id": 7, "last_used_at": None, "active": True,
            "expires_at": "2026-01-02",
        })  # fmt: skip
