"""Parse and validate the `[rotation]` config table into frozen provider and Vault settings."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError

DEFAULT_MOUNT = "secret"
DEFAULT_PATH_TEMPLATE = "keysweep/{provider}/{env_var}"
_TEMPLATE_FIELDS = frozenset({"provider", "env_var", "kind", "label", "key_id", "project", "secret_id"})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One `[rotation.providers.<name>]` table."""

    name: str
    """The name used in Vault paths and the plan (`nexus`)."""
    kind: str
    """The API family (`openai-compatible`)."""
    base_url: str
    admin_key_env: str
    """The environment variable holding the admin key; keys never come from flags or config files."""
    rules: tuple[str, ...] = ()
    """Rule ids or finding kinds this provider rotates; empty means every finding of family `kind`."""
    org: str | None = None
    """The org to use when no org ID was found beside a key."""
    project: str | None = None
    """The project to mint in when the exposed key's project is unknown."""
    project_key_env: str | None = None
    """A project key for `/webhook_endpoints`; when unset, a key minted in the same rotation is used."""
    vault_mount: str = DEFAULT_MOUNT
    vault_path_template: str = DEFAULT_PATH_TEMPLATE
    timeout: float = 10.0
    source: str = "<config>"
    """The config file this came from, for error messages."""

    def handles(self, rule_id: str, kind: str, family: str | None) -> bool:
        if self.rules:
            return rule_id in self.rules or kind in self.rules
        return family == self.kind


@dataclass(frozen=True, slots=True)
class RotationConfig:
    providers: tuple[ProviderConfig, ...]
    state_dir: Path | None = None
    source: str = "<config>"

    def provider_for(self, rule_id: str, kind: str, family: str | None) -> ProviderConfig | None:
        return next((p for p in self.providers if p.handles(rule_id, kind, family)), None)


def parse_rotation_config(raw: Mapping[str, Any] | None, source: str = "<config>") -> RotationConfig:
    """Validate the raw table; every error names the file and the dotted key."""
    raw = dict(raw or {})
    where = f"{source}: rotation"
    unknown = set(raw) - {"providers", "vault", "state_dir"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    vault = _table(raw.get("vault", {}), f"{where}.vault")
    _only(vault, {"mount", "path_template"}, f"{where}.vault")
    mount = _str(vault, "mount", f"{where}.vault", DEFAULT_MOUNT)
    template = _template(_str(vault, "path_template", f"{where}.vault", DEFAULT_PATH_TEMPLATE), f"{where}.vault")
    providers_raw = _table(raw.get("providers", {}), f"{where}.providers")
    providers = []
    for name, table in providers_raw.items():
        key = f"{where}.providers.{name}"
        if not _NAME.match(name):
            raise ConfigError(f"{key}: provider name must be letters, digits, '.', '_' or '-'")
        table = _table(table, key)
        _only(
            table,
            {
                "kind",
                "base_url",
                "admin_key_env",
                "rules",
                "org",
                "project",
                "project_key_env",
                "vault_mount",
                "vault_path_template",
                "timeout",
            },
            key,
        )
        kind = _str(table, "kind", key, "openai-compatible")
        if kind != "openai-compatible":
            raise ConfigError(f"{key}.kind: {kind!r} is not supported (supported: openai-compatible)")
        base_url = _str(table, "base_url", key, None)
        if not base_url or not re.match(r"^https?://", base_url):
            raise ConfigError(f"{key}.base_url: an http(s) URL is required, like https://api.nexus.io/v1")
        admin_env = _str(table, "admin_key_env", key, None)
        if not admin_env or not _ENV.match(admin_env):
            raise ConfigError(f"{key}.admin_key_env: the name of an environment variable is required")
        project_env = _str(table, "project_key_env", key, None)
        if project_env is not None and not _ENV.match(project_env):
            raise ConfigError(f"{key}.project_key_env: must be an environment variable name")
        rules = table.get("rules", [])
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise ConfigError(f"{key}.rules: must be a list of rule ids or kinds")
        timeout = table.get("timeout", 10.0)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ConfigError(f"{key}.timeout: must be a positive number of seconds")
        providers.append(
            ProviderConfig(
                name=name,
                kind=kind,
                base_url=base_url.rstrip("/"),
                admin_key_env=admin_env,
                rules=tuple(rules),
                org=_str(table, "org", key, None),
                project=_str(table, "project", key, None),
                project_key_env=project_env,
                vault_mount=_str(table, "vault_mount", key, mount),
                vault_path_template=_template(_str(table, "vault_path_template", key, template), key),
                timeout=float(timeout),
                source=source,
            )
        )
    state_dir = raw.get("state_dir")
    if state_dir is not None and not isinstance(state_dir, str):
        raise ConfigError(f"{where}.state_dir: must be a path")
    return RotationConfig(tuple(providers), Path(state_dir) if state_dir else None, source)


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_STATE_HOME/keysweep/rotations` (else `~/.local/state/…`).

    NOTE: outside the repository on purpose: the journal must survive `git clean -fdx` and the PR step's
    rewrites, and can never be committed by accident.
    """
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "keysweep" / "rotations"


def _table(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: must be a table")
    return value


def _only(table: Mapping[str, Any], allowed: set[str], key: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise ConfigError(f"{key}: unknown key(s) {', '.join(sorted(unknown))}")


def _str(table: Mapping[str, Any], name: str, key: str, default: str | None) -> Any:
    value = table.get(name, default)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{key}.{name}: must be a string")
    return value


def _template(template: str, key: str) -> str:
    fields = set(re.findall(r"{([^}]*)}", template))
    bad = fields - _TEMPLATE_FIELDS
    if bad:
        allowed = ", ".join("{" + f + "}" for f in sorted(_TEMPLATE_FIELDS))
        raise ConfigError(f"{key}.path_template: unknown field(s) {', '.join(sorted(bad))} (allowed: {allowed})")
    return template
