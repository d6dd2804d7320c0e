"""Content that scans slowly for its size (a flood of a rule's keyword) goes to the workers before `IN_PROCESS_BYTES`:
big fragments are timed, and once they have taken `COSTLY_SECONDS` at less than `COSTLY_RATE` on the whole, the
rest is scanned on every core. The clock is the test's: each big fragment takes exactly what the test says, and the
rate and the seconds are set to binary fractions so that the boundaries are exact."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scanner.engine import workers
from scanner.engine.detector import Detector
from scanner.engine.ruleset import load_ruleset
from scanner.findings import Fragment

SIZE = workers.COSTLY_SIZE
RATE = SIZE * 16
SECONDS = 1.0
SLOW = SIZE / RATE
"""Seconds a fragment of `SIZE` bytes takes at exactly the rate (1/16)."""


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_ruleset(examples=False))


class Clock:
    """`perf_counter` for the engine: every second call (the end of a timed fragment) is `took` seconds later."""

    def __init__(self, took: float) -> None:
        self.took = took
        self.calls = 0

    def perf_counter(self) -> float:
        self.calls += 1
        return (self.calls // 2) * self.took


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many items the workers were handed first, each time they started (the list fills)."""
    seen: list[int] = []
    real: Callable[..., Iterator[workers.Result]] = workers._on_workers

    def counted(detector: Any, first: list[Any], rest: Any, jobs: int) -> Iterator[workers.Result]:
        seen.append(len(first))
        return real(detector, first, rest, jobs)

    monkeypatch.setattr(workers, "_on_workers", counted)
    monkeypatch.setattr(workers, "BATCH_FRAGMENTS", 2)
    monkeypatch.setattr(workers, "COSTLY_RATE", RATE)
    monkeypatch.setattr(workers, "COSTLY_SECONDS", SECONDS)
    return seen


def _fragments(count: int, size: int = SIZE, key: str = "") -> list[Fragment]:
    filler = b"sk-" * (size // 3 + 1)
    out = [Fragment(path=f"f{n}.txt", data=filler[:size]) for n in range(count)]
    if key:
        out.append(Fragment(path="key.env", data=f"OPENAI_API_KEY={key}\n".encode()))
    return out


def _run(detector: Detector, fragments: list[Fragment], took: float, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    clock = Clock(took)
    monkeypatch.setattr(workers, "time", clock)
    return list(workers.locate_all(detector, fragments, jobs=2))


def _timed_to(seconds: float) -> int:
    """Fragments of `SIZE` whose times add up to `COSTLY_SECONDS` when each takes `seconds`."""
    return round(SECONDS / seconds)


def test_slow_big_fragments_start_the_workers_once_they_took_costly_seconds(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    took = 2 * SLOW  # half the rate
    needed = _timed_to(took)

    results = _run(detector, _fragments(needed + 4), took, monkeypatch)

    assert started == [2]
    assert len(results) == needed + 4


def test_one_fragment_short_of_costly_seconds_keeps_the_scan_here(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    took = 2 * SLOW
    needed = _timed_to(took)

    _run(detector, _fragments(needed - 1), took, monkeypatch)

    assert started == []


def test_the_first_fragment_past_costly_seconds_decides(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At `COSTLY_SECONDS` exactly the workers start; the fragments after it are theirs."""
    took = SECONDS / 4

    results = _run(detector, _fragments(4 + 2), took, monkeypatch)

    # the two after the fourth fill a batch (BATCH_FRAGMENTS); had the fifth been scanned here, one would not
    assert started == [2]
    assert len(results) == 6


@pytest.mark.parametrize(("factor", "start"), [(0.99, False), (1.0, False), (1.01, True)])
def test_the_rate_decides_at_below_and_above_costly_rate(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch, factor: float, start: bool
) -> None:
    """Fragments taking `factor` times what `COSTLY_RATE` allows: only slower than the rate is costly."""
    took = SLOW * factor
    count = _timed_to(took) + 4

    _run(detector, _fragments(count), took, monkeypatch)

    assert started == ([2] if start else [])


@pytest.mark.parametrize(("size", "start"), [(SIZE - 1, False), (SIZE, True)])
def test_only_fragments_of_costly_size_are_timed(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch, size: int, start: bool
) -> None:
    took = 2 * SLOW
    count = _timed_to(took) + 4

    _run(detector, _fragments(count, size), took, monkeypatch)

    assert started == ([2] if start else [])


def test_one_job_never_starts_workers_however_slow(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "time", Clock(10 * SLOW))

    results = list(workers.locate_all(detector, _fragments(40), jobs=1))

    assert started == []
    assert len(results) == 40


def test_a_key_after_the_switch_is_found_as_it_is_in_one_process(
    detector: Detector, started: list[int], monkeypatch: pytest.MonkeyPatch, make_key: Callable[..., str]
) -> None:
    key = make_key()
    fragments = _fragments(_timed_to(2 * SLOW) + 4, key=key)

    split = _run(detector, fragments, 2 * SLOW, monkeypatch)
    one = list(workers.locate_all(detector, fragments, jobs=1))

    assert started == [2]
    assert [(r[0].path, [x.finding.secret for x in r[1]]) for r in split] == [
        (r[0].path, [x.finding.secret for x in r[1]]) for r in one
    ]
    assert [x.finding.secret for r in split for x in r[1]] == [key]
