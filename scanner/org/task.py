"""The per-repository task that Dask runs on a worker: mirror the repository, scan its history, return plain data.

What comes back is JSON-ready (finding rows as in the JSON report, plus a summary): it crosses the network, is
kept in the state file, and never holds a secret value unless the user asked with --reveal.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.config import Settings
from scanner.errors import KeysweepError
from scanner.findings import Fragment
from scanner.org.discovery import token_for
from scanner.org.mirror import TaskLimit, present, ref_tips, update_mirror
from scanner.org.repositories import Repository, safe_url

if TYPE_CHECKING:
    from scanner.engine.ruleset import RuleSet

DEFAULT_TIMEOUT = 3600.0
"""Seconds one repository may take (clone or fetch plus scan)."""
DEFAULT_MAX_SIZE = 4 * 2**30
"""Bytes a repository's mirror may hold (the API's size is checked before cloning, the disk while cloning)."""


@dataclass(frozen=True, slots=True)
class RepositoryTask:
    """Everything a worker needs to scan one repository; holds no credential (workers read their environment)."""

    repository: Repository
    settings: Settings
    covered: tuple[str, ...] = ()
    """Ref tips an earlier scan covered; objects they reach are not read again."""
    cache_dir: str | None = None
    """Where mirrors live; None: the worker's own cache ($XDG_CACHE_HOME/keysweep/mirrors)."""
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_SIZE
    clone_slots: int = 0
    """Clones (and fetches) allowed at once across the cluster (a Dask semaphore); 0: no limit."""


def scan_repository(task: RepositoryTask) -> dict[str, Any]:
    """Mirror `task.repository`, scan what is new in its history, and return the outcome as plain data.

    Failures a user can act on (git errors, limits) come back as `status: failed` with the reason; anything
    else raises, so that Dask retries the task.
    """
    repo = task.repository
    started = time.monotonic()
    outcome: dict[str, Any] = {
        "repository": repo.name,
        "url": safe_url(repo.clone_url),
        "status": "failed",
        "reason": None,
        "tips": [],
        "incremental": False,
        "blobs_scanned": 0,
        "bytes_scanned": 0,
        "skipped": [],
        "notes": [],
        "findings": [],
        "clone_seconds": 0.0,
        "scan_seconds": 0.0,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    if repo.size_kib is not None and repo.size_kib * 1024 > task.max_bytes:
        outcome["reason"] = (
            f"size limit: the hosting API reports {repo.size_kib / 1024:.0f} MiB, over "
            f"{task.max_bytes / 2**20:.0f} MiB (--max-repo-size)"
        )
        return outcome
    deadline = started + task.timeout
    cache = Path(task.cache_dir) if task.cache_dir else default_cache_dir(os.environ) / "mirrors"
    try:
        with _clone_slot(task.clone_slots, deadline):
            outcome["clone_started"] = time.time()
            path, _ = update_mirror(
                repo,
                cache,
                os.environ,
                token=token_for(repo.host, os.environ),
                deadline=deadline,
                max_bytes=task.max_bytes,
            )
            outcome["clone_ended"] = time.time()
        outcome["clone_seconds"] = round(time.monotonic() - started, 3)
        tips = ref_tips(path)
        covered = present(path, list(task.covered))
        outcome["tips"] = tips
        outcome["incremental"] = bool(covered)
        if covered and set(tips) <= set(covered):
            outcome["status"] = "scanned"
            return outcome
        _scan(task, path, covered, deadline, outcome)
    except TaskLimit as exc:
        outcome["reason"] = str(exc)
        return outcome
    except KeysweepError as exc:
        outcome["reason"] = f"scan failed: {exc}"
        return outcome
    outcome["scan_seconds"] = round(time.monotonic() - started - outcome["clone_seconds"], 3)
    outcome["status"] = "scanned"
    return outcome


def _scan(task: RepositoryTask, path: Path, covered: list[str], deadline: float, outcome: dict[str, Any]) -> None:
    from scanner.scan import scan
    from scanner.sources.targets import in_repository

    def check_time(fragment: Fragment, size: int) -> None:
        if time.monotonic() > deadline:
            raise TaskLimit("time limit: the scan did not finish in the task's time (--task-timeout)")

    settings = task.settings
    target = in_repository(path, settings, history=True, covered=covered)
    rules = _rules(settings.rule_paths, settings.disabled_rules)
    result = scan(
        target.sources, settings, ruleset=rules, root=target.root, partial=target.partial, progress=check_time
    )
    outcome["blobs_scanned"] = result.blobs_scanned + result.files_scanned
    outcome["bytes_scanned"] = result.bytes_scanned
    # NOTE: `incomplete` is read if the single-repository scan marks skips that way (fail-closed work).
    outcome["skipped"] = [
        {"path": s.path, "reason": s.reason, "incomplete": bool(getattr(s, "incomplete", False))}
        for s in result.skipped
    ]
    outcome["notes"] = list(result.notes)
    outcome["findings"] = [
        {"repository": task.repository.name, **f.to_dict(reveal=settings.reveal)} for f in result.findings
    ]


@contextlib.contextmanager
def _clone_slot(slots: int, deadline: float) -> Iterator[None]:
    """Hold one of `slots` cluster-wide clone slots (a Dask semaphore) while cloning; no limit for 0.

    NOTE: clone bandwidth saturates before CPU on large clusters (docs/scale.md); a few clones at full speed
    finish sooner than hundreds sharing the link, and leave no big repository as the tail.
    """
    if slots <= 0:
        yield
        return
    from distributed import Semaphore

    semaphore = Semaphore(max_leases=slots, name="keysweep-clone-slots")
    if not semaphore.acquire(timeout=max(deadline - time.monotonic(), 0.001)):
        raise TaskLimit("time limit: no clone slot came free in the task's time (--max-clones, --task-timeout)")
    try:
        yield
    finally:
        semaphore.release()


@functools.lru_cache(maxsize=4)
def _rules(paths: tuple[Path, ...], disabled: frozenset[str]) -> RuleSet:
    """The rule set, loaded once per worker process and settings.

    NOTE: loading and compiling the rules costs ~0.15 s, more than scanning a small repository; a worker runs
    thousands of tasks. Rule files edited during a run are not seen until the workers restart.
    """
    from scanner.engine.ruleset import load_ruleset

    return load_ruleset(paths, disabled, examples=False)


def default_cache_dir(environ: os._Environ[str] | dict[str, str]) -> Path:
    """$XDG_CACHE_HOME/keysweep (~/.cache/keysweep when unset)."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "keysweep"
