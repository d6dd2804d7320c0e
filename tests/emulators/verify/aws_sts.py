"""AWS STS Query API (docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html, CommonErrors.html):
`POST /` with `Action=GetCallerIdentity&Version=2011-06-15`, authenticated with Signature Version 4.

The emulator checks each signature the way AWS describes its own check (IAM User Guide, "Create a signed AWS
API request"): it rebuilds the canonical request from what it received, derives the signing key from the
secret it holds for the key id, and compares. Its own code, written from the server's side, not keysweep's
signer. Errors are `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code>` with 403 (400 for Throttling).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, unquote

from tests.emulators.verify.server import ALNUM, ApiEmulator, Reply, Request, random_text

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = ALNUM + "+/"


@dataclass
class Key:
    secret: str
    arn: str
    active: bool = True
    session_token: str | None = None
    expired: bool = False


def _error(code: str, message: str, status: int = 403) -> Reply:
    body = (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>'
        f"</Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return Reply(status, body.encode(), content_type="text/xml")


class StsEmulator(ApiEmulator):
    name = "aws"

    def __init__(self, region: str = "us-east-1") -> None:
        super().__init__()
        self.region = region
        self.keys: dict[str, Key] = {}

    @property
    def base_url(self) -> str:
        return self.url

    def new_key(
        self, *, active: bool = True, temporary: bool = False, expired: bool = False
    ) -> tuple[str, str, str | None]:
        """(access key id, secret access key, session token)."""
        key_id = ("ASIA" if temporary else "AKIA") + random_text(B32, 16)
        secret = random_text(B64, 40)
        token = "IQoJb3JpZ2luX2Vj" + random_text(B64, 300) if temporary else None
        arn = f"arn:aws:iam::123456789012:user/{key_id[-6:].lower()}"
        self.keys[key_id] = Key(secret, arn, active, token, expired)
        return key_id, secret, token

    def handle(self, request: Request) -> Reply:
        if request.method != "POST" or request.path != "/":
            return _error("InvalidAction", "Could not find operation", 400)
        found = _AUTH.match(request.header("Authorization") or "")
        if found is None:
            return _error(
                "IncompleteSignature", "Authorization header requires Credential, SignedHeaders, Signature", 400
            )
        key = self.keys.get(found["key"])
        if key is None or not key.active:
            return _error("InvalidClientTokenId", "The security token included in the request is invalid.")
        if key.session_token is not None and request.header("X-Amz-Security-Token") != key.session_token:
            return _error("InvalidClientTokenId", "The security token included in the request is invalid.")
        if found["service"] != "sts" or found["region"] != self.region:
            return _error("SignatureDoesNotMatch", "Credential should be scoped to a valid region/service")
        stamp = request.header("X-Amz-Date") or ""
        try:
            when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return _error("IncompleteSignature", "X-Amz-Date is missing or malformed", 400)
        if abs(datetime.now(UTC) - when) > timedelta(minutes=15) or stamp[:8] != found["date"]:
            return _error("SignatureDoesNotMatch", "Signature expired or scoped to another day")
        if not hmac.compare_digest(self._signature(request, found, key.secret), found["signature"]):
            return _error(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if key.expired:
            return _error("ExpiredToken", "The security token included in the request is expired")
        form = parse_qs(request.body.decode())
        if form.get("Action") != ["GetCallerIdentity"] or form.get("Version") != ["2011-06-15"]:
            return _error("InvalidAction", "Could not find operation", 400)
        body = (
            f'<GetCallerIdentityResponse xmlns="{NS}"><GetCallerIdentityResult><Arn>{key.arn}</Arn>'
            f"<UserId>AIDA{random_text(B32, 17)}</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        )
        return Reply(200, body.encode(), content_type="text/xml")

    def _signature(self, request: Request, auth: re.Match[str], secret: str) -> str:
        names = auth["signed"].split(";")
        if "host" not in names:
            return ""
        headers = "".join(f"{n}:{' '.join((request.header(n) or '').split())}\n" for n in names)
        path, _, query = request.target.partition("?")
        pairs = sorted(
            (quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~"))
            for k, _, v in (p.partition("=") for p in query.split("&") if p)
        )
        canonical = "\n".join([
            request.method, path, "&".join(f"{k}={v}" for k, v in pairs), headers, auth["signed"],
            hashlib.sha256(request.body).hexdigest(),
        ])  # fmt: skip
        scope = f"{auth['date']}/{auth['region']}/{auth['service']}/aws4_request"
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        to_sign = f"AWS4-HMAC-SHA256\n{request.header('X-Amz-Date')}\n{scope}\n{digest}"
        key = b"AWS4" + secret.encode()
        for part in (auth["date"], auth["region"], auth["service"], "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
