"""The JSON report: stable, sorted, documented in README (`version` 1); values only with --reveal."""

from __future__ import annotations

from typing import Any

from scanner import __version__
from scanner.config import Settings
from scanner.findings import ScanResult
from scanner.report import is_failing, json_text


def summary(result: ScanResult, settings: Settings) -> dict[str, Any]:
    findings = result.findings
    by_severity: dict[str, int] = {}
    for f in findings:
        by_severity[str(f.severity)] = by_severity.get(str(f.severity), 0) + 1
    return {
        "findings": len(findings),
        "unique_secrets": len({f.secret_id for f in findings if not f.identifier}),
        "identifiers": len({f.secret_id for f in findings if f.identifier}),
        "by_severity": dict(sorted(by_severity.items())),
        "failing": sum(1 for f in findings if is_failing(f, result, settings)),
        "fail_on": str(settings.fail_on),
        "only_verified": settings.only_verified,
        "verification": _verification_counts(result),
        "files_scanned": result.files_scanned,
        "bytes_scanned": result.bytes_scanned,
        "skipped": [
            {"path": s.path, "reason": s.reason, "incomplete": s.incomplete}
            for s in sorted(result.skipped, key=lambda s: s.path)
        ],
        "notes": list(result.notes),
        "engine": result.engine,
        "seconds": round(result.seconds, 3),
        "blobs_scanned": result.blobs_scanned,
        "commits_scanned": result.commits_scanned,
        # NOTE: `complete` false means part of what was asked was not read (`incomplete` lists it): the scan
        # exits 2 unless `allow_incomplete`, which `incomplete_allowed` records.
        "complete": not result.incomplete,
        "incomplete": [{"path": s.path, "reason": s.reason} for s in sorted(result.incomplete, key=lambda s: s.path)],
        "incomplete_allowed": settings.allow_incomplete,
    }


def render(result: ScanResult, settings: Settings) -> str:
    verified = result.verifications or {}
    rows = []
    for f in result.findings:
        row = f.to_dict(reveal=settings.reveal)
        found = verified.get(f.secret_id)
        row["verification"] = found.to_dict() if found else None
        rows.append(row)
    document = {
        "version": 1,
        "tool": {"name": "keysweep", "version": __version__},
        "findings": rows,
        "summary": summary(result, settings),
    }
    return json_text(document)


def _verification_counts(result: ScanResult) -> dict[str, int] | None:
    """Unique secrets per liveness status (`scan --verify`), or None when nothing was verified."""
    if result.verifications is None:
        return None
    counts = {"live": 0, "revoked": 0, "unknown": 0}
    for verification in result.verifications.values():
        counts[str(verification.status)] += 1
    return counts
