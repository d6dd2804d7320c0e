"""Predicates that recognise values that look like secrets but are not: masks, placeholders, references, ids.

NOTE: these follow detect-secrets' heuristic filters (`detect_secrets.filters.heuristic`) rule for rule, and
tests/test_placeholders.py checks that they agree with the real package on a table of inputs. They are not
imported from it because importing detect-secrets costs over 100 ms and pulls in `requests`, and this code
runs in the pre-commit hook, which must start fast and load no HTTP client.

NOTE: they live in the engine, not in scanner.filters, because the detector runs them on every candidate
before a match exists: a rejected candidate lets the regex try the next one, a generic rule's reading of the
span survive, and glue and history attribution see only plausible secrets. The filter stage acts later, on
reported findings (allowed values, baseline).
"""

from __future__ import annotations

import re
import string

from scanner.engine.entropy import is_repetitive, is_sequential

_MASK = re.compile(r"[•*…]|\.\.\.|#{4,}")
# NOTE: `xxxx` masks short values; inside long random bodies such runs happen by chance (one RSA key in
# ~700 holds `xXxX`), so the run a mask needs grows with the body.
_X_RUN = re.compile(r"[xX]{4,}|0{8,}")
# NOTE: a word counts only between non-letters, so a random 48-character body that happens to spell
# `here` between two letters is still a key; `sk-proj-your-key-here` and `REPLACE_ME` are not.
_WORDS = re.compile(
    r"(?<![a-z])(?:your|example|placeholder|replace|changeme|change_me|dummy|redacted|sample|insert"
    r"|here|todo|fixme|fake|notreal|not_real|secret_value|my_?key|none|null|undefined)(?![a-z])",
    re.IGNORECASE,
)
_TEMPLATE = re.compile(r"^\$|\$\{|\{\{|\}\}|^<.*>$|^%\(|%s$|^\{.*\}$|^\[.*\]$")
_REFERENCE = re.compile(
    r"process\.env\.|os\.environ|os\.getenv|getenv\(|secrets\.|vars\.|env\(|ENV\[|\.Values\.|System\.getenv"
)
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_INTEGRITY = re.compile(r"^(?:sha1|sha256|sha384|sha512)-", re.IGNORECASE)
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,", re.IGNORECASE)
_LOCK_FILES = (
    "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock", "Cargo.lock",
    "composer.lock", "Gemfile.lock", "go.sum", "uv.lock", "npm-shrinkwrap.json", "bun.lock",
)  # fmt: skip


_UUID = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}", re.IGNORECASE)
_ID_NAME = re.compile(r"(^(id|myid|userid)|_id)s?[^a-z0-9]", re.IGNORECASE)
_INDIRECT = re.compile(r"([^\v=!:]*)\s*(:=?|[!=]{1,3})\s*([\w.-]+[\[\(][^\v]*[\]\)])")
_SEQUENCES = (
    string.ascii_uppercase * 2 + string.digits + "+/",
    string.digits + string.ascii_uppercase * 2 + "+/",
    (string.digits + string.ascii_uppercase) * 2,
    string.digits * 2,
    string.hexdigits.upper() * 2,
    string.ascii_uppercase + "=/",
)


def is_sequential_string(secret: str) -> bool:
    """`ABCDEF…`, `0123…`, `abcdef0123…`: part of an alphabet or digit run (detect-secrets' rule)."""
    upper = secret.upper()
    return any(upper in sequence for sequence in _SEQUENCES)


def is_potential_uuid(secret: str) -> bool:
    return bool(_UUID.search(secret))


def is_templated_secret(secret: str) -> bool:
    """`{secret}`, `<secret>`, `${secret}`; an empty value or a lone `$` is never a secret."""
    if not secret or secret == "$":
        return True
    return (
        (secret[0] == "{" and secret[-1] == "}")
        or (secret[0] == "<" and secret[-1] == ">")
        or (secret[0] == "$" and secret[1:2] == "{" and secret[-1] == "}")
    )


def is_likely_id_string(secret: str, line: str) -> bool:
    """The value is assigned to an `id`/`…_id` name: an identifier, not a credential."""
    index = line.find(secret)
    return index != -1 and bool(_ID_NAME.search(line, 0, index))


def is_indirect_reference(line: str) -> bool:
    """`secret = get_secret_key()`, `secret = request.headers['apikey']`: a lookup, not a value."""
    return len(line) <= 1000 and bool(_INDIRECT.search(line))


def is_masked_or_placeholder(secret: str) -> bool:
    """`sk-proj-J1•••`, `XXXX`, `<your-api-key>`, `REPLACE_ME`, `sk-proj-your-key-here`."""
    if _MASK.search(secret) or _WORDS.search(secret):
        return True
    needed = 4 if len(secret) < 32 else 6 if len(secret) < 200 else 10
    return any(len(run.group()) >= needed for run in _X_RUN.finditer(secret))


def is_fake_body(body: str) -> bool:
    """Low-effort fakes: one unit repeated, or a run of consecutive characters (`abcdef…`, `123456…`)."""
    return is_repetitive(body) or is_sequential(body) or is_sequential_string(body)


def is_reference(value: str, line: str) -> bool:
    """`${VAR}`, `$VAR`, `${{ secrets.X }}`, `{{ .Values.x }}`, `process.env.X`, `os.environ["X"]`, …"""
    return bool(_TEMPLATE.search(value) or _REFERENCE.search(value) or is_templated_secret(value))


def is_identifier_like(value: str, line: str) -> bool:
    """Things a keyword rule meets that are ids, not secrets: UUIDs, git SHAs, hex digests, hashes, data URIs."""
    return bool(
        is_potential_uuid(value)
        or (_HEX.match(value) and len(value) in (32, 40, 56, 64, 96, 128))
        or _INTEGRITY.match(value)
        or _DATA_URI.search(line)
        or "integrity" in line
        or is_likely_id_string(value, line)
        or is_indirect_reference(line)
    )


def is_lock_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in _LOCK_FILES


def is_documented_example(secret: str) -> bool:
    """AWS's documented example credentials and anything else that says EXAMPLE in capitals."""
    return "EXAMPLE" in secret
