"""GitLab access tokens: `GET /api/v4/personal_access_tokens/self` with the `PRIVATE-TOKEN` header.

Contract: https://docs.gitlab.com/api/personal_access_tokens/#get-single-personal-access-token ("self": the
token that authenticates the request) — 200 with `{"id", "name", "revoked", "active", "scopes", "user_id",
"expires_at", …}`; 401 for an invalid, revoked or expired token. Project and group access tokens are
`glpat-` too and answer the same way. https://docs.gitlab.com/api/rest/authentication/ — `PRIVATE-TOKEN`.
Runner, deploy, feed, trigger, CI job and agent tokens cannot call this endpoint: they are not asked.
"""

from __future__ import annotations

from datetime import datetime

from scanner.findings import Finding
from scanner.verify.verifier import (
    LIVE,
    REVOKED,
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

WHAT = "GET /api/v4/personal_access_tokens/self"


class GitLab(SingleSecretVerifier):
    provider = "gitlab"
    default_url = "https://gitlab.com"

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        return Probe("GET", f"{base_url}/api/v4/personal_access_tokens/self", {"PRIVATE-TOKEN": credential.secret})

    def judge(self, answer: Answer) -> Verdict:
        if answer.status != 200:
            return by_status(answer, WHAT)
        token = json_object(answer)
        revoked, active = token.get("revoked"), token.get("active")
        if not isinstance(revoked, bool) or not isinstance(active, bool):
            raise MalformedAnswer("`revoked` and `active` must be true or false")
        name = text_field(token, "name")
        if revoked or not active:
            state = "revoked" if revoked else "inactive (expired)"
            return Verdict(REVOKED, "inactive", f"{WHAT} answered 200: the token is {state}", name)
        return Verdict(LIVE, "authenticated", f"{WHAT} answered 200: the token is active", name)

    def why_not(self, finding: Finding) -> str | None:
        if finding.kind == "gitlab-token" and (
            finding.secret.startswith("glpat-") or finding.rule_id == "gitlab-legacy-token"
        ):
            return None
        if "-glpat-" in finding.secret:
            return "an instance-prefixed token belongs to a self-managed GitLab; gitlab.com would not know it"
        return f"a GitLab {finding.kind} of this type cannot call /personal_access_tokens/self"
