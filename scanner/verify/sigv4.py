"""AWS Signature Version 4 for one request: canonical request, string to sign, signing key, Authorization header.

Written from AWS's specification, "Create a signed AWS API request" and "Elements of an AWS API request
signature" (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv4-signing-elements.html), and checked against
AWS's published Signature Version 4 test suite vectors (tests/verify/test_sigv4.py). Paths are signed as given
(no dot-segment normalization): keysweep signs `/` only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

ALGORITHM = "AWS4-HMAC-SHA256"
_UNRESERVED = "-_.~"
_SPACES = re.compile(r" +")


@dataclass(frozen=True, slots=True)
class AwsKey:
    """An access key pair, with the session token of temporary (ASIA…) credentials."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    key: AwsKey,
    *,
    region: str,
    service: str,
    when: datetime,
) -> dict[str, str]:
    """`headers` plus `Host`, `X-Amz-Date`, `X-Amz-Security-Token` (with a session token) and `Authorization`.

    Every header given is signed, as are `host`, `x-amz-date` and the security token.
    """
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = {**headers, "Host": _host(url), "X-Amz-Date": stamp}
    if key.session_token:
        out["X-Amz-Security-Token"] = key.session_token
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    canonical, signed = canonical_request(method, url, out, body)
    to_sign = string_to_sign(stamp, scope, canonical)
    signature = hmac.new(signing_key(key.secret_access_key, stamp[:8], region, service), to_sign.encode(), "sha256")
    out["Authorization"] = (
        f"{ALGORITHM} Credential={key.access_key_id}/{scope}, SignedHeaders={signed}, Signature={signature.hexdigest()}"
    )
    return out


def canonical_request(method: str, url: str, headers: Mapping[str, str], body: bytes) -> tuple[str, str]:
    """(the canonical request, the signed header names joined by `;`)."""
    parts = urllib.parse.urlsplit(url)
    names: dict[str, list[str]] = {}
    for name, value in headers.items():
        names.setdefault(name.strip().lower(), []).append(_SPACES.sub(" ", value.strip()))
    signed = ";".join(sorted(names))
    lines = "".join(f"{name}:{','.join(names[name])}\n" for name in sorted(names))
    canonical = "\n".join(
        [
            method.upper(),
            _canonical_path(parts.path or "/"),
            _canonical_query(parts.query),
            lines,
            signed,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    return canonical, signed


def string_to_sign(stamp: str, scope: str, canonical: str) -> str:
    return f"{ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")."""
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), "sha256").digest()
    return key


def _canonical_path(path: str) -> str:
    """Each segment URI-encoded once from its raw form (RFC 3986 unreserved characters stay)."""
    return "/".join(urllib.parse.quote(urllib.parse.unquote(segment), safe=_UNRESERVED) for segment in path.split("/"))


def _canonical_query(query: str) -> str:
    """Names and values URI-encoded, sorted by name then value; `a` alone is `a=`."""
    pairs = []
    for item in query.split("&") if query else []:
        name, _, value = item.partition("=")
        pairs.append((_encode(name), _encode(value)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _encode(text: str) -> str:
    return urllib.parse.quote(urllib.parse.unquote(text), safe=_UNRESERVED)


def _host(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = {"https": 443, "http": 80}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"
