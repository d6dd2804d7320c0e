"""Where pull requests go: the `[hosting]` table, the remote URL's host and repository, the API token."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from scanner.errors import ConfigError, HostingError
from scanner.trust import Endpoint, EndpointKind, Origin, trusted_endpoint
from scanner.user_config import UserConfig

HostingKind = Literal["github", "gitlab"]
TOKEN_ENV: dict[str, tuple[str, ...]] = {"github": ("GITHUB_TOKEN", "GH_TOKEN"), "gitlab": ("GITLAB_TOKEN",)}
_SCP_URL = re.compile(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)$")
_KEYS = frozenset({"kind", "api_url", "repository", "remote", "web_url"})


@dataclass(frozen=True, slots=True)
class HostingConfig:
    """`[tool.keysweep.hosting]`: where pull requests go; all optional for a GitHub/GitLab remote."""

    kind: HostingKind | None = None
    """`github` or `gitlab`; by default read from the remote URL's host."""
    api_url: str | None = None
    """API base URL (`https://api.github.com`, `https://ghe.example.com/api/v3`, `https://gitlab.example.com`)."""
    repository: str | None = None
    """`owner/repo` (GitLab: `group/sub/repo`); by default the remote URL's path."""
    remote: str = "origin"
    """The git remote to push to."""
    web_url: str | None = None
    """The repository's web page, for compare links when the remote URL does not give it."""
    api_url_origin: Origin = Origin.REPOSITORY
    """Who wrote `api_url` (it receives the token): the repository config unless the user's config or a flag."""
    api_url_source: str = "hosting.api_url"


@dataclass(frozen=True, slots=True)
class Hosting:
    """A resolved hosting target: which API, which repository."""

    kind: HostingKind
    api_url: str
    repository: str
    web_url: str | None
    origin: Origin = Origin.BUILTIN
    """Who named `api_url`: keysweep (github.com, gitlab.com), a config, a flag, or the git remote's host."""
    source: str = "keysweep's default for the remote's host"

    def endpoint(self, user: UserConfig) -> Endpoint:
        """The API as a trusted endpoint, or a TrustError before any request (scanner/trust.py)."""
        return trusted_endpoint(EndpointKind.HOSTING, self.api_url, user, origin=self.origin, source=self.source)


def parse_hosting_config(raw: Mapping[str, Any] | None, source: str = "<config>") -> HostingConfig:
    """Validate the `hosting` table; errors name the file and the key."""
    raw = dict(raw or {})
    where = f"{source}: hosting"
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key, value in raw.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}.{key}: expected a non-empty string")
    kind = raw.get("kind")
    if kind not in (None, "github", "gitlab"):
        raise ConfigError(f"{where}.kind: expected 'github' or 'gitlab', not {kind!r}")
    repository = raw.get("repository")
    if repository is not None and not re.match(r"^[\w.-]+(/[\w.-]+)+$", repository):
        raise ConfigError(f"{where}.repository: expected 'owner/repo', not {repository!r}")
    return HostingConfig(
        kind=kind,
        api_url=raw.get("api_url"),
        repository=repository,
        remote=raw.get("remote", "origin"),
        web_url=raw.get("web_url"),
    )


def hosting_config(
    raw: Mapping[str, Any] | None,
    source: str,
    user: UserConfig,
    *,
    flags: Mapping[str, str | None] | None = None,
) -> HostingConfig:
    """The `[hosting]` table of the repository config, with the user config's over it and flags over both;
    `api_url` remembers which of them named it."""
    repo, mine = dict(raw or {}), dict(user.hosting)
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    config = parse_hosting_config({**repo, **mine, **given}, source)
    if "api_url" in given:
        origin, where = Origin.FLAG, "--api-url"
    elif "api_url" in mine:
        origin, where = Origin.USER_CONFIG, f"{user.path}: hosting.api_url"
    else:
        origin, where = Origin.REPOSITORY, f"{source}: hosting.api_url"
    return replace(config, api_url_origin=origin, api_url_source=where)


def split_remote_url(url: str) -> tuple[str, str] | None:
    """(host, `owner/repo`) of a hosted remote URL; None for a local path or file:// URL."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme in ("http", "https", "ssh", "git") and parsed.hostname:
        host, path = parsed.hostname, parsed.path
    elif not parsed.scheme or len(parsed.scheme) == 1:  # scp-like, or a Windows drive letter
        m = _SCP_URL.match(url)
        if m is None or "/" in m.group(1):
            return None
        host, path = m.group(1), m.group(2)
    else:
        return None
    path = path.strip("/").removesuffix(".git")
    return (host.lower(), path) if "/" in path else None


def safe_url(url: str) -> str:
    """The URL without credentials, for messages."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.password or parsed.username:
        netloc = parsed.hostname or ""
        if parsed.port:
            netloc += f":{parsed.port}"
        return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))
    return url


def resolve_hosting(remote_url: str, config: HostingConfig) -> Hosting | None:
    """The hosting API for this remote, or None when it is neither GitHub nor GitLab (push and link only)."""
    split = split_remote_url(remote_url)
    host = split[0] if split else None
    kind = config.kind or ("github" if host == "github.com" else "gitlab" if host and "gitlab" in host else None)
    repository = config.repository or (split[1] if split else None)
    if kind is None or repository is None:
        return None
    origin, source = config.api_url_origin, config.api_url_source
    if config.api_url:
        api_url = config.api_url.rstrip("/")
    elif host is None:
        raise ConfigError(f"hosting: the remote {safe_url(remote_url)} is a local path; set hosting.api_url")
    else:
        api_url = (
            ("https://api.github.com" if host == "github.com" else f"https://{host}/api/v3")
            if kind == "github"
            else f"https://{host}"
        )
        # NOTE: a host read from the remote URL is where the repository says it lives; only the two public
        # hosts are keysweep's own defaults, any other must be confirmed before it gets the token.
        public = host in ("github.com", "gitlab.com")
        origin = Origin.BUILTIN if public else Origin.GIT_REMOTE
        source = "keysweep's default for " + host if public else f"the host of the git remote {safe_url(remote_url)}"
    if kind == "gitlab":
        api_url = api_url.removesuffix("/api/v4")
    web_url = config.web_url or (f"https://{host}/{repository}" if host else None)
    return Hosting(kind, api_url, repository, web_url, origin, source)


def compare_url(remote_url: str, base: str, branch: str, config: HostingConfig | None = None) -> str | None:
    """The web page to open a pull request by hand, for hosts keysweep has no API client for."""
    split = split_remote_url(remote_url)
    web = (config.web_url if config else None) or (f"https://{split[0]}/{split[1]}" if split else None)
    if web is None:
        return None
    host = urllib.parse.urlsplit(web).hostname or ""
    b, h = urllib.parse.quote(base, safe=""), urllib.parse.quote(branch, safe="")
    if "gitlab" in host:
        query = f"merge_request%5Bsource_branch%5D={h}&merge_request%5Btarget_branch%5D={b}"
        return f"{web}/-/merge_requests/new?{query}"
    if host == "bitbucket.org":
        return f"{web}/pull-requests/new?source={h}&dest={b}"
    return f"{web}/compare/{b}...{h}?expand=1"  # GitHub, Gitea, Forgejo


def token_for(kind: HostingKind, env: Mapping[str, str]) -> str:
    """The API token from the environment (never from a flag, which would land in shell history)."""
    for name in TOKEN_ENV[kind]:
        if env.get(name):
            return env[name]
    names = " or ".join(TOKEN_ENV[kind])
    raise HostingError(f"no {kind} token: set {names} in the environment (a token allowed to open pull requests)")
