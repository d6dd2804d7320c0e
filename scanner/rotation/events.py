"""The journal's vocabulary: an `Event` name per step and one frozen dataclass per event with its fields.

A journal line is `{"seq", "ts", "event", "target", **fields}`; `encode` and `decode` are the only places that
turn events into JSON fields and back, and a line written by an older keysweep (a field missing) still reads.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from scanner.rotation.plan import PlanRecord


class Event(enum.StrEnum):
    PLAN = "plan"
    RUN = "run"
    MINT_INTENT = "mint-intent"
    MINTED = "minted"
    MINT_FAILED = "mint-failed"
    ORPHAN_REVOKE_INTENT = "orphan-revoke-intent"
    ORPHAN_REVOKED = "orphan-revoked"
    STORE_INTENT = "store-intent"
    STORED = "stored"
    VERIFIED = "verified"
    REVOKE_INTENT = "revoke-intent"
    REVOKED = "revoked"
    OLD_DEAD = "old-dead"
    WEBHOOK_ROTATE_INTENT = "webhook-rotate-intent"
    WEBHOOK_ROTATED = "webhook-rotated"
    WEBHOOK_SECRET_LOST = "webhook-secret-lost"
    MANUAL = "manual"
    KEPT = "kept"
    PR_BRANCH = "pr-branch"
    PR = "pr"
    PR_SKIPPED = "pr-skipped"
    AWAITING_REVOKE = "awaiting-revoke"
    PR_NOT_MERGED = "pr-not-merged"
    PR_MERGED = "pr-merged"
    DONE = "done"


@dataclass(frozen=True, slots=True, kw_only=True)
class EventData:
    """The fields of one journal event; subclasses name their `event`."""

    event: ClassVar[Event]


@dataclass(frozen=True, slots=True, kw_only=True)
class Planned(EventData):
    event = Event.PLAN
    plan: PlanRecord
    """Everything the plan decided, without secret values (`Plan.to_record`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Run(EventData):
    event = Event.RUN
    resumed: bool
    graceful: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MintIntent(EventData):
    event = Event.MINT_INTENT
    project_id: str
    name: str
    """The service account's deterministic name, so a resumed run finds it."""
    attempt: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Minted(EventData):
    event = Event.MINTED
    service_account_id: str
    key_id: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MintFailed(EventData):
    event = Event.MINT_FAILED
    status: int | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrphanRevokeIntent(EventData):
    event = Event.ORPHAN_REVOKE_INTENT
    service_account_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrphanRevoked(EventData):
    event = Event.ORPHAN_REVOKED
    service_account_id: str
    already_gone: bool = False
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreIntent(EventData):
    event = Event.STORE_INTENT
    mount: str
    path: str
    cas: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Stored(EventData):
    event = Event.STORED
    mount: str
    path: str
    version: int
    key_id: str | None = None
    service_account_id: str | None = None
    endpoint_id: str | None = None
    recovered: bool = False
    """Found in Vault on resume (a previous run wrote it but did not journal it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Verified(EventData):
    event = Event.VERIFIED
    vault_version: int
    key_id: str | None = None
    endpoint_id: str | None = None
    liveness: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokeIntent(EventData):
    event = Event.REVOKE_INTENT
    how: str
    """`delete-key` or `delete-service-account`."""
    object_id: str
    collateral: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Revoked(EventData):
    event = Event.REVOKED
    object_id: str
    already_gone: bool = False
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OldDead(EventData):
    event = Event.OLD_DEAD
    confirmed_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookRotateIntent(EventData):
    event = Event.WEBHOOK_ROTATE_INTENT
    endpoint_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookRotated(EventData):
    event = Event.WEBHOOK_ROTATED
    endpoint_id: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookSecretLost(EventData):
    event = Event.WEBHOOK_SECRET_LOST
    endpoint_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Manual(EventData):
    event = Event.MANUAL
    instructions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Kept(EventData):
    event = Event.KEPT
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PrBranch(EventData):
    event = Event.PR_BRANCH
    branch: str
    base: str
    commit: str | None = None
    pushed: bool = False
    pr_number: int | None = None
    pr_url: str | None = None
    compare_url: str | None = None
    files: tuple[str, ...] = ()
    manual: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PrOpened(EventData):
    event = Event.PR
    url: str | None = None
    merged: bool = False
    message: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PrSkipped(EventData):
    event = Event.PR_SKIPPED
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AwaitingRevoke(EventData):
    event = Event.AWAITING_REVOKE
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PrNotMerged(EventData):
    event = Event.PR_NOT_MERGED
    message: str
    url: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PrMerged(EventData):
    event = Event.PR_MERGED
    url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Done(EventData):
    event = Event.DONE


EVENTS: dict[Event, type[EventData]] = {
    cls.event: cls
    for cls in (
        Planned, Run, MintIntent, Minted, MintFailed, OrphanRevokeIntent, OrphanRevoked, StoreIntent, Stored,
        Verified, RevokeIntent, Revoked, OldDead, WebhookRotateIntent, WebhookRotated, WebhookSecretLost, Manual,
        Kept, PrBranch, PrOpened, PrSkipped, AwaitingRevoke, PrNotMerged, PrMerged, Done,
    )
}  # fmt: skip


def encode(data: EventData) -> dict[str, object]:
    """The event's fields as JSON values (tuples become lists)."""
    return {
        f.name: list(value) if isinstance(value := getattr(data, f.name), tuple) else value
        for f in dataclasses.fields(data)
    }


def decode(name: str, fields: Mapping[str, Any]) -> EventData | None:
    """The event a journal line holds; None for a name this keysweep does not know (a newer journal)."""
    try:
        cls = EVENTS[Event(name)]
    except ValueError:
        return None
    known = {f.name for f in dataclasses.fields(cls)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items() if k in known}
    return cls(**values)
