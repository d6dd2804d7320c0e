"""Helpers for git tests: repositories with fixed, increasing dates; fake keys; a stand-in for scan()."""

from __future__ import annotations

import random
import string
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from scanner.findings import CommitsRead, Finding, Fragment, Note, Severity, Skipped
from scanner.sources import Item, Source, expand

EPOCH = 1_700_000_000


def fake_key(seed: int, prefix: str = "sk-proj-", length: int = 48) -> str:
    """A key-shaped value with realistic entropy, the same for the same seed."""
    rng = random.Random(seed)
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


class Repo:
    """A git repository in a temporary folder whose commits have fixed, increasing dates."""

    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path = path
        self.env = env
        self.clock = 0

    def git(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["git", *args], cwd=self.path, env=self.env, capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def write(self, path: str, text: str | bytes) -> Path:
        file = self.path / path
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            file.write_bytes(text)
        else:
            file.write_text(text)
        return file

    def commit(self, message: str, files: dict[str, str | bytes | None] | None = None, author: str = "Ada") -> str:
        """Write (or delete, for None) the files, stage everything, commit; return the commit id."""
        for path, text in (files or {}).items():
            if text is None:
                self.git("rm", "-q", path)
            else:
                self.write(path, text)
                self.git("add", path)
        self.clock += 1
        date = f"@{EPOCH + self.clock * 3600} +0000"
        self._commit(message, date, author)
        return self.git("rev-parse", "HEAD")

    def _commit(self, message: str, date: str, author: str) -> None:
        env = dict(self.env, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        env.update(GIT_AUTHOR_NAME=author, GIT_AUTHOR_EMAIL=f"{author.lower()}@example.com")
        subprocess.run(
            ["git", "commit", "-q", "--allow-empty", "--no-verify", "-m", message],
            cwd=self.path,
            env=env,
            check=True,
            capture_output=True,
        )


def stand_in_scan(source: Source, secrets: Iterable[str], rule_id: str = "test-key") -> list[Finding]:
    """What scan() does with a source, with the engine replaced by a search for known secret values.

    Findings are made from each fragment the way the pipeline makes them (path, line, column and provenance
    from the fragment; added_lines honoured), then handed to `attribute()` once.
    """
    wanted = [s.encode() for s in secrets]
    findings: list[Finding] = []
    for fragment in expand(source.read()):
        if not isinstance(fragment, Fragment):
            continue
        for number, line in enumerate(fragment.data.split(b"\n"), start=1):
            if fragment.added_lines is not None and number not in fragment.added_lines:
                continue
            for secret in wanted:
                column = line.find(secret)
                if column < 0:
                    continue
                findings.append(
                    Finding(
                        rule_id=rule_id,
                        severity=Severity.HIGH,
                        secret=secret.decode(),
                        path=fragment.path,
                        line=number,
                        column=column + 1,
                        end_column=column + 1 + len(secret),
                        commit=fragment.commit,
                        blob=fragment.blob,
                    )
                )
    return source.attribute(findings)


class Recorded:
    """A source whose stream is kept as it passes: its fragments, skips and notes, for tests to look at."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.fragments: list[Fragment] = []
        self.skipped: list[Skipped] = []
        self.notes: list[str] = []
        self.commits = 0

    def read(self) -> Iterator[Item]:
        """The source's stream, deferred work read in its place (as the engine would)."""
        for item in expand(self.source.read()):
            if isinstance(item, Fragment):
                self.fragments.append(item)
            elif isinstance(item, Skipped):
                self.skipped.append(item)
            elif isinstance(item, Note):
                self.notes.append(item.text)
            elif isinstance(item, CommitsRead):
                self.commits += item.count
            yield item

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return self.source.attribute(findings)


def drain(source: Source) -> Recorded:
    """Everything `source` streams, read to the end."""
    recorded = Recorded(source)
    for _ in recorded.read():
        pass
    return recorded


def commit_of(finding: Finding) -> str | None:
    """The id of the commit a finding is attributed to (None on disk, and for the commit being made)."""
    return finding.commit.oid if finding.commit else None


def author_of(finding: Finding) -> str | None:
    return finding.commit.author if finding.commit else None


def count_worker_starts(monkeypatch: Any) -> list[int]:
    """Each time the engine starts its worker processes from now on, how many it starts (the list fills)."""
    from scanner.engine import workers

    started: list[int] = []
    real: Callable[..., Iterator[workers.Result]] = workers._on_workers

    def counted(*args: Any) -> Iterator[workers.Result]:
        started.append(args[-1])
        return real(*args)

    monkeypatch.setattr(workers, "_on_workers", counted)
    return started
