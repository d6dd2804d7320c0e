"""The rotation journal: one append-only, fsynced JSON-lines file per rotation id, never holding a secret."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

from scanner.errors import RotationError, UsageError
from scanner.rotation.events import Event, EventData, Planned, decode, encode

if TYPE_CHECKING:
    from filelock import BaseFileLock

_ROTATION_ID = re.compile(r"^rot-[0-9TZ]+-[0-9a-f]{6}$")
E = TypeVar("E", bound=EventData)


@dataclass(slots=True)
class CrashHook:
    """Fault injection for tests: SIGKILL this process right after the named point (`KEYSWEEP_CRASH_AFTER`),
    or hold it there until a gate file appears (`KEYSWEEP_PAUSE_AT`, `KEYSWEEP_PAUSE_FILE`), to force an
    interleaving with another process.

    A point is `event:<journal event>` (after the line is fsynced), `call:<provider or vault call>` (after
    the call answered, before the journal heard of it) or `session:<step>`; `@N` picks the N-th time the point
    is reached. A paused process writes `<gate>.reached`, then waits (at most 120 s) for `<gate>`.
    """

    point: str | None = None
    hits: dict[str, int] = field(default_factory=dict)
    """How often each point was reached (tests check that the list of crash points is complete)."""
    pause: str | None = None
    gate: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CrashHook:
        gate = env.get("KEYSWEEP_PAUSE_FILE")
        return cls(
            env.get("KEYSWEEP_CRASH_AFTER"), pause=env.get("KEYSWEEP_PAUSE_AT"), gate=Path(gate) if gate else None
        )

    def hit(self, name: str) -> None:
        self.hits[name] = self.hits.get(name, 0) + 1
        if self._is(self.pause, name) and self.gate is not None:
            self.gate.with_name(self.gate.name + ".reached").touch()
            deadline = time.monotonic() + 120
            while not self.gate.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        if self._is(self.point, name):
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))

    def _is(self, point: str | None, name: str) -> bool:
        if not point:
            return False
        wanted, _, nth = point.partition("@")
        return name == wanted and self.hits[name] == int(nth or 1)


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
        self._lock: BaseFileLock | None = None

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
        from filelock import FileLock, Timeout

        lock = FileLock(path.with_name(path.name + ".lock"), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            handle.close()
            raise RotationError(f"{path} is locked: another keysweep process is running this rotation") from None
        journal = cls(path, handle, entries, crash or CrashHook())
        journal._lock = lock
        return journal

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
        if self._lock is not None:
            self._lock.release()

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


@dataclass(frozen=True, slots=True)
class Covering:
    """A rotation in the state directory that already deals with some of the secrets a new run found."""

    rotation_id: str
    last_event: str
    count: int
    """How many of the secrets it covers."""
    done: bool


def rotations_covering(state_dir: Path, secret_ids: set[str]) -> list[Covering]:
    """Every journal in `state_dir` whose plan would rotate (or, unfinished, still handles) one of `secret_ids`,
    oldest first: a second rotation of them would mint twice, or rotate a key that is dead already.

    Identifiers (org IDs) are not counted: any number of rotations may keep the same org ID.
    """
    found = []
    for path in sorted(state_dir.glob("*.jsonl")) if state_dir.is_dir() else []:
        entries = list(read_entries(path))
        first = entries[0].data if entries else None
        if not isinstance(first, Planned):
            continue
        done = any(e.event is Event.DONE for e in entries)
        wanted = (
            ("rotate-key", "rotate-webhook") if done else ("rotate-key", "rotate-webhook", "manual", "already-dead")
        )
        planned = {t["secret"]["secret_id"] for t in first.plan["targets"] if t["action"] in wanted}
        overlap = len(planned & secret_ids)
        if overlap:
            found.append(Covering(path.stem, str(entries[-1].event), overlap, done))
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
    if os.name == "nt":  # NOTE: Windows cannot open a folder to fsync it; NTFS journals the entry itself
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
