"""The `PullRequestHost` role (one hosting API: GitHub or GitLab) and the pull requests it answers with."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import httpx

    from scanner.rotation.hosting.config import Hosting


class MergeState(enum.StrEnum):
    """What the host says about a pull request keysweep opened."""

    OPEN = "open"
    CLOSED = "closed"
    """Closed without merging."""
    MERGED = "merged"


class PullRequestChange(enum.StrEnum):
    """What this run did to the pull request."""

    OPENED = "opened"
    UPDATED = "updated"
    """Its title or body was sent again because they differed."""
    UNCHANGED = "unchanged"
    """Found as it should be: nothing was sent."""


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A pull request (GitHub) or merge request (GitLab) as keysweep knows it."""

    number: int
    """The PR number (GitHub) or the MR's iid (GitLab)."""
    url: str
    title: str
    body: str
    change: PullRequestChange = PullRequestChange.UNCHANGED

    @property
    def created(self) -> bool:
        return self.change is PullRequestChange.OPENED


class PullRequestHost(Protocol):
    """One hosting API: find, open and update the pull request of a branch; set a CI secret."""

    def find_open(self, branch: str, base: str) -> PullRequest | None: ...

    def open(self, branch: str, base: str, title: str, body: str, draft: bool) -> PullRequest: ...

    def update(self, found: PullRequest, title: str, body: str) -> PullRequest:
        """Send the title and body only if they differ from `found`'s."""
        ...

    def set_ci_secret(self, name: str, value: str) -> None: ...

    def merge_state(self, number: int) -> MergeState: ...


def hosting_api(
    hosting: Hosting, token: str, http: httpx.Client, *, sleep: Callable[[float], None] | None = None
) -> PullRequestHost:
    """The client for `hosting.kind`, imported only now (no HTTP client at start-up)."""
    options = {"sleep": sleep} if sleep is not None else {}
    if hosting.kind == "github":
        from scanner.rotation.hosting.github import GitHubApi

        return GitHubApi(hosting.api_url, hosting.repository, token, http, **options)
    from scanner.rotation.hosting.gitlab import GitLabApi

    return GitLabApi(hosting.api_url, hosting.repository, token, http, **options)
