"""Twilio REST API (twilio.com/docs/usage/api/account, /docs/iam/credentials/api, /docs/iam/api-keys): Basic auth
with an account SID and auth token, or an API key SID and secret; `GET /2010-04-01/Accounts/{Sid}.json` and
`GET /2010-04-01/Accounts.json`; 401 error 20003 "Authenticate"; 404 error 20404."""

from __future__ import annotations

import base64
import re

from tests.emulators.verify.server import ALNUM, HEX, ApiEmulator, Reply, Request, random_text

_ACCOUNT = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})\.json$")


def _error(status: int, code: int, message: str) -> Reply:
    more = f"https://www.twilio.com/docs/errors/{code}"
    return Reply(status, {"code": code, "message": message, "more_info": more, "status": status})


class TwilioEmulator(ApiEmulator):
    name = "twilio"

    def __init__(self) -> None:
        super().__init__()
        self.accounts: dict[str, str] = {}
        """account SID → auth token."""
        self.api_keys: dict[str, tuple[str, str]] = {}
        """API key SID → (secret, account SID)."""

    @property
    def base_url(self) -> str:
        return self.url

    def new_account(self) -> tuple[str, str]:
        sid, token = "AC" + random_text(HEX, 32), random_text(HEX, 32)
        self.accounts[sid] = token
        return sid, token

    def new_api_key(self, account: str, *, live: bool = True) -> tuple[str, str]:
        sid, secret = "SK" + random_text(HEX, 32), random_text(ALNUM, 32)
        if live:
            self.api_keys[sid] = (secret, account)
        return sid, secret

    def _account_of(self, request: Request) -> str | None:
        value = request.header("Authorization") or ""
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        if self.accounts.get(user) == password:
            return user
        key = self.api_keys.get(user)
        return key[1] if key and key[0] == password else None

    def handle(self, request: Request) -> Reply:
        account = self._account_of(request)
        if account is None:
            return _error(401, 20003, "Authenticate")
        found = _ACCOUNT.match(request.path)
        if request.method == "GET" and found:
            if found.group(1) != account:
                return _error(404, 20404, f"The requested resource {request.path} was not found")
            return Reply(200, {"sid": account, "friendly_name": "Acme prod", "status": "active", "type": "Full"})
        if request.method == "GET" and request.path == "/2010-04-01/Accounts.json":
            listed = {"sid": account, "friendly_name": "Acme prod", "status": "active", "type": "Full"}
            return Reply(200, {"accounts": [listed], "page": 0, "page_size": 1, "next_page_uri": None})
        return _error(404, 20404, f"The requested resource {request.path} was not found")
