"""One org scan on a Dask client: a task per repository, each outcome recorded in the state as it arrives,
then the merged report. Lost workers are Dask's to handle (the task is retried); a repository whose task
never returns is reported failed, never dropped."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.config import Settings
from scanner.org.merge import OrgReport, combine, failed_outcome, merge, skipped_outcome
from scanner.org.repositories import Repository, Selection
from scanner.org.state import StateFile
from scanner.org.task import DEFAULT_MAX_SIZE, DEFAULT_TIMEOUT, RepositoryTask, scan_repository

if TYPE_CHECKING:
    from distributed import Client, Future

    from scanner.org.progress import RepositoryProgress


@dataclass(frozen=True, slots=True)
class OrgOptions:
    """How the tasks run; set by the CLI's org options."""

    mirrors: Path | None = None
    """Where mirrors are kept; None lets each worker use its own cache folder."""
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_SIZE
    retries: int = 2
    clone_slots: int = 0
    """Clones at once across the cluster (`--max-clones`); 0: as many as there are workers."""
    """Extra attempts Dask makes for a task that raised (a worker that dies is rescheduled by Dask anyway)."""


Listener = Callable[[str, dict[str, Any]], None]
"""Called with each repository's name and outcome as it arrives (tests use it to break things mid-run)."""


def run_org_scan(
    client: Client,
    source: str,
    repositories: Sequence[Repository],
    settings: Settings,
    state: StateFile,
    options: OrgOptions = OrgOptions(),
    *,
    progress: RepositoryProgress | None = None,
    listener: Listener | None = None,
) -> OrgReport:
    """Scan every selected repository on `client` and merge their outcomes; the state records each on arrival.

    Repositories the state says this (resumed) run already scanned are not scanned again; the others are
    scanned from where their last scan stopped. An interruption leaves the state resumable.
    """
    started = time.monotonic()
    outcomes: dict[str, dict[str, Any]] = {}
    pending: dict[Future[Any], Repository] = {}
    batch = uuid.uuid4().hex[:8]
    try:
        for repo in repositories:
            if repo.skip_reason:
                outcomes[repo.name] = skipped_outcome(repo)
                continue
            already = state.done_in_this_run(repo.name)
            if already is not None:
                outcomes[repo.name] = already
                continue
            previous = state.previous(repo.name)
            task = RepositoryTask(
                repository=repo,
                settings=settings,
                covered=tuple(previous["tips"]) if previous else (),
                cache_dir=str(options.mirrors) if options.mirrors else None,
                timeout=options.timeout,
                max_bytes=options.max_bytes,
                clone_slots=options.clone_slots,
            )
            key = f"keysweep-scan-{batch}-{len(pending)}"
            # NOTE: largest first (sizes the API reports): a big repository started last would be the tail.
            priority = repo.size_kib or 0
            future = client.submit(
                scan_repository, task, key=key, retries=options.retries, pure=False, priority=priority
            )
            pending[future] = repo
        _collect(client, pending, state, outcomes, progress, listener)
    except BaseException:
        client.cancel(list(pending))
        state.close()
        raise
    state.finish()
    return merge(source, outcomes.values(), seconds=time.monotonic() - started, fail_on=settings.fail_on)


def _collect(
    client: Client,
    pending: dict[Future[Any], Repository],
    state: StateFile,
    outcomes: dict[str, dict[str, Any]],
    progress: RepositoryProgress | None,
    listener: Listener | None,
) -> None:
    from distributed import as_completed

    waiting = set(pending)
    arrivals = as_completed(list(pending))
    done = sum(1 for o in outcomes.values() if o["status"] != "failed")
    failed = len(outcomes) - done
    while waiting:
        # NOTE: with a bar, poll (its running count moves between arrivals); without one, block.
        finished = arrivals.next_batch(block=progress is None)
        if not finished:
            time.sleep(0.2)
        for future in finished:
            waiting.discard(future)
            repo = pending[future]
            outcome = _outcome(future, repo)
            outcome = combine(state.previous(repo.name), outcome)
            state.record(outcome)
            outcomes[repo.name] = outcome
            done, failed = (done + 1, failed) if outcome["status"] != "failed" else (done, failed + 1)
            if listener is not None:
                listener(repo.name, outcome)
        if progress is not None:
            progress.update(done=done, failed=failed, running=_running(client, waiting), force=not waiting)


def _outcome(future: Future[Any], repo: Repository) -> dict[str, Any]:
    """The task's result, or a failed outcome naming why Dask gave up on it."""
    from distributed import KilledWorker

    try:
        result: dict[str, Any] = future.result()
    except KilledWorker:
        return failed_outcome(repo, "the workers running it died repeatedly (memory or a crash); see worker logs")
    except Exception as exc:
        return failed_outcome(repo, f"task error after retries: {type(exc).__name__}: {exc}")
    if result.get("repository") != repo.name:  # NOTE: a result must never be filed under another repository
        return failed_outcome(repo, "task returned another repository's result")
    return result


def _running(client: Client, waiting: set[Future[Any]]) -> int:
    keys = {f.key for f in waiting}
    try:
        processing = client.processing()
    except Exception:  # NOTE: the bar is a courtesy; a busy scheduler must not fail the run
        return 0
    return sum(1 for tasks in processing.values() for key in tasks if key in keys)


@dataclass(frozen=True, slots=True)
class OrgRequest:
    """What `keysweep scan --org/--repos` asked for."""

    org: str | None = None
    """`github:ORG`, `github:user/NAME` or `gitlab:GROUP`."""
    repos_file: Path | None = None
    api_url: str | None = None
    selection: Selection = field(default_factory=Selection)
    scheduler: str | None = None
    workers: int | None = None
    dashboard: bool = False
    cache_dir: Path | None = None
    """Mirrors under `mirrors/`, the state under `state/`; default: $XDG_CACHE_HOME and $XDG_STATE_HOME."""
    full: bool = False
    """Scan every object again, ignoring what the state says earlier runs covered."""
    options: OrgOptions = field(default_factory=OrgOptions)


def scan_org(
    request: OrgRequest, settings: Settings, environ: Mapping[str, str], *, progress: bool = False
) -> OrgReport:
    """The whole org scan: list, select, connect to Dask, scan each repository, merge. Imports Dask."""
    from dataclasses import replace

    from scanner.org import cluster, discovery
    from scanner.org.repositories import read_repos_file, select, unique_names
    from scanner.org.state import default_state_dir, settings_fingerprint, state_path

    if request.org:
        spec = discovery.OrgSpec.parse(request.org)
        listed, source = discovery.discover(spec, environ, request.api_url), str(spec)
    else:
        assert request.repos_file is not None
        listed, source = read_repos_file(request.repos_file), str(request.repos_file.resolve())
    repositories = unique_names(select(listed, request.selection))
    options = request.options
    if request.cache_dir is not None:
        options = replace(options, mirrors=request.cache_dir / "mirrors")
    folder = request.cache_dir / "state" if request.cache_dir else default_state_dir(environ)
    # NOTE: the state keeps no values, so a revealing run must read every object again.
    state = StateFile(
        state_path(folder, source), source, settings_fingerprint(settings), full=request.full or settings.reveal
    )
    bar = None
    try:
        address = cluster.scheduler_address(request.scheduler, environ)
        with cluster.connect(address, workers=request.workers, dashboard=request.dashboard) as client:
            if progress:
                from scanner.org.progress import RepositoryProgress

                bar = RepositoryProgress(sum(1 for r in repositories if not r.skip_reason))
            return run_org_scan(client, source, repositories, settings, state, options, progress=bar)
    finally:
        state.close()
        if bar is not None:
            bar.close()
