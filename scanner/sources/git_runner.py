"""The one place the scan side runs git: plain `git` subprocesses, their output handed to git_parse.

NOTE: no gitpython here. This module is on the pre-commit hook's import path, and a subprocess per question is
both faster to start and faster to stream than gitpython's object layer.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from scanner.errors import GitError
from scanner.findings import Commit
from scanner.sources import git_parse
from scanner.sources.git_parse import AddedLines, BlobRef, Change

_GIT_OPTIONS = (
    "-c", "core.quotepath=off",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicprefix=false",
    "-c", "log.showSignature=false",
    "-c", "core.fsmonitor=false",
)  # fmt: skip
_PATCH_OPTIONS = ("-p", "-U0", "--full-index", "--no-color", "--no-ext-diff", "--no-textconv")


def run(repo: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run one git command in `repo`, whatever its exit status; GitError only when git itself is missing."""
    try:
        return subprocess.run(
            ["git", *_GIT_OPTIONS, *args],
            cwd=repo,
            input=input,
            capture_output=True,
            env=_environment(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError(_NO_GIT) from None


def git(repo: Path, *args: str, input: bytes | None = None, allow: Sequence[int] = (0,)) -> bytes:
    """Run one git command in `repo` and return its stdout; raise GitError with git's own words on failure."""
    done = run(repo, *args, input=input)
    if done.returncode not in allow:
        raise GitError(complaint(args, done.stderr, repo))
    return done.stdout


def later(repo: Path, *args: str) -> Callable[[], bytes]:
    """`git(repo, *args)`, started now and answered when the result is called (once): git works while the caller
    goes on. The hook loads its rules while git diffs the index, a few milliseconds of every commit."""
    process = _started(repo, args, stderr=subprocess.PIPE)

    def answer() -> bytes:
        out, err = process.communicate()
        if process.returncode != 0:
            raise GitError(complaint(args, err, repo))
        return out

    return answer


_NO_GIT = "git is not installed or not on PATH; install git to scan repositories"


Process = subprocess.Popen
"""A running git (see `start`)."""


def start(repo: Path, *args: str) -> Process[bytes]:
    """Start a long-running git command (`cat-file --batch`) with pipes to its stdin and stdout."""
    return _started(repo, args, stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _started(repo: Path, args: Sequence[str], *, stderr: int, stdin: int | None = None) -> Process[bytes]:
    """git `args` running in `repo`, its stdout piped; GitError when git itself is missing."""
    try:
        return subprocess.Popen(
            ["git", *_GIT_OPTIONS, *args],
            cwd=repo,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=_environment(),
        )
    except FileNotFoundError:
        raise GitError(_NO_GIT) from None


def toplevel(path: Path) -> Path:
    """The root of the working tree (or the git dir of a bare repository) that contains `path`."""
    start = path if path.is_dir() else path.parent
    # NOTE: one git for what took two (the hook runs this on every commit): rev-parse answers in order and stops
    # at `--show-toplevel` in a bare repository, after the two answers that name it.
    args = ("rev-parse", "--is-bare-repository", "--absolute-git-dir", "--show-toplevel")
    done = run(start, *args)
    answers = done.stdout.decode(errors="surrogateescape").splitlines()
    if len(answers) < 2 or answers[0] not in ("true", "false"):
        raise GitError(f"{path} is not inside a git repository; run from inside one, or scan it as plain files")
    if answers[0] == "true":
        return Path(answers[1])
    if done.returncode != 0 or len(answers) < 3:
        raise GitError(complaint(args, done.stderr, repo=start))
    return Path(answers[2])


def is_bare(repo: Path) -> bool:
    return git(repo, "rev-parse", "--is-bare-repository").strip() == b"true"


def has_commits(repo: Path) -> bool:
    """Whether any ref reaches a commit (HEAD may name a branch that does not exist: a mirror of a host whose
    default branch was renamed, an empty default branch beside others)."""
    return bool(git(repo, "rev-list", "-n", "1", "--all", allow=(0, 128)).strip())


def is_commit(repo: Path, revision: str) -> bool:
    """Whether `revision` names a commit present in `repo`."""
    out = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}", allow=(0, 1, 128))
    return bool(out.strip())


def shallow_boundary(repo: Path) -> frozenset[str]:
    """The commits whose parents this shallow clone lacks; empty for a complete clone."""
    shallow = Path(git(repo, "rev-parse", "--path-format=absolute", "--git-path", "shallow").decode().strip())
    try:
        return frozenset(shallow.read_text().split())
    except FileNotFoundError:
        return frozenset()


def commit_count(path: Path, revisions: Sequence[str] = ("--all",)) -> int | None:
    """How many commits `revisions` (default: the whole repository around `path`) hold; None outside a
    repository or without git."""
    return commit_count_later(path, revisions)()


def commit_count_later(path: Path, revisions: Sequence[str] = ("--all",)) -> Callable[[], int | None]:
    """`commit_count`, its git started now and answered when the result is called (see `later`): a folder scan
    counts the history it leaves out while it scans the folder (a second of `rev-list` in a sympy checkout)."""
    start = path if path.is_dir() else path.parent
    if not start.is_dir():
        return lambda: None
    try:
        answer = later(start, "rev-list", "--count", *revisions, "--")
    except GitError:
        return lambda: None

    def count() -> int | None:
        try:
            return int(answer().strip() or 0)
        except (GitError, ValueError):
            return None

    return count


def tracked_files(repo: Path, paths: Sequence[str] = ()) -> list[tuple[str, str, str]]:
    """(mode, index blob id, path) for every tracked file, at stage 0 or the first conflicted stage."""
    return git_parse.parse_staged_files(git(repo, "ls-files", "-z", "--stage", "--", *paths))


def untracked_files(repo: Path) -> list[str]:
    """Files in the working tree that git does not track and does not ignore."""
    return git_parse.parse_paths(git(repo, "ls-files", "-z", "--others", "--exclude-standard"))


def work_tree_files(folder: Path) -> list[str] | None:
    """The files git does not ignore under `folder` (tracked, and untracked but not ignored), relative to it.

    None when `folder` is not inside a git work tree, is ignored itself (the user named it: all of it is
    scanned), or git is not installed: then the folder is walked as plain files.
    """
    # NOTE: one git answers both questions: check-ignore exits 0 (the folder is ignored), 1 (it is not, so it is
    # inside a work tree) or 128 (no work tree: outside any repository, in a bare one or in a `.git` folder)
    try:
        ignored = run(folder, "check-ignore", "-q", "--", ".")
    except GitError:
        return None
    if ignored.returncode != 1:
        return None
    listed = run(folder, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate")
    if listed.returncode != 0:
        return None
    return git_parse.parse_paths(listed.stdout)


class CountLater:
    """The commits of `revisions`, counted by a git started now: calling it waits for the count (0 when git fails);
    `ready` answers without waiting (None while git is still counting)."""

    def __init__(self, repo: Path, revisions: Sequence[str]) -> None:
        self._proc = subprocess.Popen(
            ["git", *_GIT_OPTIONS, "rev-list", "--count", *revisions, "--"],
            cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_environment(),
        )  # fmt: skip
        self._count: int | None = None

    def __call__(self) -> int:
        if self._count is None:
            out, _ = self._proc.communicate()
            self._count = int(out.strip() or 0) if self._proc.returncode == 0 and out.strip().isdigit() else 0
        return self._count

    def ready(self) -> int | None:
        return self() if self._count is not None or self._proc.poll() is not None else None


def object_listing(repo: Path, covered: Sequence[str] = ()) -> Iterator[BlobRef | str]:
    """Every blob reachable from any ref (branches, tags, stash) with a path, streamed as git walks the history:
    a BlobRef per named object (blobs, and tag objects, which the reader tells apart), a `?`-prefixed id for each
    object git could not find, and, if `rev-list` fails, its complaint (prefixed `!`) last. Objects reachable from
    the `covered` commits (an earlier scan's ref tips) are left out.

    NOTE: `--filter=object:type=blob` leaves the trees out of the listing: only objects that may need reading come
    out, so no `cat-file --batch-check` pass over every object is needed before the first blob is read.
    """
    import tempfile

    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            ["git", *_GIT_OPTIONS, "rev-list", "--objects", "--all", "--missing=print", "--filter=object:type=blob",
             "--stdin"],
            cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, env=_environment(),
        )  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(_excluding(covered))
            proc.stdin.close()
            for line in proc.stdout:
                listed = git_parse.parse_listing_line(line)
                if listed is not None:
                    yield listed
            if proc.wait() != 0:
                errors.seek(0)
                yield "!" + complaint(("rev-list",), errors.read(), repo)
        finally:
            proc.kill()
            proc.wait()


def object_sizes(repo: Path, oids: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Type and size of each object, from headers only (no content is inflated); `missing` for an object git
    cannot find or read (a corrupt loose object answers `missing` too)."""
    payload = "".join(f"{oid}\n" for oid in oids).encode()
    out = git(repo, "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)", input=payload)
    return git_parse.parse_object_sizes(out)


def changes(
    repo: Path, revisions: Sequence[str], paths: Sequence[str] = (), covered: Sequence[str] = ()
) -> Iterator[Change]:
    """The paths each commit in `revisions` (less those reachable from `covered`) changed, newest first, with
    old and new blob ids.

    Merges show only paths that differ from every parent (`-c`), so a merge is charged only with what it
    made itself (a conflict resolution), not with what its branches brought.
    """
    stdin = ("--stdin",) if covered else ()
    out = git(repo, *_LOG_CHANGES, *stdin, *revisions, "--", *paths, input=_excluding(covered) if covered else None)
    return git_parse.parse_log_changes(out)


_LOG_CHANGES = (
    "log", "--raw", "-c", "-z", "--root", "--no-abbrev", "--no-renames", "--no-color",
    f"--format=%x01{git_parse.COMMIT_FORMAT}",
)  # fmt: skip
"""The `git log` that lists each commit's changed paths with old and new blob ids (`git_parse.parse_log_changes`)."""


def log_changes_into(
    repo: Path, covered: Sequence[str], window: Sequence[str], out: IO[bytes], errors: IO[bytes]
) -> Process[bytes]:
    """`changes(repo, ["--all"], covered)` narrowed by `window` (`--skip`, `--max-count`), started now at low
    priority, its output and complaints written into the files `out` and `errors` (`git_log.LogLater`)."""
    proc = subprocess.Popen(
        ["git", *_GIT_OPTIONS, *_LOG_CHANGES, *window, "--stdin", "--all", "--"],
        cwd=repo, stdin=subprocess.PIPE, stdout=out, stderr=errors, env=_environment(),
        preexec_fn=_nice if hasattr(os, "nice") else None,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(_excluding(covered))
    proc.stdin.close()
    return proc


def _nice() -> None:  # pragma: no cover - runs in the child before exec
    os.nice(10)


def staged_changes(repo: Path, paths: Sequence[str] = ()) -> list[Change]:
    """The paths the index changes against HEAD (renames followed), with their new blob ids."""
    out = git(repo, "diff", "--cached", "--raw", "-z", "-M", "--no-abbrev", "--no-color", "--", *paths)
    return list(git_parse.parse_raw_changes(out, Commit(None, "", "", "")))


def staged_added_lines(repo: Path, paths: Sequence[str] = ()) -> Callable[[], AddedLines]:
    """The lines the index adds against HEAD (or against nothing before a first commit), by ("", blob), when the
    result is called: git starts now (see `later`)."""
    diff = later(repo, "diff", "--cached", "-M", *_PATCH_OPTIONS, "--", *paths)

    def added() -> AddedLines:
        out = diff()
        return AddedLines(git_parse.parse_added_lines(out), git_parse.parse_binary_changes(out))

    return added


def range_added_lines(repo: Path, revisions: Sequence[str]) -> AddedLines:
    """The lines each commit in `revisions` adds, by (commit, new blob).

    Merges use the combined diff: a line counts only when it is new against every parent.
    """
    out = git(repo, "log", "--format=%x01%H", "--cc", "--root", "--no-renames", *_PATCH_OPTIONS, *revisions, "--")
    return AddedLines(git_parse.parse_added_lines(out), git_parse.parse_binary_changes(out))


def text_added_lines(repo: Path, olds: Sequence[str], new: str) -> frozenset[int] | None:
    """The lines blob `new` adds against every blob of `olds`, diffed as text even where git sees binary
    (UTF-16 text: git's lines split at 0x0A bytes, as the text's own lines do). None: every line is new."""
    added: set[int] | None = None
    for old in olds:
        if old == git_parse.EMPTY_BLOB:
            return None
        out = git(repo, "diff", "--text", *_PATCH_OPTIONS, old, new, allow=(0, 1))
        lines = set().union(*git_parse.parse_added_lines(out).values())
        added = lines if added is None else added & lines
    return None if added is None else frozenset(added)


def next_commit_author(repo: Path) -> Commit | None:
    """The author git would record for the next commit (no id yet), if it knows one."""
    try:
        out = git(repo, "var", "GIT_AUTHOR_IDENT").decode()
    except GitError:
        return None
    ident = git_parse.parse_ident(out)
    return Commit(None, *ident) if ident is not None else None


def _excluding(commits: Sequence[str]) -> bytes:
    """`--stdin` input that excludes what `commits` reach (on stdin: a mirror can have thousands of refs)."""
    return "".join(f"^{oid}\n" for oid in commits).encode()


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # NOTE: no prompts in CI, no index refresh racing the user's own git, English messages we can quote.
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C", LANGUAGE="C")
    env.pop("GIT_EXTERNAL_DIFF", None)
    return env


def complaint(args: Sequence[str], stderr: bytes, repo: Path) -> str:
    """git's own error line, prefixed with the command and the repository."""
    lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    said = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), lines[0] if lines else "")
    said = said.removeprefix("fatal: ").removeprefix("error: ")
    return f"git {args[0]} failed in {repo}: {said or 'no message'}"
