"""An in-process emulator of the git hosting APIs keysweep uses (contracts/git-hosting-api.md).

A stdlib ThreadingHTTPServer on 127.0.0.1 and a free port. GitHub REST (pulls: list by head and state, get
one, create with 422 when a PR for the head exists or the head branch is missing, update; Actions public key
and sealed-box secrets) and GitLab v4 (merge requests: list, get one, create with 409 on duplicates, update;
CI/CD variables), and the org listings of org-wide scans (GitHub `/orgs/{org}/repos` and `/users/{user}/repos`
paginated by `Link`; GitLab `/groups/{id}/projects` with subgroups, paginated by `X-Next-Page`). `merge()` plays
the reviewer. Every request is recorded with its headers; faults can be
queued. It follows the contract, not keysweep.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

GITHUB_ACCEPT = "application/vnd.github+json"
GITHUB_VERSION = "2022-11-28"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass
class RepoState:
    bare: Path | None
    """The bare git repository behind it, to check that a PR's head branch exists."""
    pulls: list[dict[str, Any]] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)
    """Actions secrets / CI variables, decrypted (an emulator may look; the real host cannot)."""


class HostingEmulator:
    """GitHub and GitLab in one server: `url` is both the GitHub API base and the GitLab base."""

    def __init__(self, token: str = "test-token", repositories: dict[str, Path | None] | None = None) -> None:
        from nacl.public import PrivateKey

        self.token = token
        self.repos = {name: RepoState(bare) for name, bare in (repositories or {}).items()}
        self.orgs: dict[str, list[dict[str, Any]]] = {}
        """GitHub org or user login -> its repositories, as `github_repository()` items."""
        self.groups: dict[str, list[dict[str, Any]]] = {}
        """GitLab group full path -> its own projects (subgroups are groups whose path starts `group/`)."""
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self.private_key = PrivateKey.generate()
        self.key_id = "568250167242549743"
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------------

    def __enter__(self) -> HostingEmulator:
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `times` requests matching `method` and the `path` regex with `status`."""
        with self.lock:
            self.faults.append(Fault(method, re.compile(path), status, times, headers or {}, body))

    def merge(self, repository: str, number: int) -> None:
        """What a reviewer's merge does to the pull request (GitHub) or merge request (GitLab) `number`."""
        with self.lock:
            pr = next(p for p in self.repos[repository].pulls if p.get("number", p.get("iid")) == number)
            if "iid" in pr:
                pr["state"] = "merged"
            else:
                pr.update(state="closed", merged=True, merged_at="2025-01-03T00:00:00Z")

    def calls(self, method: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if method is None or r.method == method]

    # -- routing --------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
        split = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        with self.lock:
            self.requests.append(Recorded(method, split.path, query, headers, body))
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.path.search(split.path):
                    fault.times -= 1
                    body = fault.body if fault.body is not None else {"message": f"injected {fault.status}"}
                    return fault.status, fault.headers, body
            if split.path.startswith("/api/v4/"):
                return self._gitlab(method, split.path, query, headers, body)
            return self._github(method, split.path, query, headers, body)

    # -- GitHub ---------------------------------------------------------------------------------------

    def _github(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        rate = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "4999",
            "x-ratelimit-reset": str(int(time.time()) + 3600),
        }
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, rate, {"message": "Bad credentials"}
        if headers.get("accept") != GITHUB_ACCEPT or headers.get("x-github-api-version") != GITHUB_VERSION:
            return 400, rate, {"message": "expected Accept and X-GitHub-Api-Version as in the contract"}
        listing = re.fullmatch(r"/(orgs|users)/([^/]+)/repos", path)
        if listing is not None and method == "GET":
            items = self.orgs.get(unquote(listing.group(2)))
            if items is None:
                return 404, rate, {"message": "Not Found"}
            return self._github_page(path, query, items, rate)
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)", path)
        if m is None or f"{m.group(1)}/{m.group(2)}" not in self.repos:
            return 404, rate, {"message": "Not Found"}
        owner, name, rest = m.group(1), f"{m.group(1)}/{m.group(2)}", m.group(3)
        repo = self.repos[name]
        if rest == "/pulls" and method == "GET":
            found = [
                p
                for p in repo.pulls
                if (not query.get("head") or p["head"]["label"] == query["head"])
                and query.get("state", "open") in (p["state"], "all")
            ]
            return 200, rate, found
        if rest == "/pulls" and method == "POST":
            missing = [k for k in ("title", "head", "base") if not isinstance(body, dict) or not body.get(k)]
            if missing:
                return (
                    422,
                    rate,
                    {
                        "message": "Validation Failed",
                        "errors": [{"field": k, "code": "missing_field"} for k in missing],
                    },
                )
            head = body["head"]
            if any(p["head"]["ref"] == head and p["state"] == "open" for p in repo.pulls):
                error = {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": f"A pull request already exists for {owner}:{head}.",
                }
                return 422, rate, {"message": "Validation Failed", "errors": [error]}
            if repo.bare is not None and not _has_branch(repo.bare, head):
                return (
                    422,
                    rate,
                    {"message": "Validation Failed", "errors": [{"field": "head", "code": "invalid"}]},
                )
            number = len(repo.pulls) + 1
            pr = {
                "number": number,
                "html_url": f"https://github.example/{name}/pull/{number}",
                "state": "open",
                "title": body["title"],
                "body": body.get("body"),
                "draft": bool(body.get("draft", False)),
                "merged": False,
                "merged_at": None,
                "head": {"ref": head, "label": f"{owner}:{head}"},
                "base": {"ref": body["base"]},
            }
            repo.pulls.append(pr)
            return 201, rate, pr
        m2 = re.fullmatch(r"/pulls/(\d+)", rest)
        if m2 and method == "GET":
            pr = next((p for p in repo.pulls if p["number"] == int(m2.group(1))), None)
            return (200, rate, pr) if pr is not None else (404, rate, {"message": "Not Found"})
        if m2 and method == "PATCH":
            pr = next((p for p in repo.pulls if p["number"] == int(m2.group(1))), None)
            if pr is None:
                return 404, rate, {"message": "Not Found"}
            for key in ("title", "body", "state"):
                if isinstance(body, dict) and key in body:
                    pr[key] = body[key]
            return 200, rate, pr
        if rest == "/actions/secrets/public-key" and method == "GET":
            key = base64.b64encode(bytes(self.private_key.public_key)).decode()
            return 200, rate, {"key_id": self.key_id, "key": key}
        m3 = re.fullmatch(r"/actions/secrets/([A-Za-z_][A-Za-z0-9_]*)", rest)
        if m3 and method == "PUT":
            from nacl.public import SealedBox

            if not isinstance(body, dict) or body.get("key_id") != self.key_id or "encrypted_value" in body is False:
                return 422, rate, {"message": "Validation Failed"}
            try:
                plain = SealedBox(self.private_key).decrypt(base64.b64decode(body["encrypted_value"]))
            except Exception:
                return 422, rate, {"message": "encrypted_value is not sealed to the repository key"}
            created = m3.group(1) not in repo.secrets
            repo.secrets[m3.group(1)] = plain.decode()
            return (201, rate, {}) if created else (204, rate, None)
        return 404, rate, {"message": "Not Found"}

    def _github_page(
        self, path: str, query: dict[str, str], items: list[dict[str, Any]], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        """One page of a listing, with the `Link` header GitHub sends (`next` and `last` while more remain)."""
        per_page = min(int(query.get("per_page", 30)), 100)
        page = max(int(query.get("page", 1)), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        links = []

        def link(n: int, rel: str) -> str:
            params = {**query, "page": str(n)}
            return f'<{self.url}{path}?{"&".join(f"{k}={v}" for k, v in params.items())}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        out = dict(headers)
        if links:
            out["link"] = ", ".join(links)
        return 200, out, items[(page - 1) * per_page : page * per_page]

    # -- GitLab ---------------------------------------------------------------------------------------

    def _gitlab(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        if headers.get("private-token") != self.token:
            return 401, {}, {"message": "401 Unauthorized"}
        listing = re.fullmatch(r"/api/v4/groups/([^/]+)/projects", path)
        if listing is not None and method == "GET":
            return self._gitlab_projects(unquote(listing.group(1)), query)
        m = re.fullmatch(r"/api/v4/projects/([^/]+)(/.*)", path)
        name = unquote(m.group(1)) if m else ""
        if m is None or name not in self.repos:
            return 404, {}, {"message": "404 Project Not Found"}
        repo, rest = self.repos[name], m.group(2)
        if rest == "/merge_requests" and method == "GET":
            keys = ("source_branch", "target_branch", "state")
            found = [p for p in repo.pulls if all(query.get(k) in (None, p[k]) for k in keys)]
            return 200, {}, found
        if rest == "/merge_requests" and method == "POST":
            if not isinstance(body, dict) or not all(body.get(k) for k in ("source_branch", "target_branch", "title")):
                return 400, {}, {"message": "source_branch, target_branch and title are required"}
            if any(
                p["source_branch"] == body["source_branch"]
                and p["target_branch"] == body["target_branch"]
                and p["state"] == "opened"
                for p in repo.pulls
            ):
                return (
                    409,
                    {},
                    {"message": ["Another open merge request already exists for this source branch"]},
                )
            iid = len(repo.pulls) + 1
            mr = {
                "iid": iid,
                "web_url": f"https://gitlab.example/{name}/-/merge_requests/{iid}",
                "state": "opened",
                "title": body["title"],
                "description": body.get("description"),
                "source_branch": body["source_branch"],
                "target_branch": body["target_branch"],
                "remove_source_branch": body.get("remove_source_branch"),
            }
            repo.pulls.append(mr)
            return 201, {}, mr
        m2 = re.fullmatch(r"/merge_requests/(\d+)", rest)
        if m2 and method == "GET":
            mr = next((p for p in repo.pulls if p["iid"] == int(m2.group(1))), None)
            return (200, {}, mr) if mr is not None else (404, {}, {"message": "404 Not found"})
        if m2 and method == "PUT":
            mr = next((p for p in repo.pulls if p["iid"] == int(m2.group(1))), None)
            if mr is None:
                return 404, {}, {"message": "404 Not found"}
            for key in ("title", "description"):
                if isinstance(body, dict) and key in body:
                    mr[key] = body[key]
            return 200, {}, mr
        if rest == "/variables" and method == "POST":
            key = body.get("key") if isinstance(body, dict) else None
            if not key or "value" not in body:
                return 400, {}, {"message": "key and value are required"}
            if key in repo.secrets:
                return 400, {}, {"message": {"key": [f"({key}) has already been taken"]}}
            repo.secrets[key] = body["value"]
            return 201, {}, {"key": key, "masked": body.get("masked"), "protected": body.get("protected")}
        m3 = re.fullmatch(r"/variables/([A-Za-z_][A-Za-z0-9_]*)", rest)
        if m3 and method == "PUT":
            if m3.group(1) not in repo.secrets:
                return 404, {}, {"message": "404 Variable Not Found"}
            repo.secrets[m3.group(1)] = body["value"]
            return 200, {}, {"key": m3.group(1)}
        return 404, {}, {"message": "404 Not Found"}

    def _gitlab_projects(self, group: str, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if group not in self.groups:
            return 404, {}, {"message": "404 Group Not Found"}
        subgroups = query.get("include_subgroups") == "true"
        items = [
            item
            for name, projects in sorted(self.groups.items())
            if name == group or (subgroups and name.startswith(group + "/"))
            for item in projects
        ]
        per_page = min(int(query.get("per_page", 20)), 100)
        page = max(int(query.get("page", 1)), 1)
        pages = max((len(items) + per_page - 1) // per_page, 1)
        headers = {
            "x-page": str(page),
            "x-per-page": str(per_page),
            "x-total": str(len(items)),
            "x-total-pages": str(pages),
            "x-next-page": str(page + 1) if page < pages else "",
            "x-prev-page": str(page - 1) if page > 1 else "",
        }
        return 200, headers, items[(page - 1) * per_page : page * per_page]


def github_repository(
    full_name: str, clone_url: str, *, archived: bool = False, fork: bool = False, size: int = 1
) -> dict[str, Any]:
    """An item of GitHub's repository listing, with the fields the contract names."""
    return {
        "full_name": full_name,
        "name": full_name.split("/")[-1],
        "clone_url": clone_url,
        "default_branch": "main",
        "archived": archived,
        "fork": fork,
        "size": size,
        "pushed_at": "2025-01-02T03:04:05Z",
        "private": True,
    }


def gitlab_project(path: str, url: str, *, archived: bool = False, fork: bool = False) -> dict[str, Any]:
    """An item of GitLab's group project listing; `forked_from_project` is present on forks only."""
    item: dict[str, Any] = {
        "path_with_namespace": path,
        "http_url_to_repo": url,
        "default_branch": "main",
        "archived": archived,
        "last_activity_at": "2025-01-02T03:04:05Z",
    }
    if fork:
        item["forked_from_project"] = {"path_with_namespace": "upstream/" + path.split("/")[-1]}
    return item


def _has_branch(bare: Path, branch: str) -> bool:
    done = subprocess.run(
        ["git", "--git-dir", str(bare), "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


class _Handler(BaseHTTPRequestHandler):
    emulator: HostingEmulator

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, extra, payload = self.emulator.handle(self.command, self.path, headers, body)
        data = b"" if payload is None or status == 204 else json.dumps(payload).encode()
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        if data:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
