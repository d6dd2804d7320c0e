"""Reporters: a ScanResult rendered as text, JSON or SARIF. Each module has `render(result, settings) -> str`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from scanner.config import Settings
from scanner.findings import Finding, ScanResult

FORMATS = {
    "text": "scanner.report.text",
    "json": "scanner.report.json",
    "sarif": "scanner.report.sarif",
}


def group_by_secret(findings: Iterable[Finding]) -> list[list[Finding]]:
    """Findings grouped by (secret, rule), most severe first, then by first place seen."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        groups[(f.secret_id, f.rule_id)].append(f)
    return sorted(groups.values(), key=lambda g: (-g[0].severity, g[0].identifier, g[0].path, g[0].line))


def is_failing(finding: Finding, result: ScanResult, settings: Settings) -> bool:
    """Whether a finding fails the gate: at or above `fail_on`; with `--only-verified`, only if its provider
    called it live or could not be asked (fail closed: a timeout is not a dead key)."""
    if finding.severity < settings.fail_on:
        return False
    if not settings.only_verified:
        return True
    verification = (result.verifications or {}).get(finding.secret_id)
    return verification is not None and verification.is_possibly_live
