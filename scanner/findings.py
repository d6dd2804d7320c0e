"""Pure data that flows through the scan: Fragment in, Finding out, plus secret identity helpers."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field, replace


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so `>=` compares against the failing threshold."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of {names})") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Fragment:
    """A piece of text to scan and where it came from."""

    path: str
    """Path relative to the scanned root (POSIX separators); `-` for stdin."""
    data: bytes = field(repr=False)
    """The raw bytes; the engine never needs them decoded, so invalid UTF-8 cannot break a scan."""
    commit: str | None = None
    """The commit this content was read from (None for the working tree or stdin)."""
    author: str | None = None
    email: str | None = None
    date: str | None = None
    """ISO-8601 author date of `commit`."""
    added_lines: frozenset[int] | None = None
    """When set, only findings on these 1-based lines are reported (staged changes, commit ranges)."""
    blob: str | None = None
    """The git blob id, for sources that scan history by unique content."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One occurrence of one secret at one place."""

    rule_id: str
    severity: Severity
    secret: str = field(repr=False)
    """The secret value. Never printed unless the user asks with --reveal."""
    path: str
    line: int
    """1-based line of the first character of the secret."""
    column: int
    """1-based column, in characters, of the first character of the secret."""
    end_column: int
    """1-based column one past the last character of the secret, on `line`."""
    prefix: str = ""
    """The rule's literal prefix of the secret (`sk-proj-`), kept visible in redacted output."""
    identifier: bool = False
    """True for identifiers (org IDs) that are reported but are not secrets; they are never redacted."""
    kind: str = "secret"
    """What the secret is, for rotation: `project-key`, `service-account-key`, `admin-key`, `legacy-key`,
    `webhook-secret`, `org-id`, `aws-access-key-id`, `github-token`, `private-key`, `generic`, …"""
    provider: str | None = None
    """The provider family that can rotate it (`openai-compatible`, `stripe`, `github`, `aws`); None if unknown."""
    env_var: str | None = None
    """The rule's conventional environment variable name (`OPENAI_API_KEY`); rewrites may pick a better one."""
    commit: str | None = None
    author: str | None = None
    email: str | None = None
    date: str | None = None
    labels: tuple[str, ...] = ()
    """Names given to this secret elsewhere in the scan (a key table's row name: `prod-default`)."""
    related: tuple[str, ...] = ()
    """secret_ids of findings that belong with this one (the org IDs beside a key)."""
    decoded: str | None = None
    """How the secret was reached when it was encoded in the source (`base64`, `url`, `json`)."""
    blob: str | None = field(default=None, repr=False, compare=False)
    """The git blob the finding was read from (history scans); not part of its identity."""
    name_hint: str | None = field(default=None, compare=False)
    """What the code beside the secret calls it (`NEXUS_API_KEY="…"`); scanner.naming decides from it."""

    @property
    def secret_id(self) -> str:
        return secret_id(self.secret)

    @property
    def redacted(self) -> str:
        if self.identifier:
            return self.secret
        if "\n" in self.secret:  # a PEM block: its header names the kind and reveals nothing
            return self.secret.split("\n", 1)[0].strip() + "…"
        return redact(self.secret, self.prefix)

    def to_dict(self, *, reveal: bool = False) -> dict[str, object]:
        """The finding as a row of the JSON report (`version` 1); the value only with `reveal`."""
        row: dict[str, object] = {
            "rule_id": self.rule_id,
            "severity": str(self.severity),
            "kind": self.kind,
            "provider": self.provider,
            "env_var": self.env_var,
            "secret_id": self.secret_id,
            "redacted": self.redacted,
            "prefix": self.prefix,
            "identifier": self.identifier,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_column": self.end_column,
            "commit": self.commit,
            "author": self.author,
            "email": self.email,
            "date": self.date,
            "labels": list(self.labels),
            "related": list(self.related),
            "decoded": self.decoded,
            "name_hint": self.name_hint,
        }
        if reveal:
            row["secret"] = self.secret
        return row

    def with_(self, **changes: object) -> Finding:
        return replace(self, **changes)  # type: ignore[arg-type]


def secret_id(secret: str) -> str:
    """A short, stable identity for a secret value: it names the secret without revealing it."""
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def redact(secret: str, prefix: str = "") -> str:
    """`sk-proj-J1…3uyw`: the rule's prefix plus two characters, then the last four.

    Short secrets show less, so that never more than a quarter of the random part is visible.
    """
    body = secret[len(prefix) :] if prefix and secret.startswith(prefix) else secret
    shown = prefix if body is not secret else ""
    if len(body) >= 24:
        return f"{shown}{body[:2]}…{body[-4:]}"
    if len(body) >= 8:
        return f"{shown}{body[:2]}…"
    return f"{shown}…"
