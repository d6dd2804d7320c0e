"""Parse and validate the `[rotation]` config table into frozen provider and Vault settings."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError
from scanner.trust import Origin

DEFAULT_MOUNT = "secret"
DEFAULT_PATH_TEMPLATE = "keysweep/{provider}/{env_var}"
_TEMPLATE_FIELDS = frozenset({"provider", "env_var", "kind", "label", "key_id", "project", "secret_id"})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"[\s<>{}$]")


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One `[rotation.providers.<name>]` table."""

    name: str
    """The name used in Vault paths and the plan (`nexus`)."""
    kind: str
    """The API family (`openai-compatible`)."""
    base_url: str
    """Receives the admin key and the exposed keys: trusted only as scanner/trust.py says."""
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
    base_url_origin: Origin = Origin.REPOSITORY
    """Who wrote `base_url`: the repository config, or the user's own config (which overrides it)."""

    @property
    def base_url_source(self) -> str:
        return f"{self.source}: rotation.providers.{self.name}.base_url"

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


def parse_rotation_config(
    raw: Mapping[str, Any] | None,
    source: str = "<config>",
    user: Mapping[str, Any] | None = None,
    user_source: str = "<user config>",
) -> RotationConfig:
    """Validate the raw table, with the user config's `[rotation]` table over it key by key; every error names
    the file and the dotted key (the user's file for what the user wrote)."""
    raw, user = dict(raw or {}), dict(user or {})
    if user:
        raw = _merged(raw, user, source, user_source)
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
    user_tables = user.get("providers")
    user_providers: dict[str, Any] = user_tables if isinstance(user_tables, dict) else {}
    for name, table in providers_raw.items():
        mine: dict[str, Any] = user_providers.get(name) or {}
        file = user_source if mine and set(table) <= set(mine) else source
        key = f"{file}: rotation.providers.{name}"
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
        org = _str(table, "org", key, None)
        if org is not None and _PLACEHOLDER.search(org):
            raise ConfigError(
                f"{key}.org: {org!r} is not an org ID (a placeholder left by a rewrite?): set the real one"
            )
        from_user = "base_url" in mine
        providers.append(
            ProviderConfig(
                name=name,
                kind=kind,
                base_url=base_url.rstrip("/"),
                admin_key_env=admin_env,
                rules=tuple(rules),
                org=org,
                project=_str(table, "project", key, None),
                project_key_env=project_env,
                vault_mount=_str(table, "vault_mount", key, mount),
                vault_path_template=_template(_str(table, "vault_path_template", key, template), key),
                timeout=float(timeout),
                source=user_source if from_user else source,
                base_url_origin=Origin.USER_CONFIG if from_user else Origin.REPOSITORY,
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


def _merged(repo: dict[str, Any], user: dict[str, Any], source: str, user_source: str) -> dict[str, Any]:
    """The repository's table with the user's over it: per table key by key, per provider key by key."""
    out = dict(repo)
    for key, value in user.items():
        mine = repo.get(key)
        if key == "providers" and isinstance(value, dict) and isinstance(mine, dict):
            tables = {name: _table(t, f"{source}: rotation.providers.{name}") for name, t in mine.items()}
            for name, t in value.items():
                tables[name] = {**tables.get(name, {}), **_table(t, f"{user_source}: rotation.providers.{name}")}
            out[key] = tables
        elif isinstance(value, dict) and isinstance(mine, dict):
            out[key] = {**mine, **value}
        else:
            out[key] = value
    return out


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
