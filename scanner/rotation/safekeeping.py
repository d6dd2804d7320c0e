"""Safekeeping of new values: check-and-set writes to the secret store, labelled and journaled, and the
lookup that lets a resumed run find what an earlier run already stored (so it never mints twice)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scanner.errors import VaultConflictError
from scanner.rotation.events import Stored, StoreIntent
from scanner.rotation.journal import Journal
from scanner.rotation.plan import Plan, Target
from scanner.rotation.secret_store import SecretStore

MANAGED_BY = "keysweep"


@dataclass(frozen=True, slots=True)
class StoredValue:
    """A new value this rotation already put in the secret store."""

    value: str = field(repr=False)
    version: int
    provenance: dict[str, str]
    """What the journal's `stored` event records beside the path (`key_id`)."""


@dataclass(slots=True)
class Safekeeping:
    """The secret-store side of one rotation."""

    plan: Plan
    journal: Journal
    secrets: SecretStore

    def ours(self, t: Target) -> StoredValue | None:
        """The value this rotation already stored for `t`, if a previous run got that far."""
        assert t.vault_mount and t.vault_path
        found = self.secrets.read(t.vault_mount, t.vault_path)
        if (
            found is None
            or found.data.get("rotation_id") != self.plan.rotation_id
            or found.data.get("old_fingerprint") != t.secret_id
        ):
            return None
        self.journal.forbid(found.data.get("value"))
        if found.custom_metadata.get("managed-by") != MANAGED_BY:  # died between the write and the label
            self.secrets.write_metadata(t.vault_mount, t.vault_path, self.metadata(t))
        provenance = {"key_id": found.data.get("key_id", "")}
        return StoredValue(found.data["value"], found.version, provenance)

    def metadata(self, t: Target) -> dict[str, str]:
        return {
            "managed-by": MANAGED_BY,
            "rotation-id": self.plan.rotation_id,
            "old-fingerprint": t.secret_id,
            "kind": t.secret.kind,
            "provider": t.provider or "",
        }

    def store(self, t: Target, value: str, provenance: dict[str, str]) -> int:
        assert t.vault_mount and t.vault_path
        cas = self.cas_base(t)
        self.journal.append(StoreIntent(mount=t.vault_mount, path=t.vault_path, cas=cas), t.secret_id)
        data = {
            "value": value,
            "rotation_id": self.plan.rotation_id,
            "old_fingerprint": t.secret_id,
            **provenance,
        }
        version = self.secrets.write(t.vault_mount, t.vault_path, data, cas=cas, custom_metadata=self.metadata(t))
        self.journal.crash.hit("call:vault-write")
        self.journal_stored(t, version, provenance)
        return version

    def journal_stored(
        self, t: Target, version: int, provenance: Mapping[str, str], *, recovered: bool = False
    ) -> None:
        assert t.vault_mount and t.vault_path
        stored = Stored(
            mount=t.vault_mount,
            path=t.vault_path,
            version=version,
            key_id=provenance.get("key_id"),
            service_account_id=provenance.get("service_account_id"),
            endpoint_id=provenance.get("endpoint_id"),
            recovered=recovered,
        )
        self.journal.append(stored, t.secret_id)

    def cas_base(self, t: Target) -> int:
        assert t.vault_mount and t.vault_path
        current = self.secrets.current_version(t.vault_mount, t.vault_path)
        if t.vault_version is None or current == t.vault_version:
            return current
        latest = self.secrets.read(t.vault_mount, t.vault_path)
        if latest is not None and latest.data.get("rotation_id") == self.plan.rotation_id:
            return current  # our own earlier write (of a key since revoked as an orphan)
        raise VaultConflictError(
            f"Vault {self.secrets.display_path(t.vault_mount, t.vault_path)} moved from version "
            f"{t.vault_version} (at plan time) to {current}: somebody else wrote it. keysweep stopped before "
            "minting or revoking anything for it; find out who wrote it, then plan a new rotation"
        )
