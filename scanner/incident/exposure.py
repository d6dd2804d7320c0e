"""The exposure timeline: for each secret, the commits that introduced, copied, moved and removed it, and every
commit, branch and tag from which it can still be read, computed from git.

How, without passing a value to git: the blobs that hold a secret are found by reading only the versions of the
files where the scan saw it, then following each holding blob to the versions that replaced it (edits, renames
and moves in the same commit), and searching each for the value in Python. A change whose new blob holds the
secret while no parent's blob did is an addition; the reverse is a removal. A commit can read the secret when an
introducing commit is its ancestor or itself: one pass over the commit graph, parents first, with a bit per
secret, answers that for every commit and ref at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from scanner.findings import Commit, secret_id
from scanner.incident.git_graph import Graph
from scanner.incident.model import EventKind, ExposureEvent, GitExposure, Presence, RefExposure
from scanner.sources.git_parse import EMPTY_BLOB, Change


@dataclass(frozen=True, slots=True)
class Seen:
    """A place the scan saw a secret: where to look for it in git."""

    path: str
    line: int
    column: int
    end_column: int
    commit: Commit | None = None


@dataclass(frozen=True, slots=True)
class Wanted:
    """A secret to trace: its id, its value when the scan gave it, and where the scan saw it."""

    secret_id: str
    places: tuple[Seen, ...]
    value: str | None = field(default=None, repr=False)


def trace(graph: Graph, wanted: Sequence[Wanted], repository: str) -> dict[str, GitExposure]:
    """secret id → its exposure in `graph`'s repository, for every secret wanted."""
    if not graph.order:
        note = "the repository has no commits: the secret was never committed"
        return {w.secret_id: GitExposure(repository, head=Presence.ABSENT, note=note) for w in wanted}
    needles = _needles(graph, wanted)
    holders = _holders(graph, needles, {p.path for w in wanted for p in w.places})
    commits = graph.commits
    events: dict[str, list[ExposureEvent]] = {}
    for w in wanted:
        if w.secret_id in needles:
            held = {blob for blob, ids in holders.items() if w.secret_id in ids}
            events[w.secret_id] = _events(graph, held, commits)
        else:
            events[w.secret_id] = _reported(w, set(graph.parents))
    # NOTE: the scan's own introducing commits count too, should a holding blob have escaped the search.
    reported = {w.secret_id: {p.commit.oid for p in w.places if p.commit and p.commit.oid} for w in wanted}
    entries = {
        sid: {e.commit.oid or "" for e in evs if e.kind in _ENTRIES} | reported[sid] for sid, evs in events.items()
    }
    reach = _reach(graph, entries)
    out = {}
    for bit, w in enumerate(wanted):
        traced = w.secret_id in needles
        held = {blob for blob, ids in holders.items() if w.secret_id in ids} if traced else set()

        def presence(commit: str | None, bit: int = bit, held: set[str] = held, traced: bool = traced) -> Presence:
            if commit is None or not reach.get(commit, 0) >> bit & 1:
                return Presence.ABSENT
            if not traced:
                return Presence.UNKNOWN
            return Presence.TREE if held & set(graph.tree(commit).values()) else Presence.HISTORY

        refs = tuple(
            RefExposure(ref.name, ref.kind, presence(ref.commit))
            for ref in graph.refs
            if reach.get(ref.commit, 0) >> bit & 1
        )
        default = next((r.commit for r in graph.refs if r.name == graph.default_branch), None)
        out[w.secret_id] = GitExposure(
            repository=repository,
            events=tuple(events[w.secret_id]),
            refs=refs,
            head=presence(graph.head),
            default_branch=graph.default_branch,
            in_default=presence(default),
            commits=tuple(c for c in graph.order if reach.get(c, 0) >> bit & 1),
            traced=traced,
            note="" if traced else _UNTRACED,
        )
    return out


_ENTRIES = (EventKind.INTRODUCED, EventKind.REPORTED)
_UNTRACED = (
    "the value was neither in the scan report nor recoverable from git at the reported place: the timeline "
    "shows the scan's introducing commits only (removals and copies not traced)"
)


def _needles(graph: Graph, wanted: Sequence[Wanted]) -> dict[str, bytes]:
    """secret id → its value as bytes: from the scan, else read back from git (or the file) at a reported place
    and accepted only if it hashes to the secret id."""
    needles = {w.secret_id: w.value.encode("utf-8", "surrogateescape") for w in wanted if w.value}
    missing = [w for w in wanted if w.secret_id not in needles]
    names = {f"{p.commit.oid}:{p.path}" for w in missing for p in w.places if p.commit and p.commit.oid}
    names |= {f"HEAD:{p.path}" for w in missing for p in w.places}
    contents = graph.read(names)
    for w in missing:
        for p in w.places:
            sources = [f"{p.commit.oid}:{p.path}"] if p.commit and p.commit.oid else []
            texts = [contents.get(name) for name in [*sources, f"HEAD:{p.path}"]] + [_on_disk(graph, p.path)]
            value = next((v for t in texts if t is not None and (v := _at(t, p)) and secret_id(v) == w.secret_id), None)
            if value is not None:
                needles[w.secret_id] = value.encode("utf-8", "surrogateescape")
                break
    return needles


