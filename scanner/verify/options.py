"""`scan --verify`'s settings, from the user's own config (`[verify]`) and the environment; never from a repository.

```toml
# $XDG_CONFIG_HOME/keysweep/config.toml
[verify]
timeout = 10          # seconds per request (connect, read)
concurrency = 8       # calls in flight at once
attempts = 3          # tries when rate-limited (429 with Retry-After)
max_wait = 10         # the longest Retry-After honoured, in seconds; a longer one gives `unknown` at once

[verify.endpoints]    # API base URLs instead of the providers' own (GitHub Enterprise, self-managed GitLab)
github = "https://ghe.example.com/api/v3"
```

`KEYSWEEP_VERIFY_ENDPOINTS="github=https://…,gitlab=https://…"` names endpoints from the environment (and wins
over the file). Endpoints still pass scanner/trust.py (https; loopback http only when allowed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import ConfigError
from scanner.trust import Origin
from scanner.user_config import UserConfig

VERIFY_ENDPOINTS_ENV = "KEYSWEEP_VERIFY_ENDPOINTS"
_KEYS = frozenset({"timeout", "concurrency", "attempts", "max_wait", "endpoints"})


@dataclass(frozen=True, slots=True)
class ConfiguredEndpoint:
    url: str
    origin: Origin
    source: str
    """Where it was written, for trust messages (`~/.config/keysweep/config.toml: verify.endpoints.github`)."""


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    """Limits and endpoints of one `scan --verify` run."""

    timeout: float = 10.0
    """Seconds each request may take to connect and to answer."""
    concurrency: int = 8
    """Liveness calls in flight at once."""
    attempts: int = 3
    """Tries of one call while the provider answers "rate limited"."""
    max_wait: float = 10.0
    """The longest wait a `Retry-After` may ask for; longer, and the secret is `unknown` (rate-limited) at once."""
    endpoints: Mapping[str, ConfiguredEndpoint] = field(default_factory=dict)
    """provider → API base URL the user named instead of the provider's own."""


def verify_options(user: UserConfig, env: Mapping[str, str], providers: frozenset[str]) -> VerifyOptions:
    """The `[verify]` table of the user config and KEYSWEEP_VERIFY_ENDPOINTS; every error names file and key."""
    table = user.verify
    where = f"{user.path}: verify"
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(_KEYS))})")
    endpoints: dict[str, ConfiguredEndpoint] = {}
    raw = table.get("endpoints", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}.endpoints: must be a table of provider = URL")
    for name, url in raw.items():
        key = f"{where}.endpoints.{name}"
        _check_endpoint(name, url, key, providers)
        endpoints[name] = ConfiguredEndpoint(url.rstrip("/"), Origin.USER_CONFIG, key)
    for item in env.get(VERIFY_ENDPOINTS_ENV, "").replace(",", " ").split():
        name, _, url = item.partition("=")
        _check_endpoint(name, url, f"{VERIFY_ENDPOINTS_ENV} ({name})", providers)
        endpoints[name] = ConfiguredEndpoint(url.rstrip("/"), Origin.ENVIRONMENT, VERIFY_ENDPOINTS_ENV)
    return VerifyOptions(
        timeout=_number(table, "timeout", 10.0, where),
        concurrency=int(_number(table, "concurrency", 8, where, whole=True)),
        attempts=int(_number(table, "attempts", 3, where, whole=True)),
        max_wait=_number(table, "max_wait", 10.0, where, zero=True),
        endpoints=endpoints,
    )


def _check_endpoint(name: str, url: Any, key: str, providers: frozenset[str]) -> None:
    if name not in providers:
        raise ConfigError(f"{key}: no verifier is called {name!r} (known: {', '.join(sorted(providers))})")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ConfigError(f"{key}: an https URL is required, like https://ghe.example.com/api/v3")


def _number(
    table: Mapping[str, Any], name: str, default: float, where: str, *, whole: bool = False, zero: bool = False
) -> float:
    value = table.get(name, default)
    kind = int if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value < (0 if zero else 1e-9):
        wanted = "a positive whole number" if whole else "a positive number of seconds"
        raise ConfigError(f"{where}.{name}: must be {wanted}")
    return float(value)
