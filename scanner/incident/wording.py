"""The words both renderers use: dates, commit ids, presence, liveness, refs and rotation status in one wording."""

from __future__ import annotations

import datetime as dt

from scanner.incident.model import (
    EventKind,
    ExposureEvent,
    GitExposure,
    Liveness,
    Presence,
    RotationStatus,
    SecretReport,
)

SHORT = 10
"""Characters of a commit id shown."""


def parse_time(text: str | None) -> dt.datetime | None:
    """An ISO-8601 time (a commit date, a journal time) as an aware datetime in UTC; None if it is not one."""
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def when(text: str | None) -> str:
    """`2023-11-14 22:13Z`: minutes, UTC."""
    parsed = parse_time(text)
    return parsed.strftime("%Y-%m-%d %H:%MZ") if parsed else (text or "?")


def day(text: str | None) -> str:
    parsed = parse_time(text)
    return parsed.strftime("%Y-%m-%d") if parsed else (text or "?")


def short(oid: str | None) -> str:
    return (oid or "")[:SHORT]


def event_text(event: ExposureEvent) -> str:
    """`copied to b.txt (from a.txt)`."""
    if event.kind is EventKind.REPORTED:
        return f"added to {event.path} (as the scan reported)"
    if event.kind is EventKind.REMOVED:
        return f"removed from {event.path}"
    where = f"{'to' if event.kind in (EventKind.COPIED, EventKind.MOVED) else 'in'} {event.path}"
    return f"{event.kind} {where}" + (f" (from {event.source})" if event.source else "")


def introduced_text(exposure: GitExposure) -> str:
    first = exposure.introduced
    if first is None:
        return "never committed" if exposure.traced or exposure.note else "unknown"
    c = first.commit
    return f"{day(c.date)} by {c.author or '?'} ({short(c.oid)})"


def presence_text(presence: Presence) -> str:
    return {
        Presence.TREE: "yes, in the files",
        Presence.HISTORY: "in history only",
        Presence.ABSENT: "no",
        Presence.UNKNOWN: "reachable (files not checked)",
    }[presence]


def refs_text(exposure: GitExposure, limit: int = 6) -> str:
    """`branch main (in the files), tag v1.2 (history)`, tags first; `none` when no ref reaches it."""
    refs = sorted(exposure.refs, key=lambda r: (r.kind != "tag", r.kind, r.name))
    shown = [f"{r.kind} {r.name}{_presence_mark(r.presence)}" for r in refs[:limit]]
    if len(refs) > limit:
        shown.append(f"{len(refs) - limit} more")
    return ", ".join(shown) or "none"


def _presence_mark(presence: Presence) -> str:
    return {Presence.TREE: " (in the files)", Presence.HISTORY: " (history)"}.get(presence, "")


def liveness_text(liveness: Liveness) -> str:
    said = f" ({liveness.reason})" if liveness.reason else ""
    by = f", {liveness.source}" if liveness.source else ""
    return f"{liveness.status}{said}{by}" if liveness.status != "not-checked" else f"not checked: {liveness.reason}"


def rotation_summary(rotation: RotationStatus | None) -> str:
    """One cell: `done (rot-…)`, `awaiting-merge (rot-…)`, or `none`."""
    if rotation is None:
        return "none"
    return f"{rotation.status}: {rotation.action} ({rotation.rotation_id})"


def rotation_facts(rotation: RotationStatus) -> list[str]:
    """Planned, minted, stored, verified, revoked, the PR, manual steps: one line each, as far as it got."""
    lines = [
        f"planned ({rotation.action}) at {when(rotation.started_at)}; last update {when(rotation.updated_at)}; "
        f"this secret's last event: {rotation.state}"
    ]
    if rotation.minted_key_id:
        lines.append(f"minted: new key {rotation.minted_key_id}")
    if rotation.vault_path:
        lines.append(f"stored: Vault {rotation.vault_path} version {rotation.vault_version}")
    if rotation.verified:
        lines.append("verified: the replacement works")
    if rotation.revoked or rotation.old_key_dead:
        confirmed = f", confirmed dead ({rotation.old_key_dead})" if rotation.old_key_dead else ""
        lines.append(f"revoked: the exposed key{confirmed}")
    pr = rotation.pull_request
    if pr is not None:
        name = f"PR #{pr.number}" if pr.number is not None else "pull request"
        if pr.state == "skipped":
            lines.append(f"pull request: skipped ({pr.message})")
        else:
            lines.append(
                f"{name}: {pr.url or 'no URL'} — {pr.state}" + (f" as of {when(pr.as_of)}" if pr.as_of else "")
            )
    if rotation.manual_steps:
        lines.append(f"manual steps ({len(rotation.manual_steps)}): outstanding unless done by hand")
    return lines


def names_text(secret: SecretReport) -> str:
    """`prod-default (key table); variable NEXUS_API_KEY`."""
    parts = [f"{', '.join(secret.labels)} (key table)"] if secret.labels else []
    if secret.variable:
        parts.append(f"variable {secret.variable}")
    return "; ".join(parts) or "—"
