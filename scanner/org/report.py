"""The merged org report as text, JSON (`version` 1) or SARIF 2.1.0; values only with --reveal."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import click

from scanner import __version__
from scanner.org.merge import OrgReport
from scanner.report.sarif import FINGERPRINT, SCHEMA

_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def render(fmt: str, report: OrgReport, *, colour: bool = False) -> str:
    if fmt == "json":
        return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif(report), indent=2, ensure_ascii=False) + "\n"
    return text(report, colour=colour)


def summary(report: OrgReport) -> dict[str, Any]:
    statuses = [r["status"] for r in report.repositories]
    secrets = [s for s in report.secrets if not s["identifier"]]
    return {
        "repositories": len(statuses),
        "scanned": statuses.count("scanned"),
        "failed": statuses.count("failed"),
        "skipped": statuses.count("skipped"),
        "incomplete": bool(report.incomplete),
        "findings": len(report.findings),
        "unique_secrets": len(secrets),
        "repositories_with_findings": len({f["repository"] for f in report.findings}),
        "failing": report.failing,
        "fail_on": str(report.fail_on),
        "blobs_scanned": sum(r.get("blobs_scanned", 0) for r in report.repositories),
        "bytes_scanned": sum(r.get("bytes_scanned", 0) for r in report.repositories),
        "seconds": round(report.seconds, 3),
    }


def document(report: OrgReport) -> dict[str, Any]:
    return {
        "version": 1,
        "tool": {"name": "keysweep", "version": __version__},
        "source": report.source,
        "repositories": report.repositories,
        "secrets": report.secrets,
        "findings": report.findings,
        "summary": summary(report),
    }


def text(report: OrgReport, *, colour: bool = False) -> str:
    def style(value: str, **kw: Any) -> str:
        return click.style(value, **kw) if colour else value

    by_secret: dict[str, list[dict[str, Any]]] = {}
    for row in report.findings:
        by_secret.setdefault(str(row["secret_id"]), []).append(row)
    lines: list[str] = []
    for secret in report.secrets:
        rows = by_secret[secret["secret_id"]]
        value = secret.get("secret") or secret["redacted"]
        count = len(secret["repositories"])
        head = style(f"{secret['severity'].upper():8}", bold=True)
        repositories = f"{count} repositor{'ies' if count != 1 else 'y'}"
        lines.append(f"{head} {secret['rule_id']}  {style(value, bold=True)}  ({repositories}, {len(rows)} places)")
        if secret["first"]:
            first, last = secret["first"], secret["last"]
            lines.append(f"  first: {_commit(first)}   last: {_commit(last)}")
        for row in rows:
            commit = ""
            if row.get("commit"):
                commit = f"  {row['commit'][:10]} {row.get('author') or ''} {(row.get('date') or '')[:10]}"
            lines.append(f"  {row['repository']}  {row['path']}:{row['line']}:{row['column']}{commit}".rstrip())
        lines.append("")
    lines.append(summary_line(report))
    for repo in report.repositories:
        if repo["status"] == "failed":
            lines.append(style(f"failed: {repo['name']}: {repo['reason']}", fg="red"))
        elif repo.get("incomplete_paths"):
            unread = len(repo["incomplete_paths"])
            lines.append(style(f"incomplete: {repo['name']}: {unread} path(s) not read", fg="red"))
    for repo in report.repositories:
        if repo["status"] == "skipped":
            lines.append(f"skipped: {repo['name']}: {repo['reason']}")
    if report.incomplete:
        lines.append(
            f"incomplete: {len(report.incomplete)} repositor{'ies' if len(report.incomplete) != 1 else 'y'} could "
            "not be scanned; the run fails (exit 2) unless --allow-incomplete"
        )
    return "\n".join(lines) + "\n"


def summary_line(report: OrgReport) -> str:
    total = summary(report)
    line = (
        f"{total['findings']} finding{'s' if total['findings'] != 1 else ''}: {total['unique_secrets']} unique secret"
        f"{'s' if total['unique_secrets'] != 1 else ''} in {total['repositories_with_findings']} repositories "
        f"({total['failing']} at or above {total['fail_on']}). Repositories: {total['scanned']} scanned, "
        f"{total['failed']} failed, {total['skipped']} skipped; {total['blobs_scanned']} blobs "
        f"({total['bytes_scanned'] / 1e6:.1f} MB) in {report.seconds:.1f} s."
    )
    if report.incomplete:
        line += f" Incomplete: {len(report.incomplete)} repositories not (fully) scanned."
    return line


def _commit(where: dict[str, Any]) -> str:
    return f"{where['repository']} {str(where['commit'])[:10]} {str(where.get('date') or '')[:10]}".rstrip()


def sarif(report: OrgReport) -> dict[str, Any]:
    """One run; each repository is a `uriBaseId` (its URL in `originalUriBaseIds`), each result names it."""
    bases = {r["name"]: f"REPO{n}" for n, r in enumerate(report.repositories)}
    rule_ids = sorted({str(f["rule_id"]) for f in report.findings})
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    severities = {str(f["rule_id"]): str(f["severity"]) for f in report.findings}
    rules = [
        {
            "id": rule_id,
            "name": "".join(part.capitalize() for part in rule_id.split("-")),
            "shortDescription": {"text": rule_id},
            "defaultConfiguration": {"level": _LEVELS[severities[rule_id]]},
            "properties": {"tags": ["security", "secret"]},
        }
        for rule_id in rule_ids
    ]
    results = [_result(row, index, bases) for row in report.findings]
    failed = [
        {"level": "error", "message": {"text": f"{r['name']}: {r['reason']}"}}
        for r in report.repositories
        if r["status"] == "failed"
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {"name": "keysweep", "version": __version__, "semanticVersion": __version__, "rules": rules}
        },
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {
            base: {"uri": _base_uri(_url(report, name)), "description": {"text": name}} for name, base in bases.items()
        },
        "results": results,
        "invocations": [{"executionSuccessful": not report.incomplete, "toolExecutionNotifications": failed}],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _result(row: dict[str, Any], index: dict[str, int], bases: dict[str, str]) -> dict[str, Any]:
    value = row.get("secret") or row["redacted"]
    commit = f" (committed in {str(row['commit'])[:12]})" if row.get("commit") else ""
    properties: dict[str, Any] = {
        "secretId": row["secret_id"],
        "redacted": row["redacted"],
        "repository": row["repository"],
    }
    properties.update({k: row[k] for k in ("commit", "author", "date", "secret") if row.get(k)})
    region: dict[str, Any] = {"startLine": row["line"], "startColumn": row["column"]}
    if row["end_column"] > row["column"]:
        region["endColumn"] = row["end_column"]
    from urllib.parse import quote

    basis = f"{row['repository']}:{row['secret_id']}:{row['rule_id']}:{row['path']}"
    return {
        "ruleId": row["rule_id"],
        "ruleIndex": index[row["rule_id"]],
        "level": _LEVELS[str(row["severity"])],
        "message": {"text": f"{row['rule_id']}: {value} in {row['repository']}{commit}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(row["path"], safe="/"), "uriBaseId": bases[row["repository"]]},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: hashlib.sha256(basis.encode()).hexdigest()[:32]},
        "properties": properties,
    }


def _url(report: OrgReport, name: str) -> str:
    return next((str(r.get("url") or name) for r in report.repositories if r["name"] == name), name)


def _base_uri(url: str) -> str:
    from pathlib import Path

    if "://" not in url:
        url = Path(url).absolute().as_uri()
    return url.removesuffix(".git").rstrip("/") + "/"


def exit_code(report: OrgReport, *, allow_incomplete: bool) -> int:
    """scan's codes: 2 when a repository could not be scanned (unless allowed), 1 for failing findings, else 0."""
    if report.incomplete and not allow_incomplete:
        return 2
    return 1 if report.failing else 0
