"""SendGrid v3 API (twilio.com/docs/sendgrid/api-reference/api-key-permissions): `GET /v3/scopes` with a bearer
key; 200 `{"scopes": [...]}`; 401 `{"errors": [{"field": null, "message": "authorization required"}]}`."""

from __future__ import annotations

from tests.emulators.verify.server import ALNUM, ApiEmulator, Reply, Request, random_text


class SendGridEmulator(ApiEmulator):
    name = "sendgrid"

    def __init__(self) -> None:
        super().__init__()
        self.live: set[str] = set()

    @property
    def base_url(self) -> str:
        return self.url

    def new_key(self, *, live: bool = True) -> str:
        key = f"SG.{random_text(ALNUM + '_-', 22)}.{random_text(ALNUM + '_-', 43)}"
        if live:
            self.live.add(key)
        return key

    def handle(self, request: Request) -> Reply:
        if request.method != "GET" or request.path != "/v3/scopes":
            return Reply(404, {"errors": [{"field": None, "message": "not found"}]})
        if request.bearer() not in self.live:
            return Reply(401, {"errors": [{"field": None, "message": "authorization required"}]})
        return Reply(200, {"scopes": ["mail.send", "scopes.read"]})
