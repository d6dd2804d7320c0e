"""Push a branch to the repository's real remote (gitpython) and open or update its pull request (httpx)."""

from __future__ import annotations

import base64
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from scanner.errors import ConfigError, HostingError

if TYPE_CHECKING:
    import git
    import httpx

HostingKind = Literal["github", "gitlab"]
GITHUB_API_VERSION = "2022-11-28"
TOKEN_ENV: dict[str, tuple[str, ...]] = {"github": ("GITHUB_TOKEN", "GH_TOKEN"), "gitlab": ("GITLAB_TOKEN",)}
_SCP_URL = re.compile(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)$")


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


@dataclass(frozen=True, slots=True)
class Hosting:
    """A resolved hosting target: which API, which repository."""

    kind: HostingKind
    api_url: str
    repository: str
    web_url: str | None


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    url: str
    title: str
    body: str
    created: bool
    """True when this run opened it; False when an open one for the branch was found and updated."""


def parse_hosting_config(raw: Mapping[str, Any] | None, source: str = "<config>") -> HostingConfig:
    """Validate the `hosting` table; errors name the file and the key."""
    raw = dict(raw or {})
    where = f"{source}: hosting"
    unknown = set(raw) - {"kind", "api_url", "repository", "remote", "web_url"}
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


# -- where the remote lives --------------------------------------------------------------------------


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
    if config.api_url:
        api_url = config.api_url.rstrip("/")
    elif host is None:
        raise ConfigError(f"hosting: the remote {safe_url(remote_url)} is a local path; set hosting.api_url")
    elif kind == "github":
        api_url = "https://api.github.com" if host == "github.com" else f"https://{host}/api/v3"
    else:
        api_url = f"https://{host}"
    if kind == "gitlab":
        api_url = api_url.removesuffix("/api/v4")
    web_url = config.web_url or (f"https://{host}/{repository}" if host else None)
    return Hosting(kind, api_url, repository, web_url)


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


# -- git: the branch on the remote -------------------------------------------------------------------


def default_branch(repo: git.Repo, remote: str) -> str:
    """The remote's default branch (what its HEAD points at)."""
    from git.exc import GitCommandError

    try:
        out = str(repo.git.ls_remote("--symref", remote, "HEAD"))
    except GitCommandError as exc:
        raise HostingError(f"cannot read the remote {remote!r}: {_git_reason(exc)}") from None
    m = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", out, re.M)
    if m:
        return m.group(1)
    raise HostingError(f"the remote {remote!r} has no default branch (HEAD); pass the base branch explicitly")


def remote_branch_sha(repo: git.Repo, remote: str, branch: str) -> str | None:
    from git.exc import GitCommandError

    try:
        out = str(repo.git.ls_remote(remote, f"refs/heads/{branch}"))
    except GitCommandError as exc:
        raise HostingError(f"cannot read the remote {remote!r}: {_git_reason(exc)}") from None
    line = next((ln for ln in out.splitlines() if ln.endswith(f"\trefs/heads/{branch}")), None)
    return line.split("\t")[0] if line else None


def push_branch(repo: git.Repo, remote: str, commit: str, branch: str, expected: str | None) -> None:
    """Point the remote's `branch` at `commit` if it still is where we saw it (`expected`; None: absent).

    NOTE: keysweep owns its branch and rebuilds it from the default branch on every run, so the push may
    rewrite it; the lease makes the push fail instead when somebody else pushed to it in between.
    """
    from git.exc import GitCommandError

    lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
    try:
        repo.git.push(lease, remote, f"{commit}:refs/heads/{branch}")
    except GitCommandError as exc:
        reason = _git_reason(exc)
        text = f"{exc.stderr or ''}\n{exc.stdout or ''}".lower()
        if "protected" in text or "gh006" in text or "pre-receive hook declined" in text:
            raise HostingError(
                f"push of {branch} to {remote!r} was refused by branch protection or a server hook "
                f"({reason}); allow keysweep/* branches or push from an account that may create them"
            ) from None
        if "stale info" in text or "rejected" in text or "fetch first" in text:
            raise HostingError(
                f"push of {branch} to {remote!r} was rejected: the branch changed on the remote since "
                f"keysweep read it ({reason}); run again to rebuild it"
            ) from None
        raise HostingError(f"push of {branch} to {remote!r} failed: {reason}") from None


def _git_reason(exc: Any) -> str:
    lines = [ln.strip() for ln in str(exc.stderr or exc).splitlines() if ln.strip()]
    lines = [ln.removeprefix("stderr: ").strip("'") for ln in lines]
    return safe_url(lines[-1]) if lines else "git failed"


# -- the hosting APIs ----------------------------------------------------------------------------------


