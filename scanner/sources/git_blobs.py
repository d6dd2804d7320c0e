"""Blob reading: the content of many git objects, in order, through a `git cat-file --batch` kept running for as
long as its reader reads; and the new versions of changed files as fragments that report only the lines a change
adds."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from msgspec import Struct

from scanner.findings import Fragment, Skipped
from scanner.sources import BINARY_SNIFF, git_runner, too_large
from scanner.sources.content import fragments_of_bytes, sniff
from scanner.sources.git_parse import Change


class BlobRead(Struct, frozen=True):
    """The outcome of asking git for one blob: its bytes, or why there are none."""

    oid: str
    data: bytes | None
    size: int
    problem: str | None = None
    """`missing`, `too large`, `not a blob`, or git's complaint about a corrupt object."""

    def reason(self, max_size: int) -> str:
        """The skip reason for a blob that has no data."""
        if self.problem == "too large":
            return too_large(self.size, max_size)
        return self.problem or "unreadable"


def read_blobs(repo: Path, oids: Sequence[str], max_size: int | None = None) -> Iterator[BlobRead]:
    """Stream the content of `oids`, in order, through one git; blobs over `max_size` are reported, not read.

    A corrupt object makes git stop; the reader reports it and goes on with a fresh git after it, so one
    bad object never hides the rest (`BlobReader`).
    """
    reader = BlobReader(repo, max_size)
    try:
        yield from reader.read(oids)
    finally:
        reader.close()


def added_fragments(
    repo: Path,
    wanted: Sequence[tuple[Change, frozenset[int] | None]],
    limit: int | None,
    *,
    where: Callable[[Change], str],
    in_commit: bool,
) -> Iterator[Fragment | Skipped]:
    """The new version of each change as fragments that report only its added lines, or why it was not read.

    Lines None: git showed the change as binary. Text git cannot read (UTF-16, UTF-32) gets its added lines
    from a `--text` diff; real binary content is listed. A blob git cannot read makes the scan incomplete.
    """
    oids = [change.new for change, _ in wanted]
    for (change, lines), blob in zip(wanted, read_blobs(repo, oids, limit), strict=False):
        if blob.data is None:
            too_big = blob.problem == "too large"
            yield Skipped(where(change), blob.reason(limit or 0), incomplete=not too_big)
            continue
        if lines is None:
            found = sniff(blob.data[:BINARY_SNIFF])
            if found is None or found[0] == "utf-8":
                yield Skipped(where(change), "binary", incomplete=False)
                continue
            lines = git_runner.text_added_lines(repo, change.old, change.new)
            if lines is not None and not lines:
                continue
        commit = change.commit if in_commit else None
        unit = "blob" if in_commit else "file"
        for item in fragments_of_bytes(
            change.path, blob.data, commit=commit, blob=change.new, added_lines=lines, unit=unit
        ):
            yield Skipped(where(change), item.reason, incomplete=item.incomplete) if isinstance(item, Skipped) else item


_WRITE_AHEAD = 512
"""Ids written to git ahead of the answers read: two such runs (41 bytes an id) fit in a pipe's 64 KB, so writing
never waits on a git that waits for its answers to be read."""
_LIVE: dict[tuple[str, int], git_runner.Process[bytes]] = {}
"""Each reader's git, by the reader's key and the id of the process that started it (a forked worker inherits
its parent's entries, and never uses them)."""


