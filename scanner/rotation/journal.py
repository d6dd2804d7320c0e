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
from typing import IO, TypeVar

from scanner.errors import RotationError, UsageError
from scanner.rotation.events import Event, EventData, Planned, decode, encode

_ROTATION_ID = re.compile(r"^rot-[0-9TZ]+-[0-9a-f]{6}$")
E = TypeVar("E", bound=EventData)


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


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the journal."""

    seq: int
    ts: str
    target: str | None
    """The secret id the event is about; None for events about the whole rotation."""
    data: EventData

    @property
    def event(self) -> Event:
        return self.data.event


class Journal:
    """Append-only event log of one rotation; each line is fsynced before the next external call."""

    def __init__(self, path: Path, handle: IO[str], entries: list[Entry], crash: CrashHook) -> None:
        self.path = path
        self._handle = handle
        self.entries = entries
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
        entries = list(read_entries(path))
        handle = path.open("a+", encoding="utf-8")
        handle.seek(0, os.SEEK_END)
        if handle.tell():
            handle.seek(handle.tell() - 1)
            if handle.read(1) != "\n":  # a line torn by a crash: close it so the next one parses
                handle.write("\n")
        return cls._locked(path, handle, entries, crash)

    @classmethod
    def _locked(cls, path: Path, handle: IO[str], entries: list[Entry], crash: CrashHook | None) -> Journal:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RotationError(f"{path} is locked: another keysweep process is running this rotation") from None
        return cls(path, handle, entries, crash or CrashHook())

    @property
    def plan(self) -> Planned | None:
        """The first line, which every journal starts with."""
        first = self.entries[0].data if self.entries else None
        return first if isinstance(first, Planned) else None

    def forbid(self, *values: str | None) -> None:
        """Register secret values that must never reach the file (a last line of defence)."""
        self._forbidden.update(v for v in values if v)

    def append(self, data: EventData, target: str | None = None) -> Entry:
        entry = Entry(len(self.entries) + 1, dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), target, data)
        record = {"seq": entry.seq, "ts": entry.ts, "event": str(data.event), "target": target, **encode(data)}
        line = json.dumps(record, sort_keys=False, default=str)
        if any(secret in line for secret in self._forbidden):
            raise RotationError(
                f"refusing to write a secret value into {self.path} (event {data.event}); this is a bug"
            )
        self._handle.write(line + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.entries.append(entry)
        self.crash.hit(f"event:{data.event}")
        return entry

    def close(self) -> None:
        self._handle.close()

    def last(self, kind: type[E], target: str | None = None) -> E | None:
        """The latest event of this kind (about `target`, when given)."""
        for entry in reversed(self.entries):
            if isinstance(entry.data, kind) and (target is None or entry.target == target):
                return entry.data
        return None

    def has(self, kind: type[EventData], target: str | None = None) -> bool:
        return self.last(kind, target) is not None


def journal_path(state_dir: Path, rotation_id: str) -> Path:
    return state_dir / f"{rotation_id}.jsonl"


def unfinished_rotations(state_dir: Path, secret_ids: set[str]) -> list[tuple[str, str, int]]:
    """(rotation id, last event, how many of `secret_ids` it covers) of every journal in `state_dir` that has
    no `done` and plans at least one of `secret_ids`: a second rotation of them would mint twice."""
    found = []
    for path in sorted(state_dir.glob("*.jsonl")) if state_dir.is_dir() else []:
        entries = list(read_entries(path))
        first = entries[0].data if entries else None
        if not isinstance(first, Planned) or any(e.event is Event.DONE for e in entries):
            continue
        planned = {t["secret"]["secret_id"] for t in first.plan["targets"]}
        overlap = len(planned & secret_ids)
        if overlap:
            found.append((path.stem, str(entries[-1].event), overlap))
    return found


def read_entries(path: Path) -> Iterator[Entry]:
    """Every complete line; a torn last line (the process died mid-write) is skipped."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                return
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            fields = {k: v for k, v in record.items() if k not in ("seq", "ts", "event", "target")}
            data = decode(str(record.get("event")), fields)
            if data is not None:
                target = record.get("target")
                yield Entry(int(record.get("seq") or 0), str(record.get("ts") or ""), target, data)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
