"""A Rule: one TOML table compiled into the keyword prefilter, the confirming regex and its checks."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from msgspec import Struct

from scanner import re_cache
from scanner.engine.rule_schema import KNOWN_KEYS, MAX_NEAR_LINES, MAX_WINDOW, RuleTable
from scanner.findings import Severity, shown_repr

_ID = re_cache.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ENV = re_cache.compile(r"^[A-Z][A-Z0-9_]*$")
_DEFAULT_TOKEN = "A-Za-z0-9_-"
VALIDATORS = frozenset({"jwt"})


class RegexMatch(Protocol):
    """What the detector reads of a match, from Python `re` and from RE2 alike."""

    def start(self, group: int = 0, /) -> int: ...
    def end(self, group: int = 0, /) -> int: ...


class Pattern(Protocol):
    """A compiled bytes regex: Python `re` for bundled rules, RE2 (linear time) for user-supplied ones."""

    @property
    def groups(self) -> int: ...
    def match(self, data: bytes, pos: int = 0, endpos: int = ..., /) -> RegexMatch | None: ...
    def search(self, data: bytes, pos: int = 0, endpos: int = ..., /) -> RegexMatch | None: ...
    def fullmatch(self, data: bytes, pos: int = 0, endpos: int = ..., /) -> RegexMatch | None: ...
    def finditer(self, data: bytes, pos: int = 0, endpos: int = ..., /) -> Iterator[RegexMatch]: ...


class TextPattern(Protocol):
    """A compiled str regex (allow-lists, JWT claims): Python `re` or RE2."""

    def search(self, text: str, /) -> object | None: ...


class Near(Struct, frozen=True):
    """`near = { rule = "aws-access-key-id", lines = 5 }` or `near = { regex = '…', lines = 3 }`."""

    rule: str | None
    """The partner rule: a value counts only within `lines` lines of one of its findings."""
    regex: Pattern | None
    """Or the partner pattern, searched on the lines that hold one of this rule's keywords."""
    lines: int


class Claim(Struct, frozen=True):
    """One `jwt_claims` entry: the payload's `name` equals `value`, or `pattern` finds a match in it."""

    name: str
    value: str | None
    pattern: TextPattern | None


class Example(Struct, frozen=True):
    """One `match` or `no_match` example; `secret` is the value a `match` example must yield, if given."""

    text: str
    secret: str | None = None
    path: str = "-"
    """The path the example is scanned as (a `paths` rule applies only to its files); `-` is stdin."""


class Rule(Struct, frozen=True, eq=False):
    """A compiled detection rule."""

    id: str
    description: str
    severity: Severity
    keywords: tuple[str, ...]
    """Lower-case literals; the rule is tried only where one occurs (case-insensitively)."""
    regex: Pattern
    secret_group: int
    source: str
    """The file the rule came from, for messages and `rules list`."""
    kind: str = "secret"
    provider: str | None = None
    env_var: str | None = None
    prefixes: tuple[str, ...] = ()
    """The literal starts of the secrets this rule finds (one of them); as keywords they anchor the rule."""
    entropy: float = 0.0
    """Minimum Shannon entropy of the secret without its prefix."""
    token_chars: frozenset[int] = frozenset()
    """Bytes that continue a token: a secret must not be flanked by them (no `ask-proj…`, no truncation)."""
    glue: bool = False
    """Accept a capitalised heading word glued onto the end of the secret (`…Kj3XDocker`) and cut it off."""
    identifier: bool = False
    generic: bool = False
    """A keyword-and-entropy rule: yields to any specific rule that finds the same span."""
    window: int = 256
    """How many bytes after the keyword the regex may look at."""
    allow_values: tuple[TextPattern, ...] = ()
    references: tuple[str, ...] = ()
    near: Near | None = None
    """The partner a value needs nearby to count (an AWS secret next to its key id)."""
    paths: tuple[str, ...] = ()
    """Globs of the paths this rule applies to (credential files by name); empty: every path."""
    validate: str | None = None
    """A check of the secret's structure after the regex: `jwt`."""
    anchor: bool = False
    """Match the regex at each keyword even though the secret is a later group (no prefix to anchor on)."""
    jwt_claims: tuple[Claim, ...] = ()
    """Claims a JWT's payload must carry for this rule (implies `validate = "jwt"`)."""
    match: tuple[Example, ...] = ()
    no_match: tuple[Example, ...] = ()

    def __repr__(self) -> str:
        return shown_repr(self, ("match", "no_match"))

    @property
    def prefix(self) -> str:
        """The prefix of a one-prefix rule (the first of several)."""
        return self.prefixes[0] if self.prefixes else ""

    def prefix_of(self, secret: str) -> str:
        """The prefix `secret` starts with, or ``."""
        return next((p for p in self.prefixes if secret.startswith(p)), "")

    @property
    def anchored(self) -> bool:
        """True when the regex is matched at the keywords: `anchor = true`, or every prefix is a keyword."""
        return self.anchor or (bool(self.prefixes) and all(p.lower() in self.keywords for p in self.prefixes))


