"""The user's own keysweep config, outside every repository: `$XDG_CONFIG_HOME/keysweep/config.toml`.

A repository's config (`.keysweep.toml`, `[tool.keysweep]`) is written by whoever can push to it; this file is
written by the person running keysweep. Only here (or in the environment, or on the command line) can an
endpoint that receives a credential be named or confirmed (scanner/trust.py). Its `[rotation]` and `[hosting]`
tables have the repository config's shape and win over it key by key; `[verify]` (no repository counterpart)
sets `scan --verify`'s endpoints and limits (scanner/verify/options.py).

```toml
[trust]
endpoints = ["https://api.nexus.io/v1"]   # endpoints a repository config may name
allow_loopback_http = false               # plain http to 127.0.0.1 / ::1 / localhost (emulators, tests)
```
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError

TRUSTED_ENDPOINTS_ENV = "KEYSWEEP_TRUSTED_ENDPOINTS"
"""Endpoints to trust, separated by spaces or commas (a CI job's equivalent of `[trust] endpoints`)."""
ALLOW_LOOPBACK_HTTP_ENV = "KEYSWEEP_ALLOW_LOOPBACK_HTTP"
"""`1` (or `true`) allows plain http to a loopback address."""
_KEYS = frozenset({"trust", "rotation", "hosting", "verify"})
_TRUST_KEYS = frozenset({"endpoints", "allow_loopback_http"})


@dataclass(frozen=True, slots=True)
class UserConfig:
    """What the user configured for themselves: trust settings, and rotation and hosting tables."""

    path: Path
    """Where the file is (or would be): named in every message that says how to trust an endpoint."""
    exists: bool = False
    trusted_endpoints: tuple[tuple[str, str], ...] = ()
    """(URL, where it was confirmed: the file, the environment variable, or the flag)."""
    allow_loopback_http: bool = False
    rotation: dict[str, Any] = field(default_factory=dict)
    hosting: dict[str, Any] = field(default_factory=dict)
    verify: dict[str, Any] = field(default_factory=dict)
    """`scan --verify`'s own table: API endpoints per provider, timeout, concurrency (scanner/verify/options.py)."""

    def with_flags(self, endpoints: tuple[str, ...], flag: str = "--trust-endpoint") -> UserConfig:
        """The same, with endpoints confirmed on the command line."""
        from dataclasses import replace

        return replace(self, trusted_endpoints=self.trusted_endpoints + tuple((url, flag) for url in endpoints))


def nothing_confirmed() -> UserConfig:
    """A user config that trusts only what keysweep and the environment name (for callers given none)."""
    return UserConfig(user_config_path())


def user_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "keysweep" / "config.toml"


def load_user_config(env: Mapping[str, str] | None = None) -> UserConfig:
    """The user config file, with the trust the environment adds; a missing file is an empty config."""
    import tomllib

    env = os.environ if env is None else env
    path = user_config_path(env)
    table: dict[str, Any] = {}
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the user config: {exc.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown table {unknown[0]!r} (known: trust, rotation, hosting, verify)")
    trust = _table(table, "trust", path)
    unknown = sorted(set(trust) - _TRUST_KEYS)
    if unknown:
        raise ConfigError(f"{path}: trust.{unknown[0]}: unknown key (known: endpoints, allow_loopback_http)")
    endpoints = trust.get("endpoints", [])
    if not isinstance(endpoints, list) or not all(isinstance(e, str) and e for e in endpoints):
        raise ConfigError(f"{path}: trust.endpoints: must be a list of URLs")
    loopback = trust.get("allow_loopback_http", False)
    if not isinstance(loopback, bool):
        raise ConfigError(f"{path}: trust.allow_loopback_http: must be true or false")
    confirmed = [(url, f"{path} [trust] endpoints") for url in endpoints]
    from_env = env.get(TRUSTED_ENDPOINTS_ENV, "").replace(",", " ").split()
    confirmed += [(url, TRUSTED_ENDPOINTS_ENV) for url in from_env]
    loopback = loopback or env.get(ALLOW_LOOPBACK_HTTP_ENV, "").strip().lower() in ("1", "true", "yes")
    return UserConfig(
        path=path,
        exists=bool(table) or path.is_file(),
        trusted_endpoints=tuple(confirmed),
        allow_loopback_http=loopback,
        rotation=_table(table, "rotation", path),
        hosting=_table(table, "hosting", path),
        verify=_table(table, "verify", path),
    )


def _table(table: Mapping[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {key}: must be a table")
    return value
