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

from collections.abc import Sequence
from datetime import datetime

from scanner.findings import Finding
from scanner.verify.verifier import (
    Answer,
    Credential,
    Planned,
    Probe,
    Verdict,
    by_status,
    header_wait,
    json_object,
    single_secrets,
    text_field,
)

API_VERSION = "2022-11-28"


class GitHub:
    provider = "github"
    default_url = "https://api.github.com"

    def plan(self, findings: Sequence[Finding]) -> Planned:
        return single_secrets(findings, self.provider, _why_not)

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        headers = {
            "Authorization": f"Bearer {credential.secret}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        return Probe("GET", f"{base_url}/user", headers)

    def judge(self, answer: Answer) -> Verdict:
        account = text_field(json_object(answer), "login") if answer.status == 200 else None
        return by_status(answer, "GET /user", account)

    def rate_limit_wait(self, answer: Answer, now: float) -> float | None:
        limited = answer.status == 429 or (answer.status == 403 and answer.headers.get("x-ratelimit-remaining") == "0")
        if not limited:
            return None
        if "retry-after" in answer.headers:
            return header_wait(answer.headers["retry-after"], now)
        try:
            return max(0.0, float(answer.headers["x-ratelimit-reset"]) - now)
        except (KeyError, ValueError):
            return 60.0


def _why_not(f: Finding) -> str | None:
    if f.kind != "github-token":
        return f"a GitHub {f.kind} cannot call the API on its own"
    if f.secret.startswith("ghr_"):
        return "a GitHub refresh token only mints access tokens; it cannot call the API"
    return None
