"""The rotation plan: what will happen to each exposed secret, as data; recorded without values in the journal.

`Planner` (planner.py) builds it with read-only questions; `Rotator` (apply.py) carries it out. Its record is
the journal's first line, so a resumed run works from the same decisions.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets as _random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NotRequired, TypedDict

from scanner.rotation.exposed import ExposedSecret, Occurrence

KEY_KINDS = frozenset({"project-key", "service-account-key"})
IDENTIFIER_KINDS = frozenset({"org-id", "project-id"})


class Action(enum.StrEnum):
    ROTATE_KEY = "rotate-key"
    """Mint a service-account key, store it, verify it, revoke the exposed key."""
    ROTATE_WEBHOOK = "rotate-webhook"
    """`rotate_secret` on the webhook endpoint, store the new signing secret."""
    MANUAL = "manual"
    """No API can do it: print and record exact instructions."""
    KEEP = "keep"
    """An identifier (org ID): rewritten to a reference by the PR step, never revoked."""
    ALREADY_DEAD = "already-dead"
    """The provider already rejects the key and no longer lists it: nothing to revoke."""


class OccurrenceRecord(TypedDict):
    path: str
    line: int
    column: int
    rule_id: str
    commit: str | None
    name_hint: NotRequired[str | None]


class SecretRecord(TypedDict):
    secret_id: str
    rule_id: str
    kind: str
    family: str | None
    redacted: str
    prefix: str
    env_var: str | None
    identifier: bool
    labels: list[str]
    related: list[str]
    occurrences: list[OccurrenceRecord]


class TargetRecord(TypedDict):
    secret: SecretRecord
    action: str
    provider: str | None
    org: str | None
    project_id: str | None
    key_id: str | None
    key_name: str | None
    owner_type: str | None
    old_service_account_id: str | None
    collateral: list[str]
    liveness: str
    vault_mount: str | None
    vault_path: str | None
    vault_version: int | None
    new_name: str | None
    env_name: str | None
    instructions: list[str]
    notes: list[str]


class PlanRecord(TypedDict):
    rotation_id: str
    created_at: str
    graceful: bool
    has_values: bool
    source: str | None
    base_branch: str | None
    targets: list[TargetRecord]


@dataclass(frozen=True, slots=True)
class Target:
    """What the rotation will do about one exposed secret."""

    secret: ExposedSecret
    action: Action
    provider: str | None = None
    org: str | None = None
    project_id: str | None = None
    key_id: str | None = None
    """The exposed key's id at the provider (`key_…`), or the webhook endpoint id (`we_…`)."""
    key_name: str | None = None
    owner_type: str | None = None
    old_service_account_id: str | None = None
    """Set when the exposed key belongs to a service account: revoking means deleting that account."""
    collateral: tuple[str, ...] = ()
    """Other key ids that die with the old service account."""
    liveness: str = "unknown"
    vault_mount: str | None = None
    vault_path: str | None = None
    vault_version: int | None = None
    """The latest Vault version at plan time (0: empty); the check-and-set base. None: not checked."""
    new_name: str | None = None
    """The deterministic name of the service account to mint, so a resumed run finds it again."""
    env_name: str | None = None
    """The variable the code reads the secret from after the PR (`NEXUS_API_KEY`); it also names the Vault
    path (`{env_var}`), so the PR's Vault path matches the variable. None: the rule's name."""
    instructions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def secret_id(self) -> str:
        return self.secret.secret_id

    @property
    def is_rotated(self) -> bool:
        """A new value is minted and stored for it (a key or a webhook secret)."""
        return self.action in (Action.ROTATE_KEY, Action.ROTATE_WEBHOOK)

    def to_record(self) -> TargetRecord:
        s = self.secret
        return {
            "secret": {
                "secret_id": s.secret_id,
                "rule_id": s.rule_id,
                "kind": s.kind,
                "family": s.family,
                "redacted": s.redacted,
                "prefix": s.prefix,
                "env_var": s.env_var,
                "identifier": s.identifier,
                "labels": list(s.labels),
                "related": list(s.related),
                "occurrences": [
                    {
                        "path": o.path,
                        "line": o.line,
                        "column": o.column,
                        "rule_id": o.rule_id,
                        "commit": o.commit,
                        "name_hint": o.name_hint,
                    }
                    for o in s.occurrences
                ],
            },
            "action": self.action.value,
            "provider": self.provider,
            "org": self.org,
            "project_id": self.project_id,
            "key_id": self.key_id,
            "key_name": self.key_name,
            "owner_type": self.owner_type,
            "old_service_account_id": self.old_service_account_id,
            "collateral": list(self.collateral),
            "liveness": self.liveness,
            "vault_mount": self.vault_mount,
            "vault_path": self.vault_path,
            "vault_version": self.vault_version,
            "new_name": self.new_name,
            "env_name": self.env_name,
            "instructions": list(self.instructions),
            "notes": list(self.notes),
        }

    @classmethod
    def from_record(cls, record: TargetRecord) -> Target:
        s = record["secret"]
        secret = ExposedSecret(
            secret_id=s["secret_id"],
            rule_id=s["rule_id"],
            kind=s["kind"],
            family=s["family"],
            redacted=s["redacted"],
            prefix=s["prefix"],
            env_var=s["env_var"],
            identifier=s["identifier"],
            labels=tuple(s["labels"]),
            related=tuple(s["related"]),
            occurrences=tuple(
                Occurrence(o["path"], o["line"], o["column"], o["rule_id"], o.get("commit"), o.get("name_hint"))
                for o in s["occurrences"]
            ),
        )
        return cls(
            secret=secret,
            action=Action(record["action"]),
            provider=record.get("provider"),
            org=record.get("org"),
            project_id=record.get("project_id"),
            key_id=record.get("key_id"),
            key_name=record.get("key_name"),
            owner_type=record.get("owner_type"),
            old_service_account_id=record.get("old_service_account_id"),
            collateral=tuple(record.get("collateral", ())),
            liveness=record.get("liveness", "unknown"),
            vault_mount=record.get("vault_mount"),
            vault_path=record.get("vault_path"),
            vault_version=record.get("vault_version"),
            new_name=record.get("new_name"),
            env_name=record.get("env_name"),
            instructions=tuple(record.get("instructions", ())),
            notes=tuple(record.get("notes", ())),
        )


