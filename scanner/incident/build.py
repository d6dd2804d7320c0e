"""Assemble the incident report: the scan's rows grouped by secret, with git exposure, names, liveness, rotation
status and the next action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from scanner import __version__
from scanner.incident.actions import Facts, next_action
from scanner.incident.exposure import Seen, Wanted, trace
from scanner.incident.inputs import ScanInput, ScanRow
from scanner.incident.model import (
    NOT_CHECKED,
    EventKind,
    ExposureEvent,
    GitExposure,
    IncidentReport,
    Liveness,
    Place,
    RotationStatus,
    SecretReport,
)
from scanner.incident.rotations import Rotations, read_rotations
from scanner.naming import Sighting, choose_names

_DOC_SUFFIXES = frozenset({".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc", ".html", ".htm", ".ipynb"})
_DOC_FOLDERS = frozenset({"docs", "doc", "documentation", "wiki", "site", "website"})


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """What to build the report from, besides the scan."""

    source: str
    """What was scanned, as the report names it."""
    target: str = "."
    """The path the next actions' commands name."""
    repository: Path | None = None
    """The local git repository to trace exposure in; None: no git (a folder of docs, or an org scan's report)."""
    state_dir: Path | None = None
    """The rotation state folder; None: no rotation is read."""
    reveal: bool = False
    generated_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))


def build_report(scan: ScanInput, request: ReportRequest) -> IncidentReport:
    groups: dict[str, list[ScanRow]] = {}
    for row in scan.rows:
        groups.setdefault(row.secret_id, []).append(row)
    names = choose_names(_sighting(r) for r in scan.rows)
    rotations = read_rotations(request.state_dir) if request.state_dir else Rotations()
    exposures, repository, head, default = _exposures(groups, request.repository)
    secrets = []
    for sid, rows in groups.items():
        first = rows[0]
        places = tuple(
            Place(r.path, r.line, r.column, r.commit.oid if r.commit else None, r.repository, is_docs_page(r.path))
            for r in rows
        )
        mine = rotations.by_secret.get(sid, [])
        found = exposures.get(sid, ()) + _reported_elsewhere(rows, local=request.repository is not None)
        liveness = _liveness(rows, mine, verified=scan.verification)
        facts = Facts(first.identifier, first.kind, liveness, places, found, mine, request.target)
        value = next((r.secret for r in rows if r.secret), None)
        secrets.append(
            SecretReport(
                secret_id=sid,
                rule_id=first.rule_id,
                kind=first.kind,
                provider=first.provider,
                severity=max(r.severity for r in rows),
                redacted=first.redacted,
                identifier=first.identifier,
                labels=_union(r.labels for r in rows),
                variable=None if first.identifier else _planned_name(mine) or names.get(sid),
                places=places,
                exposures=found,
                liveness=liveness,
                rotations=tuple(mine),
                next_action=next_action(facts),
                related=_union(r.related for r in rows),
                value=value if request.reveal and not first.identifier else None,
            )
        )
    secrets.sort(key=_order)
    notes = list(scan.notes) + list(rotations.problems)
    notes += [f"repository {name} could not be scanned: {why}" for name, why in scan.failed_repositories]
    return IncidentReport(
        generated_at=request.generated_at,
        source=request.source,
        secrets=tuple(secrets),
        tool_version=__version__,
        repository=repository,
        head=head,
        default_branch=default,
        state_dir=str(request.state_dir) if request.state_dir else None,
        rotations_read=rotations.read,
        verification=scan.verification,
        skipped=scan.skipped,
        notes=tuple(notes),
        reveal=request.reveal,
    )


def is_docs_page(path: str) -> bool:
    """A documentation page: by its suffix (Markdown, reStructuredText, text, HTML, notebooks) or a docs folder."""
    pure = PurePosixPath(path)
    return pure.suffix.lower() in _DOC_SUFFIXES or any(part.lower() in _DOC_FOLDERS for part in pure.parts[:-1])


def _exposures(
    groups: dict[str, list[ScanRow]], repo: Path | None
) -> tuple[dict[str, tuple[GitExposure, ...]], str | None, str | None, str | None]:
    """The local repository's trace of every secret (identifiers left out), its name, HEAD and default branch."""
    if repo is None:
        return {}, None, None, None
    from scanner.incident.git_graph import Graph

    graph = Graph.load(repo)
    wanted = [
        Wanted(
            sid,
            tuple(Seen(r.path, r.line, r.column, r.end_column, r.commit) for r in rows if r.repository is None),
            next((r.secret for r in rows if r.secret), None),
        )
        for sid, rows in groups.items()
        if not rows[0].identifier and any(r.repository is None for r in rows)
    ]
    traced = trace(graph, wanted, graph.repo.name)
    return {sid: (x,) for sid, x in traced.items()}, str(graph.repo), graph.head, graph.default_branch


def _reported_elsewhere(rows: Sequence[ScanRow], *, local: bool) -> tuple[GitExposure, ...]:
    """Exposure in repositories git cannot be asked about here (an org scan's): the scan's own commits."""
    by_repo: dict[str, list[ScanRow]] = {}
    for r in rows:
        if r.repository is not None or not local:
            by_repo.setdefault(r.repository or "", []).append(r)
    out = []
    for name, group in sorted(by_repo.items()):
        if group[0].identifier:
            continue
        events = {
            (r.commit.oid, r.path): ExposureEvent(EventKind.REPORTED, r.commit, r.path) for r in group if r.commit
        }
        if not events and not name:
            continue
        out.append(
            GitExposure(
                name or "(scanned files)",
                events=tuple(sorted(events.values(), key=lambda e: (e.commit.date, e.path))),
                note="as the scan reported it; run `keysweep report` in a clone of the repository for its refs",
            )
        )
    return tuple(out)


def _liveness(rows: Sequence[ScanRow], rotations: Sequence[RotationStatus], *, verified: bool) -> Liveness:
    checked = next((r.verification for r in rows if r.verification is not None), None)
    if checked is not None:
        return Liveness(checked.status, checked.reason, checked.provider, "scan --verify")
    for rotation in reversed(rotations):
        if rotation.old_key_dead:
            how = rotation.old_key_dead
            return Liveness("revoked", f"confirmed dead ({how})", None, f"rotation {rotation.rotation_id}")
    if verified:
        return Liveness("unknown", "no liveness check for this provider", None, "scan --verify")
    return NOT_CHECKED


def _planned_name(rotations: Sequence[RotationStatus]) -> str | None:
    """The variable the latest rotation named the secret by: its PR makes the code read that one."""
    return next((r.variable for r in reversed(rotations) if r.variable), None)


def _sighting(r: ScanRow) -> Sighting:
    return Sighting(
        r.secret_id, r.rule_id, r.kind, r.provider, r.env_var, r.labels, r.name_hint, (r.path, r.line, r.column)
    )


def _union(lists: Iterable[Iterable[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            seen.setdefault(str(item), None)
    return tuple(seen)


def _order(s: SecretReport) -> tuple[object, ...]:
    return (s.identifier, -s.next_action.urgency, -s.severity, s.first_seen or "9999", s.secret_id)
