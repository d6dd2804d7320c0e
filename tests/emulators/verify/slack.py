"""Slack Web API (api.slack.com/methods/auth.test): `POST /api/auth.test` with a bearer token; HTTP 200 with
`"ok": true` and the identity, or `"ok": false` and an error code; 429 with Retry-After when rate-limited."""

from __future__ import annotations

import string

from tests.emulators.verify.server import ALNUM, ApiEmulator, Reply, Request, random_text


class SlackEmulator(ApiEmulator):
    name = "slack"

    def __init__(self) -> None:
        super().__init__()
        self.live: set[str] = set()
        self.revoked: set[str] = set()

    @property
    def base_url(self) -> str:
        return f"{self.url}/api"

    def new_key(self, *, live: bool = True, revoked: bool = False) -> str:
        digits = string.digits
        token = f"xoxb-{random_text(digits, 12)}-{random_text(digits, 13)}-{random_text(ALNUM, 24)}"
        if live:
            self.live.add(token)
        if revoked:
            self.revoked.add(token)
        return token

    def handle(self, request: Request) -> Reply:
        if request.path != "/api/auth.test":
            return Reply(200, {"ok": False, "error": "unknown_method"})
        token = request.bearer()
        if not token:
            return Reply(200, {"ok": False, "error": "not_authed"})
        if token in self.revoked:
            return Reply(200, {"ok": False, "error": "token_revoked"})
        if token not in self.live:
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        return Reply(200, {
            "ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "deploybot",
            "team_id": "T0G9PQBBK", "user_id": "W23456789", "bot_id": "BZYBOTHED",
        })  # fmt: skip
