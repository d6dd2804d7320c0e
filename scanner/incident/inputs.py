"""The report's input: a `keysweep scan --format json` document (a plain or an org scan) read into typed rows.

This is the one place the incident report reads the scan's JSON contract (README, `version` 1): the finding rows'
documented keys, `repository` on org-scan rows, and `verification` (`scan --verify`: status, reason, provider)
when the scan verified liveness.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import UsageError
from scanner.findings import Commit, Severity


@dataclass(frozen=True, slots=True)
class Verification:
    """A row's `verification`: what one read-only call to the provider said about the key."""

    status: str
    reason: str = ""
    provider: str | None = None


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One finding row of the scan's JSON report."""

    secret_id: str
    rule_id: str
    severity: Severity
    kind: str
    provider: str | None
    env_var: str | None
    redacted: str
    identifier: bool
    path: str
    line: int
    column: int
    end_column: int
    commit: Commit | None = None
    labels: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    name_hint: str | None = None
    repository: str | None = None
    """The repository of an org scan's row."""
    verification: Verification | None = None
    secret: str | None = field(default=None, repr=False)
    """The value, present only in a report written with --reveal."""


@dataclass(frozen=True, slots=True)
class ScanInput:
    """What the report starts from."""

    rows: tuple[ScanRow, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    verification: bool = False
    """Whether the scan verified liveness (its rows carry a `verification` key)."""
    org: bool = False
    failed_repositories: tuple[tuple[str, str], ...] = ()
    """An org scan's repositories that could not be scanned, with the reason."""


def load_scan_report(path: Path) -> ScanInput:
    """Read a scan report written by `keysweep scan --format json` (`--org` too)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the scan report ({exc.strerror})") from None
    except ValueError as exc:
        raise UsageError(f"{path}: not a JSON scan report ({exc})") from None
    return parse_scan_document(document, str(path))


def parse_scan_document(document: object, where: str = "<scan>") -> ScanInput:
    """The rows and the summary of a scan's JSON document; a UsageError naming `where` if it is not one."""
    if not isinstance(document, dict) or document.get("version") != 1 or not isinstance(document.get("findings"), list):
        raise UsageError(f"{where}: not a keysweep JSON scan report (expected version 1 with a findings list)")
    rows = tuple(_row(row, f"{where}: findings[{n}]") for n, row in enumerate(document["findings"]))
    found = document.get("summary")
    summary: dict[str, Any] = found if isinstance(found, dict) else {}
    skipped = tuple(
        (str(s.get("path")), str(s.get("reason"))) for s in summary.get("skipped") or () if isinstance(s, dict)
    )
    listed = document.get("repositories")
    repositories: list[Any] = listed if isinstance(listed, list) else []
    failed = tuple(
        (str(r.get("name")), str(r.get("reason") or "failed"))
        for r in repositories
        if isinstance(r, dict) and r.get("status") == "failed"
    )
    rows_have = any("verification" in r for r in document["findings"] if isinstance(r, dict))
    return ScanInput(
        rows=rows,
        skipped=skipped,
        notes=tuple(str(n) for n in summary.get("notes") or ()),
        verification=rows_have,
        org=isinstance(listed, list),
        failed_repositories=failed,
    )


def _row(row: object, where: str) -> ScanRow:
    if not isinstance(row, dict) or not isinstance(row.get("secret_id"), str):
        raise UsageError(f"{where} has no secret_id")
    try:
        severity = Severity.parse(str(row.get("severity") or "medium"))
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None
    commit = None
    if row.get("commit"):
        commit = Commit(str(row["commit"]), str(row.get("author") or ""), str(row.get("email") or ""), _s(row, "date"))
    return ScanRow(
        secret_id=row["secret_id"],
        rule_id=_s(row, "rule_id"),
        severity=severity,
        kind=_s(row, "kind") or "secret",
        provider=_opt(row, "provider"),
        env_var=_opt(row, "env_var"),
        redacted=_s(row, "redacted"),
        identifier=bool(row.get("identifier")),
        path=_s(row, "path") or "?",
        line=_int(row, "line"),
        column=_int(row, "column"),
        end_column=_int(row, "end_column"),
        commit=commit,
        labels=_strings(row.get("labels")),
        related=_strings(row.get("related")),
        name_hint=_opt(row, "name_hint"),
        repository=_opt(row, "repository"),
        verification=_verification(row.get("verification")),
        secret=row["secret"] if isinstance(row.get("secret"), str) else None,
    )


def _verification(value: object) -> Verification | None:
    if not isinstance(value, Mapping) or not value.get("status"):
        return None
    return Verification(str(value["status"]), str(value.get("reason") or ""), _opt(value, "provider"))


def _s(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def _opt(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    return None if value in (None, "") else str(value)


def _int(row: Mapping[str, Any], key: str) -> int:
    value = row.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, Sequence) and not isinstance(value, str) else ()
