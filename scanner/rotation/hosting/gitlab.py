"""GitLab REST v4: merge requests and CI/CD variables."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any

from scanner.rotation.hosting import MergeState, PullRequest, PullRequestChange
from scanner.rotation.hosting._api import HostingApi, json_list, json_object, number, text

if TYPE_CHECKING:
    import httpx

_STATES = {"merged": MergeState.MERGED, "opened": MergeState.OPEN, "locked": MergeState.OPEN}


class GitLabApi(HostingApi):
    """The `PullRequestHost` for GitLab (gitlab.com or self-hosted)."""

    name = "GitLab"

    def __init__(self, api_url: str, repository: str, token: str, http: httpx.Client, **kw: Any) -> None:
        super().__init__(api_url, repository, http, **kw)
        self._token = token
        self.project = urllib.parse.quote(repository, safe="")

    def _headers(self) -> dict[str, str]:
        return {"PRIVATE-TOKEN": self._token, "User-Agent": "keysweep"}

    def _token_names(self) -> str:
        return "GITLAB_TOKEN"

    def find_open(self, branch: str, base: str) -> PullRequest | None:
        response = self.request(
            "GET",
            f"/api/v4/projects/{self.project}/merge_requests",
            ok=(200,),
            params={"source_branch": branch, "target_branch": base, "state": "opened"},
        )
        found = json_list(response)
        if not found:
            return None
        mr = found[0]
        return PullRequest(number(mr, "iid", response), text(mr, "web_url"), text(mr, "title"), text(mr, "description"))

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
                raise self.error("POST", f"{self.api_url}{path}", response)
            return self.update(found, title, body)
        data = json_object(response)
        return PullRequest(number(data, "iid", response), text(data, "web_url"), title, body, PullRequestChange.OPENED)

    def update(self, found: PullRequest, title: str, body: str) -> PullRequest:
        if found.title == title and found.body == body:
            return PullRequest(found.number, found.url, title, body, PullRequestChange.UNCHANGED)
        path = f"/api/v4/projects/{self.project}/merge_requests/{found.number}"
        self.request("PUT", path, ok=(200,), json={"title": title, "description": body})
        return PullRequest(found.number, found.url, title, body, PullRequestChange.UPDATED)

    def merge_state(self, number: int) -> MergeState:
        path = f"/api/v4/projects/{self.project}/merge_requests/{number}"
        state = json_object(self.request("GET", path, ok=(200,))).get("state")
        return _STATES.get(str(state), MergeState.CLOSED)

    def set_ci_secret(self, name: str, value: str) -> None:
        """Update the masked, protected CI/CD variable, creating it when it does not exist yet."""
        base = f"/api/v4/projects/{self.project}/variables"
        payload = {"value": value, "masked": True, "protected": True}
        response = self.request("PUT", f"{base}/{name}", ok=(200,), allow=(404,), json=payload)
        if response.status_code == 404:
            self.request("POST", base, ok=(201,), json={"key": name, **payload})
