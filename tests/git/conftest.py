"""Fixtures for git tests: repositories in tmp_path with fixed authors and dates and isolated git config."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from gitrepo import EPOCH, Repo


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment with no global or system git config, fixed identity and dates."""
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
        '[commit]\n\tgpgsign = false\n[advice]\n\tdetachedHead = false\n[protocol "file"]\n\tallow = always\n'
    )
    values = {
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_AUTHOR_DATE": f"@{EPOCH} +0000",
        "GIT_COMMITTER_DATE": f"@{EPOCH} +0000",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return dict(os.environ)


@pytest.fixture
def make_repo(tmp_path: Path, git_env: dict[str, str]) -> Callable[..., Repo]:
    def make(name: str = "repo") -> Repo:
        path = tmp_path / name
        path.mkdir()
        repo = Repo(path, git_env)
        repo.git("init", "-q", "-b", "main")
        return repo

    return make


@pytest.fixture
def repo(make_repo: Callable[..., Repo]) -> Repo:
    made: Repo = make_repo()
    return made