@dataclass(frozen=True, slots=True)
class Plan:
    rotation_id: str
    created_at: str
    graceful: bool
    targets: tuple[Target, ...]
    has_values: bool = True
    """False when planned from a report without values: liveness and the 401 poll cannot be checked."""
    source: str | None = None
    """The folder that was scanned (absolute), so `--resume` can name it and find its repository."""
    base_branch: str | None = None
    """`--base-branch` for the PR step; None: the remote's default branch."""

    def to_record(self) -> PlanRecord:
        return {
            "rotation_id": self.rotation_id,
            "created_at": self.created_at,
            "graceful": self.graceful,
            "has_values": self.has_values,
            "source": self.source,
            "base_branch": self.base_branch,
            "targets": [t.to_record() for t in self.targets],
        }

    @classmethod
    def from_record(cls, record: PlanRecord) -> Plan:
        return cls(
            rotation_id=record["rotation_id"],
            created_at=record["created_at"],
            graceful=record["graceful"],
            has_values=record.get("has_values", True),
            source=record.get("source"),
            base_branch=record.get("base_branch"),
            targets=tuple(Target.from_record(t) for t in record["targets"]),
        )

    def with_values(self, exposed: Sequence[ExposedSecret]) -> Plan:
        """Re-attach secret values and the scan's findings (from a fresh scan on resume) by secret id."""
        fresh = {e.secret_id: e for e in exposed if e.value}
        targets = tuple(
            replace(t, secret=replace(t.secret, value=found.value, findings=found.findings))
            if (found := fresh.get(t.secret_id))
            else replace(t, secret=replace(t.secret, value=None, findings=()))
            for t in self.targets
        )
        return replace(
            self,
            targets=targets,
            has_values=all(t.secret.value for t in targets if t.action is Action.ROTATE_KEY),
        )


def new_rotation_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"rot-{now.strftime('%Y%m%dT%H%M%SZ')}-{_random.token_hex(3)}"


def service_account_name(rotation_id: str, secret_id: str) -> str:
    """Deterministic from the rotation and the secret, so `--resume` finds what an earlier run minted."""
    return f"keysweep-{rotation_id.rsplit('-', 1)[-1]}-{secret_id[:8]}"
