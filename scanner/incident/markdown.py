"""The incident report as Markdown, to paste into an incident ticket: a summary table, then one section per secret."""

from __future__ import annotations

from scanner.incident.model import GitExposure, IncidentReport, SecretReport
from scanner.incident.wording import (
    event_text,
    introduced_text,
    liveness_text,
    names_text,
    presence_text,
    refs_text,
    rotation_facts,
    rotation_summary,
    short,
    when,
)

COMMITS_LISTED = 20
"""Commits listed per secret before `…and N more`."""


def render(report: IncidentReport) -> str:
    lines = [f"# Incident report: {_inline(report.source)}", "", *_preamble(report), ""]
    keys = report.keys
    lines += ["## Summary", ""]
    if keys:
        lines += [
            "| # | Secret | Rule | Names | Live | Introduced | In HEAD | Reachable from | Rotation | Next action |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        lines += [_summary_row(n, s) for n, s in enumerate(keys, 1)]
    else:
        lines.append("No secrets found.")
    lines.append("")
    for n, secret in enumerate(keys, 1):
        lines += _section(n, secret, report)
    if report.identifiers:
        lines += ["## Identifiers", "", "Reported, never revoked: they name an account, they do not open it.", ""]
        lines += ["| Identifier | Rule | Places |", "|---|---|---|"]
        for s in report.identifiers:
            places = ", ".join(f"`{p.path}:{p.line}`" for p in s.places[:8]) + (" …" if len(s.places) > 8 else "")
            lines.append(f"| `{_cell(s.redacted)}` | {s.rule_id} | {places} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _preamble(report: IncidentReport) -> list[str]:
    out = [f"Generated {when(report.generated_at)} by keysweep {report.tool_version}."]
    if report.repository:
        out.append(
            f"Repository `{_inline(report.repository.rsplit('/', 1)[-1])}`: HEAD `{short(report.head)}`, "
            f"default branch `{report.default_branch or '?'}`."
        )
    rotations = f"{report.rotations_read} rotation journal(s) read" + (
        f" from `{report.state_dir}`" if report.state_dir else ""
    )
    liveness = "verified by `keysweep scan --verify`" if report.verification else "not checked (add `--verify`)"
    out.append(f"Liveness: {liveness}. Rotation status: {rotations}.")
    out.append(
        "Secret values are shown in full (`--reveal`): handle this report as a secret."
        if report.reveal
        else "No secret value is in this report: secrets are named by their redacted form and secret id."
    )
    if report.skipped:
        out += ["", f"> **Incomplete:** the scan could not read {len(report.skipped)} item(s):"]
        out += [f"> - `{_inline(path)}`: {_inline(reason)}" for path, reason in report.skipped[:20]]
    if report.notes:
        out += ["", *[f"> Note: {_inline(note)}" for note in report.notes]]
    return out


def _summary_row(n: int, s: SecretReport) -> str:
    local = s.exposures[0] if s.exposures else None
    rotation = s.rotations[-1] if s.rotations else None
    cells = [
        str(n),
        f"[`{_cell(s.shown)}`](#{s.anchor}) `{s.secret_id[:8]}`",
        s.rule_id,
        _cell(names_text(s)),
        s.liveness.status,
        _cell(introduced_text(local)) if local else "—",
        presence_text(local.head) if local else "—",
        _cell(refs_text(local, limit=3)) if local else "—",
        _cell(rotation_summary(rotation)),
        f"**{s.next_action.urgency}**: {_cell(s.next_action.text)}",
    ]
    return "| " + " | ".join(cells) + " |"


def _section(n: int, s: SecretReport, report: IncidentReport) -> list[str]:
    out = [
        f'<a id="{s.anchor}"></a>',
        "",
        f"## {n}. `{s.shown}` ({s.rule_id}, {s.severity})",
        "",
        f"- **Next action ({s.next_action.urgency}):** {s.next_action.text}",
        *[f"  - {_inline(step)}" for step in s.next_action.more],
        f"- Secret id: `{s.secret_id}`; kind {s.kind}; provider {s.provider or 'unknown'}",
        f"- Names: {_inline(names_text(s))}",
        f"- Liveness: {_inline(liveness_text(s.liveness))}",
    ]
    if s.docs_pages:
        out.append("- Docs pages: " + ", ".join(f"`{_inline(p)}`" for p in s.docs_pages))
    if len(s.repositories) > 0:
        out.append("- Repositories: " + ", ".join(f"`{_inline(r)}`" for r in s.repositories))
    places = [f"`{_inline(p.path)}:{p.line}:{p.column}`" for p in s.places]
    out.append(f"- Places ({len(places)}): " + ", ".join(places[:12]) + (" …" if len(places) > 12 else ""))
    out.append("")
    for exposure in s.exposures:
        out += _exposure(exposure)
    out += ["### Rotation", ""]
    if not s.rotations:
        out += [f"No rotation journal covers it{'' if report.state_dir else ' (no state folder read)'}.", ""]
    for rotation in s.rotations:
        out.append(f"- `{rotation.rotation_id}`: {rotation.status}")
        out += [f"  - {_inline(line)}" for line in rotation_facts(rotation)]
        out += [f"    - {_inline(step)}" for step in rotation.manual_steps]
    if s.rotations:
        out.append("")
    return out


def _exposure(x: GitExposure) -> list[str]:
    out = [f"### Exposure in `{_inline(x.repository)}`", ""]
    if x.note:
        out += [f"_{_inline(x.note)}_", ""]
    if x.events:
        out += ["| Date (UTC) | Commit | Author | What |", "|---|---|---|---|"]
        for e in x.events:
            c = e.commit
            out.append(f"| {when(c.date)} | `{short(c.oid)}` | {_cell(c.author or '?')} | {_cell(event_text(e))} |")
        out.append("")
    if x.traced or x.refs:
        out.append(f"- In HEAD: {presence_text(x.head)}")
        if x.default_branch:
            out.append(f"- In the default branch `{x.default_branch}`: {presence_text(x.in_default)}")
        out.append(f"- Reachable from: {_inline(refs_text(x, limit=50))}")
        if x.commits:
            listed = ", ".join(f"`{short(c)}`" for c in x.commits[:COMMITS_LISTED])
            rest = len(x.commits) - COMMITS_LISTED
            out.append(
                f"- Commits that can read it ({len(x.commits)}): {listed}" + (f" …and {rest} more" if rest > 0 else "")
            )
        out.append("")
    return out


def _cell(text: str) -> str:
    """Text inside a table cell: pipes escaped, one line."""
    return _inline(text).replace("|", "\\|")


def _inline(text: str) -> str:
    return " ".join(str(text).split())
