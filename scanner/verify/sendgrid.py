"""SendGrid API keys: `GET /v3/scopes` ("Retrieve a list of scopes for which this user has access").

Contract: https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions/retrieve-a-list-of-scopes-for-which-this-user-has-access
— every API key may read its own scopes; 200 with `{"scopes": [...]}`; `Authorization: Bearer <key>`;
401 `{"errors": [{"message": "authorization required"}]}` for an unknown or deleted key; 403 for a key
without the permission (live); 429 with `X-RateLimit-Reset`
(https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits).
"""

from __future__ import annotations

from datetime import datetime

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
    reset_wait,
)

WHAT = "GET /v3/scopes"


class SendGrid(SingleSecretVerifier):
    provider = "sendgrid"
    default_url = "https://api.sendgrid.com"

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        return Probe("GET", f"{base_url}/v3/scopes", bearer(credential.secret))

    def judge(self, answer: Answer) -> Verdict:
        if answer.status == 200 and not isinstance(json_object(answer).get("scopes"), list):
            raise MalformedAnswer("`scopes` must be a list")
        return by_status(answer, WHAT)

    def rate_limit_wait(self, answer: Answer, now: float) -> float | None:
        if answer.status != 429:
            return None
        return reset_wait(answer, now, absent=1.0)
