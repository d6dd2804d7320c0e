"""The repositories an org scan covers: what the hosting API or a `--repos` file names, and the filters on them."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from scanner.errors import UsageError

HostKind = Literal["github", "gitlab", "file"]


@dataclass(frozen=True, slots=True)
class Repository:
    """One repository to scan; never holds a credential (URLs are stripped of user info)."""

    name: str
    """Full name (`acme/app`, `group/sub/app`), or the URL or path for `--repos` lines."""
    clone_url: str
    host: HostKind = "file"
    """Which token (if any) the clone needs: GITHUB_TOKEN / GH_TOKEN, GITLAB_TOKEN, or none."""
    archived: bool = False
    fork: bool = False
    size_kib: int | None = None
    """Size the hosting API reports, to skip oversize repositories before cloning."""
    skip_reason: str | None = None
    """Why the filters leave it out (`archived`, `fork`, `excluded by --exclude 'x/*'`); None when scanned."""


@dataclass(frozen=True, slots=True)
class Selection:
    """Which of the listed repositories an org scan takes."""

    include: tuple[str, ...] = ()
    """Globs on full names; when given, only matching repositories are scanned."""
    exclude: tuple[str, ...] = ()
    archived: bool = False
    """Scan archived repositories too."""
    forks: bool = False
    """Scan forks too."""


def select(repositories: Iterable[Repository], selection: Selection) -> list[Repository]:
    """Every listed repository, those the selection leaves out marked with the reason (reports list them)."""
    out = []
    for repo in repositories:
        reason = _left_out(repo, selection)
        out.append(replace(repo, skip_reason=reason) if reason else repo)
    return out


def _left_out(repo: Repository, selection: Selection) -> str | None:
    if selection.include and not any(fnmatch.fnmatchcase(repo.name, g) for g in selection.include):
        return f"not matched by --include {' '.join(selection.include)}"
    hit = next((g for g in selection.exclude if fnmatch.fnmatchcase(repo.name, g)), None)
    if hit is not None:
        return f"excluded by --exclude {hit}"
    if repo.archived and not selection.archived:
        return "archived (--include-archived scans it)"
    if repo.fork and not selection.forks:
        return "fork (--include-forks scans it)"
    return None


def read_repos_file(path: Path) -> list[Repository]:
    """`--repos FILE`: one clone URL or local path per line; `#` starts a comment; blank lines are ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--repos {path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    repos: dict[str, Repository] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if has_credentials(line):
            raise UsageError(
                f"--repos {path}:{number}: the URL holds credentials; remove them and set GITHUB_TOKEN or "
                "GITLAB_TOKEN in the environment instead"
            )
        url = line if _is_url(line) else str((path.parent / line).resolve() if not Path(line).is_absolute() else line)
        repos.setdefault(url, Repository(name=display_name(url), clone_url=url, host=_host_of(url)))
    return list(repos.values())


def display_name(url: str) -> str:
    """A short, unique-enough name for a URL or path: `acme/app` for hosted URLs, the path for local ones."""
    if not _is_url(url):
        return url
    path = urlsplit(url).path.strip("/").removesuffix(".git")
    return path or url


def safe_url(url: str) -> str:
    """`url` without user name or password, for reports, logs and the state file."""
    if not _is_url(url):
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def has_credentials(url: str) -> bool:
    return _is_url(url) and "@" in urlsplit(url).netloc and urlsplit(url).scheme in ("http", "https")


def unique_names(repositories: Sequence[Repository]) -> list[Repository]:
    """Repositories with distinct names (the report and state key on them); later duplicates get `#2`, `#3`."""
    seen: dict[str, int] = {}
    out = []
    for repo in repositories:
        count = seen.get(repo.name, 0) + 1
        seen[repo.name] = count
        out.append(repo if count == 1 else replace(repo, name=f"{repo.name}#{count}"))
    return out


def _is_url(text: str) -> bool:
    return "://" in text


def _host_of(url: str) -> HostKind:
    host = (urlsplit(url).hostname or "") if _is_url(url) else ""
    if host == "github.com" or host.endswith(".github.com"):
        return "github"
    if host == "gitlab.com" or host.startswith("gitlab."):
        return "gitlab"
    return "file"
