"""A real bare repository as the remote, a clone with fixed authors and dates, and the hosting emulator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:  # plain `pytest` does not put the root on sys.path; the fakes live under tests/
    sys.path.insert(0, ROOT)

from scanner.user_config import UserConfig  # noqa: E402
from tests.emulators.hosting import HostingEmulator  # noqa: E402

REPOSITORY = "acme/app"
TOKEN = "ghp-test-token-not-a-secret"


def trusting(*urls: str) -> UserConfig:
    """A user config that confirms the emulators' loopback URLs (a repository config names them in tests)."""
    return UserConfig(Path("/nonexistent/keysweep/config.toml"), True, tuple((u, "the test") for u in urls), True)


@dataclass
class Checkout:
    """The user's clone (`path`) of the bare `remote`."""

    path: Path
    remote: Path

    def git(self, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(["git", *args], cwd=cwd or self.path, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
        return done.stdout.strip()

    def remote_git(self, *args: str) -> str:
        return self.git("--git-dir", str(self.remote), *args, cwd=self.remote)

    def commit_all(self, files: dict[str, str], message: str = "add files") -> str:
        for path, text in files.items():
            target = self.path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="")
        self.git("add", "-f", *files)
        self.git("commit", "-q", "-m", message)
        self.git("push", "-q", "origin", "HEAD:main")
        return self.git("rev-parse", "HEAD")

    def branch_file(self, branch: str, path: str) -> str:
        return self.remote_git("show", f"refs/heads/{branch}:{path}")

    def branch_files(self, branch: str) -> list[str]:
        return self.remote_git("ls-tree", "-r", "--name-only", f"refs/heads/{branch}").splitlines()


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolated git: no user or system config, fixed identities and dates, no hosting tokens."""
    home = tmp_path / "home"
    home.mkdir()
    for name, value in {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ada Lovelace",
        "GIT_AUTHOR_EMAIL": "ada@example.invalid",
        "GIT_AUTHOR_DATE": "2025-01-02T03:04:05+00:00",
        "GIT_COMMITTER_NAME": "Ada Lovelace",
        "GIT_COMMITTER_EMAIL": "ada@example.invalid",
        "GIT_COMMITTER_DATE": "2025-01-02T03:04:05+00:00",
        "GIT_TERMINAL_PROMPT": "0",
    }.items():
        monkeypatch.setenv(name, value)
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def checkout(tmp_path: Path, git_env: None) -> Checkout:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True)
    co = Checkout(work, remote)
    co.commit_all({"README.md": "# app\n"}, "initial commit")
    return co


@pytest.fixture
def emulator(checkout: Checkout) -> Iterator[HostingEmulator]:
    with HostingEmulator(TOKEN, {REPOSITORY: checkout.remote}) as emu:
        yield emu
