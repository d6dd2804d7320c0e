"""The `Provider` role: what rotation needs from a key provider's admin API, and the data it answers with."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scanner.rotation.config import ProviderConfig


class Liveness(enum.Enum):
    """What `GET /models` says about a key."""

    LIVE = "live"
    RESTRICTED = "live-restricted"
    """403: the key works but lacks a scope; it is still a live credential."""
    DEAD = "dead"
    UNKNOWN = "unknown"
    """The value is not at hand (a report without --reveal), so nothing was asked."""

    @property
    def is_live(self) -> bool:
        return self in (Liveness.LIVE, Liveness.RESTRICTED)


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    archived: bool


@dataclass(frozen=True, slots=True)
class ProjectKey:
    """A project API key as the admin API lists it: never the value, only its redacted form."""

    id: str
    project_id: str
    name: str
    redacted_value: str
    owner_type: str
    """`user` or `service_account`."""
    service_account_id: str | None = None
    """The owning service account, when `owner_type` is `service_account`."""


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    id: str
    project_id: str
    name: str


@dataclass(frozen=True, slots=True)
class MintedKey:
    """A freshly minted service account and its key; `value` is shown once by the API and only here."""

    service_account_id: str
    key_id: str
    project_id: str
    name: str
    value: str = field(repr=False)
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: str
    url: str
    signing_secret_hint: str


@dataclass(frozen=True, slots=True)
class RotatedWebhookSecret:
    endpoint_id: str
    signing_secret: str = field(repr=False)
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Deletion:
    """The outcome of a revoke call: `already_gone` when the provider answered 404."""

    object_id: str
    already_gone: bool
    request_id: str | None = None


class Provider(Protocol):
    """A key provider that can list, mint and revoke keys; one implementation per API family."""

    config: ProviderConfig

    def list_projects(self, org: str | None) -> Iterator[Project]: ...
    def list_project_keys(self, org: str | None, project_id: str) -> Iterator[ProjectKey]: ...
    def get_project_key(self, org: str | None, project_id: str, key_id: str) -> ProjectKey | None: ...
    def list_service_accounts(self, org: str | None, project_id: str) -> Iterator[ServiceAccount]: ...
    def create_service_account(self, org: str | None, project_id: str, name: str) -> MintedKey: ...
    def delete_service_account(self, org: str | None, project_id: str, sa_id: str) -> Deletion: ...
    def delete_project_key(self, org: str | None, project_id: str, key_id: str) -> Deletion: ...
    def liveness(self, key: str) -> Liveness: ...
    def list_webhook_endpoints(self, key: str) -> Iterator[WebhookEndpoint]: ...
    def rotate_webhook_secret(self, key: str, endpoint_id: str) -> RotatedWebhookSecret: ...
    def close(self) -> None: ...


_MASK = re.compile(r"[*•]+|\.\.\.+|…+")


def split_redacted(redacted: str) -> tuple[str, str] | None:
    """`sk-proj-J1•••3uyw` → (`sk-proj-J1`, `3uyw`); None when the text has no mask."""
    parts = _MASK.split(redacted, maxsplit=1)
    if len(parts) != 2:
        return None
    prefix, suffix = parts[0], _MASK.sub("", parts[1])
    return prefix, suffix


def is_redaction_of(redacted: str, secret: str) -> bool:
    """True when `secret` starts with the visible prefix and ends with the visible suffix of `redacted`."""
    parts = split_redacted(redacted)
    if parts is None:
        return redacted == secret
    prefix, suffix = parts
    return len(secret) >= len(prefix) + len(suffix) and secret.startswith(prefix) and secret.endswith(suffix)


def is_compatible_redaction(redacted: str, known_prefix: str, known_suffix: str) -> bool:
    """For a report without values: both redactions agree wherever their visible parts overlap."""
    parts = split_redacted(redacted)
    if parts is None:
        return False
    prefix, suffix = parts
    prefix_ok = prefix.startswith(known_prefix) or known_prefix.startswith(prefix)
    suffix_ok = suffix.endswith(known_suffix) or known_suffix.endswith(suffix)
    return prefix_ok and suffix_ok and bool(known_prefix) and bool(known_suffix or suffix == "")


def load_provider(config: ProviderConfig, env: dict[str, str], **options: object) -> Provider:
    """The implementation for `config.kind`, imported only now so that start-up pulls in no HTTP client."""
    if config.kind == "openai-compatible":
        from scanner.rotation.providers.openai_compatible import OpenAICompatibleProvider

        return OpenAICompatibleProvider(config, env, **options)  # type: ignore[arg-type]
    from scanner.errors import ConfigError

    raise ConfigError(f"{config.source}: [rotation.providers.{config.name}] kind {config.kind!r} is not supported")
