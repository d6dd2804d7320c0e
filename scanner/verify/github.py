"""GitHub tokens: `GET /user` ("Get the authenticated user") with the token as a bearer.

Contract (GitHub REST API, version 2022-11-28):
https://docs.github.com/en/rest/users/users#get-the-authenticated-user — 200 with the user (`login`);
401 "Bad credentials" for an invalid, revoked or expired token. An installation token (`ghs_`) authenticates
but may not read `/user`: 403 "Resource not accessible by integration", so 403 is live.
https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api — a rate limit is 429, or 403
with `x-ratelimit-remaining: 0`; wait for `retry-after` seconds, else until `x-ratelimit-reset` (epoch seconds).
https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api — `Authorization: Bearer`.
"""

from __future__ import annotations

from datetime import datetime

from scanner.findings import Finding
from scanner.verify.verifier import (
    Answer,
    Credential,
    Probe,
    SingleSecretVerifier,
    Verdict,
    bearer,
    by_status,
    json_object,
    reset_wait,
    text_field,
)

API_VERSION = "2022-11-28"


class GitHub(SingleSecretVerifier):
    provider = "github"
    default_url = "https://api.github.com"

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        return Probe(
            "GET",
            f"{base_url}/user",
            bearer(credential.secret, Accept="application/vnd.github+json", **{"X-GitHub-Api-Version": API_VERSION}),
        )

    def judge(self, answer: Answer) -> Verdict:
        account = text_field(json_object(answer), "login") if answer.status == 200 else None
        return by_status(answer, "GET /user", account)

    def rate_limit_wait(self, answer: Answer, now: float) -> float | None:
        limited = answer.status == 429 or (answer.status == 403 and answer.headers.get("x-ratelimit-remaining") == "0")
        if not limited:
            return None
        return reset_wait(answer, now, absent=60.0)

    def why_not(self, finding: Finding) -> str | None:
        if finding.kind != "github-token":
            return f"a GitHub {finding.kind} cannot call the API on its own"
        if finding.secret.startswith("ghr_"):
            return "a GitHub refresh token only mints access tokens; it cannot call the API"
        return None