def compile_rule(table: dict[str, Any], source: str, *, user: bool = False) -> Rule:
    """Validate one rule table and compile it; every problem is a RuleError naming the file and rule id.

    `user` rules (custom files, gitleaks configs) compile their regexes with RE2, which runs in linear time.
    """
    t = RuleTable(table, source, user=user)
    rule_id = table.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise t.fail("`id` must be kebab-case, like `openai-project-key`")
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise t.fail(f"unknown key(s) {', '.join(unknown)}")
    description = t.string("description", required=True)
    pattern = t.string("regex", required=True)
    try:
        severity = Severity.parse(t.string("severity", "high"))
    except ValueError as exc:
        raise t.fail(f"`severity`: {exc}") from None
    keywords = t.strings("keywords", required=True, what="a non-empty list of strings (the prefilter of scans)")
    regex = t.regex("regex", pattern)
    groups: int = regex.groups
    secret_group = t.integer("secret_group", 1 if groups else 0, 0, groups, f"a group number between 0 and {groups}")
    env_var = t.string("env_var")
    if env_var is not None and not _ENV.match(env_var):
        raise t.fail("`env_var` must look like OPENAI_API_KEY")
    prefixes = t.string_or_strings("prefix")
    anchor = t.flag("anchor")
    lowered = {k.lower() for k in keywords}
    if anchor and prefixes and not all(p.lower() in lowered for p in prefixes):
        raise t.fail("`anchor = true` with a `prefix` that is not one of the `keywords`: the rule could not anchor")
    try:
        token_chars = _token_set(t.string("token_chars", _DEFAULT_TOKEN))
    except re.error as exc:
        raise t.fail(f"`token_chars` is not a character class body: {exc}") from None
    return Rule(
        id=rule_id,
        description=description,
        severity=severity,
        keywords=tuple(dict.fromkeys(k.lower() for k in keywords)),
        regex=regex,
        secret_group=secret_group,
        source=source,
        kind=t.string("kind", "secret"),
        provider=t.string("provider"),
        env_var=env_var,
        prefixes=tuple(prefixes),
        entropy=t.number("entropy", 0.0, 0.0, 8.0, "a number of bits per character between 0 and 8"),
        token_chars=token_chars,
        glue=t.flag("glue"),
        identifier=t.flag("identifier"),
        generic=t.flag("generic"),
        window=t.integer("window", 256, 1, MAX_WINDOW, f"a number of bytes between 1 and {MAX_WINDOW}"),
        allow_values=tuple(t.regex("allow_values", p, text=True) for p in t.strings("allow_values")),
        references=tuple(t.strings("references")),
        near=_near(t),
        paths=tuple(t.strings("paths", what="a list of path globs")),
        validate=_validate(t),
        anchor=anchor,
        jwt_claims=_claims(t),
        match=_examples(t, "match"),
        no_match=_examples(t, "no_match"),
    )


@functools.cache
def _token_set(body: str) -> frozenset[int]:
    """The bytes a character class body (`A-Za-z0-9_-`) holds; most rules share a few bodies, so each is
    computed once per process (a pure function: the same body always gives the same set)."""
    token_class = re.compile(f"[{body}]".encode())
    return frozenset(b for b in range(256) if token_class.match(bytes([b])))


def _near(t: RuleTable) -> Near | None:
    near = t.table.get("near")
    if near is None:
        return None
    what = "a table `{ rule = \"<rule id>\", lines = N }` or `{ regex = '…', lines = N }`"
    if not isinstance(near, dict) or set(near) - {"rule", "regex", "lines"} or ("rule" in near) == ("regex" in near):
        raise t.fail(f"`near` must be {what}")
    lines = near.get("lines")
    if not isinstance(lines, int) or isinstance(lines, bool) or not 0 <= lines <= MAX_NEAR_LINES:
        raise t.fail(f"`near.lines` must be a number of lines between 0 and {MAX_NEAR_LINES}")
    partner, pattern = near.get("rule"), near.get("regex")
    if partner is not None and (not isinstance(partner, str) or not _ID.match(partner)):
        raise t.fail("`near.rule` must be a rule id")
    if pattern is not None and (not isinstance(pattern, str) or not pattern):
        raise t.fail("`near.regex` must be a non-empty string")
    return Near(partner, t.regex("near.regex", pattern) if pattern else None, lines)


def _validate(t: RuleTable) -> str | None:
    value = t.string("validate")
    if value is not None and value not in VALIDATORS:
        raise t.fail(f"`validate` must be one of {', '.join(sorted(VALIDATORS))}, not {value!r}")
    return "jwt" if value is None and "jwt_claims" in t.table else value


def _claims(t: RuleTable) -> tuple[Claim, ...]:
    claims = t.table.get("jwt_claims", {})
    what = "a table of claim = \"value\" or claim = { regex = '…' }"
    if not isinstance(claims, dict):
        raise t.fail(f"`jwt_claims` must be {what}")
    out = []
    for name, expected in claims.items():
        if isinstance(expected, str):
            out.append(Claim(name, expected, None))
        elif isinstance(expected, dict) and set(expected) == {"regex"} and isinstance(expected["regex"], str):
            out.append(Claim(name, None, t.regex(f"jwt_claims.{name}", expected["regex"], text=True)))
        else:
            raise t.fail(f"`jwt_claims` must be {what}; `{name}` is not")
    return tuple(out)


def _examples(t: RuleTable, key: str) -> tuple[Example, ...]:
    items = t.table.get(key, [])
    what = f"`{key}` must be a list of strings or tables with `text` (and optional `secret`, `path`)"
    if not isinstance(items, list):
        raise t.fail(what)
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(Example(item))
        elif (
            isinstance(item, dict)
            and isinstance(item.get("text"), str)
            and isinstance(item.get("secret", ""), str)
            and isinstance(item.get("path", "-"), str)
            and not set(item) - {"text", "secret", "path"}
        ):
            out.append(Example(item["text"], item.get("secret"), item.get("path", "-")))
        else:
            raise t.fail(what)
    return tuple(out)


def rule_files(folder: Path) -> list[Path]:
    """The rule files of a folder, in a stable order."""
    # NOTE: scandir, not glob and is_file: the entry's type comes with the listing (one system call, not 70)
    with os.scandir(folder) as entries:
        return sorted(folder / e.name for e in entries if e.name.endswith(".toml") and e.is_file())
