"""A git repository in a folder whose commits have fixed authors and dates: the same history gives the same
commit ids on every machine (the snapshot tests and the committed example rely on it)."""

from __future__ import annotations

import random
import string
import subprocess
from pathlib import Path

EPOCH = 1_700_000_000
"""2023-11-14T22:13:20Z; each commit is an hour after the previous one."""


def isolated_git(config: Path) -> dict[str, str]:
    """Environment variables for git with no global or system config and a fixed committer."""
    config.write_text(
        "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
        "[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n"
    )
    return {
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_COMMITTER_NAME": "CI",
        "GIT_COMMITTER_EMAIL": "ci@example.com",
    }


def fake_key(seed: int, prefix: str = "sk-" + "proj-", length: int = 48) -> str:
    """A key-shaped value with realistic entropy, the same for the same seed (never a literal in the source)."""
    rng = random.Random(seed)
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


class Repo:
    """A repository whose n-th commit is dated EPOCH + n hours, authored by whoever `commit` names."""

    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path = path
        self.env = env
        self.clock = 0

    @classmethod
    def init(cls, path: Path, env: dict[str, str]) -> Repo:
        path.mkdir(parents=True)
        repo = cls(path, env)
        repo.git("init", "-q", "-b", "main")
        return repo

    def git(self, *args: str, date: str | None = None) -> str:
        env = dict(self.env)
        if date:
            env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        done = subprocess.run(["git", *args], cwd=self.path, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def commit(self, message: str, files: dict[str, str | None], author: str = "Ada") -> str:
        """Write (or delete, for None) the files and commit them; answers the commit id."""
        for path, text in files.items():
            if text is None:
                self.git("rm", "-q", path)
                continue
            file = self.path / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
            self.git("add", path)
        self.clock += 1
        date = f"@{EPOCH + self.clock * 3600} +0000"
        self.git(
            "-c", f"user.name={author}", "-c", f"user.email={author.lower()}@example.com",
            "commit", "-q", "--no-verify", "--author", f"{author} <{author.lower()}@example.com>", "-m", message,
            date=date,
        )  # fmt: skip
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, message: str | None = None) -> None:
        if message is None:
            self.git("tag", name)
        else:
            self.git("tag", "-a", name, "-m", message, date=f"@{EPOCH + self.clock * 3600} +0000")

    def date(self, n: int) -> str:
        """The ISO-8601 author date of the n-th commit, as git prints it."""
        import datetime as dt

        return dt.datetime.fromtimestamp(EPOCH + n * 3600, dt.UTC).isoformat().replace("+00:00", "+00:00")
