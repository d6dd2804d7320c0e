"""The inline SVG timeline of one secret's exposure: a lane per path it sat in, a lane for its rotation, a date axis.

Shapes tell the events apart (circles: added, crosses: removed, diamonds: rotation steps), so the timeline reads in
black and white and on paper; every mark has a `<title>`, and the figure a text summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from scanner.incident.model import EventKind, SecretReport
from scanner.incident.wording import event_text, parse_time, short

WIDTH = 760
LABEL = 210
"""The lane labels' column."""
RIGHT = 24
LANE = 28
TOP = 12
AXIS = 34
_ROTATION_EVENTS = {
    "minted": "new key minted",
    "stored": "stored in Vault",
    "verified": "replacement verified",
    "revoked": "exposed key revoked",
    "old-dead": "exposed key confirmed dead",
    "webhook-rotated": "webhook secret rotated",
    "manual": "manual steps recorded",
    "pr": "pull request step",
    "pr-merged": "pull request merged",
    "done": "rotation done",
}


@dataclass(frozen=True, slots=True)
class _Mark:
    when: dt.datetime
    shape: str
    """`added`, `copied`, `removed`, `rotation`."""
    title: str


@dataclass(frozen=True, slots=True)
class _Lane:
    label: str
    marks: tuple[_Mark, ...]
    spans: tuple[tuple[dt.datetime, dt.datetime, bool], ...]
    """(start, end, still open at the end of the axis)."""


def timeline(secret: SecretReport, now: dt.datetime) -> str:
    """The SVG element (empty string when nothing in git or in a rotation has a date)."""
    lanes = _lanes(secret, now)
    moments = [m.when for lane in lanes for m in lane.marks]
    if not moments:
        return ""
    start, end = min(moments), max([*moments, now])
    if end - start < dt.timedelta(hours=1):
        end = start + dt.timedelta(hours=1)
    height = TOP + LANE * len(lanes) + AXIS

    def x(t: dt.datetime) -> float:
        return round(LABEL + (t - start) / (end - start) * (WIDTH - LABEL - RIGHT), 1)

    ident = f"tl-{secret.secret_id}"
    summary = f"{len(moments)} events from {start:%Y-%m-%d} to {end:%Y-%m-%d}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">Exposure timeline of {escape(secret.redacted)}</title>',
        f'<desc id="{ident}-desc">{escape(summary)}; the table below lists each event.</desc>',
    ]
    for n, lane in enumerate(lanes):
        y = TOP + LANE * n + LANE / 2
        label = lane.label if len(lane.label) <= 30 else "…" + lane.label[-29:]
        parts.append(
            f'<text class="lane-label" x="{LABEL - 8}" y="{y + 4}" text-anchor="end">'
            f"<title>{escape(lane.label)}</title>{escape(label)}</text>"
        )
        parts.append(f'<line class="lane" x1="{LABEL}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>')
        for a, b, open_ended in lane.spans:
            cls = "span open" if open_ended else "span"
            parts.append(f'<line class="{cls}" x1="{x(a)}" x2="{max(x(b), x(a) + 2)}" y1="{y}" y2="{y}"/>')
        parts += [_mark(m, x(m.when), y) for m in lane.marks]
    axis = TOP + LANE * len(lanes) + 6
    parts.append(f'<line class="axis" x1="{LABEL}" x2="{WIDTH - RIGHT}" y1="{axis}" y2="{axis}"/>')
    for k in range(5):
        t = start + (end - start) * k / 4
        anchor = "start" if k == 0 else "end" if k == 4 else "middle"
        parts.append(f'<line class="tick" x1="{x(t)}" x2="{x(t)}" y1="{axis}" y2="{axis + 5}"/>')
        parts.append(f'<text class="tick-label" x="{x(t)}" y="{axis + 18}" text-anchor="{anchor}">{t:%Y-%m-%d}</text>')
    parts.append(
        f'<line class="now" x1="{x(now)}" x2="{x(now)}" y1="{TOP - 6}" y2="{axis}"><title>report generated '
        f"{now:%Y-%m-%d %H:%M}Z</title></line>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _mark(m: _Mark, cx: float, cy: float) -> str:
    title = f"<title>{escape(m.title)}</title>"
    if m.shape == "removed":
        d = f"M{cx - 5},{cy - 5}L{cx + 5},{cy + 5}M{cx - 5},{cy + 5}L{cx + 5},{cy - 5}"
        return f'<path class="mark removed" d="{d}">{title}</path>'
    if m.shape == "rotation":
        d = f"M{cx},{cy - 6}L{cx + 6},{cy}L{cx},{cy + 6}L{cx - 6},{cy}Z"
        return f'<path class="mark rotation" d="{d}">{title}</path>'
    return f'<circle class="mark {m.shape}" cx="{cx}" cy="{cy}" r="6">{title}</circle>'


def _lanes(secret: SecretReport, now: dt.datetime) -> list[_Lane]:
    lanes: list[_Lane] = []
    for exposure in secret.exposures:
        marks: dict[str, list[_Mark]] = {}
        spans: dict[str, list[tuple[dt.datetime, dt.datetime, bool]]] = {}
        opened: dict[str, dt.datetime] = {}
        prefix = f"{exposure.repository}: " if len(secret.exposures) > 1 else ""
        for e in exposure.events:
            when = parse_time(e.commit.date)
            if when is None:
                continue
            c = e.commit
            title = f"{event_text(e)}, commit {short(c.oid)} by {c.author or '?'} on {when:%Y-%m-%d %H:%M}Z"
            closing = [e.path] if e.kind is EventKind.REMOVED else [e.source] if e.kind is EventKind.MOVED else []
            for path in closing:
                if path and path in opened:
                    spans.setdefault(path, []).append((opened.pop(path), when, False))
            if e.kind is not EventKind.REMOVED:
                opened.setdefault(e.path, when)
            shape = {EventKind.REMOVED: "removed", EventKind.COPIED: "copied", EventKind.MOVED: "copied"}.get(
                e.kind, "added"
            )
            marks.setdefault(e.path, []).append(_Mark(when, shape, title))
        for path, since in opened.items():
            spans.setdefault(path, []).append((since, max(now, since), True))
        for path in marks:
            lanes.append(_Lane(prefix + path, tuple(marks[path]), tuple(spans.get(path, ()))))
    rotation_marks = [
        _Mark(when, "rotation", f"{r.rotation_id}: {_ROTATION_EVENTS[e.what]} at {when:%Y-%m-%d %H:%M}Z")
        for r in secret.rotations
        for e in r.events
        if e.what in _ROTATION_EVENTS and (when := parse_time(e.when)) is not None
    ]
    if rotation_marks:
        lanes.append(_Lane("rotation", tuple(rotation_marks), ()))
    return lanes
