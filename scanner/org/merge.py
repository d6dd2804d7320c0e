"""The merge: per-repository outcomes into one report, grouped by secret across repositories (blast radius)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.findings import Severity
from scanner.org.repositories import Repository, safe_url


@dataclass(frozen=True, slots=True)
class OrgReport:
    """What an org scan found, across every repository, and what it covered; plain data from the workers."""

    source: str
    repositories: list[dict[str, Any]]
    """Per-repository summary: name, url, status (scanned / failed / skipped), reason, counts, timings."""
    findings: list[dict[str, Any]]
    """Finding rows (the JSON report's, plus `repository`), sorted by repository, path and line."""
    secrets: list[dict[str, Any]] = field(default_factory=list)
    """Blast radius per secret: its repositories and the first and last commits that hold it."""
    seconds: float = 0.0
    fail_on: Severity = Severity.LOW

    @property
    def incomplete(self) -> list[dict[str, Any]]:
        """The repositories the run was asked to scan and could not (fully) read."""
        return [r for r in self.repositories if r["status"] == "failed" or r.get("incomplete_paths")]

    @property
    def failing(self) -> int:
        return sum(1 for row in self.findings if Severity.parse(str(row["severity"])) >= self.fail_on)


def combine(previous: dict[str, Any] | None, outcome: dict[str, Any]) -> dict[str, Any]:
    """A repository's outcome this run, on top of what an earlier run covered.

    An incremental scan's findings join the earlier ones; a failed run keeps the earlier coverage, so the next
    run is still incremental and known findings are not lost.
    """
    if previous is None:
        return outcome
    if outcome["status"] != "scanned":
        return {**outcome, "tips": previous.get("tips", []), "findings": previous.get("findings", [])}
    if not outcome.get("incremental"):
        return outcome
    rows = {_identity(r): r for r in previous.get("findings", [])}
    for row in outcome["findings"]:
        rows.setdefault(_identity(row), row)
    return {**outcome, "findings": list(rows.values())}


def skipped_outcome(repo: Repository) -> dict[str, Any]:
    """The outcome of a repository the selection leaves out (listed, not scanned, not a failure)."""
    return {"repository": repo.name, "url": safe_url(repo.clone_url), "status": "skipped", "reason": repo.skip_reason}


def failed_outcome(repo: Repository, reason: str) -> dict[str, Any]:
    """The outcome of a repository whose task never returned (worker lost too often, an unexpected error)."""
    return {"repository": repo.name, "url": safe_url(repo.clone_url), "status": "failed", "reason": reason}


def merge(
    source: str, outcomes: Iterable[dict[str, Any]], *, seconds: float = 0.0, fail_on: Severity = Severity.LOW
) -> OrgReport:
    """One report from every repository's outcome (one outcome per repository; rows de-duplicated)."""
    summaries: dict[str, dict[str, Any]] = {}
    rows: dict[tuple[object, ...], dict[str, Any]] = {}
    for outcome in outcomes:
        name = str(outcome["repository"])
        summaries[name] = _summary(outcome)
        for row in outcome.get("findings", []):
            rows.setdefault((name, *_identity(row)), row)
    findings = sorted(rows.values(), key=_order)
    repositories = [summaries[name] for name in sorted(summaries)]
    return OrgReport(source, repositories, findings, blast_radius(findings), seconds, fail_on)


def blast_radius(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per secret: rule, severity, redacted value, repositories, places, and its first and last commits."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in findings:
        groups[str(row["secret_id"])].append(row)
    out = []
    for secret, group in groups.items():
        severity = max(Severity.parse(str(r["severity"])) for r in group)
        dated = sorted((r for r in group if r.get("commit")), key=lambda r: (str(r.get("date") or ""), r["repository"]))
        entry: dict[str, Any] = {
            "secret_id": secret,
            "rule_id": group[0]["rule_id"],
            "severity": str(severity),
            "identifier": bool(group[0].get("identifier")),
            "redacted": group[0]["redacted"],
            "repositories": sorted({str(r["repository"]) for r in group}),
            "occurrences": len(group),
            "first": _commit(dated[0]) if dated else None,
            "last": _commit(dated[-1]) if dated else None,
        }
        if "secret" in group[0]:
            entry["secret"] = group[0]["secret"]
        out.append(entry)
    return sorted(out, key=_worst_first)


def _worst_first(entry: dict[str, Any]) -> tuple[object, ...]:
    return (entry["identifier"], -Severity.parse(entry["severity"]), -len(entry["repositories"]), entry["rule_id"])


def _commit(row: dict[str, Any]) -> dict[str, Any]:
    return {"repository": row["repository"], "commit": row["commit"], "date": row.get("date"), "path": row["path"]}


def _summary(outcome: dict[str, Any]) -> dict[str, Any]:
    skipped = outcome.get("skipped", [])
    return {
        "name": outcome["repository"],
        "url": outcome.get("url"),
        "status": outcome["status"],
        "reason": outcome.get("reason"),
        "findings": len(outcome.get("findings", [])),
        "incremental": bool(outcome.get("incremental", False)),
        "blobs_scanned": outcome.get("blobs_scanned", 0),
        "bytes_scanned": outcome.get("bytes_scanned", 0),
        "skipped_paths": len(skipped),
        "incomplete_paths": [s for s in skipped if s.get("incomplete")],
        "notes": outcome.get("notes", []),
        "clone_seconds": outcome.get("clone_seconds", 0.0),
        "scan_seconds": outcome.get("scan_seconds", 0.0),
    }


def _identity(row: dict[str, Any]) -> tuple[object, ...]:
    return (row["secret_id"], row["rule_id"], row["path"], row["line"], row["column"], row.get("commit"))


def _order(row: dict[str, Any]) -> tuple[object, ...]:
    return (row["repository"], row["path"], row["line"], row["column"], row["rule_id"], row.get("commit") or "")
