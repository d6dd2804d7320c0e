"""Seeded building blocks for fake credentials: character classes, checksums, DER/PEM, JWT and PuTTY encodings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import string
import uuid
import zlib
from random import Random

ALNUM = string.ascii_letters + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
BASE32 = string.ascii_uppercase + "234567"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def pick(rng: Random, alphabet: str, n: int) -> str:
    """`n` characters drawn from `alphabet`."""
    return "".join(rng.choice(alphabet) for _ in range(n))


def alnum(rng: Random, n: int) -> str:
    return pick(rng, ALNUM, n)


def hexs(rng: Random, n: int) -> str:
    return pick(rng, HEX, n)


def digits(rng: Random, n: int, *, lead: str = "123456789") -> str:
    """`n` decimal digits, the first from `lead` (no leading zero by default)."""
    return rng.choice(lead) + pick(rng, string.digits, n - 1)


def uuid4(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def b64_bytes(rng: Random, n: int, *, urlsafe: bool = False, pad: bool = True) -> str:
    """Base64 of `n` random bytes (standard or URL-safe alphabet, padded or not)."""
    raw = rng.randbytes(n)
    text = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()
    return text if pad else text.rstrip("=")


def base62(number: int, width: int) -> str:
    """`number` in base 62 (0-9A-Za-z order), left-padded with zeros to `width`."""
    alphabet = string.digits + string.ascii_uppercase + string.ascii_lowercase
    out = ""
    while number:
        number, rest = divmod(number, 62)
        out = alphabet[rest] + out
    return out.rjust(width, "0")


def crc32_token(rng: Random, prefix: str, body: int = 30) -> str:
    """`prefix` + `body` random base62 characters + a 6-character base62 CRC32 of the body.

    NOTE: GitHub documents this layout for its prefixed tokens (30 random characters, then a CRC32 checksum in 6
    base62 characters): https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/
    """
    random_part = alnum(rng, body)
    return prefix + random_part + base62(zlib.crc32(random_part.encode()), 6)


def password(rng: Random, n: int = 18, punctuation: str = "-_.!") -> str:
    """A strong human-set password: letters, digits and punctuation, at least one of each."""
    pool = ALNUM + punctuation
    body = [rng.choice(string.ascii_lowercase), rng.choice(string.ascii_uppercase), rng.choice(string.digits)]
    body += [rng.choice(pool) for _ in range(n - 4)] + [rng.choice(punctuation)]
    rng.shuffle(body)
    return "".join(body)


WORDS = ("orbit", "maple", "falcon", "copper", "harbor", "violet", "granite", "tundra", "saffron", "lantern")


def passphrase(rng: Random) -> str:
    """A weak but real configuration password of the `hunter2-prod` kind (word, digits, environment)."""
    return f"{rng.choice(WORDS)}{digits(rng, rng.randint(2, 4))}-{rng.choice(('prod', 'live', 'main', 'ops'))}"


# --- DER / PEM (RFC 7468 textual encoding; structure per RFC 8017 PKCS#1, RFC 5208 PKCS#8, RFC 5915 SEC1) -------


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _int(value: bytes) -> bytes:
    return _der(0x02, (b"\x00" + value) if value[0] & 0x80 else value)


def rsa_pkcs1_der(rng: Random, bits: int = 2048) -> bytes:
    """A structurally valid PKCS#1 RSAPrivateKey (random numbers: the shape, not a usable key)."""
    n = bits // 8
    half = n // 2
    fields = [b"\x00", rng.randbytes(n), b"\x01\x00\x01", rng.randbytes(n)] + [rng.randbytes(half) for _ in range(5)]
    return _der(0x30, b"".join(_int(f) for f in fields))


def pkcs8_der(rng: Random) -> bytes:
    rsa_oid = bytes.fromhex("06092a864886f70d0101010500")
    return _der(0x30, _int(b"\x00") + _der(0x30, rsa_oid) + _der(0x04, rsa_pkcs1_der(rng)))


