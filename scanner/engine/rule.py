"""A Rule: one TOML table compiled into the keyword prefilter, the confirming regex and its checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from scanner.errors import RuleError
from scanner.findings import Severity

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ENV = re.compile(r"^[A-Z][A-Z0-9_]*$")
_KNOWN_KEYS = frozenset(
    {
        "id", "description", "severity", "kind", "provider", "env_var", "keywords", "regex",
        "secret_group", "prefix", "entropy", "token_chars", "glue", "identifier", "generic",
        "window", "allow_values", "match", "no_match", "references",
    }
)  # fmt: skip


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


@dataclass(frozen=True, slots=True)
class Example:
    """One `match` or `no_match` example; `secret` is the value a `match` example must yield, if given."""

    text: str
    secret: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
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
    prefix: str = ""
    """The literal start of every secret this rule finds; the regex is then tried only at a keyword."""
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
    allow_values: tuple[re.Pattern[str], ...] = ()
    references: tuple[str, ...] = ()
    match: tuple[Example, ...] = field(default=(), repr=False)
    no_match: tuple[Example, ...] = field(default=(), repr=False)

    @property
    def anchored(self) -> bool:
        """True when a secret starts exactly at one of the keywords (its prefix)."""
        return bool(self.prefix) and self.prefix.lower() in self.keywords


_DEFAULT_TOKEN = "A-Za-z0-9_-"


def compile_rule(table: dict[str, Any], source: str) -> Rule:
    """Validate one rule table and compile it; every problem is a RuleError naming the file and rule id."""
    rule_id = table.get("id")
    where = f"{source}: rule {rule_id!r}" if rule_id else f"{source}: a rule without an id"

    def fail(message: str) -> RuleError:
        return RuleError(f"{where}: {message}")

    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise fail("`id` must be kebab-case, like `openai-project-key`")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}")
    for key in ("description", "regex"):
        if not isinstance(table.get(key), str) or not table[key]:
            raise fail(f"`{key}` is required and must be a non-empty string")
    try:
        severity = Severity.parse(str(table.get("severity", "high")))
    except ValueError as exc:
        raise fail(str(exc)) from None
    keywords = table.get("keywords", [])
    if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) and k for k in keywords):
        raise fail("`keywords` must be a non-empty list of strings (the prefilter that makes scans fast)")
    try:
        regex = re.compile(table["regex"].encode())
    except re.error as exc:
        raise fail(f"`regex` does not compile: {exc}") from None
    secret_group = table.get("secret_group", 1 if regex.groups else 0)
    if not isinstance(secret_group, int) or not 0 <= secret_group <= regex.groups:
        raise fail(f"`secret_group` must be between 0 and {regex.groups}")
    env_var = table.get("env_var")
    if env_var is not None and (not isinstance(env_var, str) or not _ENV.match(env_var)):
        raise fail("`env_var` must look like OPENAI_API_KEY")
    token = table.get("token_chars", _DEFAULT_TOKEN)
    try:
        token_class = re.compile(f"[{token}]".encode())
    except re.error as exc:
        raise fail(f"`token_chars` is not a character class body: {exc}") from None
    try:
        allow_values = tuple(re.compile(p) for p in table.get("allow_values", []))
    except re.error as exc:
        raise fail(f"`allow_values` has a pattern that does not compile: {exc}") from None

    def examples(key: str) -> tuple[Example, ...]:
        out = []
        for item in table.get(key, []):
            if isinstance(item, str):
                out.append(Example(item))
            elif isinstance(item, dict) and isinstance(item.get("text"), str):
                out.append(Example(item["text"], item.get("secret")))
            else:
                raise fail(f"`{key}` entries are strings or tables with `text` (and optional `secret`)")
        return tuple(out)

    return Rule(
        id=rule_id,
        description=table["description"],
        severity=severity,
        keywords=tuple(dict.fromkeys(k.lower() for k in keywords)),
        regex=regex,
        secret_group=secret_group,
        source=source,
        kind=str(table.get("kind", "secret")),
        provider=table.get("provider"),
        env_var=env_var,
        prefix=str(table.get("prefix", "")),
        entropy=float(table.get("entropy", 0.0)),
        token_chars=frozenset(b for b in range(256) if token_class.match(bytes([b]))),
        glue=bool(table.get("glue", False)),
        identifier=bool(table.get("identifier", False)),
        generic=bool(table.get("generic", False)),
        window=int(table.get("window", 256)),
        allow_values=allow_values,
        references=tuple(table.get("references", [])),
        match=examples("match"),
        no_match=examples("no_match"),
    )


def rule_files(folder: Path) -> list[Path]:
    """The rule files of a folder, in a stable order."""
    return sorted(p for p in folder.glob("*.toml") if p.is_file())
