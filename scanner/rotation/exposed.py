"""Exposed secrets: findings (or a saved JSON report) grouped by secret, the unit rotation works on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import UsageError
from scanner.findings import Finding


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place an exposed secret was seen."""

    path: str
    line: int
    column: int
    rule_id: str
    commit: str | None = None

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
    """The secret itself; None when read from a report written without --reveal."""

    @property
    def short_id(self) -> str:
        return self.secret_id[:8]


def group_findings(findings: Iterable[Finding]) -> list[ExposedSecret]:
    """One ExposedSecret per distinct value, in order of first appearance."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.secret_id, []).append(finding)
    return [_merge(sid, [f.to_dict(reveal=True) for f in fs]) for sid, fs in groups.items()]


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
    groups: dict[str, list[dict[str, Any]]] = {}
    for n, row in enumerate(doc["findings"]):
        if not isinstance(row, dict) or not isinstance(row.get("secret_id"), str):
            raise UsageError(f"{path}: findings[{n}] has no secret_id")
        groups.setdefault(row["secret_id"], []).append(row)
    return [_merge(sid, rows) for sid, rows in groups.items()]


def _merge(secret_id: str, rows: list[dict[str, Any]]) -> ExposedSecret:
    first = rows[0]

    def union(name: str) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for row in rows:
            for item in row.get(name) or ():
                seen.setdefault(str(item), None)
        return tuple(seen)

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
        labels=union("labels"),
        related=union("related"),
        occurrences=tuple(
            Occurrence(
                str(r.get("path") or "?"),
                int(r.get("line") or 0),
                int(r.get("column") or 0),
                str(r.get("rule_id") or ""),
                r.get("commit"),
            )
            for r in rows
        ),
        value=value,
    )
