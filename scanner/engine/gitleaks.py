"""Gitleaks configs (`[[rules]]`) translated into keysweep rule tables; their Go (RE2) regexes run as written on
RE2, and a Python spelling of them gives the keywords."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scanner.errors import RuleError

# Go's RE2 names these POSIX classes; Python's `re` has no `[:name:]` syntax.
_POSIX = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "ascii": "\\x00-\\x7f",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "word": "a-zA-Z0-9_",
    "xdigit": "0-9a-fA-F",
}
_RULE_KEYS = frozenset(
    {
        "id",
        "description",
        "regex",
        "secretGroup",
        "entropy",
        "keywords",
        "allowlist",
        "allowlists",
        "tags",
        "path",
    }
)
_META = set("\\.^$*+?{}[]()|")
# Shorter literal prefixes would match almost everywhere and make the keyword prefilter useless.
_MIN_KEYWORD = 3


def convert_gitleaks_rules(data: dict[str, Any], source: str) -> list[dict[str, Any]]:
    """Keysweep rule tables for every `[[rules]]` entry of a gitleaks config; errors name file and rule id."""
    rules = data.get("rules")
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise RuleError(f"{source}: `rules` must be an array of tables ([[rules]])")
    shared = _allow_values(data, source, "the global allowlist")
    return [_convert(rule, source, shared) for rule in rules]


def _convert(rule: dict[str, Any], source: str, shared: list[str]) -> dict[str, Any]:
    raw_id = rule.get("id")
    where = f"{source}: gitleaks rule {raw_id!r}" if raw_id else f"{source}: a gitleaks rule without an id"

    def fail(message: str) -> RuleError:
        return RuleError(f"{where}: {message}")

    if not isinstance(raw_id, str) or not raw_id.strip():
        raise fail("`id` is required")
    unknown = sorted(set(rule) - _RULE_KEYS)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}")
    pattern = rule.get("regex")
    if not isinstance(pattern, str) or not pattern:
        # NOTE: path-only gitleaks rules flag a file by its name; keysweep rules always match content.
        raise fail("`regex` is required (rules that match only a `path` are not supported)")
    try:
        python_regex = go_to_python_regex(pattern)
    except ValueError as exc:
        raise fail(f"`regex` uses Go syntax keysweep cannot translate: {exc}") from None
    keywords = rule.get("keywords")
    if keywords is None or keywords == []:
        keywords = derive_keywords(python_regex)
        if not keywords:
            raise fail(
                "`keywords` are required: keysweep needs them as a prefilter and the regex has no literal "
                'prefix to derive them from; add `keywords = ["..."]` with words every match contains'
            )
    table: dict[str, Any] = {
        "id": _kebab(raw_id),
        "description": str(rule.get("description") or raw_id),
        "severity": "high",
        "keywords": keywords,
        # NOTE: compiled with RE2 (gitleaks' own engine) as written; the Python spelling only serves to derive
        # keywords and to see whether the pattern spans lines.
        "regex": pattern,
        "token_chars": "A-Za-z0-9_-",
    }
    if "secretGroup" in rule:
        table["secret_group"] = rule["secretGroup"]
    if "entropy" in rule:
        entropy = rule["entropy"]
        if not isinstance(entropy, int | float) or isinstance(entropy, bool):
            raise fail("`entropy` must be a number")
        table["entropy"] = float(entropy)
    if "[\\s\\S]" in python_regex or "(?s" in python_regex or "\\n" in python_regex:
        table["window"] = 8192  # a multi-line pattern (PEM blocks) must see past the end of the line
    allow = shared + _allow_values(rule, f"{where}", "its allowlist")
    if allow:
        table["allow_values"] = allow
    return table


def _allow_values(table: dict[str, Any], where: str, what: str) -> list[str]:
    """`regexes` and `stopwords` of `allowlist` / `[[allowlists]]` as keysweep value patterns.

    NOTE: keysweep checks allow patterns against the secret only, as gitleaks does by default
    (`regexTarget = "secret"`); `paths` and `commits` have no per-rule equivalent and are ignored.
    """
    lists: list[Any] = []
    if "allowlist" in table:
        lists.append(table["allowlist"])
    if "allowlists" in table:
        more = table["allowlists"]
        lists.extend(more if isinstance(more, list) else [more])
    out: list[str] = []
    for allow in lists:
        if not isinstance(allow, dict):
            raise RuleError(f"{where}: {what} must be a table")
        for key in ("regexes", "stopwords"):
            values = allow.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise RuleError(f"{where}: {what}: `{key}` must be a list of strings")
        out.extend(allow.get("regexes", []))
        out.extend("(?i)" + re.escape(word) for word in allow.get("stopwords", []) if word)
    return out


def go_to_python_regex(pattern: str) -> str:
    """The Python `re` spelling of a Go (RE2) regex: POSIX classes, `\\z`, `\\Q…\\E`, flags mid-pattern."""
    out: list[str] = []
    i = 0
    in_class = False
    # Per open group, the mid-pattern flag groups opened in it: each closes with the group and, since RE2
    # flags run on across `|` while Python's scoped flags cannot, is closed and reopened around each `|`.
    scoped: list[list[str]] = [[]]
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "Q":
                end = pattern.find("\\E", i + 2)
                end = len(pattern) if end == -1 else end
                out.append(re.escape(pattern[i + 2 : end]))
                i = end + 2
                continue
            elif nxt in ("p", "P"):
                raise ValueError(f"Unicode class \\{nxt} at offset {i}")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            posix = re.match(r"\[:(\^?)([a-z]+):\]", pattern[i:])
            if posix:
                if posix.group(1) or posix.group(2) not in _POSIX:
                    raise ValueError(f"POSIX class {posix.group(0)} at offset {i}")
                out.append(_POSIX[posix.group(2)])
                i += posix.end()
                continue
            if c == "]" and not _class_just_opened(out):
                in_class = False
            out.append("\\[" if c == "[" else c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            i += 1
            continue
        if c == "(":
            flags = re.match(r"\(\?([imsU-]+)\)", pattern[i:])
            if flags:
                if "U" in flags.group(1):
                    raise ValueError("the ungreedy flag (?U)")
                if out or "-" in flags.group(1):
                    # Python takes global flags only at the very start: scope these to the rest of the group.
                    out.append(f"(?{flags.group(1)}:")
                    scoped[-1].append(flags.group(1))
                else:
                    out.append(flags.group(0))
                i += flags.end()
                continue
            scoped.append([])
            out.append(c)
            i += 1
            continue
        if c == ")":
            out.append(")" * len(scoped.pop() if len(scoped) > 1 else []))
            out.append(c)
            i += 1
            continue
        if c == "|" and scoped[-1]:
            out.append(")" * len(scoped[-1]) + "|" + "".join(f"(?{f}:" for f in scoped[-1]))
            i += 1
            continue
        out.append(c)
        i += 1
    out.append(")" * len(scoped[0]))
    return "".join(out)


def _class_just_opened(out: list[str]) -> bool:
    """A `]` right after `[` or `[^` is a literal member, not the end of the class."""
    return bool(out) and (out[-1] == "[" or (out[-1] == "^" and len(out) > 1 and out[-2] == "["))


def derive_keywords(pattern: str) -> list[str]:
    """Lower-case literals every match starts with, read from the regex's literal prefix; [] if none.

    Leading groups and alternations are followed (`(?:ghp|gho)_` gives `ghp_` and `gho_`); any branch
    without a literal prefix of at least three characters means no keywords at all.
    """
    body = re.sub(r"^\(\?[a-zA-Z]+\)", "", pattern)
    prefixes, _ = _prefixes(body)
    if not prefixes or any(len(p) < _MIN_KEYWORD for p in prefixes):
        return []
    return list(dict.fromkeys(p.lower() for p in prefixes))


def _prefixes(text: str) -> tuple[list[str], bool]:
    """The literal prefixes of each top-level branch of `text`, and whether every branch was all literal."""
    out: list[str] = []
    complete = True
    for branch in _split_top(text, "|"):
        found, whole = _branch_prefixes(branch)
        out.extend(found)
        complete = complete and whole
        if len(out) > 32:
            return [], False
    return out, complete


def _branch_prefixes(text: str) -> tuple[list[str], bool]:
    current = [""]
    i = 0
    while i < len(text):
        c = text[i]
        if text.startswith(("\\b", "\\A"), i) or (c == "^" and i == 0):
            i += 1 if c == "^" else 2
            continue
        if c == "\\" and i + 1 < len(text) and not text[i + 1].isalnum():
            piece, i = text[i + 1], i + 2
        elif c == "(":
            close = _closing(text, i)
            opener = re.match(r"\((?:\?:|\?P<\w+>|\?[imsx-]+:)?", text[i:])
            if close < 0 or opener is None or (text.startswith("(?", i) and opener.end() == 1):
                return current, False  # lookarounds and the like: the prefix stops here
            inner, whole = _prefixes(text[i + opener.end() : close])
            i = close + 1
            if (i < len(text) and text[i] in "*?{") or not inner:
                return current, False
            current = [a + b for a in current for b in inner]
            if not whole or (i < len(text) and text[i] == "+"):
                return current, False
            continue
        elif c in _META:
            return current, False
        else:
            piece, i = c, i + 1
        if i < len(text) and text[i] in "*?{":
            return current, False  # the character may be absent or repeated: it is not part of every match
        current = [a + piece for a in current]
        if i < len(text) and text[i] == "+":
            return current, False
    return current, True


def _structure(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) of each character outside escapes and character classes."""
    depth, i, in_class = 0, start, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if text[i + 1 : i + 2] == "]":
                i += 1
        else:
            depth += (c == "(") - (c == ")")
            yield i, c, depth
        i += 1


def _split_top(text: str, sep: str) -> list[str]:
    parts, start = [], 0
    for i, c, depth in _structure(text):
        if c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _closing(text: str, open_at: int) -> int:
    """The index of the `)` that closes the group opened at `open_at`, or -1."""
    return next((i for i, c, depth in _structure(text, open_at) if c == ")" and depth == 0), -1)


def _kebab(rule_id: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", rule_id.lower()).strip("-")
