"""SendGrid API keys: `GET /v3/scopes` ("Retrieve a list of scopes for which this user has access").

Contract: https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions/retrieve-a-list-of-scopes-for-which-this-user-has-access
— every API key may read its own scopes; 200 with `{"scopes": [...]}`; `Authorization: Bearer <key>`;
401 `{"errors": [{"message": "authorization required"}]}` for an unknown or deleted key; 403 for a key
without the permission (live); 429 with `X-RateLimit-Reset`
(https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from scanner.findings import Finding
from scanner.verify.verifier import (
    Answer,
    Credential,
    MalformedAnswer,
    Planned,
    Probe,
    Verdict,
    by_status,
    header_wait,
    json_object,
    single_secrets,
)

WHAT = "GET /v3/scopes"


class SendGrid:
    provider = "sendgrid"
    default_url = "https://api.sendgrid.com"

    def plan(self, findings: Sequence[Finding]) -> Planned:
        return single_secrets(findings, self.provider, lambda f: None)

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        return Probe("GET", f"{base_url}/v3/scopes", {"Authorization": f"Bearer {credential.secret}"})

    def judge(self, answer: Answer) -> Verdict:
        if answer.status == 200 and not isinstance(json_object(answer).get("scopes"), list):
            raise MalformedAnswer("`scopes` must be a list")
        return by_status(answer, WHAT)

    def rate_limit_wait(self, answer: Answer, now: float) -> float | None:
        if answer.status != 429:
            return None
        if "retry-after" in answer.headers:
            return header_wait(answer.headers["retry-after"], now)
        try:
            return max(0.0, float(answer.headers["x-ratelimit-reset"]) - now)
        except (KeyError, ValueError):
            return 1.0