class PullRequestHost(Protocol):
    """One hosting API: find, open and update the pull request of a branch; set a CI secret."""

    def find_open(self, branch: str, base: str) -> dict[str, Any] | None: ...

    def open(self, branch: str, base: str, title: str, body: str, draft: bool) -> PullRequest: ...

    def update(self, found: dict[str, Any], title: str, body: str) -> PullRequest: ...

    def set_ci_secret(self, name: str, value: str) -> None: ...

    def merge_state(self, number: int) -> str:
        """`open`, `closed` (closed without merging) or `merged`."""
        ...


class _Api:
    """Shared request loop: bounded waits on rate limits, one clear error per status."""

    name = "hosting"

    def __init__(
        self,
        api_url: str,
        repository: str,
        http: httpx.Client,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 60.0,
        attempts: int = 3,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.repository = repository
        self.http = http
        self.sleep = sleep
        self.max_wait = max_wait
        self.attempts = attempts

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    def request(
        self, method: str, path: str, *, ok: tuple[int, ...], allow: tuple[int, ...] = (), **kw: Any
    ) -> httpx.Response:
        import httpx

        url = f"{self.api_url}{path}"
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.http.request(method, url, headers=self._headers(), **kw)
            except httpx.HTTPError as exc:
                raise HostingError(f"{self.name} API {method} {safe_url(url)} failed: {exc}") from None
            if response.status_code in ok or response.status_code in allow:
                return response
            wait = self._rate_limit_wait(response)
            if wait is None or attempt == self.attempts:
                raise self._error(method, url, response, wait)
            self.sleep(wait)
        raise AssertionError("unreachable")

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying a rate-limited answer; None when it is not one (or too long)."""
        status = response.status_code
        headers = response.headers
        limited = status == 429 or (
            status == 403 and ("retry-after" in headers or headers.get("x-ratelimit-remaining") == "0")
        )
        if not limited:
            return None
        if "retry-after" in headers:
            try:
                wait = float(headers["retry-after"])
            except ValueError:
                wait = self.max_wait
        elif "x-ratelimit-reset" in headers:
            try:
                wait = max(0.0, float(headers["x-ratelimit-reset"]) - time.time())
            except ValueError:
                wait = self.max_wait
        else:
            wait = 1.0
        return wait if wait <= self.max_wait else None

    def _error(self, method: str, url: str, response: httpx.Response, wait: float | None) -> HostingError:
        status = response.status_code
        detail = _message(response)
        where = f"{self.name} API {method} {safe_url(url)}"
        limited = status == 429 or (
            status == 403
            and ("retry-after" in response.headers or response.headers.get("x-ratelimit-remaining") == "0")
        )
        if status == 401:
            text = f"{where}: 401 the token was rejected ({detail}); check {self._token_names()}"
        elif limited:
            reset = response.headers.get("retry-after") or response.headers.get("x-ratelimit-reset") or "?"
            text = f"{where}: {status} rate limited ({detail}); try again later (retry-after/reset: {reset})"
        elif status == 403:
            text = (
                f"{where}: 403 the token lacks a permission ({detail}); it needs write access to pull "
                "requests and contents (and the `workflow` scope to change .github/workflows)"
            )
        elif status == 404:
            text = f"{where}: 404 no repository {self.repository!r}, or the token cannot see it ({detail})"
        elif status == 422:
            text = f"{where}: 422 validation failed ({detail})"
        else:
            text = f"{where}: {status} ({detail})"
        return HostingError(text, status=status)

    def _token_names(self) -> str:
        return "the token"


class GitHubApi(_Api):
    """GitHub REST (github.com or Enterprise) for pull requests and Actions secrets."""

    name = "GitHub"

    def __init__(self, api_url: str, repository: str, token: str, http: httpx.Client, **kw: Any) -> None:
        super().__init__(api_url, repository, http, **kw)
        self._token = token
        self.owner = repository.split("/")[0]

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": GITHUB_API_VERSION,
            "Authorization": f"Bearer {self._token}",
            "User-Agent": "keysweep",
        }

    def _token_names(self) -> str:
        return "GITHUB_TOKEN / GH_TOKEN"

    def find_open(self, branch: str, base: str) -> dict[str, Any] | None:
        response = self.request(
            "GET",
            f"/repos/{self.repository}/pulls",
            ok=(200,),
            params={"head": f"{self.owner}:{branch}", "state": "open"},
        )
        pulls = [p for p in _json_list(response) if (p.get("head") or {}).get("ref", branch) == branch]
        return pulls[0] if pulls else None

    def open(self, branch: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
        payload = {"title": title, "head": branch, "base": base, "body": body, "draft": draft}
        response = self.request("POST", f"/repos/{self.repository}/pulls", ok=(201,), allow=(422,), json=payload)
        if response.status_code == 422:
            found = self.find_open(branch, base)
            if found is None:
                raise self._error("POST", f"{self.api_url}/repos/{self.repository}/pulls", response, None)
            return self.update(found, title, body)
        data = response.json()
        return PullRequest(int(data["number"]), str(data.get("html_url", "")), title, body, created=True)

    def update(self, found: dict[str, Any], title: str, body: str) -> PullRequest:
        number = int(found["number"])
        url = str(found.get("html_url", ""))
        if found.get("title") != title or (found.get("body") or "") != body:
            payload = {"title": title, "body": body}
            self.request("PATCH", f"/repos/{self.repository}/pulls/{number}", ok=(200,), json=payload)
        return PullRequest(number, url, title, body, created=False)

    def merge_state(self, number: int) -> str:
        data = _json_object(self.request("GET", f"/repos/{self.repository}/pulls/{number}", ok=(200,)))
        if data.get("merged") or data.get("merged_at"):
            return "merged"
        return "open" if data.get("state") == "open" else "closed"

    def set_ci_secret(self, name: str, value: str) -> None:
        """Seal `value` to the repository's public key and store it as an Actions secret."""
        from nacl.public import PublicKey, SealedBox

        key = self.request("GET", f"/repos/{self.repository}/actions/secrets/public-key", ok=(200,)).json()
        sealed = SealedBox(PublicKey(base64.b64decode(key["key"]))).encrypt(value.encode("utf-8"))
        payload = {"encrypted_value": base64.b64encode(sealed).decode("ascii"), "key_id": key["key_id"]}
        self.request("PUT", f"/repos/{self.repository}/actions/secrets/{name}", ok=(201, 204), json=payload)


class GitLabApi(_Api):
    """GitLab REST v4 for merge requests and CI/CD variables."""

    name = "GitLab"

    def __init__(self, api_url: str, repository: str, token: str, http: httpx.Client, **kw: Any) -> None:
        super().__init__(api_url, repository, http, **kw)
        self._token = token
        self.project = urllib.parse.quote(repository, safe="")

    def _headers(self) -> dict[str, str]:
        return {"PRIVATE-TOKEN": self._token, "User-Agent": "keysweep"}

    def _token_names(self) -> str:
        return "GITLAB_TOKEN"

    def find_open(self, branch: str, base: str) -> dict[str, Any] | None:
        response = self.request(
            "GET",
            f"/api/v4/projects/{self.project}/merge_requests",
            ok=(200,),
            params={"source_branch": branch, "target_branch": base, "state": "opened"},
        )
        found = _json_list(response)
        return found[0] if found else None

    def open(self, branch: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
        payload = {
            "source_branch": branch,
            "target_branch": base,
            "title": f"Draft: {title}" if draft else title,
            "description": body,
            "remove_source_branch": True,
        }
        path = f"/api/v4/projects/{self.project}/merge_requests"
        response = self.request("POST", path, ok=(201,), allow=(409,), json=payload)
        if response.status_code == 409:
            found = self.find_open(branch, base)
            if found is None:
                raise self._error("POST", f"{self.api_url}{path}", response, None)
            return self.update(found, title, body)
        data = response.json()
        return PullRequest(int(data["iid"]), str(data.get("web_url", "")), title, body, created=True)

    def update(self, found: dict[str, Any], title: str, body: str) -> PullRequest:
        iid = int(found["iid"])
        if found.get("title") != title or (found.get("description") or "") != body:
            path = f"/api/v4/projects/{self.project}/merge_requests/{iid}"
            self.request("PUT", path, ok=(200,), json={"title": title, "description": body})
        return PullRequest(iid, str(found.get("web_url", "")), title, body, created=False)

    def merge_state(self, number: int) -> str:
        path = f"/api/v4/projects/{self.project}/merge_requests/{number}"
        state = _json_object(self.request("GET", path, ok=(200,))).get("state")
        return {"merged": "merged", "opened": "open", "locked": "open"}.get(str(state), "closed")

    def set_ci_secret(self, name: str, value: str) -> None:
        """Update the masked, protected CI/CD variable, creating it when it does not exist yet."""
        base = f"/api/v4/projects/{self.project}/variables"
        payload = {"value": value, "masked": True, "protected": True}
        response = self.request("PUT", f"{base}/{name}", ok=(200,), allow=(404,), json=payload)
        if response.status_code == 404:
            self.request("POST", base, ok=(201,), json={"key": name, **payload})


def hosting_api(hosting: Hosting, token: str, http: httpx.Client, **kw: Any) -> PullRequestHost:
    if hosting.kind == "github":
        return GitHubApi(hosting.api_url, hosting.repository, token, http, **kw)
    return GitLabApi(hosting.api_url, hosting.repository, token, http, **kw)


def _json_list(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        data = response.json()
    except ValueError:
        raise HostingError(f"{response.request.url}: the answer is not JSON") from None
    if not isinstance(data, list):
        raise HostingError(f"{response.request.url}: expected a JSON list")
    return [d for d in data if isinstance(d, dict)]


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise HostingError(f"{safe_url(str(response.request.url))}: expected a JSON object")
    return data


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase or "no details"
    if isinstance(data, dict):
        message = data.get("message") or data.get("error") or ""
        errors = data.get("errors")
        if errors:
            message = f"{message}: {errors}"
        return str(message)[:300] or "no details"
    return "no details"
