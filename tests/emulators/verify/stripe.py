"""Stripe API (docs.stripe.com/api/balance/balance_retrieve, /api/authentication, /api/errors): `GET /v1/balance`
with the key as bearer or Basic user; 401 "Invalid API Key provided"; 403 for a restricted key lacking the
permission."""

from __future__ import annotations

import base64

from tests.emulators.verify.server import ALNUM, ApiEmulator, Reply, Request, random_text


class StripeEmulator(ApiEmulator):
    name = "stripe"

    def __init__(self) -> None:
        super().__init__()
        self.live: set[str] = set()
        self.restricted_without_balance: set[str] = set()

    @property
    def base_url(self) -> str:
        return self.url

    def new_key(self, *, live: bool = True, prefix: str = "sk_live_") -> str:
        key = prefix + random_text(ALNUM, 24)
        if live:
            self.live.add(key)
        return key

    def handle(self, request: Request) -> Reply:
        value = request.header("Authorization") or ""
        key = request.bearer() or ""
        if value.startswith("Basic "):
            key = base64.b64decode(value[6:]).decode().split(":", 1)[0]
        if request.method != "GET" or request.path != "/v1/balance":
            return Reply(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})
        masked = f"{key[:8]}****{key[-4:]}"
        if key not in self.live:
            return Reply(
                401, {"error": {"type": "invalid_request_error", "message": f"Invalid API Key provided: {masked}"}}
            )
        if key in self.restricted_without_balance:
            message = f"The provided key '{masked}' does not have the required permissions for this endpoint"
            return Reply(403, {"error": {"type": "invalid_request_error", "message": message}})
        livemode = "_live_" in key
        money = [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}]
        return Reply(200, {"object": "balance", "available": money, "livemode": livemode, "pending": money})
