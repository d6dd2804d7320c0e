"""The history read: blobs go out in lanes by path and are read through a git kept running per reader and
process, a corrupt object mid-stream costs only itself, and the attribution's `git log` runs beside the scan and is
parsed only for the blobs asked about."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import Recorded, Repo, commit_of, drain, fake_key, stand_in_scan

from scanner.config import Settings
from scanner.errors import GitError
from scanner.sources import git_log, git_runner
from scanner.sources.git_blobs import BlobReader, read_blobs
from scanner.sources.git_history import HistorySource

KEY = fake_key(3)


def _corrupt(repo: Repo, oid: str) -> None:
    loose = repo.path / ".git" / "objects" / oid[:2] / oid[2:]
    loose.chmod(0o644)
    loose.write_bytes(b"not zlib at all")


def _files(count: int) -> dict[str, str | None]:
    return {f"f{n:03}.txt": f"file {n}\n" for n in range(count)}


def test_answers_come_back_in_order_across_many_runs_written_ahead(repo: Repo, monkeypatch) -> None:
    from scanner.sources import git_blobs

    monkeypatch.setattr(git_blobs, "_WRITE_AHEAD", 3)
    repo.commit("one", _files(40))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(40)]
    reader = BlobReader(repo.path)
    try:
        got = list(reader.read(oids))
    finally:
        reader.close()

    assert [read.oid for read in got] == oids
    assert [read.data for read in got] == [f"file {n}\n".encode() for n in range(40)]


def test_corrupt_loose_objects_are_missing_to_git_and_every_other_blob_is_still_read(repo: Repo) -> None:
    repo.commit("one", _files(60))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(60)]
    _corrupt(repo, oids[10])
    _corrupt(repo, oids[30])

    got = list(read_blobs(repo.path, oids))

    assert [read.oid for read in got] == oids
    bad = [n for n, read in enumerate(got) if read.data is None]
    assert bad == [10, 30]
    assert all(read.data == f"file {n}\n".encode() for n, read in enumerate(got) if n not in bad)


def test_one_git_serves_every_read_of_a_reader_until_it_is_closed(repo: Repo) -> None:
    repo.commit("one", _files(4))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(4)]
    reader = BlobReader(repo.path)
    try:
        assert [r.data for r in reader.read(oids[:2])] == [b"file 0\n", b"file 1\n"]
        first = _git_of(reader)
        assert [r.data for r in reader.read(oids[2:])] == [b"file 2\n", b"file 3\n"]
        assert _git_of(reader) is first
    finally:
        reader.close()
    assert first.poll() is not None  # closed: git is gone
    assert _git_of(reader) is None


def test_a_read_left_unfinished_leaves_no_stale_answer_for_the_next(repo: Repo) -> None:
    repo.commit("one", _files(10))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(10)]
    reader = BlobReader(repo.path)
    try:
        reads = reader.read(oids)
        assert next(reads).data == b"file 0\n"
        reads.close()  # git had answered more than was read

        assert [r.data for r in reader.read(oids[5:7])] == [b"file 5\n", b"file 6\n"]
    finally:
        reader.close()


def test_a_reader_carried_into_another_process_starts_its_own_git_and_leaves_the_first_alone(
    repo: Repo, monkeypatch
) -> None:
    import os
    import pickle

    repo.commit("one", _files(2))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(2)]
    reader = BlobReader(repo.path)
    try:
        list(reader.read(oids[:1]))
        parents = _git_of(reader)
        carried = pickle.loads(pickle.dumps(reader))
        pid = os.getpid()
        monkeypatch.setattr(os, "getpid", lambda: pid + 1)  # what a forked worker sees

        assert [r.data for r in carried.read(oids)] == [b"file 0\n", b"file 1\n"]
        assert _git_of(carried) is not parents
        carried.close()
        assert parents.poll() is None  # the parent's git is still there
        monkeypatch.setattr(os, "getpid", lambda: pid)
        assert [r.data for r in reader.read(oids[1:])] == [b"file 1\n"]
        assert _git_of(reader) is parents
    finally:
        monkeypatch.undo()
        reader.close()


def _git_of(reader: BlobReader):  # type: ignore[no-untyped-def]
    import os

    from scanner.sources import git_blobs

    return git_blobs._LIVE.get((reader._key, os.getpid()))


def test_a_history_only_corrupt_object_leaves_the_rest_of_the_history_scanned(repo: Repo) -> None:
    first = repo.commit("secret", {"old.env": "x=1\n", "keep.py": f"k = '{KEY}'\n", **_files(20)})
    gone = repo.git("rev-parse", "HEAD:old.env")
    repo.commit("drop", {"old.env": None, "keep.py": None, **dict.fromkeys(_files(20))})
    _corrupt(repo, gone)
    source = Recorded(HistorySource(repo.path, Settings()))

    [finding] = stand_in_scan(source, [KEY])

    assert (finding.path, commit_of(finding)) == ("keep.py", first)
    assert [(s.path, s.incomplete) for s in source.skipped] == [("old.env (history)", True)]
    assert {f.path for f in source.fragments} >= {f"f{n:03}.txt" for n in range(20)}


def test_commits_are_counted_beside_the_listing(repo: Repo) -> None:
    for n in range(5):
        repo.commit(f"c{n}", {"a.txt": f"{n}\n"})

    drained = drain(HistorySource(repo.path, Settings()))

    assert drained.commits == 5
    assert git_runner.CountLater(repo.path, ("--all",))() == 5
    assert git_runner.CountLater(repo.path, ("no-such-ref",))() == 0


def test_a_count_is_ready_once_git_has_counted_and_never_waits_before(repo: Repo) -> None:
    for n in range(3):
        repo.commit(f"c{n}", {"a.txt": f"{n}\n"})
    done = git_runner.CountLater(repo.path, ("--all",))
    done._proc.wait()
    assert done.ready() == 3 == done()

    running = git_runner.CountLater(repo.path, ("--all",))
    finished = running._proc.poll
    running._proc.poll = lambda: None  # type: ignore[method-assign]  # still counting
    try:
        assert running.ready() is None
    finally:
        running._proc.poll = finished  # type: ignore[method-assign]
    assert running() == 3
    running._proc.poll = lambda: None  # type: ignore[method-assign]
    assert running.ready() == 3  # counted: known whatever git says now


def test_the_log_is_parsed_only_for_the_commits_naming_the_blobs_asked_about(repo: Repo) -> None:
    repo.commit("a", {"a.txt": "a\n"})
    b = repo.commit("b", {"b.txt": "b\n"})
    repo.commit("c", {"c.txt": "c\n", "a.txt": "a2\n"})
    blob = repo.git("rev-parse", f"{b}:b.txt")
    log = git_log.LogLater(repo.path)
    try:
        changes = log.changes({blob})
        assert [(c.commit.oid, c.path) for c in changes] == [(b, "b.txt")]
        assert log.changes(set()) == []
        everything = log.changes({repo.git("rev-parse", "HEAD~2:a.txt")})
        assert {c.path for c in everything} == {"a.txt", "c.txt"}  # both commits naming it, whole
    finally:
        log.close()


@pytest.mark.parametrize(
    ("commits", "cores", "parts"),
    [
        (None, 8, 1),  # the history's size not known yet: one git
        (0, 8, 1),
        (2 * git_log.LOG_PART_COMMITS - 1, 8, 1),  # below two parts' worth
        (2 * git_log.LOG_PART_COMMITS, 8, 2),  # at it
        (2 * git_log.LOG_PART_COMMITS + 1, 8, 2),
        (100 * git_log.LOG_PART_COMMITS, 2, 2),  # one a core
        (100 * git_log.LOG_PART_COMMITS, 1, 1),
        (100 * git_log.LOG_PART_COMMITS, git_log.LOG_PARTS + 1, git_log.LOG_PARTS),  # at most LOG_PARTS
        (100 * git_log.LOG_PART_COMMITS, git_log.LOG_PARTS - 1, git_log.LOG_PARTS - 1),
    ],
)
def test_the_log_is_split_one_git_a_core_each_with_enough_commits(commits: int | None, cores: int, parts: int) -> None:
    assert git_log.log_parts(commits, cores) == parts


@pytest.mark.parametrize(("affinity", "parts"), [(3, 3), (1, 1), (None, 2)])
def test_the_log_has_a_git_for_each_core_this_process_may_run_on(
    monkeypatch: pytest.MonkeyPatch, affinity: int | None, parts: int
) -> None:
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # the machine's
    if affinity is None:
        monkeypatch.delattr(os, "sched_getaffinity")  # not Linux: the machine's cores
    else:
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(affinity)))  # taskset, a container's CPUs

    assert git_log.log_parts(100 * git_log.LOG_PART_COMMITS) == parts


def _history_with_merges(repo: Repo) -> None:
    repo.commit("init", {"a.txt": "a\n", "b.txt": "b\n"})
    for n in range(3):
        repo.git("checkout", "-q", "-b", f"topic{n}")
        repo.commit(f"topic {n}", {f"t{n}.txt": f"t{n}\n", "a.txt": f"a{n}\n"})
        repo.git("checkout", "-q", "main")
        repo.commit(f"main {n}", {"b.txt": f"b{n}\n"})
        repo.git("merge", "-q", "--no-ff", "-m", f"merge {n}", f"topic{n}")
    repo.git("mv", "b.txt", "c.txt")
    repo.commit("rename", {"d.txt": "b2\n"})


@pytest.mark.parametrize(("parts", "counted_as"), [(2, None), (3, None), (4, None), (3, 5), (3, 40)])
def test_a_log_split_between_gits_names_the_same_changes_as_one_git(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, parts: int, counted_as: int | None
) -> None:
    _history_with_merges(repo)
    commits = int(repo.git("rev-list", "--count", "--all"))
    listed = repo.git("rev-list", "--objects", "--all", "--filter=object:type=blob", "--filter-provided-objects")
    blobs = {line.split()[0] for line in listed.splitlines()}
    whole = git_log.LogLater(repo.path)
    started: list[int] = []
    monkeypatch.setattr(git_log, "log_parts", lambda count: started.append(count) or parts)
    # NOTE: a count that is off (the refs moved since it was taken) shifts the parts, never loses a commit
    split = git_log.LogLater(repo.path, commits=counted_as or commits)
    try:
        assert started == [counted_as or commits]
        assert len(split._runs) == parts
        outputs = [run.output(repo.path) for run in split._runs]
        assert b"".join(outputs) == whole._runs[0].output(repo.path)
        assert all(out.startswith(b"\x01") for out in outputs if out)
        share = -(-(counted_as or commits) // parts)
        assert [bool(out) for out in outputs] == [part * share < commits for part in range(parts)]  # past the end: none
        named = 0
        for blob in sorted(blobs):
            assert split.changes({blob}) == whole.changes({blob})
            named += bool(whole.changes({blob}))
        assert named == len(blobs)
        assert split.changes(blobs) == whole.changes(blobs)
    finally:
        whole.close()
        split.close()


@pytest.mark.parametrize("finds", [0, 1, 3, 1000])
def test_many_blobs_are_looked_for_in_one_pass_over_the_log_with_the_same_changes(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, finds: int
) -> None:
    _history_with_merges(repo)
    listed = repo.git("rev-list", "--objects", "--all", "--filter=object:type=blob", "--filter-provided-objects")
    blobs = sorted(line.split()[0] for line in listed.splitlines())
    log = git_log.LogLater(repo.path)
    try:
        by_find = {blob: log.changes({blob}) for blob in blobs}
        every = log.changes(blobs)
        monkeypatch.setattr(git_log, "_FINDS", finds)
        for blob in blobs:
            assert log.changes({blob}) == by_find[blob] != []
        assert log.changes(blobs) == every
    finally:
        log.close()


@pytest.mark.parametrize(("ids", "one_pass"), [(3, False), (4, True)])
def test_past_so_many_blob_ids_the_log_is_read_once(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, ids: int, one_pass: bool
) -> None:
    _history_with_merges(repo)
    listed = repo.git("rev-list", "--objects", "--all", "--filter=object:type=blob", "--filter-provided-objects")
    blobs = sorted(line.split()[0] for line in listed.splitlines())[:ids]
    passes: list[int] = []
    real = git_log._OBJECT_ID

    class Counted:
        def finditer(self, data: bytes):  # type: ignore[no-untyped-def]
            passes.append(len(data))
            return real.finditer(data)

    monkeypatch.setattr(git_log, "_FINDS", 3)
    monkeypatch.setattr(git_log, "_OBJECT_ID", Counted())
    log = git_log.LogLater(repo.path)
    try:
        assert log.changes(blobs) != []
    finally:
        log.close()
    assert len(passes) == (1 if one_pass else 0)


def test_an_id_within_a_longer_run_of_hex_digits_is_not_that_blob(monkeypatch: pytest.MonkeyPatch) -> None:
    blob = "ab" * 20
    out = f"x {blob} y\0a{blob}\0{blob}f\0{blob}".encode()
    monkeypatch.setattr(git_log, "_FINDS", 0)
    assert list(git_log._places(out, {blob.encode()})) == [2, len(out) - 40]


def test_the_history_splits_its_log_once_it_knows_how_many_commits_it_has(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.scan import scan_target
    from scanner.sources.targets import in_repository

    _history_with_merges(repo)
    repo.commit("leak", {"old.py": f'OPENAI_API_KEY = "{KEY}"\n'})
    repo.commit("unleak", {"old.py": None})
    asked: list[int | None] = []
    real = git_log.log_parts

    def parts(commits: int | None) -> int:
        asked.append(commits)
        return real(commits, 2)

    monkeypatch.setattr(git_log, "LOG_PART_COMMITS", 4)
    monkeypatch.setattr(git_log, "log_parts", parts)
    monkeypatch.setattr(git_runner.CountLater, "ready", git_runner.CountLater.__call__)  # counted by the first finding
    split = scan_target(in_repository(repo.path, Settings(jobs=1), history=True), Settings(jobs=1))
    monkeypatch.setattr(git_runner.CountLater, "ready", lambda self: None)  # still counting: one git
    one = scan_target(in_repository(repo.path, Settings(jobs=1), history=True), Settings(jobs=1))

    assert asked == [int(repo.git("rev-list", "--count", "--all")), None]
    [finding] = split.findings
    assert [(f.path, f.line, f.commit) for f in split.findings] == [(f.path, f.line, f.commit) for f in one.findings]
    assert finding.commit is not None and finding.commit.oid == repo.git("rev-parse", "HEAD~1")


def test_a_failing_log_is_an_error_naming_git_s_complaint(tmp_path: Path) -> None:
    log = git_log.LogLater(tmp_path)
    try:
        with pytest.raises(GitError, match=f"git log failed in {tmp_path}: not a git repository"):
            log.changes({"0" * 40})
    finally:
        log.close()


def test_read_blobs_reads_past_a_corrupt_object_too(repo: Repo) -> None:
    repo.commit("one", _files(5))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(5)]
    _corrupt(repo, oids[2])

    reads = list(read_blobs(repo.path, oids))

    assert [r.data is None for r in reads] == [False, False, True, False, False]


def test_when_git_stops_mid_stream_the_rest_is_read_by_a_fresh_git(repo: Repo, monkeypatch) -> None:
    from scanner.sources import git_blobs

    repo.commit("one", _files(30))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(30)]
    real = git_blobs._read_one
    stopped: list[str] = []

    def dies_once_at_the_eighth(out, oid, max_size):  # type: ignore[no-untyped-def]
        if oid == oids[7] and not stopped:
            stopped.append(oid)
            return None  # what a git that stopped at a corrupt object gives
        return real(out, oid, max_size)

    monkeypatch.setattr(git_blobs, "_read_one", dies_once_at_the_eighth)

    got = list(read_blobs(repo.path, oids))

    assert [read.oid for read in got] == oids
    assert got[7].problem == "unreadable (corrupt object?)"
    assert [got[n].data for n in range(30) if n != 7] == [f"file {n}\n".encode() for n in range(30) if n != 7]


def test_every_version_of_a_path_is_in_one_lane_and_batches_are_bounded(repo: Repo, monkeypatch) -> None:
    from scanner.sources import git_lanes
    from scanner.sources.git_lanes import BlobBatch

    monkeypatch.setattr(git_lanes, "BATCH_BLOBS", 3)
    for n in range(6):
        repo.commit(f"c{n}", {"a.txt": f"a {n}\n", "b.txt": f"b {n}\n", f"new{n}.txt": "x\n"})

    batches = [item for item in HistorySource(repo.path, Settings()).read() if isinstance(item, BlobBatch)]

    lanes: dict[str, set[int]] = {}
    for batch in batches:
        assert 1 <= batch.pieces <= 3
        for ref in batch.refs:
            lanes.setdefault(ref.path, set()).add(batch.lane)
    assert all(len(lane) == 1 for lane in lanes.values())
    versions = [ref.path for batch in batches for ref in batch.refs]
    assert versions.count("a.txt") >= 5 and versions.count("b.txt") >= 5  # the working tree's own are read there


def test_every_git_a_process_started_is_stopped_and_waited_for_when_it_ends(repo: Repo) -> None:
    from scanner.sources import git_blobs

    repo.commit("one", _files(2))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(2)]
    readers = [BlobReader(repo.path), BlobReader(repo.path)]
    for reader in readers:
        list(reader.read(oids))
    gits = [_git_of(reader) for reader in readers]
    assert all(git is not None and git.poll() is None for git in gits)

    git_blobs._stop_all()  # what this process's exit runs

    assert all(git.returncode is not None for git in gits)  # waited for: counted, and none outlives us
    assert all(_git_of(reader) is None for reader in readers)


def _registers_its_stop(path: str, oids: list[str], out) -> None:  # type: ignore[no-untyped-def]
    from multiprocessing import util

    from scanner.sources import git_blobs

    list(BlobReader(Path(path)).read(oids))
    out.put([f._callback is git_blobs._stop_all for f in util._finalizer_registry.values()].count(True))


def test_a_worker_process_stops_its_gits_through_multiprocessing_s_finalizers(repo: Repo) -> None:
    """A worker ends by `os._exit`: `atexit` never runs there, multiprocessing's finalizers do."""
    import multiprocessing

    repo.commit("one", _files(1))
    oids = [repo.git("rev-parse", "HEAD:f000.txt")]
    context = multiprocessing.get_context("fork")
    out = context.SimpleQueue()
    child = context.Process(target=_registers_its_stop, args=(str(repo.path), oids, out))
    child.start()
    child.join(30)

    assert child.exitcode == 0
    assert out.get() == 1
