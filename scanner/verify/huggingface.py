"""Hugging Face access tokens: `GET /api/whoami-v2` with the token as a bearer.

Contract: the Hub's whoami endpoint (https://huggingface.co/docs/huggingface_hub/package_reference/hf_api
`whoami`, and @huggingface/hub's `whoAmI`, src/lib/who-am-i.ts) — 200 with `{"type": "user"|"org"|"app",
"name", …, "auth": {"type": "access_token", "accessToken": {"displayName", "role"}}}`; 401 "Invalid
credentials in Authorization header" for an unknown or revoked token; 429 with `Retry-After`.
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
    text_field,
)

WHAT = "GET /api/whoami-v2"


class HuggingFace(SingleSecretVerifier):
    provider = "huggingface"
    default_url = "https://huggingface.co"

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        return Probe("GET", f"{base_url}/api/whoami-v2", bearer(credential.secret))

    def judge(self, answer: Answer) -> Verdict:
        if answer.status != 200:
            return by_status(answer, WHAT)
        who = json_object(answer)
        if who.get("type") not in ("user", "org", "app"):
            raise MalformedAnswer('`type` must be "user", "org" or "app"')
        return by_status(answer, WHAT, text_field(who, "name"))
