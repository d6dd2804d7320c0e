"""Slack tokens: `POST /api/auth.test` ("Checks authentication & identity") with the token as a bearer.

Contract: https://api.slack.com/methods/auth.test — no scope needed (bot, user and app-level tokens); HTTP 200
for both outcomes: `{"ok": true, "team", "user", "team_id", "user_id", …}` or `{"ok": false, "error": …}`
with `invalid_auth`, `not_authed`, `account_inactive`, `token_revoked`, `token_expired` (the credential is
dead) or a transient error (`internal_error`, `fatal_error`, `ratelimited`). Tokens go in the
`Authorization: Bearer` header (https://api.slack.com/web#authentication). Rate limits: 429 with
`Retry-After` seconds (https://api.slack.com/apis/rate-limits).
"""

from __future__ import annotations

import re
from datetime import datetime

from scanner.findings import Finding
from scanner.verify.verifier import (
    LIVE,
    REVOKED,
    UNKNOWN,
    Answer,
    Credential,
    MalformedAnswer,
    Probe,
    SingleSecretVerifier,
    Verdict,
    bearer,
    json_object,
)

WHAT = "POST /api/auth.test"
DEAD = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})
USABLE = ("xoxb-", "xoxp-", "xoxa-", "xapp-", "xoxe.xoxb-", "xoxe.xoxp-")
"""Bot, user, workspace-app and app-level tokens, and rotated access tokens; refresh tokens (`xoxe-`, `xoxr-`),
browser tokens and cookies (`xoxc-`, `xoxd-`) cannot call the Web API on their own."""
_CODE = re.compile(r"^[a-z0-9_]{1,64}$")


class Slack(SingleSecretVerifier):
    provider = "slack"
    default_url = "https://slack.com/api"

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        headers = bearer(credential.secret, **{"Content-Type": "application/x-www-form-urlencoded"})
        return Probe("POST", f"{base_url}/auth.test", headers)

    def judge(self, answer: Answer) -> Verdict:
        if answer.status != 200:
            return Verdict(UNKNOWN, "unexpected-answer", f"{WHAT} answered {answer.status}")
        body = json_object(answer)
        ok = body.get("ok")
        if ok is True:
            team, user = body.get("team"), body.get("user")
            account = f"{user} in {team}" if isinstance(team, str) and isinstance(user, str) else None
            return Verdict(LIVE, "authenticated", f"{WHAT} answered ok", account)
        if ok is not False:
            raise MalformedAnswer("`ok` must be true or false")
        error = body.get("error")
        code = error if isinstance(error, str) and _CODE.match(error) else "an unreadable error"
        if code in DEAD:
            return Verdict(REVOKED, "rejected", f"{WHAT} answered {code}")
        if code == "ratelimited":
            return Verdict(UNKNOWN, "rate-limited", f"{WHAT} answered ratelimited")
        return Verdict(UNKNOWN, "unexpected-answer", f"{WHAT} answered {code}")

    def why_not(self, finding: Finding) -> str | None:
        if finding.kind == "slack-token" and finding.secret.startswith(USABLE):
            return None
        if finding.kind == "webhook-url":
            return "a Slack webhook URL can only post messages; keysweep does not post to check it"
        return (
            "this kind of Slack token cannot call auth.test on its own (a refresh token, a browser token or a cookie)"
        )
