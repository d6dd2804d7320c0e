"""Fragments located on every core: work goes to worker processes forked from this one (which inherit its
Detector, so nothing is compiled again), and the results come back in the order the work was given.

Content a source hands on unread (`Deferred`: git history's batches of blobs) is read by the worker that scans it,
so its bytes never travel between processes; work of one lane goes to the same worker until that worker falls
behind the others (`MOVE_BEHIND`), and then moves to the least busy one.
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace

from scanner import re_cache
from scanner.engine.locate import Located, locate
from scanner.engine.masked import MaskedRef
from scanner.findings import CommitsRead, Deferred, Fragment, Note, Skipped

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from scanner.engine.detector import Detector

IN_PROCESS_BYTES = 64 << 20
"""Bytes scanned in this process before any worker starts: below that, the workers' cost (fork, pickling every
batch to them, results back) outweighs what they save on a machine whose other cores are not idle."""
COSTLY_SIZE = 64 << 10
"""Fragments at least this big are timed (this thread's CPU time): when the first `COSTLY_SECONDS` spent on them
scanned slower than `COSTLY_RATE`, the content costs more than its size says and the workers start (`_Pace`)."""
COSTLY_RATE = 30_000_000
"""Bytes a second. Source code scans at several times this; a flood of a rule's keyword at 13 to 25 MB/s, where
both cores of a 2-core machine take 0.1 to 0.2 s off 10 MB. At 30 to 40 MB/s what the cores save is about what
starting them costs, and a late start costs more (a flood of `vci_`: 0.36 s alone, 0.50 s with workers started
at 0.26 s)."""
COSTLY_SECONDS = 0.05
"""Seconds of big fragments whose rate decides."""
BATCH_BYTES = 4 << 20
"""Bytes of content per batch: enough that a batch's pickling is small beside its scan."""
BATCH_FRAGMENTS = 2048
"""Fragments per batch at most (many tiny files)."""
DEFERRED_PIECES = 512
"""Files or blobs of deferred work that pay for starting the workers: no bytes go to them, only a fork each."""
MOVE_BEHIND = 2
"""Batches of deferred work a lane's worker may still have unfinished beyond the least busy worker's before the
lane moves to that worker: lanes differ in size (sympy's 16 split 54/46 between two workers), and a worker that
waits while the other scans its larger share wastes a core. A move costs git some inflating in the new worker (a
cold cache of delta bases for that lane's files), a few hundredths of a second."""
_AHEAD = 4
"""Batches in flight per worker: one scanning, the others waiting, so no worker idles while the next is read or
while the results of another lane are waited for."""

Item = Fragment | Skipped | Note | CommitsRead
Result = tuple[Item, list[Located], list[MaskedRef], int]
"""An item with its findings and masked keys (none but for fragments), and how many bytes of it were scanned.
A fragment read by a worker comes back without its bytes."""
_Found = list[tuple[list[Located], list[MaskedRef]]]


def locate_all(detector: Detector, items: Iterable[Item | Deferred], jobs: int) -> Iterator[Result]:
    """Each item with its findings and masked keys (see `locate`), in the order given, deferred work in its place.

    With `jobs` 1, in a daemonic process (a Dask worker), or for the first `IN_PROCESS_BYTES` of fragments and a
    batch, everything runs in this process: a hook or a folder of a few thousand files starts no worker (and
    imports no multiprocessing). Past that, once big fragments scan slowly (`_Pace`), or from the first batch of
    deferred work on, `jobs` workers scan while this process reads the next batches.
    """
    stream = iter(items)
    first: list[Item | Deferred] = []
    if jobs > 1:
        alone = 0
        pace = _Pace()
        for item in stream:
            if not isinstance(item, Fragment | Skipped | Note | CommitsRead):
                # NOTE: deferred work costs the workers no pickled bytes, only a fork: they take it from the
                # first batch on (a history big enough to fill one).
                first.append(item)
                break
            slow = False
            if not isinstance(item, Fragment) or len(item.data) < COSTLY_SIZE:
                yield from _here(detector, item)
            else:
                started = time.thread_time()
                done = list(_here(detector, item))
                slow = pace.slow(len(item.data), time.thread_time() - started)
                yield from done
            alone += len(item.data) if isinstance(item, Fragment) else 0
            if alone >= IN_PROCESS_BYTES or slow:
                break
        size, pieces = 0, sum(map(_pieces, first))
        enough = BATCH_FRAGMENTS if not first else DEFERRED_PIECES
        while not _is_full(pieces, size, enough) and (more := next(stream, None)) is not None:
            first.append(more)
            size += len(more.data) if isinstance(more, Fragment) else 0
            pieces += _pieces(more)
        if _is_full(pieces, size, enough) and not _is_daemon():
            yield from _on_workers(detector, first, stream, jobs)
            return
    for item in itertools.chain(first, stream):
        yield from _here(detector, item)


class _Pace:
    """Whether big fragments scan slowly, judged once, on the first window of `COSTLY_SECONDS` spent on them: a late
    start leaves the workers too little to pay for their start (measured: floods near the rate, whose windows
    differ, took 0.47 s alone and 0.55 s with workers started half-way). The first big fragment is not counted: it
    pays for compiling the regexes of the rules it meets."""

    def __init__(self) -> None:
        self.first = True
        self.judged = False
        self.seconds = 0.0
        self.bytes = 0

    def slow(self, size: int, seconds: float) -> bool:
        if self.first:
            self.first = False
            return False
        if self.judged:
            return False
        self.seconds += seconds
        self.bytes += size
        if self.seconds < COSTLY_SECONDS:
            return False
        self.judged = True
        return self.bytes < self.seconds * COSTLY_RATE


def lane_worker(current: int, unfinished: list[int]) -> int:
    """The worker for a lane's next work: its `current` one, unless that one has more than `MOVE_BEHIND` pieces of
    work `unfinished` beyond the least busy worker (then that one; the first of them on a tie)."""
    idlest = min(range(len(unfinished)), key=unfinished.__getitem__)
    return idlest if unfinished[current] > unfinished[idlest] + MOVE_BEHIND else current


def _here(detector: Detector, item: Item | Deferred) -> Iterator[Result]:
    if isinstance(item, Fragment):
        yield (item, *locate(detector, item), len(item.data))
    elif isinstance(item, Skipped | Note | CommitsRead):
        yield item, [], [], 0
    else:
        for read in item.read():
            yield from _here(detector, read)


def _pieces(item: Item | Deferred) -> int:
    if isinstance(item, Fragment):
        return 1
    return 0 if isinstance(item, Skipped | Note | CommitsRead) else item.pieces


def _is_daemon() -> bool:
    """Whether this process may not have children (a Dask worker of an org scan is daemonic): it scans alone."""
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def _is_full(pieces: int, size: int, most: int | None = None) -> bool:
    """Whether a batch holds enough: `BATCH_BYTES` of content, or `most` pieces (`BATCH_FRAGMENTS` unless given)."""
    return size >= BATCH_BYTES or pieces >= (BATCH_FRAGMENTS if most is None else most)


class _Waiting:
    """Work handed to the workers, in order: a batch of fragments, deferred work, or items to pass on as they are."""

    def __init__(self, detector: Detector, jobs: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # NOTE: one single-process pool per worker, so that deferred work of one lane reaches the worker chosen for
        # it. Fork, so that workers inherit the compiled rules and hyperscan database instead of building their own;
        # the workers never touch the pipes of this process's git.
        context = multiprocessing.get_context("fork")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self.pools: list[ProcessPoolExecutor] = [
                ProcessPoolExecutor(1, context, initializer=_adopt, initargs=(detector,)) for _ in range(jobs)
            ]
        self.pending: deque[tuple[list[Fragment], Future[_Found]] | Future[list[Result]] | list[Result]] = deque()
        self.turn = 0
        self.in_flight = 0
        self.lanes: dict[int, int] = {}
        """The worker of each lane of deferred work seen so far."""
        self.running: list[list[Future[Any]]] = [[] for _ in range(jobs)]
        """Each worker's submitted work, unfinished at the last look."""

    def fragments(self, batch: list[Fragment]) -> None:
        self.turn = (self.turn + 1) % len(self.pools)
        self.pending.append((batch, self._submit(self.turn, _locate_batch, batch)))

    def deferred(self, work: Deferred) -> None:
        for queued in self.running:
            queued[:] = [future for future in queued if not future.done()]
        worker = lane_worker(self.lanes.get(work.lane, work.lane % len(self.pools)), list(map(len, self.running)))
        self.lanes[work.lane] = worker
        self.pending.append(self._submit(worker, _read_and_locate, work))

    def ready(self, item: Item) -> None:
        self.pending.append([(item, [], [], 0)])

    def _submit(self, worker: int, call: Callable[[Any], Any], arg: object) -> Future[Any]:
        self.in_flight += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            future = self.pools[worker].submit(call, arg)
        self.running[worker].append(future)
        return future

    def results(self, *, down_to: int) -> Iterator[Result]:
        """The results of the oldest work while more than `down_to` batches are in flight."""
        while self.pending:
            if not isinstance(self.pending[0], list) and self.in_flight <= down_to:
                return
            head = self.pending.popleft()
            if isinstance(head, list):
                yield from head
                continue
            self.in_flight -= 1
            if isinstance(head, tuple):
                batch, future = head
                for fragment, (hits, masked) in zip(batch, future.result(), strict=True):
                    yield fragment, hits, masked, len(fragment.data)
            else:
                yield from head.result()

    def close(self) -> None:
        for pool in self.pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _on_workers(
    detector: Detector, first: list[Item | Deferred], rest: Iterator[Item | Deferred], jobs: int
) -> Iterator[Result]:
    waiting = _Waiting(detector, jobs)
    try:
        batch: list[Fragment] = []
        size = 0
        for item in itertools.chain(first, rest):
            if isinstance(item, Fragment):
                batch.append(item)
                size += len(item.data)
                if not _is_full(len(batch), size):
                    continue
            if batch:
                waiting.fragments(batch)
                batch, size = [], 0
            if isinstance(item, Skipped | Note | CommitsRead):
                waiting.ready(item)
            elif not isinstance(item, Fragment):
                waiting.deferred(item)
            yield from waiting.results(down_to=jobs * _AHEAD)
        if batch:
            waiting.fragments(batch)
        yield from waiting.results(down_to=0)
    finally:
        waiting.close()


_WORKER: dict[str, Detector] = {}
"""The one Detector of a worker process (set once by `_adopt` at its start; empty in the parent)."""


def _adopt(detector: Detector) -> None:
    import signal
    from multiprocessing.util import Finalize

    # NOTE: Ctrl-C reaches the whole process group: the parent stops the pool and exits 130; a worker that
    # raised KeyboardInterrupt too would print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["detector"] = detector
    # NOTE: a worker's exit skips `atexit`; the regexes it compiled are kept on disk when its pool stops it
    Finalize(None, re_cache.save, exitpriority=0)


def _locate_batch(batch: list[Fragment]) -> _Found:
    detector = _WORKER["detector"]
    return [locate(detector, fragment) for fragment in batch]


def _read_and_locate(work: Deferred) -> list[Result]:
    """Deferred work read and scanned here; its fragments go back without their bytes."""
    detector = _WORKER["detector"]
    return [
        (replace(item, data=b"") if isinstance(item, Fragment) else item, hits, masked, size)
        for item, hits, masked, size in _here(detector, work)
    ]
