"""Reporters: a ScanResult rendered as text, JSON or SARIF. Each module has `render(result, settings) -> str`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from scanner.findings import Finding

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
