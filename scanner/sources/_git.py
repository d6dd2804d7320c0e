"""The one module that runs git: plain `git` subprocesses, parsed into small records for the git sources."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import GitError

# NOTE: no gitpython here. This module is on the pre-commit hook's import path, and a subprocess per
# question is both faster to start and faster to stream than gitpython's object layer.

EMPTY_BLOB = "0" * 40
GITLINK_MODE = "160000"
SYMLINK_MODE = "120000"
_GIT_OPTIONS = (
    "-c", "core.quotepath=off",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicprefix=false",
    "-c", "log.showSignature=false",
    "-c", "core.fsmonitor=false",
)  # fmt: skip
_HUNK = re.compile(rb"^@@+ (?:-\S+ )+\+(\d+)(?:,(\d+))? @@+")


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A blob reachable from some ref, with the first path git named it by."""

    oid: str
    path: str


@dataclass(frozen=True, slots=True)
class Commit:
    """Who made a commit and when."""

    oid: str
    author: str
    email: str
    date: str
    """ISO-8601 author date."""
    parents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Change:
    """One path a commit changed: the blob it now has and the blobs its parents had there."""

    commit: Commit
    path: str
    new: str
    """The new blob id; EMPTY_BLOB when the commit deletes the path."""
    old: tuple[str, ...]
    """One blob per parent (one for ordinary commits); EMPTY_BLOB where the parent had no such path."""
    new_mode: str = "100644"


@dataclass(frozen=True, slots=True)
class BlobRead:
    """The outcome of asking git for one blob: its bytes, or why there are none."""

    oid: str
    data: bytes | None
    size: int
    problem: str | None = None
    """`missing`, `too large`, or git's complaint about a corrupt object."""

    def reason(self, max_size: int) -> str:
        """The Skipped reason for a blob that has no data."""
        if self.problem == "too large":
            return too_large(self.size, max_size)
        return self.problem or "unreadable"


def too_large(size: int, limit: int) -> str:
    """The Skipped reason for content over the size limit."""
    return f"too large ({size / 1048576:.1f} MB > {limit / 1048576:.1f} MB)"


