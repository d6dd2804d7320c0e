"""The SARIF 2.1.0 report for code-scanning dashboards: one rule descriptor per rule id, redacted results."""

from __future__ import annotations

import hashlib
from typing import Any

from scanner import __version__
from scanner.config import Settings
from scanner.findings import Finding, ScanResult, Severity, Verification
from scanner.report import json_text
from scanner.report.text import fix_hint

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "keysweep/v1"
"""The partialFingerprints key; bump the suffix if the fingerprint's recipe ever changes."""

_LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# NOTE: GitHub code scanning ranks security results by this 0-10 score, not by `level`.
# https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def render(result: ScanResult, settings: Settings) -> str:
    rule_ids = sorted({f.rule_id for f in result.findings})
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "keysweep",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_descriptor(rule_id, result, settings) for rule_id in rule_ids],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule_id], settings, result.verifications) for f in result.findings],
        "invocations": [
            {
                # NOTE: an incomplete scan did not do what it was asked: code scanning shows it as failed.
                "executionSuccessful": not result.incomplete,
                "toolExecutionNotifications": _notifications(result, settings),
            }
        ],
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json_text(document)


def _notifications(result: ScanResult, settings: Settings) -> list[dict[str, Any]]:
    """What could not be read (errors, or warnings when allowed), what was passed over by design, and notes."""
    out: list[dict[str, Any]] = []
    unread = "warning" if settings.allow_incomplete else "error"
    for skip in sorted(result.skipped, key=lambda s: (not s.incomplete, s.path)):
        text = f"{'not read' if skip.incomplete else 'skipped'}: {skip.path}: {skip.reason}"
        out.append(
            {
                "level": unread if skip.incomplete else "note",
                "message": {"text": text},
                "descriptor": {"id": "incomplete" if skip.incomplete else "skipped"},
                "properties": {"path": skip.path, "reason": skip.reason, "incomplete": skip.incomplete},
            }
        )
    out += [{"level": "note", "message": {"text": note}} for note in result.notes]
    return out


def fingerprint(finding: Finding) -> str:
    """Stable across runs and line moves: the secret's identity, the rule and the path; never the line."""
    basis = f"{finding.secret_id}:{finding.rule_id}:{finding.path}"
    return hashlib.sha256(basis.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _descriptor(rule_id: str, result: ScanResult, settings: Settings) -> dict[str, Any]:
    example = next(f for f in result.findings if f.rule_id == rule_id)
    # NOTE: a scan's findings carry their rule's severity.
    description, severity = result.rule_descriptions.get(rule_id, rule_id), example.severity
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.split("-")),
        "shortDescription": {"text": description},
        "help": {"text": f"Fix: {fix_hint(example)}."},
        "defaultConfiguration": {"level": _LEVELS[severity]},
        "properties": {
            "tags": ["security", "secret", example.kind],
            "security-severity": _SECURITY_SEVERITY[severity],
        },
    }


def _result(
    finding: Finding, rule_index: int, settings: Settings, verifications: dict[str, Verification] | None = None
) -> dict[str, Any]:
    value = finding.secret if settings.reveal or finding.identifier else finding.redacted
    commit = finding.commit
    where = f" (committed in {commit.oid[:12]})" if commit and commit.oid else ""
    region: dict[str, Any] = {"startLine": finding.line, "startColumn": finding.column}
    if finding.end_column > finding.column:
        region["endColumn"] = finding.end_column
    properties: dict[str, Any] = {"secretId": finding.secret_id, "redacted": finding.redacted}
    provenance = {"commit": commit.oid, "author": commit.author, "date": commit.date} if commit else {}
    for name, detail in (*provenance.items(), ("decoded", finding.decoded)):
        if detail:
            properties[name] = detail
    if settings.reveal:
        properties["secret"] = finding.secret
    verification = (verifications or {}).get(finding.secret_id)
    if verification is not None:
        properties["verification"] = verification.to_dict()
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": f"{finding.rule_id}: {value}{where}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding.path)},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding)},
        "properties": properties,
    }


def _uri(path: str) -> str:
    """A relative URI reference for a path: every byte outside RFC 3986's unreserved set (and `/`) is
    percent-encoded, a byte that was not UTF-8 included (`bad%FFname.env`)."""
    from urllib.parse import quote

    return quote(path.removeprefix("./").encode("utf-8", "surrogateescape"), safe="/")
