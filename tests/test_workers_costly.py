"""Content that scans slowly for its size (a flood of a rule's keyword) goes to the workers before `IN_PROCESS_BYTES`:
big fragments are timed, and when the first `COSTLY_SECONDS` spent on them (the first fragment aside) ran at less
than `COSTLY_RATE`, the rest goes to every core. The clock is the test's: each big fragment takes exactly what the
test says, and the rate and the seconds are set to binary fractions so that the boundaries are exact."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from scanner.engine import workers
from scanner.engine.detector import Detector
from scanner.engine.ruleset import load_ruleset
from scanner.findings import Fragment, Note, Skipped

SIZE = workers.COSTLY_SIZE
RATE = SIZE * 16
SECONDS = 1.0
SLOW = SIZE / RATE
"""Seconds a fragment of `SIZE` bytes takes at exactly the rate (1/16)."""


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_ruleset(examples=False))


class Clock:
    """`thread_time` for the engine: the end of the n-th timed fragment is `took[n]` seconds after its start
    (the last of `took` for all the fragments after)."""

    def __init__(self, took: Sequence[float]) -> None:
        self.took = list(took)
        self.calls = 0
        self.now = 0.0

    def thread_time(self) -> float:
        if self.calls % 2:
            fragment = self.calls // 2
            self.now += self.took[min(fragment, len(self.took) - 1)]
        self.calls += 1
        return self.now


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, handed_first: list[int]) -> list[int]:
    """How many items the workers were handed first, each time they started, with the test's rate and seconds."""
    monkeypatch.setattr(workers, "BATCH_FRAGMENTS", 2)
    monkeypatch.setattr(workers, "COSTLY_RATE", RATE)
    monkeypatch.setattr(workers, "COSTLY_SECONDS", SECONDS)
    return handed_first


