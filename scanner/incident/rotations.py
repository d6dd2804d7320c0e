"""The rotation status of each secret, read from the rotation journals (and audits) in the state folder.

Read-only, through rotation's public API: `read_entries` (a torn last line is skipped), the typed events, the
plan record and `audit.summarize`. A journal is never opened for writing and its lock is never taken, so the
report can run while a rotation is in progress.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.incident.model import PullRequestStatus, RotationEvent, RotationStatus
from scanner.rotation.audit import summarize
from scanner.rotation.events import Planned, PrBranch, PrMerged, PrNotMerged, PrOpened, PrSkipped
from scanner.rotation.journal import Entry, read_entries
from scanner.rotation.plan import Plan


@dataclass(frozen=True, slots=True)
class Rotations:
    """Every rotation found, by the secret ids it covers."""

    by_secret: dict[str, list[RotationStatus]] = field(default_factory=dict)
    read: int = 0
    """How many rotations were read."""
    problems: tuple[str, ...] = ()
    """Files that could not be read, and why."""


def read_rotations(state_dir: Path) -> Rotations:
    """Every journal (`<id>.jsonl`) in `state_dir`, and every audit (`<id>.audit.json`) whose journal is gone."""
    if not state_dir.is_dir():
        return Rotations()
    by_secret: dict[str, list[RotationStatus]] = defaultdict(list)
    problems: list[str] = []
    read = 0
    journals = sorted(state_dir.glob("rot-*.jsonl"))
    for path in journals:
        try:
            statuses = _from_journal(list(read_entries(path)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{path.name}: unreadable journal ({exc})")
            continue
        read += bool(statuses)
        for sid, status in statuses.items():
            by_secret[sid].append(status)
    have = {p.name.removesuffix(".jsonl") for p in journals}
    for path in sorted(state_dir.glob("rot-*.audit.json")):
        if path.name.removesuffix(".audit.json") in have:
            continue
        try:
            statuses = _from_audit(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"{path.name}: unreadable audit ({exc})")
            continue
        read += bool(statuses)
        for sid, status in statuses.items():
            by_secret[sid].append(status)
    for found in by_secret.values():
        found.sort(key=lambda s: s.started_at or "")
    return Rotations(dict(by_secret), read, tuple(problems))


def _from_journal(entries: Sequence[Entry]) -> dict[str, RotationStatus]:
    first = entries[0].data if entries else None
    if not isinstance(first, Planned):
        return {}
    plan = Plan.from_record(first.plan)
    summary = summarize(plan, entries)
    pull_request = _pull_request(entries)
    events: dict[str | None, list[RotationEvent]] = defaultdict(list)
    for e in entries[1:]:
        events[e.target].append(RotationEvent(e.ts, str(e.event)))
    shared = [ev for ev in events[None] if ev.what in ("pr", "pr-merged", "done")]
    variables = {t.secret_id: t.env_name for t in plan.targets}
    out = {}
    for row in summary["targets"]:
        out[row["secret_id"]] = RotationStatus(
            rotation_id=summary["rotation_id"],
            status=summary["status"],
            action=row["action"],
            state=row["state"],
            started_at=summary["started_at"],
            updated_at=summary["updated_at"],
            minted_key_id=row["new_key_id"],
            vault_path=row["vault_path"] if row["vault_version"] is not None else None,
            vault_version=row["vault_version"],
            verified=row["verified"],
            revoked=row["revoked"],
            old_key_dead=row["old_key_dead"],
            manual_steps=tuple(row["manual_steps"]),
            pull_request=pull_request,
            events=tuple(sorted(events[row["secret_id"]] + shared, key=lambda ev: ev.when)),
            variable=variables.get(row["secret_id"]),
        )
    return out


def _pull_request(entries: Sequence[Entry]) -> PullRequestStatus | None:
    """The PR as the journal last knew it: opened (branch event: number, URL), merged, still open, or closed."""
    status: PullRequestStatus | None = None
    number: int | None = None
    for e in entries:
        data = e.data
        if isinstance(data, PrBranch):
            number = data.pr_number
            url = data.pr_url or data.compare_url
            status = PullRequestStatus(url, number, "open" if data.pr_url else "unknown", as_of=e.ts)
        elif isinstance(data, PrOpened):
            state = "merged" if data.merged else "open" if data.url else "unknown"
            status = PullRequestStatus(data.url, number, state, data.message, e.ts)
        elif isinstance(data, PrSkipped):
            status = PullRequestStatus(None, None, "skipped", data.message, e.ts)
        elif isinstance(data, PrNotMerged):
            url = data.url or (status.url if status else None)
            status = PullRequestStatus(url, number, data.state or "open", data.message, e.ts)
        elif isinstance(data, PrMerged):
            status = PullRequestStatus(data.url or (status.url if status else None), number, "merged", "", e.ts)
    return status


def _from_audit(summary: dict[str, Any]) -> dict[str, RotationStatus]:
    """An audit JSON (`<id>.audit.json`, version 1) whose journal is not here."""
    pr = summary.get("pull_request") or {}
    pull_request = None
    if pr:
        state = "skipped" if pr.get("event") == "pr-skipped" else "merged" if pr.get("merged") else "open"
        pull_request = PullRequestStatus(pr.get("url"), None, state, str(pr.get("message") or ""))
    out = {}
    for row in summary["targets"]:
        out[str(row["secret_id"])] = RotationStatus(
            rotation_id=str(summary["rotation_id"]),
            status=str(summary["status"]),
            action=str(row["action"]),
            state=str(row["state"]),
            started_at=summary.get("started_at"),
            updated_at=summary.get("updated_at"),
            minted_key_id=row.get("new_key_id"),
            vault_path=row.get("vault_path") if row.get("vault_version") is not None else None,
            vault_version=row.get("vault_version"),
            verified=bool(row.get("verified")),
            revoked=bool(row.get("revoked")),
            old_key_dead=row.get("old_key_dead"),
            manual_steps=tuple(row.get("manual_steps") or ()),
            pull_request=pull_request,
        )
    return out
