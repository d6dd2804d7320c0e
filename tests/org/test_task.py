"""The per-repository task on its own (no Dask): limits with clear reasons, mirrors reused, the progress line."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from repo_builders import build_bare, fake_key, isolated_git_environment

from scanner.config import Settings
from scanner.findings import secret_id
from scanner.org.progress import RepositoryProgress
from scanner.org.repositories import Repository
from scanner.org.task import RepositoryTask, scan_repository


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in isolated_git_environment(tmp_path / "home").items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "app.git"
    build_bare(path, [{"README.md": "x\n"}, {"app.py": f'KEY = "{fake_key(random.Random(1))}"\n'}])
    return path


def run(bare: Path, tmp_path: Path, **kw: object) -> dict[str, object]:
    repo = Repository("acme/app", str(bare), size_kib=kw.pop("size_kib", None))  # type: ignore[arg-type]
    return scan_repository(RepositoryTask(repo, Settings(), cache_dir=str(tmp_path / "cache"), **kw))  # type: ignore[arg-type]


def test_a_repository_is_mirrored_scanned_and_fetched_again_on_the_next_run(bare: Path, tmp_path: Path) -> None:
    first = run(bare, tmp_path)
    tips = first["tips"]
    build_bare(bare, [{"b.txt": "b\n"}], start=9)
    second = run(bare, tmp_path, covered=tuple(tips))  # type: ignore[arg-type]

    assert first["status"] == "scanned" and first["blobs_scanned"] == 2
    assert [row["secret_id"] for row in first["findings"]] == [secret_id(fake_key(random.Random(1)))]  # type: ignore[attr-defined]
    assert (second["incremental"], second["blobs_scanned"], second["findings"]) == (True, 1, [])
    assert len(list((tmp_path / "cache").glob("*.git"))) == 1


def test_the_api_size_stops_an_oversize_repository_before_any_clone(bare: Path, tmp_path: Path) -> None:
    outcome = run(bare, tmp_path, size_kib=5 * 1024, max_bytes=2**20)

    assert outcome["status"] == "failed"
    assert outcome["reason"] == "size limit: the hosting API reports 5 MiB, over 1 MiB (--max-repo-size)"
    assert not (tmp_path / "cache").exists()


def test_a_mirror_that_outgrows_the_size_limit_fails_with_the_reason(bare: Path, tmp_path: Path) -> None:
    outcome = run(bare, tmp_path, max_bytes=1024)

    assert outcome["status"] == "failed"
    assert str(outcome["reason"]).startswith("size limit: ") and "(--max-repo-size)" in str(outcome["reason"])


def test_a_repository_past_its_time_fails_with_the_reason(bare: Path, tmp_path: Path) -> None:
    outcome = run(bare, tmp_path, timeout=1e-6)

    assert outcome["status"] == "failed" and str(outcome["reason"]).startswith("time limit: ")
    assert "(--task-timeout)" in str(outcome["reason"]) and outcome["findings"] == []


def test_a_clone_error_is_git_s_own_reason(tmp_path: Path, bare: Path) -> None:
    outcome = run(tmp_path / "missing.git", tmp_path)

    assert outcome["status"] == "failed" and str(outcome["reason"]).startswith("git clone failed: ")


def test_the_progress_line_counts_done_failed_and_running() -> None:
    bar = RepositoryProgress(total=20)
    bar.done, bar.failed, bar.running = 9, 1, 2

    assert bar.line() == f"repositories [{'#' * 15:<30}] 10/20  9 done, 1 failed, 2 running"
