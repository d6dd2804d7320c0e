"""The published hook through the real pre-commit framework, installed from a clone of this repository."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from gitrepo import Repo, fake_key

ROOT = Path(__file__).resolve().parents[2]
KEY = fake_key(51)
OLD = fake_key(52)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """A clone of this checkout at HEAD (pre-commit installs only committed files) and a shared cache."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("the project is not a git checkout, so pre-commit cannot install it from a rev")
    clone = tmp_path_factory.mktemp("hook-repo") / "keysweep"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    if not (clone / ".pre-commit-hooks.yaml").exists():
        pytest.skip(".pre-commit-hooks.yaml is not committed yet")
    return clone, head.stdout.strip(), tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(make_repo: Callable[..., Repo], hook_repo: tuple[Path, str, Path]) -> Repo:
    """A user's repository whose .pre-commit-config.yaml points at this repository, hooks installed."""
    clone, rev, home = hook_repo
    repo = make_repo("project")
    repo.env = {**repo.env, "PRE_COMMIT_HOME": str(home)}
    repo.write(
        ".pre-commit-config.yaml",
        f"repos:\n- repo: {clone}\n  rev: {rev}\n  hooks:\n  - id: keysweep\n",
    )
    run = pre_commit(repo, "install", "--install-hooks")
    assert run.returncode == 0, run.stdout + run.stderr
    repo.git("add", ".pre-commit-config.yaml")
    repo.git("commit", "-q", "-m", "pre-commit config")
    return repo


def pre_commit(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo.path,
        env=repo.env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def commit_count(repo: Repo) -> int:
    return int(repo.git("rev-list", "--count", "HEAD"))


def test_a_commit_with_a_staged_key_is_blocked_by_the_installed_hook(project: Repo) -> None:
    project.write("settings.py", f'OPENAI_API_KEY = "{KEY}"\n')
    project.git("add", "settings.py")

    commit = subprocess.run(
        ["git", "commit", "-m", "add settings"],
        cwd=project.path,
        env=project.env,
        capture_output=True,
        text=True,
    )

    output = commit.stdout + commit.stderr
    assert commit.returncode != 0
    assert commit_count(project) == 1
    assert "keysweep (leaked secrets)" in output and "Failed" in output
    assert "settings.py:1:19" in output and "openai-project-key" in output
    assert KEY not in output


def test_a_clean_commit_passes_the_installed_hook(project: Repo) -> None:
    project.write("settings.py", 'OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]\n')
    project.git("add", "settings.py")

    commit = subprocess.run(
        ["git", "commit", "-m", "settings"], cwd=project.path, env=project.env, capture_output=True, text=True
    )

    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert "keysweep (leaked secrets)" in commit.stdout + commit.stderr
    assert commit_count(project) == 2


def test_run_all_files_and_files_catch_a_key_already_committed(project: Repo) -> None:
    project.write("old.py", f'KEY = "{OLD}"\n')
    project.git("add", "old.py")
    project.git("commit", "-q", "--no-verify", "-m", "before the hook")

    everything = pre_commit(project, "run", "--all-files")
    one_file = pre_commit(project, "run", "--files", "old.py")

    for run in (everything, one_file):
        assert run.returncode == 1, run.stdout + run.stderr
        assert "old.py:1:8" in run.stdout
