"""OpenAI-compatible keys: `GET {base}/models` with the key as a bearer; admin keys `GET {base}/organization/projects`.

Contract: /work/shared/contracts/openai-compatible-admin-api.md ("is a key live?": `GET /models`, 200 live,
403 live but restricted, 401 dead; admin endpoints take an admin key) and OpenAI's public API reference
(https://platform.openai.com/docs/api-reference/models/list, `Authorization: Bearer`;
https://platform.openai.com/docs/api-reference/projects/list for admin keys, which cannot call /models).
The base URL is the rotation provider's that rotates the key (`[rotation.providers.<name>] base_url`, trusted
as scanner/trust.py says), else `[verify] endpoints.openai-compatible`, else OpenAI's.
Errors are `{"error": {"message", "type", "code"}}`; 429 honours `Retry-After`, else `X-RateLimit-Reset`.
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
    header_wait,
    json_object,
)

KEYS = frozenset({"project-key", "service-account-key", "user-key", "legacy-key", "admin-key"})


class OpenAICompatible(SingleSecretVerifier):
    provider = "openai-compatible"
    default_url = "https://api.openai.com/v1"

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        path = "/organization/projects?limit=1" if credential.kind == "admin-key" else "/models"
        return Probe("GET", f"{base_url}{path}", bearer(credential.secret))

    def judge(self, answer: Answer) -> Verdict:
        if answer.status == 200:
            listing = json_object(answer)
            if listing.get("object") != "list" or not isinstance(listing.get("data"), list):
                raise MalformedAnswer('not a list ("object": "list", "data": [...])')
        return by_status(answer, answer.asked)

    def rate_limit_wait(self, answer: Answer, now: float) -> float | None:
        if answer.status != 429:
            return None
        if "retry-after" in answer.headers:
            return header_wait(answer.headers["retry-after"], now)
        return header_wait(answer.headers.get("x-ratelimit-reset"), now)

    def why_not(self, finding: Finding) -> str | None:
        if finding.kind in KEYS:
            return None
        return f"an OpenAI-compatible {finding.kind} cannot call the API (a webhook secret only signs deliveries)"
