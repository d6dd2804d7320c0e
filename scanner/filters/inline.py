"""Inline allow comments: `keysweep:allow [rule-id …]` on the line or the line before; migrants' markers too."""

from __future__ import annotations

import re

# `keysweep:allow` alone allows every rule; with ids it allows only those (`keysweep:allow sk-proj` matches
# rule ids that start with or contain that word, so teams can write the short family name).
_KEYSWEEP = re.compile(r"keysweep:allow(?:[ \t]+([a-z0-9][a-z0-9_, -]*))?", re.IGNORECASE)
_MIGRANT = re.compile(r"pragma:\s*allowlist[ -]secret|gitleaks:allow", re.IGNORECASE)


def is_allowed_inline(rule_id: str, line: str, previous: str = "") -> bool:
    """True when `line`, or the line before it, carries an allow comment that covers `rule_id`."""
    return _allows(rule_id, line) or _allows(rule_id, previous, only_own_line_comment=True)


def _allows(rule_id: str, text: str, only_own_line_comment: bool = False) -> bool:
    if not text or ("allow" not in text and "ALLOW" not in text):
        return False
    if _MIGRANT.search(text) and not only_own_line_comment:
        return True
    m = _KEYSWEEP.search(text)
    if m is None:
        return False
    if only_own_line_comment and text[: m.start()].strip(" \t#/;*-<!") != "":
        return False  # an allow at the end of a code line speaks for that line only
    ids = [w for w in re.split(r"[\s,]+", (m.group(1) or "").strip()) if w and w != "-"]
    return not ids or any(_names(word.lower(), rule_id) for word in ids)


def _names(word: str, rule_id: str) -> bool:
    """`sk-proj` names `openai-project-key`; a full id names itself; a family word names its family."""
    aliases = {"sk-proj": "project", "sk-svcacct": "service-account", "sk-admin": "admin", "whsec": "webhook"}
    word = aliases.get(word, word)
    return rule_id == word or word in rule_id.split("-") or rule_id.startswith(word + "-") or word in rule_id
