"""`--graceful` asks the host whether the rotation's pull request is merged: GitHub and GitLab answers."""

from __future__ import annotations

import httpx
import pytest

from scanner.rotation.hosting.github import GitHubApi
from scanner.rotation.hosting.gitlab import GitLabApi
from tests.emulators.hosting import HostingEmulator

TOKEN = "test-token-not-a-secret"


@pytest.mark.parametrize("api_class", [GitHubApi, GitLabApi])
def test_merge_state_is_open_until_the_reviewer_merges(api_class: type[GitHubApi] | type[GitLabApi]) -> None:
    with HostingEmulator(TOKEN, {"acme/app": None}) as hosting, httpx.Client() as http:
        api = api_class(hosting.url, "acme/app", TOKEN, http)
        pr = api.open("keysweep/rotate-a1b2c3", "main", "title", "body", False)
        assert api.merge_state(pr.number) == "open"
        hosting.merge("acme/app", pr.number)
        assert api.merge_state(pr.number) == "merged"
        assert hosting.requests[-1].path.endswith(f"/{pr.number}") and hosting.requests[-1].method == "GET"


def test_a_pull_request_closed_without_merging_is_closed_not_merged() -> None:
    with HostingEmulator(TOKEN, {"acme/app": None}) as hosting, httpx.Client() as http:
        api = GitHubApi(hosting.url, "acme/app", TOKEN, http)
        pr = api.open("keysweep/rotate-a1b2c3", "main", "title", "body", False)
        api.request("PATCH", f"/repos/acme/app/pulls/{pr.number}", ok=(200,), json={"state": "closed"})
        assert api.merge_state(pr.number) == "closed"
