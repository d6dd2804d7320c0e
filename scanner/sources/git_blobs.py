"""Blob streaming: the content of many git objects, in order, through one `git cat-file --batch`; and the new
versions of changed files as fragments that report only the lines a change adds."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from scanner.findings import Fragment, Skipped
from scanner.sources import BINARY_SNIFF, git_runner, too_large
from scanner.sources.content import fragments_of_bytes, sniff
from scanner.sources.git_parse import Change


@dataclass(frozen=True, slots=True)
class BlobRead:
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
    """Stream the content of `oids`, in order; blobs over `max_size` are reported, not read.

    A corrupt object makes git stop; the reader reports it and goes on with a fresh git after it, so one
    bad object never hides the rest (`stream_blobs`).
    """
    for oid, read in stream_blobs(repo, iter(oids), _itself, max_size):
        yield read or BlobRead(oid, None, 0, "unreadable")


def _itself(oid: str) -> str:
    return oid


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


T = TypeVar("T")


def stream_blobs(
    repo: Path, items: Iterator[T], oid_of: Callable[[T], str | None], max_size: int | None = None
) -> Iterator[tuple[T, BlobRead | None]]:
    """Each of `items`, in order, with the content of the object `oid_of` names for it (None for an item that
    names none), read through one `git cat-file --batch` while `items` is still being produced.

    A thread draws `items` (a listing git is still walking) and feeds their ids to git; this thread reads git's
    answers. If git stops at a corrupt object, that object is reported unreadable and a fresh git goes on with
    the rest: the items already drawn, then those still to come.
    """
    backlog: deque[T] = deque()

    def pending() -> Iterator[T]:
        while True:
            if backlog:
                yield backlog.popleft()
                continue
            item = next(items, _DONE)
            if item is _DONE:
                return
            yield item  # type: ignore[misc]

    while True:
        rest = yield from _stream_once(repo, pending(), oid_of, max_size)
        if not rest:
            return
        backlog.extendleft(reversed(rest))


_DONE = object()


def _stream_once(
    repo: Path, items: Iterator[T], oid_of: Callable[[T], str | None], max_size: int | None
) -> Generator[tuple[T, BlobRead | None], None, list[T]]:
    """`stream_blobs` through one git, up to the first object git stops at; returns the items drawn but not read
    after it (empty when all went through)."""
    proc = git_runner.start(repo, "-c", "core.deltaBaseCacheLimit=256m", "cat-file", "--batch")
    assert proc.stdin is not None and proc.stdout is not None
    _widen_pipe(proc.stdout)
    stdin, out = proc.stdin, proc.stdout
    handed: queue.SimpleQueue[tuple[T, str | None] | None] = queue.SimpleQueue()
    stop = threading.Event()
    failure: list[BaseException] = []

    def feed() -> None:
        # NOTE: a thread, so that a long list never deadlocks against git's full stdout pipe.
        try:
            for item in items:
                oid = oid_of(item)
                handed.put((item, oid))
                if oid is not None:
                    stdin.write(f"{oid}\n".encode())
                    stdin.flush()  # NOTE: git answers only what it was given: an id held in a buffer stalls both
                if stop.is_set():
                    break
        except (BrokenPipeError, OSError):
            pass
        except BaseException as exc:  # the listing's own error: raised again in the reading thread
            failure.append(exc)
        finally:
            handed.put(None)  # the end
            with contextlib.suppress(OSError):
                stdin.close()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    rest: list[T] = []
    broken = False
    try:
        while (got := handed.get()) is not None:
            item, oid = got
            if broken:
                rest.append(item)
                continue
            if oid is None:
                yield item, None
                continue
            read = _read_one(out, oid, max_size)
            if read is None:
                broken = True
                stop.set()
                proc.kill()
                read = BlobRead(oid, None, 0, "unreadable (corrupt object?)")
            yield item, read
    finally:
        out.close()
        proc.kill()
        proc.wait()
    feeder.join()
    if failure:
        raise failure[0]
    return rest


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
