"""Where keysweep may send a credential: only to endpoints the user configured, or confirmed, outside the
scanned repository, and only over https (plain http to a loopback address when explicitly allowed).

Every client that sends a credential (a provider's admin API and the liveness calls made with an exposed key,
the hosting API, Vault, and `scan --verify`'s liveness checks) asks `trusted_endpoint` first, before any
request, and gets an `Endpoint` or a `TrustError` that names the endpoint, where it was written, and how to
trust it:

    endpoint = trusted_endpoint(EndpointKind.LIVENESS, "https://api.openai.com/v1", user_config,
                                origin=Origin.BUILTIN, source="keysweep's OpenAI endpoint")

Origins the user controls (keysweep's built-in defaults, the user config file, the environment, a flag) are
trusted as they are; a repository config (or a host read from the git remote) must be confirmed in
`[trust] endpoints` of the user config, `KEYSWEEP_TRUSTED_ENDPOINTS` or `--trust-endpoint`.
"""

from __future__ import annotations

import enum
import ipaddress
import urllib.parse
from dataclasses import dataclass

from scanner.errors import TrustError
from scanner.user_config import ALLOW_LOOPBACK_HTTP_ENV, TRUSTED_ENDPOINTS_ENV, UserConfig


class EndpointKind(enum.StrEnum):
    """What an endpoint receives; the message says which credential is at stake."""

    PROVIDER = "provider API"
    """A key provider's admin API: the admin key, and the exposed keys (liveness, webhook endpoints)."""
    LIVENESS = "liveness check"
    """A read-only call made with an exposed key (`scan --verify`)."""
    HOSTING = "hosting API"
    """GitHub or GitLab: GITHUB_TOKEN / GH_TOKEN / GITLAB_TOKEN."""
    VAULT = "Vault"
    """VAULT_TOKEN."""


_CREDENTIAL = {
    EndpointKind.PROVIDER: "the admin key and the exposed keys",
    EndpointKind.LIVENESS: "the exposed key",
    EndpointKind.HOSTING: "the hosting token",
    EndpointKind.VAULT: "VAULT_TOKEN and the new keys",
}


PUBLIC_ENDPOINTS: dict[EndpointKind, tuple[str, ...]] = {
    EndpointKind.HOSTING: ("https://api.github.com", "https://gitlab.com"),
}
"""keysweep's own defaults, trusted whoever names them: the token is made for them."""


class Origin(enum.StrEnum):
    """Who wrote the URL down."""

    BUILTIN = "built in"
    """keysweep's own default (`https://api.github.com`)."""
    USER_CONFIG = "user config"
    ENVIRONMENT = "environment"
    FLAG = "command line"
    REPOSITORY = "repository config"
    """`.keysweep.toml`, `[tool.keysweep]` in pyproject.toml, or a file given with `--config`."""
    GIT_REMOTE = "git remote"
    """Derived from the remote's host (a host other than github.com or gitlab.com)."""

    @property
    def is_users_own(self) -> bool:
        return self in (Origin.BUILTIN, Origin.USER_CONFIG, Origin.ENVIRONMENT, Origin.FLAG)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A URL keysweep may send a credential to, and why."""

    kind: EndpointKind
    url: str
    origin: Origin
    source: str
    """Where the URL was written (`.keysweep.toml: rotation.providers.nexus.base_url`, `VAULT_ADDR`)."""
    trusted_by: str
    """Why it is trusted: its origin, or where the user confirmed it."""


def trusted_endpoint(kind: EndpointKind, url: str, user: UserConfig, *, origin: Origin, source: str) -> Endpoint:
    """The endpoint, if keysweep may send `kind`'s credential there; else a TrustError saying how to trust it."""
    parsed = _parse(url, kind, source)
    what = f"{kind} {_shown(url)} (from {source})"
    if parsed.username or parsed.password:
        raise TrustError(f"{what}: the URL carries credentials; keysweep reads credentials from the environment only")
    host = parsed.hostname or ""
    if parsed.scheme == "http":
        if not is_loopback(host):
            raise TrustError(
                f"{what}: plain http would send {_CREDENTIAL[kind]} in clear; keysweep sends credentials over https "
                "only (plain http only to a loopback address, when allowed)"
            )
        if not user.allow_loopback_http:
            raise TrustError(
                f"{what}: plain http to a loopback address is allowed only when asked for: set "
                f"`allow_loopback_http = true` under [trust] in {user.path}, or {ALLOW_LOOPBACK_HTTP_ENV}=1"
            )
    if origin.is_users_own:
        return Endpoint(kind, url, origin, source, f"{origin}: {source}")
    if any(_covers(public, parsed) for public in PUBLIC_ENDPOINTS.get(kind, ())):
        return Endpoint(kind, url, origin, source, "keysweep's own default for it")
    for confirmed, where in user.trusted_endpoints:
        if _covers(confirmed, parsed):
            return Endpoint(kind, url, origin, source, f"confirmed in {where}")
    raise TrustError(
        f"{what}: this endpoint would receive {_CREDENTIAL[kind]}, and it is named by the {origin}, which anyone "
        f"who can change the repository controls. Nothing was sent. If you trust it, confirm it outside the "
        f'repository: add "{_shown(url)}" to `endpoints` under [trust] in {user.path}, or set '
        f"{TRUSTED_ENDPOINTS_ENV}, or pass --trust-endpoint {_shown(url)}"
    )


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or `localhost`: a connection that never leaves the machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _parse(url: str, kind: EndpointKind, source: str) -> urllib.parse.SplitResult:
    parsed = urllib.parse.urlsplit(url.strip())
    try:
        parsed.port  # noqa: B018  (a malformed port raises here)
    except ValueError:
        raise TrustError(f"{kind} {_shown(url)} (from {source}): the port is not a number") from None
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        raise TrustError(f"{kind} {_shown(url)} (from {source}): not an https URL")
    return parsed


def _covers(confirmed: str, url: urllib.parse.SplitResult) -> bool:
    """A confirmed URL covers the same scheme, host and port, and every path below its own."""
    entry = urllib.parse.urlsplit(confirmed.strip())
    if (entry.scheme, (entry.hostname or "").lower(), _port(entry)) != (
        url.scheme,
        (url.hostname or "").lower(),
        _port(url),
    ):
        return False
    base, path = entry.path.rstrip("/"), url.path.rstrip("/")
    return path == base or path.startswith(base + "/")


def _port(url: urllib.parse.SplitResult) -> int | None:
    try:
        return url.port or {"https": 443, "http": 80}.get(url.scheme)
    except ValueError:
        return None


def _shown(url: str) -> str:
    """The URL without any credentials in it, for messages."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.username or parsed.password:
        netloc = (parsed.hostname or "") + (f":{parsed.port}" if parsed.port else "")
        return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))
    return url.strip()
