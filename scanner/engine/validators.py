"""Structural checks a secret must pass after its regex (`validate = "jwt"`, `jwt_claims`): a JWT is reported
only when its header and payload decode to JSON objects, it names a real signing algorithm, its signature has the
length that algorithm produces, and its payload carries the claims the rule asks for.

NOTE: the decoded header and payload are read here and dropped; they are never reported (they can hold personal
data). Lengths follow RFC 7518 §3.1 (JWS algorithms) and RFC 8037 (EdDSA).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from scanner.engine.rule import Rule

_MAX_PART = 8192
# Signature bytes per algorithm: HMAC output sizes, ECDSA r||s, Ed25519/Ed448; RSA is the modulus size.
_SIGNATURE_BYTES: dict[str, tuple[int, int]] = {
    "HS256": (32, 32), "HS384": (48, 48), "HS512": (64, 64),
    "ES256": (64, 64), "ES384": (96, 96), "ES512": (132, 132), "ES256K": (64, 64),
    "EdDSA": (64, 114),
    **{f"{family}{bits}": (128, 1024) for family in ("RS", "PS") for bits in (256, 384, 512)},
}  # fmt: skip


def is_valid(rule: Rule, secret: str) -> bool:
    """Whether `secret` passes the rule's structural check (always, for rules without one)."""
    if rule.validate != "jwt":
        return True
    payload = jwt_payload(secret)
    if payload is None:
        return False
    for claim in rule.jwt_claims:
        value = payload.get(claim.name)
        if not isinstance(value, str):
            return False
        if claim.value is not None and value != claim.value:
            return False
        if claim.pattern is not None and not claim.pattern.search(value):
            return False
    return True


def jwt_payload(token: str) -> dict[str, Any] | None:
    """The payload of a well-formed, signed JWT; None for anything else (`alg: none`, a signature of the wrong
    length for its algorithm, parts that are not base64url JSON objects)."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    header, payload = _json_object(parts[0]), _json_object(parts[1])
    signature = _b64url(parts[2], limit=_MAX_PART)
    if header is None or payload is None or signature is None:
        return None
    alg = header.get("alg")
    bounds = _SIGNATURE_BYTES.get(alg) if isinstance(alg, str) else None
    if bounds is None or not bounds[0] <= len(signature) <= bounds[1]:
        return None
    return payload


def _json_object(part: str) -> dict[str, Any] | None:
    raw = _b64url(part, limit=_MAX_PART)
    if raw is None:
        return None
    import json  # NOTE: here: only a JWT-shaped candidate needs it, and every start-up imports this module

    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _b64url(part: str, *, limit: int) -> bytes | None:
    if len(part) > limit * 4 // 3 + 4:
        return None
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None
