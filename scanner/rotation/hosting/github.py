"""GitHub REST (github.com or Enterprise): pull requests and Actions secrets."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from scanner.rotation.hosting import MergeState, PullRequest, PullRequestChange
from scanner.rotation.hosting._api import HostingApi, JSONObject, json_list, json_object, number, text

if TYPE_CHECKING:
    import httpx

GITHUB_API_VERSION = "2022-11-28"


class GitHubApi(HostingApi):
    """The `PullRequestHost` for GitHub."""

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

    def find_open(self, branch: str, base: str) -> PullRequest | None:
        response = self.request(
            "GET",
            f"/repos/{self.repository}/pulls",
            ok=(200,),
            params={"head": f"{self.owner}:{branch}", "state": "open"},
        )
        for pull in json_list(response):
            head = pull.get("head")
            if not isinstance(head, dict) or head.get("ref", branch) == branch:
                return _pull_request(pull, response)
        return None

    def open(self, branch: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
        payload = {"title": title, "head": branch, "base": base, "body": body, "draft": draft}
        path = f"/repos/{self.repository}/pulls"
        response = self.request("POST", path, ok=(201,), allow=(422,), json=payload)
        if response.status_code == 422:
            found = self.find_open(branch, base)
            if found is None:
                raise self.error("POST", f"{self.api_url}{path}", response)
            return self.update(found, title, body)
        data = json_object(response)
        return PullRequest(
            number(data, "number", response), text(data, "html_url"), title, body, PullRequestChange.OPENED
        )

    def update(self, found: PullRequest, title: str, body: str) -> PullRequest:
        if found.title == title and found.body == body:
            return PullRequest(found.number, found.url, title, body, PullRequestChange.UNCHANGED)
        payload = {"title": title, "body": body}
        self.request("PATCH", f"/repos/{self.repository}/pulls/{found.number}", ok=(200,), json=payload)
        return PullRequest(found.number, found.url, title, body, PullRequestChange.UPDATED)

    def merge_state(self, number: int) -> MergeState:
        data = json_object(self.request("GET", f"/repos/{self.repository}/pulls/{number}", ok=(200,)))
        if data.get("merged") or data.get("merged_at"):
            return MergeState.MERGED
        return MergeState.OPEN if data.get("state") == "open" else MergeState.CLOSED

    def set_ci_secret(self, name: str, value: str) -> None:
        """Seal `value` to the repository's public key and store it as an Actions secret."""
        from nacl.public import PublicKey, SealedBox

        response = self.request("GET", f"/repos/{self.repository}/actions/secrets/public-key", ok=(200,))
        key = json_object(response)
        sealed = SealedBox(PublicKey(base64.b64decode(text(key, "key")))).encrypt(value.encode("utf-8"))
        payload = {"encrypted_value": base64.b64encode(sealed).decode("ascii"), "key_id": text(key, "key_id")}
        self.request("PUT", f"/repos/{self.repository}/actions/secrets/{name}", ok=(201, 204), json=payload)


def _pull_request(data: JSONObject, response: httpx.Response) -> PullRequest:
    return PullRequest(
        number(data, "number", response), text(data, "html_url"), text(data, "title"), text(data, "body")
    )
