"""The git side of remediation, through GitPython: the one module that drives it (the CLI included).

A `Repository` answers what the pull-request step and `keysweep fix` ask of a checkout: its remotes, whether
it is dirty, the remote's default branch, a branch built in a temporary worktree, the lease-guarded push,
and which paths git ignores or tracks. Importing this module loads no git library; using it does.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import HostingError, RotationError
from scanner.rotation.hosting.config import safe_url

if TYPE_CHECKING:
    import git

_FALLBACK_IDENTITY = ["-c", "user.name=keysweep", "-c", "user.email=keysweep@users.noreply.localhost"]


class Repository:
    """A git checkout that contains the folder keysweep was pointed at."""

    def __init__(self, repo: git.Repo, folder: Path) -> None:
        self._repo = repo
        self.top = Path(str(repo.working_tree_dir)).resolve()
        """The checkout's top folder."""
        self.prefix = folder.resolve().relative_to(self.top)
        """The folder keysweep was pointed at, relative to `top`."""

    @classmethod
    def find(cls, folder: Path | str) -> Repository | None:
        """The repository holding `folder`, or None when it is not inside one."""
        import git

        try:
            repo = git.Repo(folder, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return None
        return cls(repo, Path(folder))

    @classmethod
    def open(cls, folder: Path | str, hint: str = "") -> Repository:
        found = cls.find(folder)
        if found is None:
            raise RotationError(f"{folder} is not inside a git repository{hint}")
        return found

    # -- remotes -------------------------------------------------------------------------------------

    def remote_url(self, remote: str) -> str | None:
        """The first URL of `remote`, or None when the repository has no such remote."""
        try:
            return next(iter(self._repo.remote(remote).urls))
        except ValueError:
            return None

    def require_remote(self, remote: str) -> str:
        url = self.remote_url(remote)
        if url is None:
            raise HostingError(f"the repository at {self.top} has no remote {remote!r}; set hosting.remote")
        return url

    def default_branch(self, remote: str) -> str:
        """The remote's default branch (what its HEAD points at)."""
        out = self._remote_read(remote, "--symref", remote, "HEAD")
        m = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", out, re.M)
        if m:
            return m.group(1)
        raise HostingError(f"the remote {remote!r} has no default branch (HEAD); pass the base branch explicitly")

    def remote_branch_sha(self, remote: str, branch: str) -> str | None:
        out = self._remote_read(remote, remote, f"refs/heads/{branch}")
        line = next((ln for ln in out.splitlines() if ln.endswith(f"\trefs/heads/{branch}")), None)
        return line.split("\t")[0] if line else None

    def fetch_base(self, remote: str, base: str) -> str:
        """Fetch `base` from `remote`; the commit it points at."""
        self.git("fetch", "--quiet", remote, f"+refs/heads/{base}:refs/remotes/{remote}/{base}")
        return self.git("rev-parse", f"refs/remotes/{remote}/{base}^{{commit}}")

    def push(self, remote: str, commit: str, branch: str, expected: str | None) -> None:
        """Point the remote's `branch` at `commit` if it still is where we saw it (`expected`; None: absent).

        NOTE: keysweep owns its branch and rebuilds it from the default branch on every run, so the push may
        rewrite it; the lease makes the push fail instead when somebody else pushed to it in between.
        """
        from git.exc import GitCommandError

        lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
        try:
            self._repo.git.push(lease, remote, f"{commit}:refs/heads/{branch}")
        except GitCommandError as exc:
            reason = _reason(exc)
            said = f"{exc.stderr or ''}\n{exc.stdout or ''}".lower()
            if "protected" in said or "gh006" in said or "pre-receive hook declined" in said:
                raise HostingError(
                    f"push of {branch} to {remote!r} was refused by branch protection or a server hook "
                    f"({reason}); allow keysweep/* branches or push from an account that may create them"
                ) from None
            if "stale info" in said or "rejected" in said or "fetch first" in said:
                raise HostingError(
                    f"push of {branch} to {remote!r} was rejected: the branch changed on the remote since "
                    f"keysweep read it ({reason}); run again to rebuild it"
                ) from None
            raise HostingError(f"push of {branch} to {remote!r} failed: {reason}") from None

    def same_tree(self, remote: str, branch: str, remote_sha: str, commit: str) -> bool:
        """Whether the remote branch already holds exactly `commit`'s tree on the same parents."""
        self.git("fetch", "--quiet", remote, f"refs/heads/{branch}")
        ours = self.git("rev-parse", f"{commit}^{{tree}}")
        theirs = self.git("rev-parse", f"{remote_sha}^{{tree}}")
        parents = self.git("rev-list", "--parents", "-n", "1", remote_sha).split()[1:]
        ours_parents = self.git("rev-list", "--parents", "-n", "1", commit).split()[1:]
        return ours == theirs and parents == ours_parents

    # -- the working tree ----------------------------------------------------------------------------

    def refuse_dirty(self) -> None:
        repo = self._repo
        if not repo.is_dirty(index=True, working_tree=True, untracked_files=False):
            return
        changed = sorted({d.a_path or d.b_path or "" for d in repo.index.diff(None)} | self._staged())
        shown = ", ".join(changed[:5]) + (", …" if len(changed) > 5 else "")
        raise RotationError(
            f"the working tree has uncommitted changes ({shown}); commit or stash them first: the findings must "
            "match committed content, because keysweep builds its branch from the default branch"
        )

    def ignored(self, paths: Sequence[str]) -> set[str]:
        """Which of `paths` (relative to the checkout's top) git ignores and does not track."""
        from git.exc import GitCommandError

        if not paths:
            return set()
        try:
            ignored = set(self._repo.git.check_ignore("--", *paths).splitlines())
        except GitCommandError:  # exit 1: nothing is ignored
            return set()
        return ignored - set(self._repo.git.ls_files("--", *ignored).splitlines()) if ignored else set()

    def untrack(self, root: Path, paths: Sequence[str]) -> list[str]:
        """`git rm --cached` each of `paths` (relative to `root`) that git tracks; the ones it did."""
        done = []
        for p in paths:
            rel = str((root / p).resolve().relative_to(self.top))
            if self._repo.git.ls_files("--", rel):
                self._repo.git.rm("--cached", "--quiet", "--", rel)
                done.append(p)
        return done

    @contextlib.contextmanager
    def worktree(self, commit: str) -> Iterator[Worktree]:
        """A temporary, detached worktree at `commit`, removed afterwards: the user's checkout never moves."""
        import git

        path = Path(tempfile.mkdtemp(prefix="keysweep-branch-"))
        try:
            self.git("worktree", "add", "--quiet", "--detach", str(path), commit)
            yield Worktree(git.Repo(path), path, self.prefix)
        finally:
            self._remove_worktree(path)

    # -- plumbing ------------------------------------------------------------------------------------

    def git(self, *args: str) -> str:
        return _run(self._repo, *args)

    def _remote_read(self, remote: str, *args: str) -> str:
        from git.exc import GitCommandError

        try:
            return str(self._repo.git.ls_remote(*args))
        except GitCommandError as exc:
            raise HostingError(f"cannot read the remote {remote!r}: {_reason(exc)}") from None

    def _staged(self) -> set[str]:
        try:
            return {d.a_path or d.b_path or "" for d in self._repo.index.diff("HEAD")}
        except Exception:  # no HEAD yet
            return set()

    def _remove_worktree(self, path: Path) -> None:
        from git.exc import GitCommandError

        try:
            self._repo.git.worktree("remove", "--force", str(path))
        except GitCommandError:
            shutil.rmtree(path, ignore_errors=True)
            self._repo.git.worktree("prune")


class Worktree:
    """The temporary checkout a branch is built in."""

    def __init__(self, repo: git.Repo, path: Path, prefix: Path) -> None:
        self._repo = repo
        self.prefix = prefix
        self.root = path / prefix
        """The folder keysweep was pointed at, inside this worktree."""

    def untrack(self, paths: Sequence[str]) -> None:
        """`git rm --cached` each of `paths` (relative to `root`) that is tracked."""
        untracked = [str(self.prefix / p) for p in paths]
        tracked = [p for p in untracked if _run(self._repo, "ls-files", "--", p)]
        if tracked:
            _run(self._repo, "rm", "--cached", "--quiet", "--", *tracked)

    def commit(self, paths: Sequence[str], message: str) -> str:
        """Stage `paths` (relative to `root`) and commit them; the new commit's id."""
        _run(self._repo, "add", "--", *[str(self.prefix / p) for p in paths])
        _run(self._repo, *self._identity(), "commit", "--quiet", "--no-verify", "-m", message)
        return _run(self._repo, "rev-parse", "HEAD")

    def _identity(self) -> list[str]:
        """Use the user's git identity; fall back to a keysweep one so a bare CI box can still commit."""
        from git.exc import GitCommandError

        try:
            self._repo.git.var("GIT_COMMITTER_IDENT")
            self._repo.git.var("GIT_AUTHOR_IDENT")
            return []
        except GitCommandError:
            return _FALLBACK_IDENTITY


def _run(repo: git.Repo, *args: str) -> str:
    from git.exc import GitCommandError

    try:
        return str(repo.git.execute(["git", *args])).strip()
    except GitCommandError as exc:
        reason = (exc.stderr or str(exc)).strip().splitlines()
        raise HostingError(f"git {args[0]} failed: {safe_url(reason[-1] if reason else 'unknown error')}") from None


def _reason(exc: git.GitCommandError) -> str:
    lines = [ln.strip() for ln in str(exc.stderr or exc).splitlines() if ln.strip()]
    lines = [ln.removeprefix("stderr: ").strip("'") for ln in lines]
    return safe_url(lines[-1]) if lines else "git failed"