def _on_disk(graph: Graph, path: str) -> bytes | None:
    try:
        return (graph.repo / path).read_bytes()
    except (OSError, ValueError):
        return None


def _at(data: bytes, place: Seen) -> str | None:
    """The text at a finding's line and columns (characters, an undecodable byte counting as one)."""
    lines = data.split(b"\n")
    if not 0 < place.line <= len(lines) or place.end_column <= place.column:
        return None
    text = lines[place.line - 1].decode("utf-8", "surrogateescape")
    return text[place.column - 1 : place.end_column - 1] or None


def _holders(graph: Graph, needles: Mapping[str, bytes], paths: set[str]) -> dict[str, frozenset[str]]:
    """blob id → the secret ids it holds, for every blob read: the versions of the scan's paths, then the
    versions that replaced a holding blob, until no new holder appears."""
    if not needles:
        return {}
    replaced_in: dict[str, set[str]] = defaultdict(set)
    by_commit: dict[str, list[Change]] = defaultdict(list)
    for change in graph.changes:
        oid = change.commit.oid or ""
        by_commit[oid].append(change)
        for old in change.old:
            replaced_in[old].add(oid)
    queue = {c.new for c in graph.changes if c.path in paths}
    holders: dict[str, frozenset[str]] = {}
    while queue := {b for b in queue if b != EMPTY_BLOB and b not in holders}:
        contents = graph.read(queue)
        following: set[str] = set()
        for blob in queue:
            data = contents.get(blob, b"")
            held = frozenset(sid for sid, needle in needles.items() if needle in data)
            holders[blob] = held
            if held:
                following.update(c.new for commit in replaced_in.get(blob, ()) for c in by_commit[commit])
        queue = following
    return {blob: ids for blob, ids in holders.items() if ids}


def _events(graph: Graph, held: set[str], commits: Mapping[str, Commit]) -> list[ExposureEvent]:
    """Additions, copies, moves and removals of the secret whose blobs are `held`, oldest first."""
    per_commit: dict[str, tuple[list[str], list[str]]] = {}
    for change in graph.changes:
        had = any(o in held for o in change.old)
        has = change.new in held
        if had != has:
            added, removed = per_commit.setdefault(change.commit.oid or "", ([], []))
            (added if has else removed).append(change.path)
    position = {oid: n for n, oid in enumerate(graph.order)}
    out: list[ExposureEvent] = []
    # NOTE: by author date (the timeline's axis), then parents before children for commits of the same time.
    for oid in sorted(per_commit, key=lambda c: (_utc(commits[c].date), position.get(c, -1))):
        added, removed = (sorted(paths) for paths in per_commit[oid])
        commit = commits[oid]
        moved_from = list(removed)
        for path in added:
            if moved_from:
                out.append(ExposureEvent(EventKind.MOVED, commit, path, moved_from.pop(0)))
                continue
            source = _held_in_parents(graph, oid, held)
            kind = EventKind.COPIED if source else EventKind.INTRODUCED
            out.append(ExposureEvent(kind, commit, path, source))
        out.extend(ExposureEvent(EventKind.REMOVED, commit, path) for path in moved_from)
    return out


def _utc(date: str) -> str:
    """An ISO-8601 date in UTC, so that dates with different offsets sort in time order."""
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(date).astimezone(dt.UTC).isoformat()
    except ValueError:
        return date


def _held_in_parents(graph: Graph, commit: str, held: set[str]) -> str | None:
    """A path where a parent of `commit` already held the secret (the source of a copy), if any."""
    for parent in graph.parents.get(commit, ()):
        found = sorted(path for path, blob in graph.tree(parent).items() if blob in held)
        if found:
            return found[0]
    return None


def _reported(w: Wanted, known: set[str]) -> list[ExposureEvent]:
    """Without a value to search for: the scan's own introducing commits, as it reported them."""
    seen: dict[tuple[str, str], ExposureEvent] = {}
    for p in w.places:
        if p.commit and p.commit.oid in known:
            seen.setdefault((p.commit.oid or "", p.path), ExposureEvent(EventKind.REPORTED, p.commit, p.path))
    return sorted(seen.values(), key=lambda e: (e.commit.date, e.path))


def _reach(graph: Graph, entries: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """commit → a bit per secret (in `entries`' order) set when the commit or an ancestor introduced it."""
    own: dict[str, int] = defaultdict(int)
    for bit, commits in enumerate(entries.values()):
        for commit in commits:
            own[commit] |= 1 << bit
    reach: dict[str, int] = {}
    for commit in graph.order:  # parents before children
        mask = own.get(commit, 0)
        for parent in graph.parents.get(commit, ()):
            mask |= reach.get(parent, 0)
        if mask:
            reach[commit] = mask
    return reach
