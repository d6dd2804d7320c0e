"""Inline allow comments: `keysweep:allow [rule-id …] [-- reason]` on the line or the line before; migrants'
markers (`pragma: allowlist secret`, `pragma: allowlist nextline secret`, `gitleaks:allow`) too."""

from __future__ import annotations

import re

from scanner import re_cache

_KEYSWEEP = re_cache.compile(r"keysweep:allow(?:[ \t]+([^\r\n]*))?", re.IGNORECASE)
_SAME_LINE = re_cache.compile(r"pragma:\s*allowlist[ -]secret|gitleaks:allow", re.IGNORECASE)
_NEXT_LINE = re_cache.compile(r"pragma:\s*allowlist[ -]nextline[ -]secret", re.IGNORECASE)
_ID = re_cache.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# The short names people write for the families whose rule ids they do not remember.
_ALIASES = {
    "sk-proj": "openai-project-key",
    "sk-svcacct": "openai-service-account-key",
    "sk-admin": "openai-admin-key",
    "sk": "openai-legacy-key",
    "whsec": "webhook-signing-secret",
    "org": "openai-org-id",
}


def is_allowed_inline(rule_id: str, line: str, previous: str = "") -> bool:
    """True when `line`, or the line before it, carries an allow comment that covers `rule_id`."""
    return _allows(rule_id, line, own_line=False) or _allows(rule_id, previous, own_line=True)


def _allows(rule_id: str, text: str, *, own_line: bool) -> bool:
    if not text or "allow" not in text.lower():
        return False
    if own_line and _NEXT_LINE.search(text):
        return True
    if not own_line and _SAME_LINE.search(text):
        return True
    m = _KEYSWEEP.search(text)
    if m is None:
        return False
    if own_line and text[: m.start()].strip(" \t#/;*-<!") != "":
        return False  # an allow at the end of a code line speaks for that line only
    words = _rule_words(m.group(1) or "")
    return not words or any(names_rule(word, rule_id) for word in words)


def _rule_words(rest: str) -> list[str]:
    """The rule ids after `keysweep:allow`, up to a `--` reason or the end of the comment."""
    rest = re.split(r"\s--\s|\s--$|-->|\*/", " " + rest + " ", maxsplit=1)[0]
    return [w.lower() for w in re.split(r"[\s,]+", rest) if w and _ID.match(w.lower())]


def names_rule(word: str, rule_id: str) -> bool:
    """`openai-project-key` names itself, `sk-proj` its alias, `openai` every `openai-…` rule; nothing else."""
    return word == rule_id or _ALIASES.get(word) == rule_id or rule_id.startswith(word + "-")
