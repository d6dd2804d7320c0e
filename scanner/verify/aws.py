"""AWS access keys: STS `GetCallerIdentity`, SigV4-signed with the key id and secret key found together.

Contract: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html — `POST /` with
`Action=GetCallerIdentity&Version=2011-06-15` (Query API, form-encoded); needs no permission ("No permissions
are required to perform this operation"); 200 `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>,
<UserId>, <Account>`. https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html —
`<ErrorResponse><Error><Code>`: 403 `InvalidClientTokenId` (no such key id, or inactive), `ExpiredToken`,
`SignatureDoesNotMatch` (the secret key is not this key id's), `Throttling`. The global endpoint is
https://sts.amazonaws.com in us-east-1; a regional one (`sts.<region>.amazonaws.com`) signs for its region.

Pairing: an `aws-secret-access-key` finding goes with the nearest `aws-access-key-id` in the same file (same
path and commit; scanner/verify/pairing.py); a temporary key id (`ASIA…`) also needs the nearest
`aws-session-token` there. A half without its partner is `unknown` (`missing-partner`) and nothing is sent.
"""

from __future__ import annotations

import re
import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from datetime import datetime

from scanner.findings import Finding
from scanner.verify.pairing import nearest
from scanner.verify.sigv4 import AwsKey, sign
from scanner.verify.verifier import (
    LIVE,
    REVOKED,
    UNKNOWN,
    Answer,
    Credential,
    MalformedAnswer,
    Planned,
    Probe,
    Verdict,
    header_wait,
    unsupported,
)

BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
WHAT = "STS GetCallerIdentity"
_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
_REGION = re.compile(r"^sts\.([a-z0-9-]+)\.amazonaws\.com$")
_CODE = re.compile(r"^[A-Za-z.]{1,64}$")
_MISSING = {
    "aws-access-key-id": "an access key id is checked with its secret access key: none in the same file",
    "aws-secret-access-key": "a secret access key is checked with its access key id: none in the same file",
    "aws-session-token": "a session token is checked with its ASIA key id and secret key: not found together",
}


class Aws:
    provider = "aws"
    default_url = "https://sts.amazonaws.com"

    def plan(self, findings: Sequence[Finding]) -> Planned:
        ids = [f for f in findings if f.kind == "aws-access-key-id"]
        tokens = [f for f in findings if f.kind == "aws-session-token"]
        planned = Planned()
        paired: set[str] = set()
        seen: set[tuple[str, ...]] = set()
        lacking: dict[str, str] = {}
        for secret in (f for f in findings if f.kind == "aws-secret-access-key"):
            key_id = nearest(secret, ids)
            if key_id is None:
                continue
            token = nearest(key_id, tokens) if key_id.secret.startswith("ASIA") else None
            if key_id.secret.startswith("ASIA") and token is None:
                why = "a temporary key id (ASIA…) needs its session token in the same file"
                lacking.setdefault(secret.secret_id, why)
                lacking.setdefault(key_id.secret_id, why)
                continue
            members = (key_id.secret_id, secret.secret_id, *((token.secret_id,) if token else ()))
            paired.update(members)
            if members in seen:
                continue
            seen.add(members)
            partners = {"key_id": key_id.secret, **({"session_token": token.secret} if token else {})}
            planned.credentials.append(
                Credential(self.provider, members, secret.secret, secret.kind, secret.rule_id, partners)
            )
        for f in findings:
            if f.identifier or f.secret_id in paired or f.secret_id in planned.verdicts:
                continue
            if f.kind in _MISSING:
                why = lacking.get(f.secret_id, _MISSING[f.kind])
                planned.verdicts[f.secret_id] = Verdict(UNKNOWN, "missing-partner", why)
            else:
                planned.verdicts[f.secret_id] = unsupported(f"keysweep has no read-only check for an AWS {f.kind}")
        return planned

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        key = AwsKey(credential.partners["key_id"], credential.secret, credential.partners.get("session_token"))
        url = f"{base_url}/"
        found = _REGION.match(urllib.parse.urlsplit(url).hostname or "")
        region = found.group(1) if found else "us-east-1"
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        signed = sign("POST", url, headers, BODY, key, region=region, service="sts", when=now)
        return Probe("POST", url, signed, BODY)

    def judge(self, answer: Answer) -> Verdict:
        root = _xml(answer)
        if answer.status == 200:
            arn = root.findtext(f"{_NS}GetCallerIdentityResult/{_NS}Arn")
            if root.tag != f"{_NS}GetCallerIdentityResponse" or not arn:
                raise MalformedAnswer("no GetCallerIdentityResult/Arn")
            return Verdict(LIVE, "authenticated", f"{WHAT} answered 200", arn[:200])
        code = _code(root)
        if code == "InvalidClientTokenId":
            return Verdict(
                REVOKED,
                "rejected",
                f"{WHAT} answered {answer.status} InvalidClientTokenId: no such active key id (deleted or "
                "deactivated, or of another partition than this endpoint's)",
            )
        if code in ("ExpiredToken", "ExpiredTokenException"):
            return Verdict(REVOKED, "inactive", f"{WHAT} answered {answer.status} {code}: the session has expired")
        if code == "SignatureDoesNotMatch":
            return Verdict(
                UNKNOWN,
                "unexpected-answer",
                f"{WHAT} answered {answer.status} SignatureDoesNotMatch: the secret access key is not this key id's "
                "(the key id exists; keysweep may have paired the wrong two)",
            )
        if code == "AccessDenied":
            return Verdict(LIVE, "lacks-permission", f"{WHAT} answered {answer.status} AccessDenied")
        return Verdict(UNKNOWN, "unexpected-answer", f"{WHAT} answered {answer.status} {code}")

    def rate_limit_wait(self, answer: Answer, now: float) -> float | None:
        if answer.status == 429:
            return header_wait(answer.headers.get("retry-after"), now)
        if answer.status == 400:
            try:
                code = _code(_xml(answer))
            except MalformedAnswer:
                return None
            if code in ("Throttling", "RequestLimitExceeded"):
                return header_wait(answer.headers.get("retry-after"), now)
        return None


def _xml(answer: Answer) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(answer.body)
    except ElementTree.ParseError:
        raise MalformedAnswer("the answer is not XML") from None


def _code(root: ElementTree.Element) -> str:
    """The error code of an `<ErrorResponse>` (with or without the STS namespace)."""
    code = root.findtext(f"{_NS}Error/{_NS}Code") or root.findtext("Error/Code")
    if not code or not _CODE.match(code.strip()):
        raise MalformedAnswer("no ErrorResponse/Error/Code")
    return code.strip()
