"""The incident report as one self-contained HTML page: inline CSS and JS (package data), an inline SVG timeline
per secret, a sortable table of secrets, a section per secret, print CSS; nothing is fetched, and a Content
Security Policy that allows only the page's own style and script (by hash) makes sure of it."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from html import escape
from importlib import resources

from scanner.incident.model import GitExposure, IncidentReport, Presence, SecretReport
from scanner.incident.svg import timeline
from scanner.incident.wording import (
    event_text,
    introduced_text,
    liveness_text,
    names_text,
    parse_time,
    presence_text,
    refs_text,
    rotation_facts,
    rotation_summary,
    short,
    when,
)

COMMITS_LISTED = 500
_LIVE_RANK = {"live": 0, "unknown": 1, "not-checked": 2, "revoked": 3}
_HEAD_RANK = {Presence.TREE: 0, Presence.UNKNOWN: 1, Presence.HISTORY: 2, Presence.ABSENT: 3}
_CODE = re.compile(r"`([^`]+)`")
_URL = re.compile(r"https?://[^\s<>\"']+")
COLUMNS = (
    ("#", "number"),
    ("Secret", "text"),
    ("Rule", "text"),
    ("Names", "text"),
    ("Live", "number"),
    ("First exposed", "text"),
    ("In HEAD", "number"),
    ("Refs", "number"),
    ("Rotation", "text"),
    ("Next action", "number"),
)


def render(report: IncidentReport) -> str:
    css = _asset("report.css")
    js = _asset("report.js")
    policy = (
        f"default-src 'none'; style-src '{_hash(css)}'; script-src '{_hash(js)}'; base-uri 'none'; form-action 'none'"
    )
    now = parse_time(report.generated_at) or dt.datetime.now(dt.UTC)
    title = f"Incident report: {report.source}"
    body = [
        "<header>",
        f"<h1>{escape(title)}</h1>",
        *_preamble(report),
        "</header>",
        "<main>",
        *_summary(report),
        *[line for n, s in enumerate(report.keys, 1) for line in _section(n, s, report, now)],
        *_identifiers(report),
        "</main>",
        f"<footer><p>keysweep {escape(report.tool_version)} · generated {escape(when(report.generated_at))}</p>"
        "</footer>",
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="Content-Security-Policy" content="{escape(policy)}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="generator" content="keysweep">',
            f"<title>{escape(title)}</title>",
            f"<style>{css}</style>",
            "</head>",
            "<body>",
            *body,
            f"<script>{js}</script>",
            "</body>",
            "</html>",
        ]
    )


def _asset(name: str) -> str:
    return resources.files("scanner.incident").joinpath("assets", name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def _rich(text: str) -> str:
    """Escaped text with `code` spans and https links."""
    out = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escape(text, quote=False))
    return _URL.sub(lambda m: f'<a href="{m.group(0)}" rel="noreferrer">{m.group(0)}</a>', out)


def _preamble(report: IncidentReport) -> list[str]:
    out = [
        f'<p class="meta">Generated {escape(when(report.generated_at))} by keysweep {escape(report.tool_version)}.</p>'
    ]
    if report.repository:
        name = report.repository.rsplit("/", 1)[-1]
        out.append(
            f'<p class="meta">Repository <code>{escape(name)}</code>: HEAD <code>{escape(short(report.head))}</code>, '
            f"default branch <code>{escape(report.default_branch or '?')}</code>.</p>"
        )
    liveness = "verified by <code>keysweep scan --verify</code>" if report.verification else "not checked"
    state = f" from <code>{escape(report.state_dir)}</code>" if report.state_dir else ""
    out.append(
        f'<p class="meta">Liveness: {liveness}. Rotation status: {report.rotations_read} rotation journal(s) read'
        f"{state}.</p>"
    )
    out.append(
        '<p class="warning">Secret values are shown in full (<code>--reveal</code>): handle this page as a secret.</p>'
        if report.reveal
        else '<p class="meta">No secret value is on this page: secrets are named by their redacted form and secret '
        "id.</p>"
    )
    if report.skipped:
        items = "".join(f"<li><code>{escape(p)}</code>: {escape(r)}</li>" for p, r in report.skipped[:50])
        out.append(
            f'<div class="warning" role="note"><strong>Incomplete:</strong> the scan could not read '
            f"{len(report.skipped)} item(s):<ul>{items}</ul></div>"
        )
    out += [f'<p class="meta">Note: {_rich(note)}</p>' for note in report.notes]
    return out


def _summary(report: IncidentReport) -> list[str]:
    out = ['<section id="summary" aria-labelledby="summary-title">', '<h2 id="summary-title">Summary</h2>']
    keys = report.keys
    if not keys:
        return [*out, "<p>No secrets found.</p>", "</section>"]
    heads = "".join(
        f'<th scope="col" aria-sort="none"><button type="button" data-column="{n}" data-type="{kind}">'
        f"{escape(name)}</button></th>"
        for n, (name, kind) in enumerate(COLUMNS)
    )
    out += [
        '<div class="table-wrap">',
        '<table id="secrets-table">',
        f"<caption>{len(keys)} secret(s), most urgent first; the column buttons sort the table.</caption>",
        f"<thead><tr>{heads}</tr></thead>",
        "<tbody>",
    ]
    out += [_summary_row(n, s) for n, s in enumerate(keys, 1)]
    out += ["</tbody>", "</table>", "</div>", '<p id="sort-status" class="visually-hidden" aria-live="polite"></p>']
    return [*out, "</section>"]


def _summary_row(n: int, s: SecretReport) -> str:
    local = s.exposures[0] if s.exposures else None
    rotation = s.rotations[-1] if s.rotations else None
    urgency = str(s.next_action.urgency)
    cells = [
        (str(n), str(n)),
        (s.shown, f'<a href="#{s.anchor}"><code>{escape(s.shown)}</code></a> <code>{s.secret_id[:8]}</code>'),
        (s.rule_id, escape(s.rule_id)),
        (names_text(s), escape(names_text(s))),
        (str(_LIVE_RANK.get(s.liveness.status, 1)), escape(s.liveness.status)),
        (s.first_seen or "9999", escape(introduced_text(local)) if local else "—"),
        (str(_HEAD_RANK[local.head]) if local else "1", escape(presence_text(local.head)) if local else "—"),
        (str(len(local.refs)) if local else "0", escape(refs_text(local, limit=3)) if local else "—"),
        (rotation_summary(rotation), escape(rotation_summary(rotation))),
        (
            str(3 - int(s.next_action.urgency)),
            f'<span class="urgency urgency-{urgency}">{urgency}</span> {_rich(s.next_action.text)}',
        ),
    ]
    tds = "".join(f'<td data-sort="{escape(key)}">{html}</td>' for key, html in cells)
    return f'<tr data-index="{n}" data-secret="{s.secret_id}">{tds}</tr>'


def _section(n: int, s: SecretReport, report: IncidentReport, now: dt.datetime) -> list[str]:
    urgency = str(s.next_action.urgency)
    steps = "".join(f"<li>{_rich(step)}</li>" for step in s.next_action.more)
    facts = [
        ("Secret id", f"<code>{s.secret_id}</code>"),
        ("Kind", f"{escape(s.kind)} · provider {escape(s.provider or 'unknown')} · severity {s.severity}"),
        ("Names", escape(names_text(s))),
        ("Liveness", _rich(liveness_text(s.liveness))),
    ]
    if s.docs_pages:
        facts.append(("Docs pages", ", ".join(f"<code>{escape(p)}</code>" for p in s.docs_pages)))
    if s.repositories:
        facts.append(("Repositories", ", ".join(f"<code>{escape(r)}</code>" for r in s.repositories)))
    places = ", ".join(f"<code>{escape(p.path)}:{p.line}:{p.column}</code>" for p in s.places[:30])
    facts.append((f"Places ({len(s.places)})", places + (" …" if len(s.places) > 30 else "")))
    out = [
        f'<section class="secret" id="{s.anchor}" aria-labelledby="{s.anchor}-title">',
        f'<h2 id="{s.anchor}-title">{n}. <code>{escape(s.shown)}</code> ({escape(s.rule_id)})</h2>',
        f'<p class="next"><span class="urgency urgency-{urgency}">{urgency}</span> '
        f"<strong>Next action:</strong> {_rich(s.next_action.text)}</p>",
        f"<ol>{steps}</ol>" if steps else "",
        '<dl class="facts">',
        *[f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts],
        "</dl>",
    ]
    svg = timeline(s, now)
    if svg:
        out += [
            "<figure>",
            svg,
            '<figcaption class="legend">Filled circle: introduced · ring: copied or moved · cross: removed · '
            "diamond: rotation step · band: held at that path (dashed: still held) · dotted line: this report."
            "</figcaption>",
            "</figure>",
        ]
    for exposure in s.exposures:
        out += _exposure(exposure, s)
    out.append("<h3>Rotation</h3>")
    if not s.rotations:
        out.append(f"<p>No rotation journal covers it{'' if report.state_dir else ' (no state folder read)'}.</p>")
    for rotation in s.rotations:
        lines = "".join(f"<li>{_rich(line)}</li>" for line in rotation_facts(rotation))
        manual = "".join(f"<li>{_rich(step)}</li>" for step in rotation.manual_steps)
        out.append(
            f"<p><code>{escape(rotation.rotation_id)}</code>: {escape(rotation.status)}</p><ul>{lines}</ul>"
            + (f"<ol>{manual}</ol>" if manual else "")
        )
    out.append("</section>")
    return [line for line in out if line]


def _exposure(x: GitExposure, s: SecretReport) -> list[str]:
    out = [f"<h3>Exposure in <code>{escape(x.repository)}</code></h3>"]
    if x.note:
        out.append(f"<p><em>{_rich(x.note)}</em></p>")
    if x.events:
        rows = "".join(
            f"<tr><td>{escape(when(e.commit.date))}</td><td><code>{escape(short(e.commit.oid))}</code></td>"
            f"<td>{escape(e.commit.author or '?')}</td><td>{escape(event_text(e))}</td></tr>"
            for e in x.events
        )
        out += [
            '<div class="table-wrap"><table class="events">',
            f"<caption>What git says happened to {escape(s.redacted)}, oldest first.</caption>",
            '<thead><tr><th scope="col">Date (UTC)</th><th scope="col">Commit</th><th scope="col">Author</th>'
            '<th scope="col">What</th></tr></thead>',
            f"<tbody>{rows}</tbody></table></div>",
        ]
    if x.traced or x.refs:
        items = [f"<li>In HEAD: {escape(presence_text(x.head))}</li>"]
        if x.default_branch:
            items.append(
                f"<li>In the default branch <code>{escape(x.default_branch)}</code>: "
                f"{escape(presence_text(x.in_default))}</li>"
            )
        items.append(f"<li>Reachable from: {escape(refs_text(x, limit=100))}</li>")
        out.append(f"<ul>{''.join(items)}</ul>")
        if x.commits:
            listed = "".join(f"<li><code>{escape(short(c))}</code></li>" for c in x.commits[:COMMITS_LISTED])
            rest = len(x.commits) - COMMITS_LISTED
            more = f"<p>…and {rest} more.</p>" if rest > 0 else ""
            out.append(
                f"<details><summary>Commits that can read it ({len(x.commits)})</summary>"
                f'<ul class="commits">{listed}</ul>{more}</details>'
            )
    return out


def _identifiers(report: IncidentReport) -> list[str]:
    if not report.identifiers:
        return []
    rows = "".join(
        f"<tr><td><code>{escape(s.redacted)}</code></td><td>{escape(s.rule_id)}</td><td>"
        + ", ".join(f"<code>{escape(p.path)}:{p.line}</code>" for p in s.places[:12])
        + (" …" if len(s.places) > 12 else "")
        + "</td></tr>"
        for s in report.identifiers
    )
    return [
        '<section id="identifiers" aria-labelledby="identifiers-title">',
        '<h2 id="identifiers-title">Identifiers</h2>',
        "<p>Reported, never revoked: they name an account, they do not open it.</p>",
        '<div class="table-wrap"><table class="identifiers"><thead><tr><th scope="col">Identifier</th>'
        f'<th scope="col">Rule</th><th scope="col">Places</th></tr></thead><tbody>{rows}</tbody></table></div>',
        "</section>",
    ]
