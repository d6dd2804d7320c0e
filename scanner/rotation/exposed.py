"""Exposed secrets: findings (or a saved JSON report) grouped by secret, the unit rotation works on.

This is where rotation reads a `Finding`: `group_findings` keeps the scan's findings as they are (the pull-
request step rewrites exactly those); `place_of` and `is_in_tree` are the only places in rotation that read a
finding's commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import UsageError
from scanner.findings import Finding
from scanner.naming import Sighting


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place an exposed secret was seen."""

    path: str
    line: int
    column: int
    rule_id: str
    commit: str | None = None
    """The commit that put it there, for a leak found in history; None: the working tree."""
    name_hint: str | None = None
    """What the code there calls the secret (`scanner.naming`), so a plan from a report names it too."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where} @ {self.commit[:12]}" if self.commit else where


@dataclass(frozen=True, slots=True)
class ExposedSecret:
    """Every occurrence of one secret value, with what the scan learnt about it."""

    secret_id: str
    rule_id: str
    kind: str
    family: str | None
    """The provider family from the rule (`openai-compatible`, `stripe`, …)."""
    redacted: str
    prefix: str
    env_var: str | None
    identifier: bool
    labels: tuple[str, ...]
    related: tuple[str, ...]
    occurrences: tuple[Occurrence, ...]
    value: str | None = field(default=None, repr=False)
    """The secret itself; None when read from a report written without --reveal (or from a journal)."""
    findings: tuple[Finding, ...] = field(default=(), repr=False, compare=False)
    """The scan's findings of this secret, when it came from a scan: the pull-request step rewrites them."""

    @property
    def short_id(self) -> str:
        return self.secret_id[:8]

    @property
    def tree_findings(self) -> list[Finding]:
        """The findings in the working tree (not only in a past commit): what a rewrite can replace."""
        return [f for f in self.findings if is_in_tree(f)]


def is_in_tree(finding: Finding) -> bool:
    """Whether a finding is in the working tree rather than only in a past commit."""
    return finding.commit is None


def place_of(finding: Finding) -> Occurrence:
    """Where a finding is, as rotation records it."""
    return Occurrence(
        finding.path,
        finding.line,
        finding.column,
        finding.rule_id,
        finding.commit.oid if finding.commit else None,
        finding.name_hint,
    )


def sightings(e: ExposedSecret) -> list[Sighting]:
    """How the naming decision sees each place of the secret."""
    return [
        Sighting(e.secret_id, o.rule_id, e.kind, e.family, e.env_var, e.labels, o.name_hint, (o.path, o.line, o.column))
        for o in e.occurrences
    ]


def group_findings(findings: Iterable[Finding]) -> list[ExposedSecret]:
    """One ExposedSecret per distinct value, in order of first appearance; the findings themselves are kept."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.secret_id, []).append(finding)
    return [_from_findings(sid, group) for sid, group in groups.items()]


def _from_findings(secret_id: str, group: Sequence[Finding]) -> ExposedSecret:
    first = group[0]
    return ExposedSecret(
        secret_id=secret_id,
        rule_id=first.rule_id,
        kind=first.kind,
        family=first.provider,
        redacted=first.redacted,
        prefix=first.prefix,
        env_var=next((f.env_var for f in group if f.env_var), None),
        identifier=first.identifier,
        labels=_union(f.labels for f in group),
        related=_union(f.related for f in group),
        occurrences=tuple(place_of(f) for f in group),
        value=first.secret,
        findings=tuple(group),
    )


def load_report(path: Path) -> list[ExposedSecret]:
    """Read `keysweep scan --format json` output; values are present only if it was written with --reveal."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the report ({exc.strerror})") from None
    except ValueError as exc:
        raise UsageError(f"{path}: not a JSON report ({exc})") from None
    if not isinstance(doc, dict) or doc.get("version") != 1 or not isinstance(doc.get("findings"), list):
        raise UsageError(f"{path}: not a keysweep JSON report (expected version 1 with a findings list)")
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for n, row in enumerate(doc["findings"]):
        if not isinstance(row, dict) or not isinstance(row.get("secret_id"), str):
            raise UsageError(f"{path}: findings[{n}] has no secret_id")
        groups.setdefault(row["secret_id"], []).append(row)
    return [_from_rows(sid, rows) for sid, rows in groups.items()]


def _from_rows(secret_id: str, rows: Sequence[Mapping[str, Any]]) -> ExposedSecret:
    first = rows[0]
    value = next((r["secret"] for r in rows if isinstance(r.get("secret"), str)), None)
    if value is None and first.get("identifier"):
        value = first.get("redacted")  # identifiers are never redacted, so the report carries them whole
    return ExposedSecret(
        secret_id=secret_id,
        rule_id=str(first.get("rule_id") or ""),
        kind=str(first.get("kind") or "secret"),
        family=first.get("provider"),
        redacted=str(first.get("redacted") or ""),
        prefix=str(first.get("prefix") or ""),
        env_var=next((r["env_var"] for r in rows if r.get("env_var")), None),
        identifier=bool(first.get("identifier")),
        labels=_union(r.get("labels") or () for r in rows),
        related=_union(r.get("related") or () for r in rows),
        occurrences=tuple(
            Occurrence(
                str(r.get("path") or "?"),
                int(r.get("line") or 0),
                int(r.get("column") or 0),
                str(r.get("rule_id") or ""),
                r.get("commit"),
                r.get("name_hint"),
            )
            for r in rows
        ),
        value=value,
    )


def _union(lists: Iterable[Iterable[object]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            seen.setdefault(str(item), None)
    return tuple(seen)
