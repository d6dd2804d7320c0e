"""A `keysweep rotate` run: plan the rotation of what a scan found, or start, or resume it; answer an `Outcome`.

The command line hands in the request, the settings, the environment, a way to scan (rotation never imports
the scan path) and a console; everything else is decided here, in this order: scan, plan (read-only), and
with `--apply` refuse a second rotation of the same secrets, check the pull-request step, journal, run, audit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scanner.errors import KeysweepError, UsageError
from scanner.findings import Finding
from scanner.rotation.config import RotationConfig, default_state_dir, parse_rotation_config
from scanner.rotation.exposed import ExposedSecret, group_findings, load_report
from scanner.rotation.journal import CrashHook, Journal, unfinished_rotations
from scanner.rotation.outcome import Outcome, OutcomeStatus
from scanner.rotation.plan import Plan, new_rotation_id
from scanner.rotation.providers import Provider, load_provider

if TYPE_CHECKING:
    from scanner.config import Settings
    from scanner.rotation.pull_request_step import PullRequestStep, StoredReader
    from scanner.rotation.secret_store import SecretStore

Scan = Callable[[list[str]], list[Finding]]
"""Scans files or folders and returns the findings (the command line passes `scan_paths`)."""


class Console(Protocol):
    """Where a run talks: `say` is the report (stdout), `note` is progress and advice (stderr)."""

    def say(self, text: str) -> None: ...

    def note(self, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class RotationRequest:
    """What `keysweep rotate` was asked to do."""

    paths: tuple[str, ...] = ()
    report: Path | None = None
    resume: str | None = None
    apply: bool = False
    graceful: bool = False
    no_pr: bool = False
    base_branch: str | None = None
    key_ids: Mapping[str, str] = field(default_factory=dict)
    """`--key-id`: secret id (or a prefix of 6+ characters) → key or webhook endpoint id."""
    state_dir: Path | None = None
    set_ci_secrets: bool = False

    @property
    def folder(self) -> str | None:
        """The one repository folder scanned (absolute), which the pull-request step works in."""
        if len(self.paths) == 1 and Path(self.paths[0]).is_dir():
            return str(Path(self.paths[0]).resolve())
        return None


def rotate(
    request: RotationRequest, settings: Settings, env: Mapping[str, str], scan: Scan, console: Console
) -> Outcome:
    """Plan (default), `--apply` or `--resume` the rotation of the keys a scan (or a report) found."""
    if request.paths and request.report:
        raise UsageError("give PATH to scan or --report FILE, not both")
    if not (request.paths or request.report or request.resume):
        raise UsageError("give a PATH to scan, --report FILE, or --resume ROTATION_ID")
    config = parse_rotation_config(dict(settings.rotation or {}), str(settings.config_file or "<no config file>"))
    findings = scan(list(request.paths)) if request.paths else []
    exposed = load_report(request.report) if request.report else group_findings(findings)
    if not request.resume and not exposed:
        return Outcome(None, OutcomeStatus.NOTHING_TO_ROTATE)
    with _Session(request, settings, config, env, scan, console) as session:
        if request.resume:
            return session.resume(request.resume, exposed)
        return session.start(exposed, findings)


@dataclass(slots=True)
class _Session:
    request: RotationRequest
    settings: Settings
    config: RotationConfig
    env: Mapping[str, str]
    scan: Scan
    console: Console
    providers: dict[str, Provider] = field(default_factory=dict)

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        for provider in self.providers.values():
            provider.close()

    @property
    def states(self) -> Path:
        return self.request.state_dir or self.config.state_dir or default_state_dir(dict(self.env))

    def provider(self, name: str) -> Provider:
        if name not in self.providers:
            config = next(p for p in self.config.providers if p.name == name)
            self.providers[name] = load_provider(config, dict(self.env))
        return self.providers[name]

    # -- the two entry points ------------------------------------------------------------------------

    def start(self, exposed: list[ExposedSecret], findings: list[Finding]) -> Outcome:
        from scanner.rotation.planner import Planner
        from scanner.rotation.render import describe_plan

        request = self.request
        folder = request.folder
        store = self._vault(required=request.apply)
        planner = Planner(self.config, lambda p: self.provider(p.name), store, self.env, request.key_ids)
        plan = planner.plan(
            exposed,
            rotation_id=new_rotation_id(),
            graceful=request.graceful,
            names=_names(folder, findings),
            source=folder,
            base_branch=request.base_branch,
        )
        step, skipped = self._pr_step(folder, store)
        base_urls = {p.name: p.base_url for p in self.config.providers}
        pr_line = _describe_pr(step, skipped, plan.rotation_id)
        self.console.say(describe_plan(plan, base_urls, state_dir=str(self.states), pr_step=pr_line))
        if not request.apply:
            return Outcome(plan.rotation_id, OutcomeStatus.PLANNED)
        assert store is not None
        self._refuse_second_rotation(plan, folder)
        if step is not None:
            _preflight(step)  # a dirty tree or a missing token stops here, before anything is minted
        journal = Journal.create(self.states, plan.rotation_id, self._crash())
        self.console.note(f"\nApplying {plan.rotation_id}; journal {journal.path}")
        return self._run(plan, journal, store, step, skipped)

    def resume(self, rotation_id: str, exposed: list[ExposedSecret]) -> Outcome:
        from scanner.rotation.events import PrOpened, PrSkipped

        store = self._vault(required=True)
        assert store is not None
        journal = Journal.open(self.states, rotation_id, self._crash())
        with _closed_on_error(journal):
            first = journal.plan
            if first is None:
                raise UsageError(f"{journal.path} does not start with a plan")
            plan = Plan.from_record(first.plan)
            if exposed:
                plan = plan.with_values(exposed)
            folder = self.request.folder or plan.source
            step, skipped = self._pr_step(folder, store)
            if step is not None and not (journal.has(PrOpened) or journal.has(PrSkipped)):
                _needs_values(plan, rotation_id, folder)
                _preflight(step)
        self.console.note(f"Resuming {rotation_id} from {journal.path}")
        return self._run(plan, journal, store, step, skipped)

    # -- the run ---------------------------------------------------------------------------------------

    def _run(
        self, plan: Plan, journal: Journal, store: SecretStore, step: PullRequestStep | None, skipped: str
    ) -> Outcome:
        from scanner.rotation.apply import Rotator
        from scanner.rotation.audit import render_text, summarize, write_audit

        try:
            return Rotator(
                plan, journal, self.provider, store, self.env, remediation=step, remediation_skipped=skipped
            ).run()
        finally:
            summary = summarize(plan, journal.entries)
            json_path, _ = write_audit(self.states, summary)
            journal.close()
            self.console.say("\n" + render_text(summary))
            self.console.note(f"Audit: {json_path} (and .txt beside it)")

    def _refuse_second_rotation(self, plan: Plan, folder: str | None) -> None:
        """Re-running `--apply` after a crash must not mint a second set of keys: continue the first instead."""
        open_ones = unfinished_rotations(self.states, {t.secret_id for t in plan.targets})
        if open_ones:
            rotation_id, last, count = open_ones[-1]
            where = f" {folder}" if folder else ""
            raise UsageError(
                f"rotation {rotation_id} of {count} of these secrets is unfinished (its journal stops at `{last}`); "
                f"continue it with `keysweep rotate --resume {rotation_id}{where}` instead of starting another"
            )

    # -- the parts ---------------------------------------------------------------------------------------

    def _vault(self, *, required: bool) -> SecretStore | None:
        if not required and not self.env.get("VAULT_ADDR"):
            return None  # a plan without Vault still shows paths; --apply reads the check-and-set base then
        from scanner.rotation.vault import VaultSecretStore

        return VaultSecretStore.from_env(self.env)

    def _crash(self) -> CrashHook:
        return CrashHook(self.env.get("KEYSWEEP_CRASH_AFTER"))

    def _pr_step(self, folder: str | None, store: SecretStore | None) -> tuple[PullRequestStep | None, str]:
        """The pull-request step for the scanned folder, or None and the reason it is skipped."""
        if self.request.no_pr:
            return None, "skipped with --no-pr: replace the literals listed in the plan (`keysweep fix PATH --pr`)"
        if folder is None:
            return None, (
                "no repository folder was scanned (a report, a file or several paths): run "
                "`keysweep fix <repository> --pr` to replace the literals"
            )
        from scanner.rotation.branch import Repository
        from scanner.rotation.hosting.config import parse_hosting_config
        from scanner.rotation.pull_request_step import PullRequestStep

        hosting = parse_hosting_config(self.settings.hosting, str(self.settings.config_file or "<no config file>"))
        repo = Repository.find(folder)
        if repo is None:
            return None, f"{folder} is not inside a git repository: no pull request; replace the literals by hand"
        if repo.remote_url(hosting.remote) is None:
            return None, (
                f"the repository at {repo.top} has no remote {hosting.remote!r}: no pull request; "
                "push it somewhere, then `keysweep fix PATH --pr`"
            )
        reader = _stored_value_reader(store) if self.request.set_ci_secrets and store is not None else None
        step = PullRequestStep(
            Path(folder),
            hosting,
            rescan=self.scan,
            base_branch=self.request.base_branch,
            env=self.env,
            read_stored=reader,
        )
        return step, ""


def _names(folder: str | None, findings: list[Finding]) -> dict[str, str]:
    """One variable per secret, chosen as the PR rewrite will (so Vault path and code agree)."""
    if folder is None or not findings:
        return {}
    from scanner.rotation.rewrite.engine import choose_names

    return choose_names(Path(folder), findings)


def _stored_value_reader(store: SecretStore) -> StoredReader:
    """(mount, path, version) → the value keysweep stored there, for `--set-ci-secrets`."""

    def read(mount: str, path: str, version: int | None) -> str | None:
        stored = store.read(mount, path, version)
        return None if stored is None else stored.data.get("value")

    return read


def _describe_pr(step: PullRequestStep | None, skipped: str, rotation_id: str) -> str:
    if step is None:
        return f"pull-request step skipped ({skipped})"
    from scanner.rotation.remediation import branch_name

    return (
        f"pull request from {branch_name(rotation_id)} (literals replaced by references to the variables "
        "above; the body names the Vault paths)"
    )


def _preflight(step: PullRequestStep) -> None:
    try:
        step.check()
    except KeysweepError as exc:
        exc.args = (f"{exc}. Nothing was changed; fix that, or pass --no-pr to rotate without the pull request",)
        raise


def _needs_values(plan: Plan, rotation_id: str, folder: str | None) -> None:
    """The PR step still has to run and needs the literals, which the journal never holds."""
    missing = [t for t in plan.targets if not t.secret.value]
    if not missing:
        return
    where = folder or "<the folder scanned at planning>"
    raise UsageError(
        f"{rotation_id}: the pull-request step still has to run and needs the secret values, which the "
        f"journal never holds ({len(missing)} secret(s) without one): pass the scanned folder again, "
        f"`keysweep rotate --resume {rotation_id} {where}`, or add --no-pr to finish without the pull request"
    )


@contextlib.contextmanager
def _closed_on_error(journal: Journal) -> Iterator[None]:
    """Release the journal's lock when a check fails before anything was done."""
    try:
        yield
    except BaseException:
        journal.close()
        raise
