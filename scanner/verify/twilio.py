"""Twilio credentials: an account read, `GET /2010-04-01/Accounts/{AccountSid}.json`, with HTTP Basic auth.

Contract: https://www.twilio.com/docs/usage/api/account#fetch-an-account-resource (200 with `{"sid",
"friendly_name", "status", …}`) and https://www.twilio.com/docs/usage/api/account#read-multiple-account-resources
(`GET /2010-04-01/Accounts.json`, the accounts the credential may see); authentication
https://www.twilio.com/docs/iam/credentials/api — Basic with the account SID and auth token, or with an API
key SID (`SK…`) and its secret (https://www.twilio.com/docs/iam/api-keys). 401 error 20003 "Authenticate"
for wrong, deleted or suspended credentials (https://www.twilio.com/docs/api/errors/20003); 403 for a key
without the permission (live); 404 error 20404; 429 error 20429 "Too Many Requests".

Pairing (scanner/verify/pairing.py, nearest in the same file): an auth token goes with an account SID
(`AC…`, an identifier finding); an API key SID with its secret, and with an account SID when one is there
(else the account list is read). A half without its partner is `unknown` (`missing-partner`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import datetime

from scanner.findings import Finding
from scanner.verify.pairing import nearest
from scanner.verify.verifier import (
    UNKNOWN,
    Answer,
    Credential,
    MalformedAnswer,
    Planned,
    Probe,
    Verdict,
    by_status,
    json_object,
    retry_after,
    text_field,
    unsupported,
)

_SID = re.compile(r"^AC[0-9a-f]{32}$")
_KEY_SID = re.compile(r"^SK[0-9a-f]{32}$")
_MISSING = {
    "auth-token": "an auth token is checked with its account SID (AC…): none in the same file",
    "api-key": "an API key SID is checked with its secret: none in the same file",
    "api-key-secret": "an API key secret is checked with its key SID (SK…): none in the same file",
}


class Twilio:
    provider = "twilio"
    default_url = "https://api.twilio.com"

    def plan(self, findings: Sequence[Finding]) -> Planned:
        sids = [f for f in findings if _SID.match(f.secret)]
        key_sids = [f for f in findings if f.kind == "api-key" and _KEY_SID.match(f.secret)]
        key_secrets = [f for f in findings if f.kind == "api-key-secret"]
        planned = Planned()
        seen: set[tuple[str, ...]] = set()

        def add(members: tuple[str, ...], secret: Finding, username: str, sid: Finding | None) -> None:
            if members not in seen:
                seen.add(members)
                partners = {"username": username, **({"account_sid": sid.secret} if sid else {})}
                planned.credentials.append(
                    Credential(self.provider, members, secret.secret, secret.kind, secret.rule_id, partners)
                )

        for token in (f for f in findings if f.kind == "auth-token"):
            sid = nearest(token, sids)
            if sid is not None:
                add((token.secret_id,), token, sid.secret, sid)
        for key in key_sids:
            secret = nearest(key, key_secrets)
            if secret is not None:
                add((key.secret_id, secret.secret_id), secret, key.secret, nearest(key, sids))
        paired = {member for members in seen for member in members}
        for f in findings:
            if f.identifier or f.secret_id in paired or f.secret_id in planned.verdicts:
                continue
            if f.kind in _MISSING:
                planned.verdicts[f.secret_id] = Verdict(UNKNOWN, "missing-partner", _MISSING[f.kind])
            else:
                planned.verdicts[f.secret_id] = unsupported(f"keysweep has no read-only check for a Twilio {f.kind}")
        return planned

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        sid = credential.partners.get("account_sid")
        path = f"/2010-04-01/Accounts/{sid}.json" if sid else "/2010-04-01/Accounts.json?PageSize=1"
        basic = base64.b64encode(f"{credential.partners['username']}:{credential.secret}".encode()).decode()
        return Probe("GET", f"{base_url}{path}", {"Authorization": f"Basic {basic}"})

    def judge(self, answer: Answer) -> Verdict:
        if answer.status != 200:
            return by_status(answer, answer.asked)
        body = json_object(answer)
        if isinstance(body.get("accounts"), list):
            first = body["accounts"][0] if body["accounts"] else {}
            name = text_field(first, "friendly_name") if isinstance(first, dict) else None
            return by_status(answer, answer.asked, name)
        if not isinstance(body.get("sid"), str):
            raise MalformedAnswer("neither an account (`sid`) nor a list of them (`accounts`)")
        return by_status(answer, answer.asked, text_field(body, "friendly_name"))

    def rate_limit_wait(self, answer: Answer, now: float) -> float | None:
        return retry_after(answer, now)
