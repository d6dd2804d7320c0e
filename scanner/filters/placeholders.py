"""Predicates that recognise values that look like secrets but are not: masks, placeholders, references, ids.

detect-secrets' heuristic filters are reused where they fit; it is imported on the first candidate only,
so a clean commit never pays for the import.
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType

from scanner.engine.entropy import is_repetitive, is_sequential

_MASK = re.compile(r"[•*…]|\.\.\.|[xX]{4,}|0{8,}|#{4,}")
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


@cache
def _heuristics() -> ModuleType:
    import detect_secrets.filters.heuristic as heuristic

    return heuristic


def is_masked_or_placeholder(secret: str) -> bool:
    """`sk-proj-J1•••`, `XXXX`, `<your-api-key>`, `REPLACE_ME`, `sk-proj-your-key-here`."""
    return bool(_MASK.search(secret) or _WORDS.search(secret))


def is_fake_body(body: str) -> bool:
    """Low-effort fakes: one unit repeated, or a run of consecutive characters (`abcdef…`, `123456…`)."""
    return is_repetitive(body) or is_sequential(body) or _heuristics().is_sequential_string(body)


def is_reference(value: str, line: str) -> bool:
    """`${VAR}`, `$VAR`, `${{ secrets.X }}`, `{{ .Values.x }}`, `process.env.X`, `os.environ["X"]`, …"""
    h = _heuristics()
    return bool(
        _TEMPLATE.search(value)
        or _REFERENCE.search(value)
        or h.is_templated_secret(value)
        or h.is_prefixed_with_dollar_sign(value)
    )


def is_identifier_like(value: str, line: str) -> bool:
    """Things a keyword rule meets that are ids, not secrets: UUIDs, git SHAs, hex digests, hashes, data URIs."""
    h = _heuristics()
    return bool(
        h.is_potential_uuid(value)
        or (_HEX.match(value) and len(value) in (32, 40, 56, 64, 96, 128))
        or _INTEGRITY.match(value)
        or _DATA_URI.search(line)
        or "integrity" in line
        or h.is_likely_id_string(value, line)
        or h.is_indirect_reference(line)
    )


def is_lock_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in _LOCK_FILES


def is_documented_example(secret: str) -> bool:
    """AWS's documented example credentials and anything else that says EXAMPLE in capitals."""
    return "EXAMPLE" in secret
