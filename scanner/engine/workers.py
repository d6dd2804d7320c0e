"""Fragments located on every core: batches go to worker processes forked from this one (which inherit its
Detector, so nothing is compiled again), and the results come back in the order the fragments were given."""

from __future__ import annotations

import itertools
import os
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from scanner.engine.locate import Located, locate
from scanner.findings import Fragment

if TYPE_CHECKING:
    from concurrent.futures import Future

    from scanner.engine.detector import Detector
from scanner.engine.masked import MaskedRef

IN_PROCESS_BYTES = 64 << 20
"""Bytes scanned in this process before any worker starts: below that, the workers' cost (fork, pickling every
batch to them, results back) outweighs what they save on a machine whose other cores are not idle."""
BATCH_BYTES = 4 << 20
"""Bytes of content per batch: enough that a batch's pickling is small beside its scan."""
BATCH_FRAGMENTS = 2048
"""Fragments per batch at most (many tiny files)."""
_AHEAD = 2
"""Batches in flight per worker: one scanning, one waiting, so no worker idles while the next is read."""

Result = tuple[Fragment, list[Located], list["MaskedRef"]]
_Found = list[tuple[list[Located], list["MaskedRef"]]]


def cpu_count() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def locate_all(detector: Detector, fragments: Iterable[Fragment], jobs: int) -> Iterator[Result]:
    """Each fragment with its findings and masked keys (see `locate`), in the order given.

    With `jobs` 1, in a daemonic process (a Dask worker), or for the first `IN_PROCESS_BYTES` and a batch,
    everything runs in this process: a hook or a folder of a few thousand files starts no worker (and imports no
    multiprocessing). Past that, `jobs` workers scan while this process reads the next batches.
    """
    stream = iter(fragments)
    first: list[Fragment] = []
    if jobs > 1:
        alone = 0
        for fragment in stream:
            yield (fragment, *locate(detector, fragment))
            alone += len(fragment.data)
            if alone >= IN_PROCESS_BYTES:
                break
        size = 0
        for fragment in stream:
            first.append(fragment)
            size += len(fragment.data)
            if _is_full(first, size):
                break
        if _is_full(first, size) and not _is_daemon():
            yield from _on_workers(detector, first, stream, jobs)
            return
    for fragment in itertools.chain(first, stream):
        yield (fragment, *locate(detector, fragment))


def _is_daemon() -> bool:
    """Whether this process may not have children (a Dask worker of an org scan is daemonic): it scans alone."""
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def _is_full(batch: list[Fragment], size: int) -> bool:
    return size >= BATCH_BYTES or len(batch) >= BATCH_FRAGMENTS


def _on_workers(detector: Detector, first: list[Fragment], rest: Iterator[Fragment], jobs: int) -> Iterator[Result]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # NOTE: fork, so that workers inherit the compiled rules and hyperscan database instead of building their
    # own; the only other threads alive here feed git's stdin, and the workers never touch that pipe.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pool = ProcessPoolExecutor(jobs, multiprocessing.get_context("fork"), initializer=_adopt, initargs=(detector,))
        pending: deque[tuple[list[Fragment], Future[_Found]]] = deque()
        pending.append((first, pool.submit(_locate_batch, first)))
    try:
        batch: list[Fragment] = []
        size = 0
        for fragment in rest:
            batch.append(fragment)
            size += len(fragment.data)
            if _is_full(batch, size):
                pending.append((batch, pool.submit(_locate_batch, batch)))
                batch, size = [], 0
                while len(pending) > jobs * _AHEAD:
                    yield from _results(*pending.popleft())
        if batch:
            pending.append((batch, pool.submit(_locate_batch, batch)))
        while pending:
            yield from _results(*pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _results(batch: list[Fragment], future: Future[_Found]) -> Iterator[Result]:
    for fragment, (hits, masked) in zip(batch, future.result(), strict=True):
        yield fragment, hits, masked


_WORKER: dict[str, Detector] = {}
"""The one Detector of a worker process (set once by `_adopt` at its start; empty in the parent)."""


def _adopt(detector: Detector) -> None:
    import signal

    # NOTE: Ctrl-C reaches the whole process group: the parent stops the pool and exits 130; a worker that
    # raised KeyboardInterrupt too would print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["detector"] = detector


def _locate_batch(batch: list[Fragment]) -> _Found:
    detector = _WORKER["detector"]
    return [locate(detector, fragment) for fragment in batch]
