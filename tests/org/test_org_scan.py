"""Org scans on a real 2-worker LocalCluster: every planted key found with its repositories, lost workers
retried without losing or doubling anything, failures make the run incomplete, re-runs read only new objects,
and an interrupted run resumes."""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from repo_builders import TOKEN, Fleet, build_bare, build_fleet, fake_key

from scanner.config import Settings
from scanner.findings import secret_id
from scanner.org.discovery import OrgSpec, discover
from scanner.org.merge import OrgReport
from scanner.org.report import exit_code
from scanner.org.repositories import Repository, Selection, select
from scanner.org.run import OrgOptions, run_org_scan
from scanner.org.state import StateFile, settings_fingerprint, state_path
from tests.emulators.hosting import HostingEmulator, github_repository

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory, org_env: dict[str, str]) -> Fleet:
    return build_fleet(tmp_path_factory.mktemp("fleet"), 20)


@pytest.fixture
def hosting(fleet: Fleet) -> Iterator[HostingEmulator]:
    with HostingEmulator(TOKEN) as emulator:
        emulator.orgs["acme"] = [github_repository(name, str(path)) for name, path in fleet.paths.items()]
        yield emulator


def scan(client: Any, repositories: list[Repository], cache: Path, **kw: Any) -> OrgReport:
    settings = Settings()
    source = kw.pop("source", "github:acme")
    path = state_path(cache / "state", source)
    state = StateFile(path, source, settings_fingerprint(settings), full=kw.pop("full", False))
    options = OrgOptions(mirrors=cache / "mirrors", clone_slots=kw.pop("clone_slots", 0))
    try:
        return run_org_scan(client, source, repositories, settings, state, options, **kw)
    finally:
        state.close()


def found(report: OrgReport) -> dict[str, set[str]]:
    """Repository -> secret ids the merged report holds for it."""
    out: dict[str, set[str]] = {}
    for row in report.findings:
        out.setdefault(row["repository"], set()).add(row["secret_id"])
    return out


def planted(fleet: Fleet) -> dict[str, set[str]]:
    return {name: {secret_id(k) for k in keys} for name, keys in fleet.keys.items() if keys}


def test_twenty_listed_repositories_on_two_workers_report_every_key_with_its_repositories(
    dask_client: Any, fleet: Fleet, hosting: HostingEmulator, tmp_path: Path
) -> None:
    listed = discover(OrgSpec.parse("github:acme"), {"GITHUB_TOKEN": TOKEN}, hosting.url)

    report = scan(dask_client, select(listed, Selection()), tmp_path)

    assert found(report) == planted(fleet)
    assert [r["status"] for r in report.repositories] == ["scanned"] * 20
    shared = next(s for s in report.secrets if s["secret_id"] == secret_id(fleet.shared))
    assert shared["repositories"] == ["acme/r00", "acme/r05", "acme/r10", "acme/r15"]
    assert (shared["first"]["repository"], shared["last"]["repository"]) == ("acme/r00", "acme/r15")
    assert shared["first"]["date"] < shared["last"]["date"]
    workers = {r["worker"] for r in _outcomes(tmp_path, "github:acme")}
    assert len(workers) == 2, "both workers took tasks"
    assert exit_code(report, allow_incomplete=False) == 1


def test_a_worker_killed_mid_run_loses_no_repository_and_doubles_no_finding(
    dask_client: Any, fleet: Fleet, tmp_path: Path
) -> None:
    repositories = [Repository(name, str(path)) for name, path in fleet.paths.items()]
    killed: list[int] = []

    def kill_a_busy_worker(name: str, outcome: dict[str, Any]) -> None:
        if killed:
            return
        busy = dask_client.run(lambda dask_worker: len(dask_worker.state.executing))
        pids = dask_client.run(os.getpid)
        address = next((a for a, n in busy.items() if n), None)
        if address is not None:
            killed.append(pids[address])
            os.kill(pids[address], signal.SIGKILL)

    report = scan(dask_client, repositories, tmp_path, listener=kill_a_busy_worker)

    assert killed, "a worker was killed while it ran a task"
    assert found(report) == planted(fleet)
    assert len(report.repositories) == 20 and all(r["status"] == "scanned" for r in report.repositories)
    identities = [(r["repository"], r["secret_id"], r["path"], r["line"], r["commit"]) for r in report.findings]
    assert len(identities) == len(set(identities))
    assert sum(len(keys) for keys in fleet.keys.values()) == len({(r, s) for r, s, *_ in identities})
    _wait_for_workers(dask_client, 2)


def test_a_repository_that_fails_to_clone_makes_the_run_incomplete(
    dask_client: Any, fleet: Fleet, tmp_path: Path
) -> None:
    repositories = [Repository(n, str(p)) for n, p in list(fleet.paths.items())[:3]]
    repositories.append(Repository("acme/gone", str(tmp_path / "no-such-repository.git")))

    report = scan(dask_client, repositories, tmp_path)

    failed = [r for r in report.repositories if r["status"] == "failed"]
    assert [r["name"] for r in failed] == ["acme/gone"]
    assert "git clone failed" in failed[0]["reason"] and "does not exist" in failed[0]["reason"]
    assert report.incomplete == failed
    assert exit_code(report, allow_incomplete=False) == 2
    assert exit_code(report, allow_incomplete=True) == 1
    assert set(found(report)) == {"acme/r00", "acme/r01", "acme/r02"}