def git(repo: Path, *args: str, input: bytes | None = None, allow: Sequence[int] = (0,)) -> bytes:
    """Run one git command in `repo` and return its stdout; raise GitError with git's own words on failure."""
    try:
        done = subprocess.run(
            ["git", *_GIT_OPTIONS, *args],
            cwd=repo,
            input=input,
            capture_output=True,
            env=_environment(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH; install git to scan repositories") from None
    if done.returncode not in allow:
        raise GitError(_complaint(args, done.stderr, repo))
    return done.stdout


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
    return bool(git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", allow=(0, 1)).strip())


def shallow_boundary(repo: Path) -> frozenset[str]:
    """The commits whose parents this shallow clone lacks; empty for a complete clone."""
    shallow = Path(git(repo, "rev-parse", "--path-format=absolute", "--git-path", "shallow").decode().strip())
    try:
        return frozenset(shallow.read_text().split())
    except FileNotFoundError:
        return frozenset()


def unscanned_commit_count(path: Path) -> int | None:
    """How many commits the repository around `path` holds (None outside a repository or without git)."""
    start = path if path.is_dir() else path.parent
    try:
        out = subprocess.run(
            ["git", "rev-list", "--count", "--all"],
            cwd=start,
            capture_output=True,
            env=_environment(),
            check=False,
        )
    except (FileNotFoundError, NotADirectoryError):
        return None
    if out.returncode != 0:
        return None
    try:
        return int(out.stdout.strip() or 0)
    except ValueError:
        return None


def tracked_files(repo: Path, paths: Sequence[str] = ()) -> list[tuple[str, str, str]]:
    """(mode, index blob id, path) for every tracked file, at stage 0 or the first conflicted stage."""
    out = git(repo, "ls-files", "-z", "--stage", "--", *paths)
    entries: dict[str, tuple[str, str, str]] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, oid, _stage = meta.decode().split(" ")
        path = name.decode("utf-8", "surrogateescape")
        entries.setdefault(path, (mode, oid, path))
    return list(entries.values())


def untracked_files(repo: Path) -> list[str]:
    """Files in the working tree that git does not track and does not ignore."""
    out = git(repo, "ls-files", "-z", "--others", "--exclude-standard")
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def reachable_blobs(repo: Path) -> tuple[list[BlobRef], list[str]]:
    """Every blob reachable from any ref (branches, tags, stash), and the ids git could not find.

    Commits and trees come out too; they are told apart later by `cat-file --batch-check`.
    """
    done = subprocess.run(
        ["git", *_GIT_OPTIONS, "rev-list", "--objects", "--all", "--missing=print"],
        cwd=repo,
        capture_output=True,
        env=_environment(),
        check=False,
    )
    refs: list[BlobRef] = []
    missing: list[str] = []
    for line in done.stdout.split(b"\n"):
        if line.startswith(b"?"):
            missing.append(line[1:].decode())
            continue
        oid, space, name = line.partition(b" ")
        if space and name:
            refs.append(BlobRef(oid.decode(), name.decode("utf-8", "surrogateescape")))
    if done.returncode != 0:
        missing.append(_complaint(("rev-list",), done.stderr, repo))
    return refs, missing


def object_sizes(repo: Path, oids: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Type and size of each object, from headers only (no content is inflated)."""
    payload = "".join(f"{oid}\n" for oid in oids).encode()
    out = git(repo, "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)", input=payload)
    sizes: dict[str, tuple[str, int]] = {}
    for line in out.decode().splitlines():
        parts = line.split(" ")
        if len(parts) == 3:
            sizes[parts[0]] = (parts[1], int(parts[2]))
    return sizes


def read_blobs(repo: Path, oids: Sequence[str], max_size: int | None = None) -> Iterator[BlobRead]:
    """Stream the content of `oids`, in order, through `git cat-file --batch`.

    A corrupt object makes git stop; the reader reports it and goes on with a fresh git after it, so one
    bad object never hides the rest.
    """
    start = 0
    while start < len(oids):
        done = 0
        for read in _read_batch(repo, oids[start:], max_size):
            done += 1
            yield read
        start += done
        if start < len(oids):
            yield BlobRead(oids[start], None, 0, "unreadable (corrupt object?)")
            start += 1


def _read_batch(repo: Path, oids: Sequence[str], max_size: int | None) -> Iterator[BlobRead]:
    # NOTE: a larger delta-base cache than git's 96 MB default saves re-inflating shared bases when
    # thousands of versions of the same files stream through; it is a cap, not an allocation.
    proc = subprocess.Popen(
        ["git", *_GIT_OPTIONS, "-c", "core.deltaBaseCacheLimit=256m", "cat-file", "--batch"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_environment(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    _widen_pipe(proc.stdout)

    def feed() -> None:
        # NOTE: a writer thread, so that a long list never deadlocks against git's full stdout pipe.
        assert proc.stdin is not None
        try:
            for oid in oids:
                proc.stdin.write(f"{oid}\n".encode())
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out = proc.stdout
    try:
        for oid in oids:
            header = out.readline()
            if not header:
                return
            parts = header.split()
            if len(parts) == 2 and parts[1] == b"missing":
                yield BlobRead(oid, None, 0, "missing")
                continue
            if len(parts) != 3:
                return
            size = int(parts[2])
            if max_size is not None and size > max_size:
                _discard(out, size + 1)
                yield BlobRead(oid, None, size, "too large")
                continue
            data = out.read(size)
            out.read(1)
            if len(data) < size:
                return
            yield BlobRead(oid, data, size)
    finally:
        out.close()
        proc.kill()
        proc.wait()
        writer.join()


def _widen_pipe(stream: object) -> None:
    """Let git run up to 1 MB ahead of the scan (Linux; a pipe holds 64 KB by default)."""
    # NOTE: with a 64 KB pipe git and the scanner take turns on big blobs; a wider pipe lets them overlap
    # without a reader thread, which would fight the scan for the GIL.
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)  # type: ignore[attr-defined]
    except (ImportError, OSError, ValueError):
        pass


def _discard(stream: object, count: int) -> None:
    read = stream.read  # type: ignore[attr-defined]
    while count > 0:
        chunk = read(min(count, 1 << 20))
        if not chunk:
            return
        count -= len(chunk)


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (SHA-1 repositories)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def changes(repo: Path, revisions: Sequence[str], paths: Sequence[str] = ()) -> Iterator[Change]:
    """The paths each commit in `revisions` changed, newest first, with old and new blob ids.

    Merges show only paths that differ from every parent (`-c`), so a merge is charged only with what it
    made itself (a conflict resolution), not with what its branches brought.
    """
    out = git(
        repo,
        "log",
        "--raw",
        "-c",
        "-z",
        "--root",
        "--no-abbrev",
        "--no-renames",
        "--no-color",
        "--format=%x01%H%x1f%an%x1f%ae%x1f%aI%x1f%P",
        *revisions,
        "--",
        *paths,
    )
    for chunk in out.split(b"\x01")[1:]:
        header, _, rest = chunk.partition(b"\0")
        yield from _raw_entries(rest, _commit(header))


def staged_changes(repo: Path, paths: Sequence[str] = ()) -> list[Change]:
    """The paths the index changes against HEAD (renames followed), with their new blob ids."""
    out = git(repo, "diff", "--cached", "--raw", "-z", "-M", "--no-abbrev", "--no-color", "--", *paths)
    return list(_raw_entries(out, Commit("", "", "", "")))


def _raw_entries(raw: bytes, commit: Commit) -> Iterator[Change]:
    tokens = raw.split(b"\0")
    index = 0
    while index < len(tokens):
        meta = tokens[index].lstrip(b"\n")
        index += 1
        if not meta.startswith(b":"):
            continue
        colons = len(meta) - len(meta.lstrip(b":"))
        fields = meta[colons:].decode().split(" ")
        modes, oids, status = fields[: colons + 1], fields[colons + 1 : 2 * colons + 2], fields[-1]
        # NOTE: renames and copies name two paths, the old then the new.
        index += 1 if status[:1] in ("R", "C") else 0
        name = tokens[index].decode("utf-8", "surrogateescape") if index < len(tokens) else ""
        index += 1
        yield Change(commit, name, oids[-1], tuple(oids[:-1]), modes[-1])


def commits(repo: Path, revisions: Sequence[str]) -> list[Commit]:
    """The commits `git rev-list revisions` names, newest first, with author and parents."""
    out = git(repo, "log", "--no-color", "-z", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%P", *revisions, "--")
    return [_commit(record) for record in out.split(b"\0") if record.strip()]


_PATCH_OPTIONS = ("-p", "-U0", "--full-index", "--no-color", "--no-ext-diff", "--no-textconv")


def staged_added_lines(repo: Path, paths: Sequence[str] = ()) -> dict[tuple[str, str], set[int]]:
    """The lines the index adds against HEAD (or against nothing before a first commit), by ("", blob)."""
    return parse_added_lines(git(repo, "diff", "--cached", "-M", *_PATCH_OPTIONS, "--", *paths))


def range_added_lines(repo: Path, revisions: Sequence[str]) -> dict[tuple[str, str], set[int]]:
    """The lines each commit in `revisions` adds, by (commit, new blob).

    Merges use the combined diff: a line counts only when it is new against every parent.
    """
    out = git(repo, "log", "--format=%x01%H", "--cc", "--root", "--no-renames", *_PATCH_OPTIONS, *revisions, "--")
    return parse_added_lines(out)


def parse_added_lines(patch: bytes) -> dict[tuple[str, str], set[int]]:
    """Parse `git diff/log -p -U0 --full-index` output into added lines per (commit, new blob id)."""
    result: dict[tuple[str, str], set[int]] = {}
    commit = ""
    current: set[int] | None = None
    parents = 1
    line_no = 0
    in_hunk = False
    for raw in patch.split(b"\n"):
        if raw.startswith(b"\x01"):
            commit, current, in_hunk = raw[1:].decode().strip(), None, False
            continue
        if raw.startswith(b"diff --"):
            current, in_hunk = None, False
            parents = 2 if raw.startswith(b"diff --cc") or raw.startswith(b"diff --combined") else 1
            continue
        if not in_hunk and raw.startswith(b"index "):
            ids = raw.split(b" ")[1].split(b"..")
            if len(ids) == 2:
                old_ids = ids[0].split(b",")
                parents = len(old_ids)
                current = result.setdefault((commit, ids[1].decode()), set())
            continue
        if current is None:
            continue
        if raw.startswith(b"@@"):
            match = _HUNK.match(raw)
            if match is None:
                continue
            in_hunk = True
            line_no = int(match.group(1))
            if parents == 1:
                # NOTE: with -U0 a plain hunk is only its removed and added lines; the header says which.
                count = 1 if match.group(2) is None else int(match.group(2))
                current.update(range(line_no, line_no + count))
                in_hunk = False
            continue
        if in_hunk and len(raw) >= parents and not raw.startswith(b"\\"):
            prefix = raw[:parents]
            if b"-" in prefix:
                continue
            if prefix == b"+" * parents:
                current.add(line_no)
            line_no += 1
    return result


def author_ident(repo: Path) -> tuple[str, str, str] | None:
    """(name, email, ISO date) git would record as author of the next commit, if it knows them."""
    try:
        out = git(repo, "var", "GIT_AUTHOR_IDENT").decode().strip()
    except GitError:
        return None
    match = re.match(r"^(.*) <(.*)> (\d+) ([+-]\d{4})$", out)
    if match is None:
        return None
    from datetime import datetime, timedelta, timezone

    offset = match.group(4)
    tz = timezone((1 if offset[0] == "+" else -1) * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:])))
    date = datetime.fromtimestamp(int(match.group(3)), tz).isoformat()
    return match.group(1), match.group(2), date


def is_binary(data: bytes) -> bool:
    """git's own rule: a NUL byte in the first 8000 bytes."""
    return b"\0" in data[:8000]


def is_allowed_path(path: str, globs: Sequence[str]) -> bool:
    """Whether the settings' `allow_paths` globs exempt this path from scanning (as for files on disk)."""
    return any(fnmatch.fnmatch(path, glob) for glob in globs)


def is_lfs_pointer(data: bytes) -> bool:
    return len(data) < 1024 and data.startswith(b"version https://git-lfs.github.com/spec/")


def _commit(header: bytes) -> Commit:
    fields = header.decode("utf-8", "replace").strip("\n").split("\x1f")
    fields += [""] * (5 - len(fields))
    return Commit(fields[0], fields[1], fields[2], fields[3], tuple(fields[4].split()))


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # NOTE: no prompts in CI, no index refresh racing the user's own git, English messages we can quote.
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C", LANGUAGE="C")
    env.pop("GIT_EXTERNAL_DIFF", None)
    return env


def _complaint(args: Sequence[str], stderr: bytes, repo: Path) -> str:
    lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    said = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), lines[0] if lines else "")
    said = said.removeprefix("fatal: ").removeprefix("error: ")
    return f"git {args[0]} failed in {repo}: {said or 'no message'}"
