"""The one place the scan side runs git: plain `git` subprocesses, their output handed to git_parse.

NOTE: no gitpython here. This module is on the pre-commit hook's import path, and a subprocess per question is
both faster to start and faster to stream than gitpython's object layer.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

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
        raise GitError("git is not installed or not on PATH; install git to scan repositories") from None


def git(repo: Path, *args: str, input: bytes | None = None, allow: Sequence[int] = (0,)) -> bytes:
    """Run one git command in `repo` and return its stdout; raise GitError with git's own words on failure."""
    done = run(repo, *args, input=input)
    if done.returncode not in allow:
        raise GitError(complaint(args, done.stderr, repo))
    return done.stdout


def start(repo: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start a long-running git command (`cat-file --batch`) with pipes to its stdin and stdout."""
    return subprocess.Popen(
        ["git", *_GIT_OPTIONS, *args],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_environment(),
    )


def toplevel(path: Path) -> Path:
    """The root of the working tree (or the git dir of a bare repository) that contains `path`."""
    start = path if path.is_dir() else path.parent
    try:
        bare = git(start, "rev-parse", "--is-bare-repository").strip() == b"true"
    except GitError:
        raise GitError(
            f"{path} is not inside a git repository; run from inside one, or scan it as plain files"
        ) from None
    where = "--absolute-git-dir" if bare else "--show-toplevel"
    return Path(git(start, "rev-parse", where).decode().strip())


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
    start = path if path.is_dir() else path.parent
    if not start.is_dir():
        return None
    try:
        done = run(start, "rev-list", "--count", *revisions, "--")
    except GitError:
        return None
    if done.returncode != 0:
        return None
    try:
        return int(done.stdout.strip() or 0)
    except ValueError:
        return None


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
    try:
        inside = run(folder, "rev-parse", "--is-inside-work-tree")
    except GitError:
        return None
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        return None
    if run(folder, "check-ignore", "-q", "--", ".").returncode == 0:
        return None
    listed = run(folder, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate")
    if listed.returncode != 0:
        return None
    return git_parse.parse_paths(listed.stdout)


def reachable_blobs(repo: Path, covered: Sequence[str] = ()) -> tuple[list[BlobRef], list[str]]:
    """Every object reachable from any ref (branches, tags, stash) with a path, and what git could not find.

    Commits and trees come out too; `object_sizes` tells them apart. A failing rev-list adds its complaint to
    the missing list instead of raising: what could be listed is still scanned. Objects reachable from the
    `covered` commits (an earlier scan's ref tips) are left out.
    """
    stdin = ("--stdin",) if covered else ()
    done = run(repo, "rev-list", "--objects", "--all", "--missing=print", *stdin, input=_excluding(covered) or None)
    refs, missing = git_parse.parse_object_listing(done.stdout)
    if done.returncode != 0:
        missing.append(complaint(("rev-list",), done.stderr, repo))
    return refs, missing


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
    out = git(
        repo, "log", "--raw", "-c", "-z", "--root", "--no-abbrev", "--no-renames", "--no-color",
        f"--format=%x01{git_parse.COMMIT_FORMAT}", *stdin, *revisions, "--", *paths,
        input=_excluding(covered) if covered else None,
    )  # fmt: skip
    return git_parse.parse_log_changes(out)


def staged_changes(repo: Path, paths: Sequence[str] = ()) -> list[Change]:
    """The paths the index changes against HEAD (renames followed), with their new blob ids."""
    out = git(repo, "diff", "--cached", "--raw", "-z", "-M", "--no-abbrev", "--no-color", "--", *paths)
    return list(git_parse.parse_raw_changes(out, Commit(None, "", "", "")))


def staged_added_lines(repo: Path, paths: Sequence[str] = ()) -> AddedLines:
    """The lines the index adds against HEAD (or against nothing before a first commit), by ("", blob)."""
    out = git(repo, "diff", "--cached", "-M", *_PATCH_OPTIONS, "--", *paths)
    return AddedLines(git_parse.parse_added_lines(out), git_parse.parse_binary_changes(out))


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
