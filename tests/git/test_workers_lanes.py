"""Deferred work: read where it is scanned, each lane by the same worker until that one falls behind, and in order;
a folder on workers
reports exactly what one process reports; the history's lanes keep every version of a path together and hold few
blobs before work goes out."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gitrepo import count_worker_starts, fake_key

from scanner.config import Settings
from scanner.engine import workers
from scanner.engine.detector import Detector
from scanner.engine.ruleset import load_ruleset
from scanner.findings import Fragment, Note, Skipped
from scanner.scan import scan_target
from scanner.sources import filesystem, git_lanes
from scanner.sources.git_blobs import BlobReader
from scanner.sources.git_lanes import Aside, BlobBatch, by_lane
from scanner.sources.git_parse import BlobRef
from scanner.sources.targets import on_disk

KEYS = [fake_key(300 + n) for n in range(6)]


@dataclass(frozen=True)
class Probe:
    """Deferred work that says which process read it (after `pause` seconds)."""

    lane: int
    n: int
    pieces: int = 1
    pause: float = 0.0

    def read(self) -> Iterator[Fragment | Skipped | Note]:
        time.sleep(self.pause)
        yield Note(f"{self.lane}:{self.n}:{os.getpid()}")


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_ruleset())


def _said(results: Iterator[workers.Result]) -> list[tuple[int, int, int]]:
    out = []
    for item, _, _, _ in results:
        assert isinstance(item, Note)
        lane, n, pid = map(int, item.text.split(":"))
        out.append((lane, n, pid))
    return out


def test_each_lane_is_read_by_one_worker_and_every_result_comes_back_in_order(
    detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "DEFERRED_PIECES", 1)
    monkeypatch.setattr(workers, "MOVE_BEHIND", 10**6)  # no worker may look behind: a busy machine starts one late
    probes = [Probe(lane=(n * 7 // 3) % 4, n=n) for n in range(40)]  # lanes out of step with any rotation

    said = _said(workers.locate_all(detector, probes, jobs=2))

    assert [n for _, n, _ in said] == list(range(40))
    by_lane = {lane: {pid for lane_, _, pid in said if lane_ == lane} for lane in range(4)}
    assert all(len(pids) == 1 for pids in by_lane.values())
    assert by_lane[0] == by_lane[2] and by_lane[1] == by_lane[3]  # lane modulo workers
    assert by_lane[0] != by_lane[1]
    assert os.getpid() not in by_lane[0] | by_lane[1]


@pytest.mark.parametrize(
    ("current", "unfinished", "chosen"),
    [
        (0, [2, 0], 0),  # MOVE_BEHIND (2) more than the idlest: stays
        (0, [3, 1], 0),
        (0, [1, 0], 0),
        (0, [3, 0], 1),  # one more: moves
        (0, [9, 2], 1),
        (1, [0, 2], 1),
        (1, [0, 3], 0),
        (2, [1, 5, 3], 2),
        (2, [1, 3, 4], 0),  # behind the idlest by 3: moves to it, not to the second idlest
        (1, [2, 0, 0], 1),  # the idlest itself
        (0, [5, 2, 2], 1),  # a tie among the idlest: the first
        (0, [0], 0),
    ],
)
def test_a_lane_moves_only_when_its_worker_is_more_than_move_behind_behind(
    current: int, unfinished: list[int], chosen: int
) -> None:
    assert workers.MOVE_BEHIND == 2
    assert workers.lane_worker(current, unfinished) == chosen


def test_a_lane_leaves_a_worker_that_falls_behind_and_every_result_still_comes_back_in_order(
    detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "DEFERRED_PIECES", 1)
    # Lanes 0 and 2 both start on the first worker, and lane 0's work is slow: that worker falls behind, and the
    # lane given next moves to the other one, which would otherwise get nothing.
    probes = [Probe(lane=0 if n % 2 else 2, n=n, pause=0.15 if n % 2 else 0.0) for n in range(16)]

    said = _said(workers.locate_all(detector, probes, jobs=2))

    assert [n for _, n, _ in said] == list(range(16))
    assert len({pid for _, _, pid in said}) == 2
    assert os.getpid() not in {pid for _, _, pid in said}


@pytest.mark.parametrize(("pieces", "on_workers"), [(3, False), (4, True), (5, True)])
def test_workers_start_once_deferred_work_holds_enough_pieces(
    detector: Detector, monkeypatch: pytest.MonkeyPatch, pieces: int, on_workers: bool
) -> None:
    monkeypatch.setattr(workers, "DEFERRED_PIECES", 4)

    said = _said(workers.locate_all(detector, [Probe(lane=0, n=n) for n in range(pieces)], jobs=2))

    assert [n for _, n, _ in said] == list(range(pieces))
    assert (os.getpid() not in {pid for _, _, pid in said}) is on_workers


def test_one_job_reads_deferred_work_here(detector: Detector, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "DEFERRED_PIECES", 1)

    said = _said(workers.locate_all(detector, [Probe(lane=n, n=n) for n in range(6)], jobs=1))

    assert {pid for _, _, pid in said} == {os.getpid()}


def _refs(paths: list[str]) -> list[BlobRef | Aside]:
    return [BlobRef(f"{n:040x}", path) for n, path in enumerate(paths)]


def _as_drawn(listed: list[BlobRef | Aside], reader: BlobReader) -> Iterator[tuple[int, BlobBatch]]:
    """Each batch `by_lane` gives, with how many of `listed` it had drawn by then."""
    drawn = 0

    def counting() -> Iterator[BlobRef | Aside]:
        nonlocal drawn
        for ref in listed:
            drawn += 1
            yield ref

    for batch in by_lane(counting(), reader):
        assert isinstance(batch, BlobBatch)
        yield drawn, batch


@pytest.mark.parametrize("held", [4, 5, 6])
def test_lanes_hold_at_most_held_blobs_doubling_and_each_path_stays_in_its_lane(
    monkeypatch: pytest.MonkeyPatch, held: int
) -> None:
    monkeypatch.setattr(git_lanes, "HELD_BLOBS", held)
    monkeypatch.setattr(git_lanes, "BATCH_BLOBS", 100)
    paths = [f"src/f{n % 7}.py" for n in range(60)]
    listed = _refs(paths)
    reader = BlobReader(Path("."))

    out: list[BlobBatch] = []
    early = 0
    for drawn, batch in _as_drawn(listed, reader):
        if drawn < len(listed):
            # went out just as the limit was reached, not before; the limit doubles each time
            assert drawn - sum(b.pieces for b in out) == held * 2**early
            early += 1
        out.append(batch)

    assert early >= 2

    assert sorted(r.oid for b in out for r in b.refs) == sorted(r.oid for r in listed if isinstance(r, BlobRef))
    lanes: dict[str, set[int]] = {}
    for batch in out:
        for ref in batch.refs:
            lanes.setdefault(ref.path, set()).add(batch.lane)
    assert all(len(lane) == 1 for lane in lanes.values())


@pytest.mark.parametrize(("count", "batches"), [(2, 0), (3, 1), (4, 1)])
def test_a_lane_goes_out_when_it_holds_batch_blobs(monkeypatch: pytest.MonkeyPatch, count: int, batches: int) -> None:
    monkeypatch.setattr(git_lanes, "BATCH_BLOBS", 3)
    monkeypatch.setattr(git_lanes, "HELD_BLOBS", 1000)
    listed = _refs(["same/path.py"] * count)
    seen: list[int] = []

    def watched() -> Iterator[BlobRef | Aside]:
        for n, ref in enumerate(listed):
            seen.append(n)
            yield ref
        seen.append(-1)  # the end

    before_end = 0
    for _ in by_lane(watched(), BlobReader(Path("."))):
        before_end += seen[-1] != -1
    assert before_end == batches


def _folder(root: Path) -> None:
    for n in range(90):
        body = "".join(f"def f{n}_{i}(x):\n    return x * {i}\n" for i in range(30))
        if n % 15 == 0:
            body += f'API_KEY = "{KEYS[n // 15]}"\n'
        (root / f"m{n:03}.py").write_text(body)
    (root / "logo.png").write_bytes(b"\x89PNG\0\0binary")
    (root / "link.py").symlink_to(root / "m000.py")
    (root / "vendor.lock").write_text(f'key = "{KEYS[0]}"\n')


def _facts(result: Any) -> tuple[Any, ...]:
    return (
        sorted((f.secret, f.rule_id, f.path, f.line, f.column) for f in result.findings),
        [(s.path, s.reason, s.incomplete) for s in result.skipped],
        result.files_scanned,
        result.bytes_scanned,
    )


def test_a_folder_on_workers_reports_exactly_what_one_process_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _folder(tmp_path)
    monkeypatch.setattr(filesystem, "BATCH_FILES", 8)
    monkeypatch.setattr(workers, "DEFERRED_PIECES", 16)
    started = count_worker_starts(monkeypatch)
    one_job = Settings(allow_paths=("*.lock",), jobs=1)
    two_jobs = Settings(allow_paths=("*.lock",), jobs=2)

    one = scan_target(on_disk([tmp_path], one_job), one_job)
    assert started == []
    two = scan_target(on_disk([tmp_path], two_jobs), two_jobs)

    assert started == [2]
    assert {f.secret for f in one.findings} == set(KEYS)
    assert _facts(two) == _facts(one)
    assert ("vendor.lock", "allowed by allow_paths", False) in _facts(one)[1]
    assert ("logo.png", "binary", False) in _facts(one)[1]


def test_a_folder_smaller_than_the_deferred_share_starts_no_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(10):
        (tmp_path / f"f{n}.txt").write_text(f"{n}\n")
    monkeypatch.setattr(workers, "_on_workers", lambda *args: pytest.fail("no worker for ten files"))

    result = scan_target(on_disk([tmp_path], Settings(jobs=4)), Settings(jobs=4))

    assert result.files_scanned == 10


def test_the_number_held_doubles_only_up_to_every_lane_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(git_lanes, "HELD_BLOBS", 2)
    monkeypatch.setattr(git_lanes, "BATCH_BLOBS", 1000)
    monkeypatch.setattr(git_lanes, "LANES", 2)  # every lane full: 2,000 held
    listed = _refs([f"p{n}.py" for n in range(6000)])

    limits = []
    given = 0
    for drawn, batch in _as_drawn(listed, BlobReader(Path("."))):
        if drawn < len(listed):
            limits.append(drawn - given)
        given += batch.pieces
    assert limits[:10] == [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    assert max(limits) < 2000  # past that a lane is full first, whatever the paths
