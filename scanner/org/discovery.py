"""Discovery: the repositories of a GitHub org (or user) or a GitLab group, page by page through the hosting API.

contracts/git-hosting-api.md, "Listing an organization's repositories". Its own small httpx client: org scans
do not depend on rotation's hosting code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from scanner.errors import SourceError, UsageError
from scanner.org.repositories import HostKind, Repository, safe_url

if TYPE_CHECKING:
    import httpx

TOKEN_ENV: dict[str, tuple[str, ...]] = {"github": ("GITHUB_TOKEN", "GH_TOKEN"), "gitlab": ("GITLAB_TOKEN",)}
"""Where each host's token comes from, as for pull requests (never a flag: flags land in shell history)."""
DEFAULT_API = {"github": "https://api.github.com", "gitlab": "https://gitlab.com/api/v4"}
MAX_PAGES = 10_000
"""A guard against a server whose `next` link never ends (1,000,000 repositories at 100 a page)."""


@dataclass(frozen=True, slots=True)
class OrgSpec:
    """`github:ORG`, `github:user/NAME` or `gitlab:GROUP/SUB` as given to `--org`."""

    host: HostKind
    name: str
    user: bool = False
    """A GitHub user account (`github:user/NAME`): listed through /users/{name}/repos."""

    @classmethod
    def parse(cls, text: str) -> OrgSpec:
        host, sep, name = text.partition(":")
        if not sep or host not in ("github", "gitlab") or not name.strip("/"):
            raise UsageError(f"--org {text!r}: expected github:ORG, github:user/NAME or gitlab:GROUP[/SUBGROUP]")
        name = name.strip("/")
        if host == "github" and name.startswith("user/"):
            return cls("github", name.removeprefix("user/"), user=True)
        return cls("github" if host == "github" else "gitlab", name)

    def __str__(self) -> str:
        return f"{self.host}:{'user/' if self.user else ''}{self.name}"


def token_for(host: HostKind, environ: Mapping[str, str]) -> str | None:
    """The host's token from the environment, or None (public repositories need none)."""
    for name in TOKEN_ENV.get(host, ()):
        if environ.get(name):
            return environ[name]
    return None


def discover(
    spec: OrgSpec, environ: Mapping[str, str], api_url: str | None = None, *, timeout: float = 30.0
) -> list[Repository]:
    """Every repository the hosting API lists for `spec`, in the API's order."""
    import httpx

    base = (api_url or DEFAULT_API[spec.host]).rstrip("/")
    if spec.host == "gitlab" and not base.endswith("/api/v4"):
        base += "/api/v4"  # NOTE: `https://gitlab.example.com` works too, as in the `hosting` config
    _check_transport(base)
    token = token_for(spec.host, environ)
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        if spec.host == "github":
            return list(_github(http, base, spec, token))
        return list(_gitlab(http, base, spec, token))


def _github(http: httpx.Client, base: str, spec: OrgSpec, token: str | None) -> Iterator[Repository]:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "keysweep"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    owner = quote(spec.name, safe="")
    url: str | None = f"{base}/{'users' if spec.user else 'orgs'}/{owner}/repos?type=all&per_page=100&page=1"
    for _ in range(MAX_PAGES):
        if url is None:
            return
        response = _get(http, url, headers, spec)
        for item in _items(response, url):
            yield Repository(
                name=str(item["full_name"]),
                clone_url=str(item["clone_url"]),
                host="github",
                archived=bool(item.get("archived", False)),
                fork=bool(item.get("fork", False)),
                size_kib=_int(item.get("size")),
            )
        url = response.links.get("next", {}).get("url")
    raise SourceError(f"{spec}: the listing did not end after {MAX_PAGES} pages; is {base} the right API URL?")


def _gitlab(http: httpx.Client, base: str, spec: OrgSpec, token: str | None) -> Iterator[Repository]:
    headers = {"User-Agent": "keysweep"}
    if token:
        headers["PRIVATE-TOKEN"] = token
    group = quote(spec.name, safe="")
    page = "1"
    for _ in range(MAX_PAGES):
        url = f"{base}/groups/{group}/projects?include_subgroups=true&per_page=100&page={page}"
        response = _get(http, url, headers, spec)
        for item in _items(response, url):
            yield Repository(
                name=str(item["path_with_namespace"]),
                clone_url=str(item["http_url_to_repo"]),
                host="gitlab",
                archived=bool(item.get("archived", False)),
                fork="forked_from_project" in item,
            )
        page = response.headers.get("x-next-page", "").strip()
        if not page:
            return
    raise SourceError(f"{spec}: the listing did not end after {MAX_PAGES} pages; is {base} the right API URL?")


def _get(http: httpx.Client, url: str, headers: dict[str, str], spec: OrgSpec) -> httpx.Response:
    import httpx

    try:
        response = http.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise SourceError(f"{spec}: cannot list repositories at {safe_url(url)}: {exc}") from None
    if response.status_code == 200:
        return response
    tokens = " or ".join(TOKEN_ENV[spec.host])
    what = {
        401: f"the token was refused; check {tokens}",
        403: f"access denied or rate limited; check {tokens} and its scopes",
        404: f"no such {'group' if spec.host == 'gitlab' else 'organization'}, or no access with {tokens}",
        429: "rate limited; wait and run again (the state file resumes the run)",
    }.get(response.status_code, "unexpected answer")
    raise SourceError(f"{spec}: listing repositories failed: HTTP {response.status_code} from {safe_url(url)}: {what}")


def _items(response: httpx.Response, url: str) -> list[dict[str, Any]]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
        raise SourceError(f"listing repositories: {safe_url(url)} did not answer with a JSON list")
    return data


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_transport(base: str) -> None:
    """Tokens go over https only; plain http is allowed to a loopback address (emulators, tunnels)."""
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise UsageError(f"--api-url {safe_url(base)}: use https (plain http only to a loopback address)")