def _fragments(count: int, size: int = SIZE, key: str = "") -> list[Fragment]:
    filler = b"sk-" * (size // 3 + 1)
    out = [Fragment(path=f"f{n}.txt", data=filler[:size]) for n in range(count)]
    if key:
        out.append(Fragment(path="key.env", data=f"OPENAI_API_KEY={key}\n".encode()))
    return out


def _run(detector: Detector, fragments: list[Fragment], took: Sequence[float], monkeypatch: Any) -> list[Any]:
    monkeypatch.setattr(workers, "time", Clock(took))
    return list(workers.locate_all(detector, fragments, jobs=2))


WINDOW = 8
"""Fragments of `2 * SLOW` seconds in one window of `SECONDS`."""


def test_a_slow_window_after_the_first_fragment_starts_the_workers(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    results = _run(detector, _fragments(1 + WINDOW + 2), [2 * SLOW], monkeypatch)

    # the two after the window fill a batch (BATCH_FRAGMENTS); had one more been scanned here, one would not
    assert started == [2]
    assert len(results) == 1 + WINDOW + 2


def test_the_first_fragment_is_not_counted(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """However slow the first big fragment (compiling regexes), it does not make the window."""
    _run(detector, _fragments(WINDOW + 2), [100 * SLOW, 2 * SLOW], monkeypatch)

    assert started == []


def test_one_fragment_short_of_a_window_keeps_the_scan_here(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(detector, _fragments(1 + WINDOW - 1), [2 * SLOW], monkeypatch)

    assert started == []


@pytest.mark.parametrize(("factor", "start"), [(0.99, False), (1.0, False), (1.01, True)])
def test_the_rate_decides_at_below_and_above_costly_rate(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch, factor: float, start: bool
) -> None:
    """Fragments taking `factor` times what `COSTLY_RATE` allows: only slower than the rate is costly."""
    count = round(SECONDS / (SLOW * factor)) + 4

    _run(detector, _fragments(count), [SLOW * factor], monkeypatch)

    assert started == ([2] if start else [])


def test_one_byte_short_of_the_rate_is_slow(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window whose seconds at the rate would have scanned one byte more than it did is slow."""
    took = [SLOW, *([SLOW] * 15), SLOW + 1 / RATE]

    _run(detector, _fragments(1 + 16 + 2), took, monkeypatch)

    assert started == [2]


def test_only_the_first_window_is_judged(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fast first window keeps the scan here however slow what follows: workers started late cost more than they
    save."""
    fast = [SLOW / 2] * 32  # one window of 32 fragments at twice the rate
    took = [SLOW, *fast, *([4 * SLOW] * 3 * WINDOW)]

    _run(detector, _fragments(1 + 32 + 3 * WINDOW), took, monkeypatch)

    assert started == []


@pytest.mark.parametrize(("size", "start"), [(SIZE - 1, False), (SIZE, True)])
def test_only_fragments_of_costly_size_are_timed(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch, size: int, start: bool
) -> None:
    _run(detector, _fragments(1 + WINDOW + 4, size), [2 * SLOW], monkeypatch)

    assert started == ([2] if start else [])


def test_one_job_never_starts_workers_however_slow(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "time", Clock([10 * SLOW]))

    results = list(workers.locate_all(detector, _fragments(40), jobs=1))

    assert started == []
    assert len(results) == 40


def test_a_key_after_the_switch_is_found_as_it_is_in_one_process(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch, make_key: Callable[..., str]
) -> None:
    key = make_key()
    fragments = _fragments(1 + WINDOW + 4, key=key)

    split = _run(detector, fragments, [2 * SLOW], monkeypatch)
    one = list(workers.locate_all(detector, fragments, jobs=1))

    assert started == [2]
    assert [(r[0].path, [x.finding.secret for x in r[1]]) for r in split] == [
        (r[0].path, [x.finding.secret for x in r[1]]) for r in one
    ]
    assert [x.finding.secret for r in split for x in r[1]] == [key]


# -- the in-process share in bytes, and the first batch's bytes (the older thresholds beside the new one) ----------


def _scanned_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths this process scans itself (a worker's calls happen in its own, forked, copy of this list)."""
    here: list[str] = []
    real = workers._here

    def spied(detector: Detector, item: Any) -> Iterator[workers.Result]:
        here.append(getattr(item, "path", ""))
        return real(detector, item)

    monkeypatch.setattr(workers, "_here", spied)
    return here


@pytest.mark.parametrize(("share", "alone"), [(199, 2), (200, 2), (201, 3)])
def test_the_in_process_share_ends_on_the_fragment_that_reaches_it(
    detector: Detector, monkeypatch: pytest.MonkeyPatch, handed_first: list[int], share: int, alone: int
) -> None:
    """Fragments of 100 bytes: with a share of 199 or 200 bytes the second one ends it, with 201 the third."""
    monkeypatch.setattr(workers, "IN_PROCESS_BYTES", share)
    monkeypatch.setattr(workers, "BATCH_FRAGMENTS", 2)
    here = _scanned_here(monkeypatch)

    results = list(workers.locate_all(detector, _fragments(alone + 2, size=100), jobs=2))

    assert handed_first == [2]
    assert here == [f"f{n}.txt" for n in range(alone)]
    assert len(results) == alone + 2


@pytest.mark.parametrize(("batch", "start"), [(299, True), (300, True), (301, False)])
def test_the_first_batch_is_full_at_batch_bytes(
    detector: Detector, monkeypatch: pytest.MonkeyPatch, handed_first: list[int], batch: int, start: bool
) -> None:
    """Past the share, three fragments of 100 bytes fill a batch of 299 or 300 bytes, not one of 301: then the
    rest is scanned here."""
    monkeypatch.setattr(workers, "IN_PROCESS_BYTES", 100)
    monkeypatch.setattr(workers, "BATCH_BYTES", batch)
    here = _scanned_here(monkeypatch)

    list(workers.locate_all(detector, _fragments(1 + 3, size=100), jobs=2))

    assert handed_first == ([3] if start else [])
    assert len(here) == (1 if start else 4)


def test_what_is_skipped_counts_no_bytes_toward_the_share(
    detector: Detector, monkeypatch: pytest.MonkeyPatch, handed_first: list[int]
) -> None:
    """A skipped file or a note in the stream is passed on, and weighs nothing: the share of 201 bytes still ends
    on the third fragment of 100."""
    monkeypatch.setattr(workers, "IN_PROCESS_BYTES", 201)
    monkeypatch.setattr(workers, "BATCH_FRAGMENTS", 2)
    here = _scanned_here(monkeypatch)
    a, b, c, d, e = _fragments(5, size=100)
    items = [a, Skipped("big.bin", "binary", incomplete=False), b, Note("a note"), c, d, e]

    results = list(workers.locate_all(detector, items, jobs=2))

    assert handed_first == [2]
    assert here == ["f0.txt", "big.bin", "f1.txt", "", "f2.txt"]
    assert [r[0] for r in results] == items


def test_what_is_skipped_counts_no_bytes_toward_the_first_batch(
    detector: Detector, monkeypatch: pytest.MonkeyPatch, handed_first: list[int]
) -> None:
    """Three fragments of 100 and a skipped file do not fill a batch of 301 bytes."""
    monkeypatch.setattr(workers, "IN_PROCESS_BYTES", 100)
    monkeypatch.setattr(workers, "BATCH_BYTES", 301)
    a, b, c, d = _fragments(4, size=100)

    list(workers.locate_all(detector, [a, b, Skipped("big.bin", "binary", incomplete=False), c, d], jobs=2))

    assert handed_first == []
