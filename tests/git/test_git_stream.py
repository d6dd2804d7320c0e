"""The streamed history read: blobs are read while git still lists them, a corrupt object mid-stream costs only
itself, and the attribution's `git log` runs beside the scan and is parsed only for the blobs asked about."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import Recorded, Repo, commit_of, drain, fake_key, stand_in_scan

from scanner.config import Settings
from scanner.errors import GitError
from scanner.sources import git_runner
from scanner.sources.git_blobs import read_blobs, stream_blobs
from scanner.sources.git_history import HistorySource

KEY = fake_key(3)


def _corrupt(repo: Repo, oid: str) -> None:
    loose = repo.path / ".git" / "objects" / oid[:2] / oid[2:]
    loose.chmod(0o644)
    loose.write_bytes(b"not zlib at all")


def _files(count: int) -> dict[str, str | None]:
    return {f"f{n:03}.txt": f"file {n}\n" for n in range(count)}


def test_items_come_back_in_order_with_their_blobs_and_the_others_with_none(repo: Repo) -> None:
    repo.commit("one", _files(40))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(40)]
    items: list[str | int] = []
    for n, oid in enumerate(oids):
        items += [oid, n]

    got = list(stream_blobs(repo.path, iter(items), lambda i: i if isinstance(i, str) else None))

    assert [item for item, _ in got] == items
    assert [(read.data if read else None) for _, read in got] == [
        x for n in range(40) for x in (f"file {n}\n".encode(), None)
    ]


def test_corrupt_loose_objects_are_missing_to_git_and_every_other_blob_is_still_read(repo: Repo) -> None:
    repo.commit("one", _files(60))
    oids = [repo.git("rev-parse", f"HEAD:f{n:03}.txt") for n in range(60)]
    _corrupt(repo, oids[10])
    _corrupt(repo, oids[30])

    got = list(stream_blobs(repo.path, iter(oids), lambda i: i))

    assert [item for item, _ in got] == oids
    bad = [n for n, (_, read) in enumerate(got) if read is None or read.data is None]
    assert bad == [10, 30]
    assert all(read.data == f"file {n}\n".encode() for n, (_, read) in enumerate(got) if n not in bad)


def test_the_listing_s_own_error_reaches_the_reader(repo: Repo) -> None:
    repo.commit("one", _files(3))

    def listing():
        yield repo.git("rev-parse", "HEAD:f000.txt")
        raise ValueError("listing broke")

    with pytest.raises(ValueError, match="listing broke"):
        list(stream_blobs(repo.path, listing(), lambda i: i))


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
    assert git_runner.count_later(repo.path, ("--all",))() == 5
    assert git_runner.count_later(repo.path, ("no-such-ref",))() == 0


def test_the_log_is_parsed_only_for_the_commits_naming_the_blobs_asked_about(repo: Repo) -> None:
    repo.commit("a", {"a.txt": "a\n"})
    b = repo.commit("b", {"b.txt": "b\n"})
    repo.commit("c", {"c.txt": "c\n", "a.txt": "a2\n"})
    blob = repo.git("rev-parse", f"{b}:b.txt")
    log = git_runner.LogLater(repo.path)
    try:
        changes = log.changes({blob})
        assert [(c.commit.oid, c.path) for c in changes] == [(b, "b.txt")]
        assert log.changes(set()) == []
        everything = log.changes({repo.git("rev-parse", "HEAD~2:a.txt")})
        assert {c.path for c in everything} == {"a.txt", "c.txt"}  # both commits naming it, whole
    finally:
        log.close()


def test_a_failing_log_is_an_error_naming_git_s_complaint(tmp_path: Path) -> None:
    log = git_runner.LogLater(tmp_path)
    try:
        with pytest.raises(GitError, match="git log failed"):
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
    items: list[str | int] = [x for n, oid in enumerate(oids) for x in (oid, n)]

    got = list(stream_blobs(repo.path, iter(items), lambda i: i if isinstance(i, str) else None))

    assert [item for item, _ in got] == items
    reads = {item: read for item, read in got if isinstance(item, str)}
    assert reads[oids[7]] is not None and reads[oids[7]].problem == "unreadable (corrupt object?)"
    assert [reads[o].data for o in oids if o != oids[7]] == [f"file {n}\n".encode() for n in range(30) if n != 7]
    assert all(read is None for item, read in got if isinstance(item, int))
