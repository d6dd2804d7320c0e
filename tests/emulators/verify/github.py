"""GitHub REST API (docs.github.com/en/rest/users/users#get-the-authenticated-user): `GET /user`; a User-Agent is
required; 401 "Bad credentials"; an installation token (`ghs_`) gets 403 "Resource not accessible by integration"."""

from __future__ import annotations

from tests.emulators.verify.server import ALNUM, ApiEmulator, Reply, Request, random_text

DOCS = "https://docs.github.com/rest"
NO_AGENT = "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"


class GitHubEmulator(ApiEmulator):
    name = "github"

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[str, str] = {}
        """token → login."""

    @property
    def base_url(self) -> str:
        return self.url

    def new_key(self, *, live: bool = True, prefix: str = "ghp_", login: str = "octo-ada") -> str:
        token = prefix + random_text(ALNUM, 36)
        if live:
            self.live[token] = login
        return token

    def handle(self, request: Request) -> Reply:
        if not request.header("User-Agent"):
            return Reply(403, {"message": NO_AGENT})
        value = request.header("Authorization") or ""
        token = value.split(" ", 1)[1] if value.startswith(("Bearer ", "token ")) else ""
        if request.method != "GET" or request.path != "/user":
            return Reply(404, {"message": "Not Found", "documentation_url": DOCS})
        if token not in self.live:
            return Reply(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"})
        if token.startswith("ghs_"):
            return Reply(
                403, {"message": "Resource not accessible by integration", "documentation_url": DOCS, "status": "403"}
            )
        return Reply(200, {"login": self.live[token], "id": 1, "type": "User"}, {"x-ratelimit-remaining": "4999"})
