"""History scans on worker processes report exactly what one process reports: values, commits, places, authors."""

from __future__ import annotations

from typing import Any

import pytest
from gitrepo import Repo, count_worker_starts, fake_key

from scanner.config import Settings
from scanner.engine import workers
from scanner.findings import Finding
from scanner.scan import scan_target
from scanner.sources.targets import in_repository

KEYS = [fake_key(100 + n) for n in range(8)]


def _filler(n: int) -> str:
    return "".join(f"def f{n}_{i}(x):\n    return x * {i}\n" for i in range(40))


def _build(repo: Repo) -> dict[str, str]:
    """A history with branches, a merge, a rename, a deleted file and a key only on an unmerged branch."""
    planted: dict[str, str] = {}
    repo.commit("init", {f"src/mod{n}.py": _filler(n) for n in range(12)}, author="Ada")
    planted["config.py"] = repo.commit("config", {"config.py": f'OPENAI_API_KEY = "{KEYS[0]}"\n'}, author="Bob")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature key", {"src/client.py": f"client = Client(api_key='{KEYS[1]}')\n"}, author="Grace")
    repo.commit("more", {"src/mod3.py": _filler(3) + f"TOKEN = '{KEYS[2]}'\n"}, author="Grace")
    repo.git("checkout", "-q", "main")
    repo.commit("main edits", {"src/mod4.py": _filler(4) + "# edited\n", "docs/setup.md": f"key: {KEYS[3]}\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    repo.git("mv", "config.py", "settings.py")
    repo.commit("rename config", author="Linus")
    repo.commit("drop docs", {"docs/setup.md": None, "old.py": f'KEY = "{KEYS[4]}"\n'}, author="Bob")
    repo.commit("drop old", {"old.py": None})
    for n in range(5, 7):
        repo.commit(f"edit {n}", {f"src/mod{n}.py": _filler(n) + f"SECRET_KEY = '{KEYS[n]}'\n"}, author="Ada")
    repo.git("checkout", "-q", "-b", "experiment")
    repo.commit("try", {"exp.py": f'key = "{KEYS[7]}"\n'}, author="Linus")
    repo.git("checkout", "-q", "main")
    return planted


def _facts(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return sorted(
        (f.secret, f.rule_id, f.path, f.line, f.column, f.end_column, f.commit.oid if f.commit else None,
         f.commit.author if f.commit else None, f.commit.date if f.commit else None)
        for f in findings
    )  # fmt: skip


@pytest.fixture
def spy_on_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Workers from the first fragment on, in batches of two (so a small history spans many), and how many times
    the pool was started."""
    monkeypatch.setattr(workers, "IN_PROCESS_BYTES", 0)
    monkeypatch.setattr(workers, "BATCH_FRAGMENTS", 2)
    return count_worker_starts(monkeypatch)


def test_history_on_two_workers_finds_exactly_what_one_process_finds(repo: Repo, spy_on_workers: list[int]) -> None:
    _build(repo)

    one = scan_target(in_repository(repo.path, Settings(jobs=1), history=True), Settings(jobs=1))
    assert spy_on_workers == []
    two = scan_target(in_repository(repo.path, Settings(jobs=2), history=True), Settings(jobs=2))

    assert spy_on_workers == [2]
    assert {f.secret for f in one.findings} == set(KEYS)
    assert _facts(two.findings) == _facts(one.findings)
    assert (two.blobs_scanned, two.files_scanned, two.bytes_scanned) == (
        one.blobs_scanned,
        one.files_scanned,
        one.bytes_scanned,
    )


def test_a_renamed_file_is_reported_where_its_key_came_in_and_where_it_is_now(
    repo: Repo, spy_on_workers: list[int]
) -> None:
    planted = _build(repo)

    result = scan_target(in_repository(repo.path, Settings(jobs=2), history=True), Settings(jobs=2))

    assert spy_on_workers == [2]
    places = sorted(
        (f.path, f.commit.oid if f.commit else None, f.commit.author if f.commit else None)
        for f in result.findings
        if f.secret == KEYS[0]
    )
    # Where it came in (by Bob, as config.py), and where it is now (settings.py, in the working tree).
    assert places == [("config.py", planted["config.py"], "Bob"), ("settings.py", None, None)]


def test_a_scan_smaller_than_one_batch_starts_no_worker(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("key", {"config.py": f'OPENAI_API_KEY = "{KEYS[0]}"\n'})
    started: list[int] = []
    monkeypatch.setattr(workers, "IN_PROCESS_BYTES", 0)
    monkeypatch.setattr(workers, "_on_workers", lambda *args: started.append(1) or iter(()))

    result = scan_target(in_repository(repo.path, Settings(jobs=4), history=True), Settings(jobs=4))

    assert started == []
    assert [f.secret for f in result.findings] == [KEYS[0]]


def test_workers_start_only_past_the_in_process_share_and_miss_nothing(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, handed_first: list[int]
) -> None:
    """The first `IN_PROCESS_BYTES` are scanned here, the rest on workers: every key is found once either way."""
    _build(repo)
    monkeypatch.setattr(workers, "BATCH_FRAGMENTS", 2)
    monkeypatch.setattr(workers, "IN_PROCESS_BYTES", 3000)

    split = scan_target(in_repository(repo.path, Settings(jobs=2), history=True), Settings(jobs=2))
    one = scan_target(in_repository(repo.path, Settings(jobs=1), history=True), Settings(jobs=1))

    assert handed_first == [2]
    assert _facts(split.findings) == _facts(one.findings)
    assert split.bytes_scanned == one.bytes_scanned


def test_a_clean_history_never_walks_the_commit_graph(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.sources import git_log

    repo.commit("init", {f"src/mod{n}.py": _filler(n) for n in range(3)})
    repo.commit("edit", {"src/mod1.py": _filler(1) + "# edited\n"})
    walks: list[object] = []

    class Counted(git_log.LogLater):
        def __init__(self, *args: object) -> None:
            walks.append(args)
            super().__init__(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(git_log, "LogLater", Counted)

    clean = scan_target(in_repository(repo.path, Settings(jobs=1), history=True), Settings(jobs=1))
    assert (clean.findings, clean.files_scanned, clean.blobs_scanned, walks) == ([], 3, 1, [])

    leaked = repo.commit("leak", {"src/mod2.py": _filler(2) + f'OPENAI_API_KEY = "{KEYS[0]}"\n'}, author="Bob")
    [finding] = scan_target(in_repository(repo.path, Settings(jobs=1), history=True), Settings(jobs=1)).findings

    assert len(walks) == 1
    assert finding.commit is not None
    assert (finding.path, finding.line, finding.commit.oid, finding.commit.author) == ("src/mod2.py", 81, leaked, "Bob")


def test_a_daemonic_process_such_as_a_dask_worker_scans_in_process(repo: Repo, spy_on_workers: list[int]) -> None:
    import multiprocessing

    _build(repo)
    settings = Settings(jobs=2)
    with multiprocessing.get_context("fork").Pool(1) as pool:  # pool workers are daemonic, as Dask's are
        facts = pool.apply(_scan_facts, (repo.path, settings))

    # NOTE: with two-fragment batches (the fixture), a pool started there would fail: daemons have no children.
    one = scan_target(in_repository(repo.path, Settings(jobs=1), history=True), Settings(jobs=1))
    assert facts == _facts(one.findings)


def _scan_facts(path: Any, settings: Settings) -> list[tuple[Any, ...]]:
    return _facts(scan_target(in_repository(path, settings, history=True), settings).findings)


def test_workers_leave_ctrl_c_to_the_scan_that_started_them() -> None:
    """Ctrl-C reaches every process of the group: only the parent answers it (exit 130, no worker traceback)."""
    import multiprocessing
    import signal

    with multiprocessing.get_context("fork").Pool(1, initializer=workers._adopt, initargs=(None,)) as pool:
        handler = pool.apply(signal.getsignal, (signal.SIGINT,))

    assert handler == signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) != signal.SIG_IGN