class BlobReader:
    """One `git cat-file --batch` kept running across reads: the versions of one file, read one after another
    through it, share its cache of delta bases.

    A reader pickled into a worker process names the same reader there: each process starts its own git on first
    read (a forked worker never writes to its parent's pipes) and keeps it for every batch sent to it.
    """

    def __init__(self, repo: Path, max_size: int | None = None, key: str | None = None) -> None:
        self.repo = repo
        self.max_size = max_size
        self._key = key or os.urandom(16).hex()  # NOTE: not uuid, whose import (platform) the hook would pay

    def __reduce__(self) -> tuple[type[BlobReader], tuple[Path, int | None, str]]:
        return (BlobReader, (self.repo, self.max_size, self._key))

    def read(self, oids: Sequence[str]) -> Iterator[BlobRead]:
        """git's answer for each of `oids`, in order. If git stops at a corrupt object, that object is reported
        unreadable and a fresh git goes on with the rest."""
        done = 0
        while done < len(oids):
            stopped = False
            finished = False
            try:
                for read in self._answers(oids[done:]):
                    if read is None:
                        stopped = True
                        break
                    yield read
                    done += 1
                finished = True
            finally:
                if stopped or not finished:
                    # NOTE: git may still hold answers nobody asked for any more: the next read starts afresh.
                    self.close()
            if stopped:
                yield BlobRead(oids[done], None, 0, "unreadable (corrupt object?)")
                done += 1

    def _answers(self, oids: Sequence[str]) -> Iterator[BlobRead | None]:
        proc = self._git()
        assert proc.stdin is not None and proc.stdout is not None
        runs = [oids[i : i + _WRITE_AHEAD] for i in range(0, len(oids), _WRITE_AHEAD)]
        _send(proc.stdin, runs[0])
        for n, run in enumerate(runs):
            if n + 1 < len(runs):
                _send(proc.stdin, runs[n + 1])  # git reads ahead while this run's answers are read
            for oid in run:
                read = _read_one(proc.stdout, oid, self.max_size)
                yield read
                if read is None:
                    return

    def _git(self) -> git_runner.Process[bytes]:
        live = _LIVE.get((self._key, os.getpid()))
        if live is not None and live.poll() is None:
            return live
        # NOTE: one git per worker, each with its own cache of delta bases: at git's default size (96 MiB) the whole
        # scan (workers and gits) peaks at ~650 MB PSS on a 63k-commit history (~960 MB with 256 MiB each), for
        # ~0.3 s more inflating in all.
        proc = git_runner.start(self.repo, "-c", "core.deltaBaseCacheLimit=96m", "cat-file", "--batch")
        assert proc.stdout is not None
        _widen_pipe(proc.stdout)
        _LIVE[(self._key, os.getpid())] = proc
        _stop_all_at_exit()
        return proc

    def close(self) -> None:
        """Stop this process's git for this reader (a later read starts another)."""
        proc = _LIVE.pop((self._key, os.getpid()), None)
        if proc is not None:  # NOTE: a forked worker leaves its parent's git alone
            _stop(proc)


def _stop(proc: git_runner.Process[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    proc.kill()
    proc.wait()


_STOPPING: set[int] = set()
"""The processes that stop their readers' gits when they end."""


def _stop_all_at_exit() -> None:
    """Have this process stop (and wait for) every git its readers started when it ends, so that none outlives
    it and each one's time is counted as this process's children's. A worker process ends by `os._exit`, which
    runs no `atexit` hook, only multiprocessing's finalizers."""
    pid = os.getpid()
    if pid in _STOPPING:
        return
    _STOPPING.add(pid)
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is not None and multiprocessing.parent_process() is not None:
        from multiprocessing import util

        util.Finalize(None, _stop_all, exitpriority=10)
    else:
        atexit.register(_stop_all)


def _stop_all() -> None:
    pid = os.getpid()
    for key in [key for key in _LIVE if key[1] == pid]:
        _stop(_LIVE.pop(key))


def _send(stdin: IO[bytes], oids: Sequence[str]) -> None:
    try:
        stdin.write("".join(f"{oid}\n" for oid in oids).encode())
        stdin.flush()
    except OSError:
        pass  # git stopped: reading its answers finds it out


def _read_one(out: IO[bytes], oid: str, max_size: int | None) -> BlobRead | None:
    """git's answer for `oid` from `cat-file --batch` output; None when git stopped (a corrupt object)."""
    header = out.readline()
    if not header:
        return None
    parts = header.split()
    if len(parts) == 2 and parts[1] == b"missing":
        return BlobRead(oid, None, 0, "missing")
    if len(parts) != 3:
        return None
    size = int(parts[2])
    if parts[1] != b"blob" or (max_size is not None and size > max_size):
        _discard(out, size + 1)
        return BlobRead(oid, None, size, "too large" if parts[1] == b"blob" else "not a blob")
    data = out.read(size)
    out.read(1)
    if len(data) < size:
        return None
    return BlobRead(oid, data, size)


def _widen_pipe(stream: IO[bytes]) -> None:
    """Let git run up to 1 MB ahead of the scan (Linux; a pipe holds 64 KB by default)."""
    # NOTE: with a 64 KB pipe git and the scanner take turns on big blobs; a wider pipe lets them overlap
    # without a reader thread, which would fight the scan for the GIL.
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError, ValueError):
        pass


def _discard(stream: IO[bytes], count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, 1 << 20))
        if not chunk:
            return
        count -= len(chunk)
