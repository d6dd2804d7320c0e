"""Anthropic API keys: `GET /v1/models` with `x-api-key` and `anthropic-version`; admin keys `GET /v1/organizations/me`.

Contract: https://docs.anthropic.com/en/api/models-list (`x-api-key`, `anthropic-version: 2023-06-01`; 200
`{"data": [...], "has_more", "first_id", "last_id"}`), https://docs.anthropic.com/en/api/admin-api/organization/get-me
(admin keys, `sk-ant-admin01-`: 200 `{"id", "name", "type": "organization"}`) and
https://docs.anthropic.com/en/api/errors — 401 `authentication_error`, 403 `permission_error` (live),
429 `rate_limit_error` with `retry-after`, 500 `api_error`, 529 `overloaded_error` (both unknown).
OAuth tokens (`sk-ant-oat01-`, `sk-ant-ort01-`) are for Claude apps, not the API key header: not asked.
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
    by_status,
    json_object,
    text_field,
)

API_VERSION = "2023-06-01"


class Anthropic(SingleSecretVerifier):
    provider = "anthropic"
    default_url = "https://api.anthropic.com"

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        path = "/v1/organizations/me" if credential.kind == "admin-key" else "/v1/models"
        headers = {"x-api-key": credential.secret, "anthropic-version": API_VERSION}
        return Probe("GET", f"{base_url}{path}", headers)

    def judge(self, answer: Answer) -> Verdict:
        if answer.status != 200:
            return by_status(answer, answer.asked)
        body = json_object(answer)
        if isinstance(body.get("data"), list):
            return by_status(answer, answer.asked)
        if body.get("type") == "organization":
            return by_status(answer, answer.asked, text_field(body, "name"))
        raise MalformedAnswer("neither a models list nor an organization")

    def why_not(self, finding: Finding) -> str | None:
        if finding.kind in ("api-key", "admin-key"):
            return None
        return f"an Anthropic {finding.kind} does not authenticate with x-api-key"
