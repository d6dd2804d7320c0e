"""The next action for one secret: a decision table over its liveness, exposure and rotation status.

The first rule that applies wins; each answer names the command to run, with the path the report was made for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scanner.incident.model import GitExposure, Liveness, NextAction, Place, Presence, RotationStatus, Urgency

_READABLE = (Presence.TREE, Presence.HISTORY, Presence.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the decision reads about one secret."""

    identifier: bool
    kind: str
    liveness: Liveness
    places: Sequence[Place]
    exposures: Sequence[GitExposure]
    rotations: Sequence[RotationStatus]
    target: str
    """The path the commands name (`.`)."""

    @property
    def in_head(self) -> bool:
        """Still in the files: HEAD's tree holds it, or (no git) the scanned files do."""
        if not self.exposures:
            return bool(self.places)
        return any(x.head in (Presence.TREE, Presence.UNKNOWN) for x in self.exposures)

    @property
    def refs(self) -> list[str]:
        """The tags, then the branches, from which it can still be read."""
        tags = [f"tag {r.name}" for x in self.exposures for r in x.refs if r.kind == "tag" and r.presence in _READABLE]
        others = [f"{r.kind} {r.name}" for x in self.exposures for r in x.refs if r.kind != "tag"]
        return tags + others

    @property
    def committed(self) -> bool:
        return not self.exposures or any(x.commits or x.events or x.refs or x.head in _READABLE for x in self.exposures)


def next_action(f: Facts) -> NextAction:
    if f.identifier:
        return NextAction(Urgency.NONE, "An identifier, not a secret: nothing to revoke.")
    rotation = f.rotations[-1] if f.rotations else None
    if rotation is not None and not rotation.is_finished:
        return _unfinished(rotation, f.target)
    if rotation is not None and rotation.action == "manual" and f.liveness.status != "revoked":
        return NextAction(
            Urgency.NOW,
            f"Manual steps outstanding (rotation {rotation.rotation_id}): no API rotates this {f.kind}; "
            "follow them, then re-run `keysweep report --verify`.",
            rotation.manual_steps,
        )
    dead = f.liveness.status == "revoked" or any(_is_dead(r) for r in f.rotations)
    if dead and f.liveness.status == "live":
        return NextAction(
            Urgency.NOW,
            f"Rotation {rotation.rotation_id if rotation else ''} revoked it, but the provider still accepts it: "
            "revoke it by hand at the provider now, then re-run `keysweep report --verify`.",
        )
    if dead:
        return _after_revocation(f, rotation)
    return _live(f)


def _unfinished(rotation: RotationStatus, target: str) -> NextAction:
    resume = f"`keysweep rotate --resume {rotation.rotation_id} {target}`"
    pr = rotation.pull_request
    if rotation.status == "awaiting-merge" and pr is not None and pr.state == "closed":
        return NextAction(
            Urgency.NOW,
            f"{_pr_name(pr.number)} was closed without merging: reopen and merge it, or revoke anyway with "
            f"`keysweep rotate --resume {rotation.rotation_id} --no-pr`.",
        )
    if rotation.status in ("awaiting-merge", "awaiting-revoke") and pr is not None and pr.state == "open":
        return NextAction(
            Urgency.NOW,
            f"{_pr_name(pr.number)} open: deploy the new key and merge it, then {resume} revokes the exposed key.",
            (pr.url,) if pr.url else (),
        )
    if rotation.status == "awaiting-revoke":
        return NextAction(
            Urgency.NOW, f"The new key is stored and verified: deploy it, then {resume} revokes the exposed key."
        )
    return NextAction(
        Urgency.NOW,
        f"Rotation {rotation.rotation_id} stopped at `{rotation.state}`: continue it with {resume} "
        "(never start a second one: it would mint twice).",
    )


def _after_revocation(f: Facts, rotation: RotationStatus | None) -> NextAction:
    pr = rotation.pull_request if rotation else None
    if f.in_head and pr is not None and pr.state == "open":
        return NextAction(
            Urgency.SOON,
            f"Revoked, but the literal is still in HEAD: {_pr_name(pr.number)} open: merge it.",
            (pr.url,) if pr.url else (),
        )
    if f.in_head:
        return NextAction(
            Urgency.SOON,
            f"Revoked, but the literal is still in HEAD: replace it with `keysweep fix {f.target} --pr`.",
        )
    refs = f.refs
    if refs:
        more = f" (and {len(refs) - 1} more)" if len(refs) > 1 else ""
        return NextAction(
            Urgency.CONSIDER,
            f"Revoked but still reachable from {refs[0]}{more}: purge history if policy requires "
            "(`git filter-repo --replace-text`, then force-push every ref and have clones re-cloned).",
            tuple(refs[1:]),
        )
    return NextAction(Urgency.NONE, "Closed: revoked, and no ref reaches it any more.")


def _live(f: Facts) -> NextAction:
    status = f.liveness.status
    word = {"live": "Live", "unknown": "Liveness unknown", "not-checked": "Not verified"}.get(status, status)
    check = " (`keysweep report --verify` checks liveness first)" if status == "not-checked" else ""
    if not f.committed:
        return NextAction(
            Urgency.SOON,
            f"{word}, never committed: remove it from the file before it is, and rotate it if it was shared "
            f"(`keysweep rotate {f.target} --apply`).",
        )
    if f.in_head:
        return NextAction(Urgency.NOW, f"{word} and in HEAD: run `keysweep rotate {f.target} --apply`{check}.")
    refs = f.refs
    where = f" (reachable from {refs[0]}{' and more' if len(refs) > 1 else ''})" if refs else ""
    return NextAction(
        Urgency.NOW,
        f"{word}, only in history{where}: run `keysweep rotate {f.target} --history --apply`{check}.",
    )


def _is_dead(rotation: RotationStatus) -> bool:
    """The rotation killed the exposed value: revoked, confirmed dead, rotated (webhooks), or dead already."""
    rotated = any(e.what == "webhook-rotated" for e in rotation.events) or (
        rotation.action == "rotate-webhook" and rotation.verified
    )
    return rotation.revoked or bool(rotation.old_key_dead) or rotated or rotation.action == "already-dead"


def _pr_name(number: int | None) -> str:
    return f"PR #{number}" if number is not None else "The pull request"
