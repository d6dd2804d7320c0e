"""The git questions the incident report asks: the commit graph, the refs, trees and blobs, through git_runner.

Everything here reads object ids, paths and ref names; no secret value is ever passed to git (not on a command
line, where other users of the machine could read it): values are searched for in Python, in blobs read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scanner.findings import Commit
from scanner.sources import git_runner
from scanner.sources.git_blobs import read_blobs
from scanner.sources.git_parse import EMPTY_BLOB, GITLINK_MODE, Change


@dataclass(frozen=True, slots=True)
class Ref:
    """A ref that points (perhaps through an annotated tag) at a commit."""

    name: str
    """Short name: `main`, `v1.2`, `origin/main`, `stash`."""
    kind: str
    """`branch`, `tag`, `remote` or `other`."""
    commit: str


@dataclass(slots=True)
class Graph:
    """One read of a repository's history: every commit's changed paths, parents, refs, HEAD, default branch."""

    repo: Path
    changes: list[Change]
    """Newest first, as git log lists them (merges: only paths that differ from every parent)."""
    parents: dict[str, tuple[str, ...]]
    order: list[str]
    """Every commit reachable from a ref, parents before children."""
    refs: list[Ref]
    head: str | None
    default_branch: str | None
    _trees: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, repo: Path) -> Graph:
        repo = git_runner.toplevel(repo)
        if not git_runner.has_commits(repo):
            return cls(repo, [], {}, [], [], None, None)
        changes = list(git_runner.changes(repo, ["--all"]))
        parents: dict[str, tuple[str, ...]] = {}
        order: list[str] = []
        for line in git_runner.git(repo, "rev-list", "--all", "--topo-order", "--reverse", "--parents").split(b"\n"):
            ids = line.decode().split()
            if ids:
                parents[ids[0]] = tuple(ids[1:])
                order.append(ids[0])
        refs = _refs(repo)
        head = git_runner.git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", allow=(0, 1)).decode().strip()
        return cls(repo, changes, parents, order, refs, head or None, _default_branch(repo, refs))

    @property
    def commits(self) -> dict[str, Commit]:
        """Author and date of every commit that changed a path."""
        return {c.commit.oid or "": c.commit for c in self.changes}

    def tree(self, commit: str) -> dict[str, str]:
        """path → blob id of every file in the commit's tree (submodules left out)."""
        if commit not in self._trees:
            out = git_runner.git(self.repo, "ls-tree", "-r", "-z", "--full-tree", commit)
            files: dict[str, str] = {}
            for record in out.split(b"\0"):
                meta, _, name = record.partition(b"\t")
                parts = meta.decode().split(" ")
                if len(parts) == 3 and parts[0] != GITLINK_MODE and parts[1] == "blob":
                    files[name.decode("utf-8", "surrogateescape")] = parts[2]
            self._trees[commit] = files
        return self._trees[commit]

    def read(self, names: Iterable[str]) -> dict[str, bytes]:
        """The content of blobs, by id or by `commit:path`; what git cannot find is left out."""
        wanted = sorted({n for n in names if n and n != EMPTY_BLOB})
        return {r.oid: r.data for r in read_blobs(self.repo, wanted) if r.data is not None}


def _refs(repo: Path) -> list[Ref]:
    fmt = "%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"
    out = git_runner.git(repo, "for-each-ref", f"--format={fmt}")
    refs = []
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        parts = line.split("\0")
        if len(parts) != 5:
            continue
        name, kind, oid, peeled_kind, peeled = parts
        commit = oid if kind == "commit" else peeled if peeled_kind == "commit" else None
        if commit is None or name.endswith("/HEAD"):
            continue
        refs.append(Ref(*_short(name), commit))
    return refs


def _short(refname: str) -> tuple[str, str]:
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag"), ("refs/remotes/", "remote")):
        if refname.startswith(prefix):
            return refname[len(prefix) :], kind
    return refname.removeprefix("refs/"), "other"


def _default_branch(repo: Path, refs: list[Ref]) -> str | None:
    """The remote's default branch (origin/HEAD), else `init.defaultBranch`, `main` or `master`, else HEAD's."""
    branches = {r.name for r in refs if r.kind == "branch"}
    remote_head = git_runner.git(repo, "symbolic-ref", "-q", "refs/remotes/origin/HEAD", allow=(0, 1, 128))
    name = remote_head.decode().strip().removeprefix("refs/remotes/")
    if name:
        local = name.split("/", 1)[1] if "/" in name else name
        return local if local in branches else name
    configured = git_runner.git(repo, "config", "--get", "init.defaultBranch", allow=(0, 1)).decode().strip()
    for candidate in (configured, "main", "master"):
        if candidate and candidate in branches:
            return candidate
    current = git_runner.git(repo, "symbolic-ref", "-q", "--short", "HEAD", allow=(0, 1, 128)).decode().strip()
    return current or None


def find_repository(path: Path) -> Path | None:
    """The top of the git working tree (or bare repository) that holds `path`, or None outside one."""
    from scanner.errors import GitError

    start = path if path.is_dir() else path.parent
    if not start.is_dir():
        return None
    try:
        return git_runner.toplevel(start)
    except GitError:
        return None
