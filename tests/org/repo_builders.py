"""Builders for org-scan tests: bare repositories with fixed authors and dates (one `git fast-import` each), keys
generated at test time, and the isolated git environment the tests and their workers share."""

from __future__ import annotations

import random
import string
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

EPOCH = 1_700_000_000
TOKEN = "org-scan-test-token-5a1f9c"
"""The hosting token the tests plant in the environment, then look for on disk."""


def fake_key(rng: random.Random, prefix: str = "sk-proj-", length: int = 48) -> str:
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def isolated_git_environment(home: Path) -> dict[str, str]:
    """No user or system git config, fixed identity; what the tests and the workers they start run with."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    return {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "GITHUB_TOKEN": TOKEN,
        "GITLAB_TOKEN": TOKEN,
    }


def build_bare(path: Path, commits: list[dict[str, str | None]], *, start: int = 0, branch: str = "main") -> list[str]:
    """A bare repository whose `branch` gets one commit per dict (path -> text, None deletes), an hour apart from
    EPOCH + `start` hours; built with one `git fast-import`. Returns the commit ids, oldest first."""
    if not (path / "HEAD").exists():
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True, capture_output=True)
    parent = subprocess.run(
        ["git", "--git-dir", str(path), "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    stream = bytearray()
    for n, files in enumerate(commits, 1):
        when = EPOCH + (start + n) * 3600
        message = f"commit {start + n}".encode()
        stream += f"commit refs/heads/{branch}\nmark :{n}\n".encode()
        stream += f"author Ada <ada@example.com> {when} +0000\ncommitter Ada <ada@example.com> {when} +0000\n".encode()
        stream += f"data {len(message)}\n".encode() + message + b"\n"
        if n > 1:
            stream += f"from :{n - 1}\n".encode()
        elif parent:
            stream += f"from {parent}\n".encode()
        for name, text in files.items():
            if text is None:
                stream += f"D {name}\n".encode()
                continue
            data = text.encode()
            stream += f"M 100644 inline {name}\ndata {len(data)}\n".encode() + data + b"\n"
    stream += b"".join(f"get-mark :{n}\n".encode() for n in range(1, len(commits) + 1))
    done = subprocess.run(
        ["git", "--git-dir", str(path), "fast-import", "--quiet"], input=bytes(stream), capture_output=True, check=True
    )
    return done.stdout.decode().split()


@dataclass
class Fleet:
    """Bare repositories with keys planted in their histories, and which key each repository holds."""

    root: Path
    paths: dict[str, Path] = field(default_factory=dict)
    """Full name (`acme/r00`) -> bare repository."""
    keys: dict[str, set[str]] = field(default_factory=dict)
    """Full name -> the key values planted in its history."""
    shared: str = ""
    """The key planted in several repositories."""


def build_fleet(root: Path, count: int, seed: int = 7) -> Fleet:
    """`count` repositories `acme/rNN`: each adds a config with its own key and then removes it (the key lives
    in history only); every fifth also holds the shared key; the last one is clean."""
    rng = random.Random(seed)
    fleet = Fleet(root, shared=fake_key(rng))
    for n in range(count):
        name = f"acme/r{n:02d}"
        path = root / f"r{n:02d}.git"
        keys: set[str] = set()
        history: list[dict[str, str | None]] = [{"README.md": f"# {name}\n"}]
        if n < count - 1:
            own = fake_key(rng)
            keys.add(own)
            history.append({"app/config.py": f'API_KEY = "{own}"\n'})
            history.append({"app/config.py": 'import os\nAPI_KEY = os.environ["OPENAI_API_KEY"]\n'})
        if n % 5 == 0 and n < count - 1:
            keys.add(fleet.shared)
            history.append({"deploy/.env": f"OPENAI_API_KEY={fleet.shared}\n"})
        build_bare(path, history, start=n * 10)
        fleet.paths[name] = path
        fleet.keys[name] = keys
    return fleet
