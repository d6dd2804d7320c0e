"""Stripe secret and restricted keys: `GET /v1/balance` ("Retrieve balance"), read-only, with the key as a bearer.

Contract: https://docs.stripe.com/api/balance/balance_retrieve — 200 with `{"object": "balance", "livemode",
"available", "pending", …}` for the account the key belongs to. https://docs.stripe.com/api/authentication —
the key as the Basic user or `Authorization: Bearer`. https://docs.stripe.com/api/errors — 401 "No valid API
key provided" (also expired keys, `api_key_expired`); 403 when a restricted key lacks the permission
(https://docs.stripe.com/changelog/2016-10-19/insufficient-permissions-throw-403-error): live; 429 too many
requests. Error messages quote part of the key, so keysweep never repeats them.
"""

from __future__ import annotations

from datetime import datetime

from scanner.findings import Finding
from scanner.verify.verifier import (
    Answer,
    Credential,
    MalformedAnswer,
    Probe,
    SingleSecretVerifier,
    Verdict,
    bearer,
    by_status,
    json_object,
)

USABLE = ("sk_live_", "rk_live_", "sk_test_", "rk_test_")


class Stripe(SingleSecretVerifier):
    provider = "stripe"
    default_url = "https://api.stripe.com"

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        return Probe("GET", f"{base_url}/v1/balance", bearer(credential.secret))

    def judge(self, answer: Answer) -> Verdict:
        if answer.status == 200:
            balance = json_object(answer)
            if balance.get("object") != "balance" or not isinstance(balance.get("livemode"), bool):
                raise MalformedAnswer('not a balance object ("object": "balance", "livemode")')
            mode = "live mode" if balance["livemode"] else "test mode"
            return by_status(answer, f"{answer.asked} ({mode})")
        return by_status(answer, answer.asked)

    def why_not(self, finding: Finding) -> str | None:
        if finding.secret.startswith(USABLE):
            return None
        return "only Stripe secret and restricted keys (sk_, rk_) can call the API"
