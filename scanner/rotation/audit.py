"""The audit record of a rotation, from its journal: a JSON summary and a text version, safe to paste."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict, TypeVar

from scanner.rotation.events import (
    Event,
    EventData,
    Manual,
    Minted,
    OldDead,
    OrphanRevoked,
    PrOpened,
    PrSkipped,
    RevokeIntent,
    Stored,
    Verified,
)
from scanner.rotation.journal import Entry
from scanner.rotation.plan import Plan

E = TypeVar("E", bound=EventData)


class AuditRow(TypedDict):
    secret_id: str
    redacted: str
    kind: str
    action: str
    provider: str | None
    org: str | None
    project_id: str | None
    old_key_id: str | None
    occurrences: list[str]
    new_key_id: str | None
    new_service_account_id: str | None
    vault_path: str | None
    vault_version: int | None
    verified: bool
    revoked: bool
    revocation: str | None
    old_key_dead: str | None
    orphans_revoked: list[str]
    manual_steps: list[str]
    request_ids: list[str]
    state: str


class AuditPullRequest(TypedDict, total=False):
    event: str
    url: str | None
    merged: bool
    message: str


class AuditSummary(TypedDict):
    version: int
    rotation_id: str
    status: str
    graceful: bool
    started_at: str | None
    updated_at: str | None
    runs: int
    targets: list[AuditRow]
    pull_request: AuditPullRequest


def summarize(plan: Plan, entries: Sequence[Entry]) -> AuditSummary:
    """What happened to each secret, with the ids and request ids an incident ticket needs; never a value."""
    by_target: dict[str | None, list[Entry]] = {}
    for e in entries:
        by_target.setdefault(e.target, []).append(e)
    rows = []
    for t in plan.targets:
        evs = by_target.get(t.secret_id, [])
        minted, stored, verified = _last(evs, Minted), _last(evs, Stored), _last(evs, Verified)
        intent, dead, manual = _last(evs, RevokeIntent), _last(evs, OldDead), _last(evs, Manual)
        rows.append(
            AuditRow(
                secret_id=t.secret_id,
                redacted=t.secret.redacted,
                kind=t.secret.kind,
                action=t.action.value,
                provider=t.provider,
                org=t.org,
                project_id=t.project_id,
                old_key_id=t.key_id,
                occurrences=[str(o) for o in t.secret.occurrences],
                new_key_id=minted.key_id if minted else stored.key_id if stored else None,
                new_service_account_id=minted.service_account_id if minted else None,
                vault_path=f"{t.vault_mount}/{t.vault_path}" if t.vault_path else None,
                vault_version=(verified.vault_version if verified else None) or (stored.version if stored else None),
                verified=verified is not None,
                revoked=any(e.event is Event.REVOKED for e in evs),
                revocation=intent.how if intent else None,
                old_key_dead=dead.confirmed_by if dead else None,
                orphans_revoked=[e.data.service_account_id for e in evs if isinstance(e.data, OrphanRevoked)],
                manual_steps=list(manual.instructions) if manual else [],
                request_ids=[rid for e in evs if (rid := getattr(e.data, "request_id", None))],
                state=str(evs[-1].event) if evs else "pending",
            )
        )
    pr = next((e.data for e in reversed(entries) if isinstance(e.data, PrOpened | PrSkipped)), None)
    pull_request: AuditPullRequest = {}
    if isinstance(pr, PrOpened):
        pull_request = {"event": str(pr.event), "url": pr.url, "merged": pr.merged, "message": pr.message}
    elif isinstance(pr, PrSkipped):
        pull_request = {"event": str(pr.event), "message": pr.message}
    return AuditSummary(
        version=1,
        rotation_id=plan.rotation_id,
        status=_status([e.event for e in entries]),
        graceful=plan.graceful,
        started_at=entries[0].ts if entries else None,
        updated_at=entries[-1].ts if entries else None,
        runs=sum(1 for e in entries if e.event is Event.RUN),
        targets=rows,
        pull_request=pull_request,
    )


def render_text(summary: AuditSummary) -> str:
    lines = [
        f"keysweep rotation {summary['rotation_id']}: {summary['status']} "
        f"({summary['runs']} run(s), {summary['started_at']} → {summary['updated_at']})"
    ]
    for row in summary["targets"]:
        lines.append(
            f"- {row['redacted']} ({row['kind']}, secret id {row['secret_id']}): {row['action']}, state {row['state']}"
        )
        if row["new_key_id"] or row["vault_path"]:
            lines.append(
                f"    new: {row['new_key_id'] or '-'} "
                f"(service account {row['new_service_account_id'] or '-'})"
                f" stored at {row['vault_path']} v{row['vault_version']}, verified: {row['verified']}"
            )
        if row["old_key_id"] and row["action"] == "rotate-key":
            lines.append(
                f"    old: {row['old_key_id']} revoked: {row['revoked']} ({row['revocation'] or '-'}); "
                f"dead: {row['old_key_dead'] or 'not confirmed yet'}"
            )
        if row["orphans_revoked"]:
            lines.append(f"    orphans revoked on resume: {', '.join(row['orphans_revoked'])}")
        lines += [f"    {step}" for step in row["manual_steps"]]
        if row["request_ids"]:
            lines.append(f"    request ids: {', '.join(row['request_ids'])}")
    pr = summary["pull_request"]
    lines.append(f"PR step: {pr.get('url') or pr.get('message') or 'not reached'}")
    return "\n".join(lines)


def write_audit(state_dir: Path, summary: AuditSummary) -> tuple[Path, Path]:
    """`<id>.audit.json` and `<id>.audit.txt` beside the journal, replaced atomically."""
    base = state_dir / summary["rotation_id"]
    paths = (base.with_suffix(".audit.json"), base.with_suffix(".audit.txt"))
    for path, text in zip(paths, (json.dumps(summary, indent=2) + "\n", render_text(summary) + "\n"), strict=True):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return paths


def _last(entries: Sequence[Entry], kind: type[E]) -> E | None:
    return next((e.data for e in reversed(entries) if isinstance(e.data, kind)), None)


def _status(events: list[Event]) -> str:
    """`done`; `awaiting-merge` while --graceful waits for the PR; `awaiting-revoke`; else `incomplete`."""
    if Event.DONE in events:
        return "done"
    waiting = [e for e in events if e in (Event.PR_NOT_MERGED, Event.PR_MERGED)]
    if waiting and waiting[-1] is Event.PR_NOT_MERGED:
        return "awaiting-merge"
    return "awaiting-revoke" if Event.AWAITING_REVOKE in events else "incomplete"
