"""The rotation journal: one append-only, fsynced JSON-lines file per rotation id, never holding a secret."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scanner.errors import RotationError, UsageError

_ROTATION_ID = re.compile(r"^rot-[0-9TZ]+-[0-9a-f]{6}$")


@dataclass(slots=True)
class CrashHook:
    """Fault injection for tests: SIGKILL this process right after the named point (`KEYSWEEP_CRASH_AFTER`).

    A point is `event:<journal event>` (after the line is fsynced) or `call:<provider or vault call>` (after
    the call answered, before the journal heard of it); `@N` picks the N-th time the point is reached.
    """

    point: str | None = None
    hits: dict[str, int] = field(default_factory=dict)
    """How often each point was reached (tests check that the list of crash points is complete)."""

    def hit(self, name: str) -> None:
        self.hits[name] = self.hits.get(name, 0) + 1
        if not self.point:
            return
        wanted, _, nth = self.point.partition("@")
        if name == wanted and self.hits[name] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)


class Journal:
    """Append-only event log of one rotation; each line is fsynced before the next external call."""

    def __init__(self, path: Path, handle: IO[str], events: list[dict[str, Any]], crash: CrashHook) -> None:
        self.path = path
        self._handle = handle
        self.events = events
        self.crash = crash
        self._forbidden: set[str] = set()

    @classmethod
    def create(cls, state_dir: Path, rotation_id: str, crash: CrashHook | None = None) -> Journal:
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = journal_path(state_dir, rotation_id)
        try:
            handle = path.open("x", encoding="utf-8")
        except FileExistsError:
            raise UsageError(f"{path} already exists: use --resume {rotation_id}") from None
        _fsync_dir(state_dir)
        return cls._locked(path, handle, [], crash)

    @classmethod
    def open(cls, state_dir: Path, rotation_id: str, crash: CrashHook | None = None) -> Journal:
        if not _ROTATION_ID.match(rotation_id):
            raise UsageError(f"{rotation_id!r} is not a rotation id (like rot-20250114T020304Z-1a2b3c)")
        path = journal_path(state_dir, rotation_id)
        if not path.is_file():
            raise UsageError(f"no journal for {rotation_id} in {state_dir} (pass --state-dir if it lives elsewhere)")
        events = list(read_events(path))
        handle = path.open("a+", encoding="utf-8")
        handle.seek(0, os.SEEK_END)
        if handle.tell():
            handle.seek(handle.tell() - 1)
            if handle.read(1) != "\n":  # a line torn by a crash: close it so the next one parses
                handle.write("\n")
        return cls._locked(path, handle, events, crash)

    @classmethod
    def _locked(cls, path: Path, handle: IO[str], events: list[dict[str, Any]], crash: CrashHook | None) -> Journal:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RotationError(f"{path} is locked: another keysweep process is running this rotation") from None
        return cls(path, handle, events, crash or CrashHook())

    def forbid(self, *values: str | None) -> None:
        """Register secret values that must never reach the file (a last line of defence)."""
        self._forbidden.update(v for v in values if v)

    def append(self, event: str, target: str | None = None, **fields: Any) -> dict[str, Any]:
        record = {
            "seq": len(self.events) + 1,
            "ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "event": event,
            "target": target,
            **fields,
        }
        line = json.dumps(record, sort_keys=False, default=str)
        if any(secret in line for secret in self._forbidden):
            raise RotationError(f"refusing to write a secret value into {self.path} (event {event}); this is a bug")
        self._handle.write(line + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.events.append(record)
        self.crash.hit(f"event:{event}")
        return record

    def close(self) -> None:
        self._handle.close()

    def last(self, event: str, target: str | None = None) -> dict[str, Any] | None:
        return next(
            (e for e in reversed(self.events) if e["event"] == event and (target is None or e.get("target") == target)),
            None,
        )

    def has(self, event: str, target: str | None = None) -> bool:
        return self.last(event, target) is not None


def journal_path(state_dir: Path, rotation_id: str) -> Path:
    return state_dir / f"{rotation_id}.jsonl"


def unfinished_rotations(state_dir: Path, secret_ids: set[str]) -> list[tuple[str, str, int]]:
    """(rotation id, last event, how many of `secret_ids` it covers) of every journal in `state_dir` that has
    no `done` and plans at least one of `secret_ids`: a second rotation of them would mint twice."""
    found = []
    for path in sorted(state_dir.glob("*.jsonl")) if state_dir.is_dir() else []:
        events = list(read_events(path))
        if not events or events[0].get("event") != "plan" or any(e.get("event") == "done" for e in events):
            continue
        planned = {t.get("secret", {}).get("secret_id") for t in events[0].get("plan", {}).get("targets", [])}
        overlap = len(planned & secret_ids)
        if overlap:
            found.append((path.stem, str(events[-1].get("event")), overlap))
    return found


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """Every complete line; a torn last line (the process died mid-write) is skipped."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                return
            try:
                yield json.loads(line)
            except ValueError:
                continue


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