def ec_der(rng: Random) -> bytes:
    """SEC1 ECPrivateKey on P-256 (RFC 5915)."""
    p256 = bytes.fromhex("06082a8648ce3d030107")
    point = b"\x00\x04" + rng.randbytes(64)
    return _der(0x30, _int(b"\x01") + _der(0x04, rng.randbytes(32)) + _der(0xA0, p256) + _der(0xA1, _der(0x03, point)))


def dsa_der(rng: Random) -> bytes:
    fields = [b"\x00", rng.randbytes(256), rng.randbytes(32), rng.randbytes(256), rng.randbytes(256), rng.randbytes(32)]
    return _der(0x30, b"".join(_int(f) for f in fields))


def encrypted_pkcs8_der(rng: Random) -> bytes:
    pbes2 = bytes.fromhex("06092a864886f70d01050d")
    params = _der(0x30, _der(0x04, rng.randbytes(16)) + _der(0x02, b"\x08\x00"))
    algorithm = _der(0x30, pbes2 + _der(0x30, params))
    return _der(0x30, algorithm + _der(0x04, rng.randbytes(1232)))


def openssh_blob(rng: Random) -> bytes:
    """An unencrypted `openssh-key-v1` ed25519 key blob (PROTOCOL.key in OpenSSH's sources)."""

    def s(b: bytes) -> bytes:
        return len(b).to_bytes(4, "big") + b

    public = s(b"ssh-ed25519") + s(rng.randbytes(32))
    check = rng.randbytes(4)
    private = check + check + public + s(rng.randbytes(64)) + s(b"deploy@build") + b"\x01\x02\x03"
    return b"openssh-key-v1\x00" + s(b"none") + s(b"none") + s(b"") + (1).to_bytes(4, "big") + s(public) + s(private)


def pem(label: str, der: bytes, width: int = 64, headers: str = "") -> str:
    body = base64.b64encode(der).decode()
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return "\n".join([f"-----BEGIN {label}-----", *([headers] if headers else []), *lines, f"-----END {label}-----"])


def putty_ppk(rng: Random) -> str:
    """A PuTTY-User-Key-File-3 (unencrypted ed25519), the layout of PuTTY's documentation appendix C."""
    public = base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + rng.randbytes(32)).decode()
    private = base64.b64encode(b"\x00\x00\x00\x20" + rng.randbytes(32)).decode()
    return "\n".join(
        [
            "PuTTY-User-Key-File-3: ssh-ed25519",
            "Encryption: none",
            "Comment: deploy@build",
            "Public-Lines: 2",
            public[:64],
            public[64:],
            "Private-Lines: 1",
            private,
            f"Private-MAC: {hexs(rng, 64)}",
        ]
    )


def pgp_private_block(rng: Random) -> str:
    """An ASCII-armored PGP private key block (RFC 4880 section 6.2), with its CRC-24 line."""
    data = b"\x95\x01\xd8\x04" + rng.randbytes(900)
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    body = base64.b64encode(data).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    checksum = base64.b64encode((crc & 0xFFFFFF).to_bytes(3, "big")).decode()
    return "\n".join(
        ["-----BEGIN PGP PRIVATE KEY BLOCK-----", "", *lines, f"={checksum}", "-----END PGP PRIVATE KEY BLOCK-----"]
    )


# --- JWT (RFC 7519 / RFC 7515 compact serialization) -------------------------------------------------------------


def _b64url_json(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


def jwt_hs256(rng: Random, claims: dict[str, object]) -> str:
    """A JWT signed with HMAC-SHA256 under a random key (a real signature)."""
    signing_input = _b64url_json({"alg": "HS256", "typ": "JWT"}) + "." + _b64url_json(claims)
    digest = hmac.new(rng.randbytes(32), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def jwt_unsigned(claims: dict[str, object]) -> str:
    """An unsecured JWT (`alg: none`, empty signature: RFC 7519 section 6)."""
    return _b64url_json({"alg": "none", "typ": "JWT"}) + "." + _b64url_json(claims) + "."


def b64json(obj: object) -> str:
    """Base64 of a JSON document, the shape of opaque pagination tokens (`NextToken`)."""
    return base64.b64encode(json.dumps(obj).encode()).decode()
