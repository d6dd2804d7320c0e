"""The human report: one block per unique secret, its places, the fix; a summary line; colour on a TTY only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Protocol

from scanner.config import Settings
from scanner.findings import Finding, ScanResult, Severity, Verification, VerificationStatus
from scanner.naming import names_for
from scanner.report import group_by_secret, is_failing, printable


class _Style(Protocol):
    def __call__(self, text: str, *, fg: str | None = None, bold: bool | None = None) -> str: ...


_COLOURS = {
    Severity.CRITICAL: "red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "blue",
}


def _plain(text: str, **_: object) -> str:
    return text


def render(result: ScanResult, settings: Settings, *, colour: bool = False) -> str:
    lines: list[str] = []

    def style(text: str, *, fg: str | None = None, bold: bool | None = None, dim: bool | None = None) -> str:
        if not colour:
            return text
        import click  # NOTE: here, not at the top: the hook's plain report runs without click

        return click.style(text, fg=fg, bold=bold, dim=dim)

    names = names_for(result.findings)
    for group in group_by_secret(result.findings):
        first = group[0]
        value = first.secret if settings.reveal or first.identifier else first.redacted
        places = f"{len(group)} place{'s' if len(group) != 1 else ''}"
        label = f"  [{', '.join(first.labels)}]" if first.labels else ""
        head = style(f"{str(first.severity).upper():8}", fg=_COLOURS[first.severity], bold=True)
        lines.append(f"{head} {first.rule_id}  {style(value, bold=True)}  ({places}){label}")
        verification = (result.verifications or {}).get(first.secret_id)
        if verification is not None:
            lines.append(_verified(verification, style))
        for f in group:
            lines.append(f"  {_place(f)}")
        if not first.identifier:
            lines.append(style(f"  fix: {fix_hint(first, names[first.secret_id])}", dim=True))
        lines.append("")
    lines.append(summary_line(result, settings))
    if result.verifications is not None:
        lines.append(verified_line(result))
    for note in result.notes:
        lines.append(f"note: {printable(note)}")
    reasons = Counter(s.reason.split(" (")[0] for s in result.skipped if not s.incomplete)
    if reasons:
        lines.append("skipped: " + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())))
    lines += incomplete_lines(result, settings, style)
    return "\n".join(lines) + "\n"


_STATUS_COLOURS = {
    VerificationStatus.LIVE: "red",
    VerificationStatus.REVOKED: "green",
    VerificationStatus.UNKNOWN: "yellow",
}


def _verified(v: Verification, style: _Style) -> str:
    """`  verified: LIVE — …`: the marker of a secret group (`scan --verify`)."""
    status = str(v.status).upper() if v.status is VerificationStatus.LIVE else str(v.status)
    if v.status is VerificationStatus.UNKNOWN:
        status += f" ({v.reason})"
    return f"  verified: {style(status, fg=_STATUS_COLOURS[v.status], bold=True)} — {v.detail}"


def verified_line(result: ScanResult) -> str:
    """How many unique secrets their providers called live, revoked or unknown."""
    found = list((result.verifications or {}).values())
    counts = {s: sum(1 for v in found if v.status is s) for s in VerificationStatus}
    return (
        f"verified {len(found)} secret{'s' if len(found) != 1 else ''}: {counts[VerificationStatus.LIVE]} live, "
        f"{counts[VerificationStatus.REVOKED]} revoked, {counts[VerificationStatus.UNKNOWN]} unknown."
    )


INCOMPLETE_SHOWN = 20
"""How many unread items the text report names; the JSON and SARIF reports list them all."""


def incomplete_lines(result: ScanResult, settings: Settings, style: Callable[..., str] = _plain) -> list[str]:
    """What could not be read, each named, and what that means for the exit code."""
    unread = result.incomplete
    if not unread:
        return []
    head = (
        f"INCOMPLETE: {len(unread)} thing{'s' if len(unread) != 1 else ''} keysweep was asked to scan could not be read"
    )
    lines = [style(head, fg="red", bold=True)]
    lines += [f"  {printable(s.path)}: {printable(s.reason)}" for s in unread[:INCOMPLETE_SHOWN]]
    if len(unread) > INCOMPLETE_SHOWN:
        lines.append(f"  … and {len(unread) - INCOMPLETE_SHOWN} more (--format json lists them all)")
    if settings.allow_incomplete:
        lines.append("  allowed (allow_incomplete): the exit code reflects the findings only")
    else:
        lines.append("  exit 2: fix what is named above, or accept an incomplete scan with --allow-incomplete")
    return lines


def _place(f: Finding) -> str:
    where = f"{printable(f.path)}:{f.line}:{f.column}"
    if f.decoded:
        where += f" ({f.decoded}-encoded)"
    if f.commit and f.commit.oid:
        where += f"  {f.commit.oid[:10]} {f.commit.author} {f.commit.date[:10]}".rstrip()
    return where


def fix_hint(f: Finding, name: str | None = None) -> str:
    """The one-line fix a blocked developer needs; `name` is the variable scanner.naming decided."""
    name = name or f.env_var or "an environment variable"
    return (
        f"move the value to {name} (read it at run time), rotate it if it was ever pushed; "
        f"if it is not a secret, add `keysweep:allow {f.rule_id}` in a comment on that line"
    )


def summary_line(result: ScanResult, settings: Settings) -> str:
    findings = result.findings
    secrets = len({f.secret_id for f in findings if not f.identifier})
    idents = len({f.secret_id for f in findings if f.identifier})
    failing = sum(1 for f in findings if is_failing(f, result, settings))
    gate = f"at or above {settings.fail_on}"
    if settings.only_verified:
        gate = f"live or failed to verify, {gate}"
    size = result.bytes_scanned / 1_000_000
    found = (
        f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: {secrets} unique secret"
        f"{'s' if secrets != 1 else ''}, {idents} identifier{'s' if idents != 1 else ''}"
        f" ({failing} {gate})"
        if findings
        else "no secrets found"
    )
    return f"{found}. Scanned {_read(result)} ({size:.1f} MB) in {result.seconds:.2f} s; skipped {len(result.skipped)}."


def _read(result: ScanResult) -> str:
    """`12 files`, or for git history `3 files and 9,191 blobs from 340 commits`."""

    def count(n: int, noun: str) -> str:
        return f"{n:,} {noun}{'s' if n != 1 else ''}"

    parts = [count(result.files_scanned, "file")] if result.files_scanned or not result.blobs_scanned else []
    if result.blobs_scanned:
        parts.append(count(result.blobs_scanned, "blob"))
    read = " and ".join(parts)
    return f"{read} from {count(result.commits_scanned, 'commit')}" if result.commits_scanned else read
