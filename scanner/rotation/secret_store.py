"""The `SecretStore` role: where new keys go before the old ones die (Vault KV v2 implements it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredSecret:
    """One version of a stored secret; `data` holds the value, so the whole object never gets printed."""

    path: str
    version: int
    data: dict[str, str] = field(repr=False)
    custom_metadata: dict[str, str] = field(default_factory=dict)


class SecretStore(Protocol):
    """A versioned key/value store with check-and-set writes."""

    def display_path(self, mount: str, path: str) -> str: ...
    def current_version(self, mount: str, path: str) -> int:
        """The latest version at `path`, 0 when nothing was ever written there."""
        ...

    def read(self, mount: str, path: str, version: int | None = None) -> StoredSecret | None: ...
    def write(self, mount: str, path: str, data: dict[str, str], *, cas: int, custom_metadata: dict[str, str]) -> int:
        """Write a new version only if the latest version is still `cas`, label it; answer the new version."""
        ...

    def write_metadata(self, mount: str, path: str, custom_metadata: dict[str, str]) -> None: ...
