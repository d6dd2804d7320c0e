"""The state file: what each repository's last scan covered (ref tips, finding rows), so a re-run reads only new
objects and an interrupted run resumes where it stopped.

JSON Lines, appended and fsynced as each repository finishes (one line each: a crash loses at most the line
being written), compacted when a run finishes. It holds names, credential-free URLs, commit ids and finding
rows without values: never a secret, never a token.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from scanner import __version__
from scanner.config import Settings
from scanner.errors import UsageError

VERSION = 1


def default_state_dir(environ: Mapping[str, str]) -> Path:
    """$XDG_STATE_HOME/keysweep/org (~/.local/state/keysweep/org when unset)."""
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "keysweep" / "org"


def state_path(folder: Path, source: str) -> Path:
    """One state file per source (`github:acme`, a `--repos` file's absolute path)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", source).strip("-.")[-60:] or "source"
    return folder / f"{slug}-{hashlib.sha256(source.encode()).hexdigest()[:10]}.jsonl"


def settings_fingerprint(settings: Settings) -> str:
    """What makes earlier findings still valid: keysweep's version and the settings that change detection."""
    basis = [
        __version__,
        sorted(str(p) for p in settings.rule_paths),
        sorted(settings.disabled_rules),
        list(settings.allow_paths),
        list(settings.allow_values),
        settings.max_file_size,
    ]
    return hashlib.sha256(json.dumps(basis).encode()).hexdigest()[:16]


class StateFile:
    """The state of one source's org scans, held open (and locked) for one run."""

    def __init__(self, path: Path, source: str, fingerprint: str, *, full: bool = False) -> None:
        self.path = path
        self.source = source
        self.fingerprint = fingerprint
        self.entries: dict[str, dict[str, Any]] = {}
        """Repository name → its latest recorded outcome (with the fingerprint and run it was made under)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(path.with_name(path.name + ".lock"), "a+b")  # noqa: SIM115 (held for the run)
        _lock_or_fail(self._lock, path)
        unfinished = self._load() if not full else None
        if full:
            self.entries = {}
        self.resumed = unfinished is not None
        self.run_id = unfinished or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{os.getpid()}"
        self._rewrite(finished=False)
        self._out: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 (appended to for the run)

    # -- reading --------------------------------------------------------------------------------------

    def _load(self) -> str | None:
        """Read the entries; return the id of a run that started and did not finish."""
        run: str | None = None
        finished: set[str] = set()
        with contextlib.suppress(FileNotFoundError):
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # NOTE: the line a crash cut short
                if not isinstance(record, dict):
                    continue
                kind = record.get("kind")
                if kind == "header" and record.get("version") != VERSION:
                    return None
                if kind == "run":
                    run = str(record.get("id"))
                elif kind == "finished":
                    finished.add(str(record.get("id")))
                elif kind == "repository" and isinstance(record.get("outcome"), dict):
                    self.entries[str(record["outcome"].get("repository"))] = record
        return run if run is not None and run not in finished else None

    def previous(self, name: str) -> dict[str, Any] | None:
        """The last outcome of `name` that a re-run may build on (made under the same settings), if any."""
        entry = self.entries.get(name)
        if entry is None or entry.get("fingerprint") != self.fingerprint:
            return None
        outcome: dict[str, Any] = entry["outcome"]
        return outcome if outcome.get("tips") else None

    def done_in_this_run(self, name: str) -> dict[str, Any] | None:
        """The outcome `name` already has in the run being resumed (scanned, under the same settings)."""
        entry = self.entries.get(name)
        if not self.resumed or entry is None or entry.get("run") != self.run_id:
            return None
        if entry.get("fingerprint") != self.fingerprint or entry["outcome"].get("status") != "scanned":
            return None
        outcome: dict[str, Any] = entry["outcome"]
        return outcome

    # -- writing --------------------------------------------------------------------------------------

    def record(self, outcome: dict[str, Any]) -> None:
        """Append one repository's outcome (values stripped), durable before the next repository's."""
        entry = {"kind": "repository", "run": self.run_id, "fingerprint": self.fingerprint, "outcome": _clean(outcome)}
        self.entries[str(outcome["repository"])] = entry
        self._out.write(json.dumps(entry, sort_keys=True) + "\n")
        self._out.flush()
        os.fsync(self._out.fileno())

    def finish(self) -> None:
        """Mark the run finished and compact the file to one line per repository."""
        self._out.close()
        self._rewrite(finished=True)
        self.close()

    def close(self) -> None:
        if not self._out.closed:
            self._out.close()
        if not self._lock.closed:
            self._lock.close()

    def _rewrite(self, *, finished: bool) -> None:
        lines = [{"kind": "header", "version": VERSION, "source": self.source}, {"kind": "run", "id": self.run_id}]
        lines += list(self.entries.values())
        if finished:
            lines.append({"kind": "finished", "id": self.run_id})
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(line, sort_keys=True) + "\n" for line in lines)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)


def _clean(outcome: dict[str, Any]) -> dict[str, Any]:
    """The outcome without secret values (present only under --reveal): the state never holds one."""
    rows = [{k: v for k, v in row.items() if k != "secret"} for row in outcome.get("findings", [])]
    return {**outcome, "findings": rows}


def _lock_or_fail(handle: IO[bytes], path: Path) -> None:
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise UsageError(f"{path}: another org scan of this source is running (its state file is locked)") from None