def test_archived_repositories_and_forks_are_listed_as_skipped_not_scanned(
    dask_client: Any, fleet: Fleet, tmp_path: Path
) -> None:
    names = list(fleet.paths)[:3]
    repositories = [
        Repository(names[0], str(fleet.paths[names[0]])),
        Repository(names[1], str(fleet.paths[names[1]]), archived=True),
        Repository(names[2], str(fleet.paths[names[2]]), fork=True),
    ]

    report = scan(dask_client, select(repositories, Selection()), tmp_path)
    everything = scan(dask_client, select(repositories, Selection(archived=True, forks=True)), tmp_path / "all")

    statuses = {r["name"]: (r["status"], r["reason"]) for r in report.repositories}
    assert statuses[names[1]] == ("skipped", "archived (--include-archived scans it)")
    assert statuses[names[2]] == ("skipped", "fork (--include-forks scans it)")
    assert set(found(report)) == {names[0]} and not report.incomplete
    assert set(found(everything)) == set(names)


def test_a_re_run_reads_only_the_objects_new_since_the_last_scan(dask_client: Any, tmp_path: Path) -> None:
    import random

    rng = random.Random(99)
    first_key, second_key = fake_key(rng), fake_key(rng)
    repos = {f"acme/inc{n}": tmp_path / f"inc{n}.git" for n in range(3)}
    for n, path in enumerate(repos.values()):
        build_bare(path, [{"README.md": f"# {n}\n"}, {"a.py": f'KEY = "{first_key}"\n', "b.txt": "b\n"}])
    repositories = [Repository(name, str(path)) for name, path in repos.items()]

    first = scan(dask_client, repositories, tmp_path / "cache", source="incremental")
    build_bare(repos["acme/inc1"], [{"c.py": f'KEY2 = "{second_key}"\n'}], start=5)
    second = scan(dask_client, repositories, tmp_path / "cache", source="incremental")
    full = scan(dask_client, repositories, tmp_path / "cache", source="incremental", full=True)

    blobs = {r["name"]: r["blobs_scanned"] for r in first.repositories}
    assert blobs == dict.fromkeys(repos, 3)
    again = {r["name"]: (r["incremental"], r["blobs_scanned"]) for r in second.repositories}
    assert again == {"acme/inc0": (True, 0), "acme/inc1": (True, 1), "acme/inc2": (True, 0)}
    assert found(second)["acme/inc1"] == {secret_id(first_key), secret_id(second_key)}
    assert found(second)["acme/inc0"] == {secret_id(first_key)}, "earlier findings are carried, not lost"
    everything = {r["name"]: r["blobs_scanned"] for r in full.repositories}
    assert everything == {"acme/inc0": 3, "acme/inc1": 4, "acme/inc2": 3}
    assert found(full) == found(second)


def test_an_interrupted_run_resumes_with_the_repositories_it_had_not_finished(
    dask_client: Any, fleet: Fleet, tmp_path: Path
) -> None:
    repositories = [Repository(name, str(path)) for name, path in fleet.paths.items()]
    arrived: list[str] = []

    def interrupt_after_five(name: str, outcome: dict[str, Any]) -> None:
        arrived.append(name)
        if len(arrived) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan(dask_client, repositories, tmp_path, listener=interrupt_after_five)
    done_first = list(arrived)
    arrived.clear()
    report = scan(dask_client, repositories, tmp_path, listener=lambda name, outcome: arrived.append(name))

    assert sorted(arrived) == sorted(set(fleet.paths) - set(done_first))
    assert found(report) == planted(fleet)
    assert all(r["status"] == "scanned" for r in report.repositories)


def test_clone_slots_bound_the_clones_running_at_once_across_the_cluster(
    dask_client: Any, fleet: Fleet, tmp_path: Path
) -> None:
    repositories = [Repository(name, str(path)) for name, path in list(fleet.paths.items())[:8]]

    report = scan(dask_client, repositories, tmp_path, clone_slots=1)

    assert all(r["status"] == "scanned" for r in report.repositories)
    windows = sorted((o["clone_started"], o["clone_ended"]) for o in _outcomes(tmp_path, "github:acme"))
    assert len(windows) == 8
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(windows))


def test_an_existing_scheduler_runs_the_same_tasks_with_a_progress_bar(
    dask_client: Any, fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scanner.org.cluster import connect, scheduler_address
    from scanner.org.progress import RepositoryProgress

    address = dask_client.scheduler.address
    repositories = [Repository(name, str(path)) for name, path in list(fleet.paths.items())[:4]]

    assert scheduler_address(None, {"DASK_SCHEDULER_ADDRESS": address}) == address
    assert scheduler_address("tcp://elsewhere:8786", {"DASK_SCHEDULER_ADDRESS": address}) == "tcp://elsewhere:8786"
    with connect(address) as client:
        report = scan(client, repositories, tmp_path, progress=RepositoryProgress(4))
    assert found(report) == {n: ids for n, ids in planted(fleet).items() if n in {r.name for r in repositories}}
    assert dask_client.status == "running", "leaving does not stop a cluster keysweep did not start"
    assert capsys.readouterr().err.rstrip().endswith("4/4  4 done, 0 failed, 0 running")


def test_workers_running_another_keysweep_version_stop_the_run(
    dask_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scanner
    from scanner.errors import UsageError
    from scanner.org.cluster import check_workers

    monkeypatch.setattr(scanner, "__version__", "0.0.0-other")

    with pytest.raises(UsageError, match=r"2 Dask worker\(s\) run keysweep .* this client 0.0.0-other"):
        check_workers(dask_client)


def _outcomes(cache: Path, source: str) -> list[dict[str, Any]]:
    import json

    lines = state_path(cache / "state", source).read_text().splitlines()
    return [json.loads(line)["outcome"] for line in lines if '"kind": "repository"' in line]


def _wait_for_workers(client: Any, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(client.scheduler_info()["workers"]) < count and time.monotonic() < deadline:
        time.sleep(0.2)
