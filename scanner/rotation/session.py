"""A `keysweep rotate` run: plan the rotation of what a scan found, or start, or resume it; answer an `Outcome`.

The command line hands in the request, the settings, the environment, a way to scan (rotation never imports
the scan path) and a console; everything else is decided here, in this order: scan; with `--apply` lock the
secrets; refuse a second rotation of them (before asking anybody anything); check that every endpoint that
would receive a credential is trusted (scanner/trust.py); plan (read-only); with `--apply` check the
pull-request step, journal, run, audit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scanner.errors import KeysweepError, UsageError
from scanner.findings import Finding
from scanner.rotation.config import RotationConfig, default_state_dir, parse_rotation_config
from scanner.rotation.exposed import ExposedSecret, group_findings, load_report
from scanner.rotation.journal import CrashHook, Journal, rotations_covering
from scanner.rotation.locks import secrets_locked
from scanner.rotation.outcome import Outcome, OutcomeStatus
from scanner.rotation.plan import Action, Plan, new_rotation_id
from scanner.rotation.providers import Provider, load_provider
from scanner.rotation.rewrite.own_files import baseline_under
from scanner.trust import EndpointKind, Origin, trusted_endpoint
from scanner.user_config import UserConfig, load_user_config

if TYPE_CHECKING:
    from scanner.config import Settings
    from scanner.rotation.pull_request_step import PullRequestStep, StoredReader
    from scanner.rotation.rewrite.engine import Rescan
    from scanner.rotation.secret_store import SecretStore


class Scanner(Protocol):
    """How rotation scans, handed in by the command line (rotation never imports the scan path)."""

    def tree(self, paths: list[str]) -> list[Finding]:
        """Files and folders as they are on disk."""
        ...

    def history(self, repo: str, rev_range: str | None) -> list[Finding]:
        """Every commit of the repository (`rev_range` None), or the lines the commits of `A..B` added."""
        ...


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
    history: bool = False
    """Also rotate keys that leaked only in past commits (`--history`)."""
    rev_range: str | None = None
    """Also rotate keys that the commits of `A..B` added (`--range`)."""
    trust_endpoints: tuple[str, ...] = ()
    """`--trust-endpoint`: endpoints confirmed for this run."""

    @property
    def folder(self) -> str | None:
        """The one repository folder scanned (absolute), which the pull-request step works in."""
        if len(self.paths) == 1 and Path(self.paths[0]).is_dir():
            return str(Path(self.paths[0]).resolve())
        return None


def rotate(
    request: RotationRequest, settings: Settings, env: Mapping[str, str], scanner: Scanner, console: Console
) -> Outcome:
    """Plan (default), `--apply` or `--resume` the rotation of the keys a scan (or a report) found."""
    if request.paths and request.report:
        raise UsageError("give PATH to scan or --report FILE, not both")
    if not (request.paths or request.report or request.resume):
        raise UsageError("give a PATH to scan, --report FILE, or --resume ROTATION_ID")
    if (request.history or request.rev_range) and request.folder is None:
        raise UsageError("--history and --range read the git history of one repository folder: give it as PATH")
    user = load_user_config(env).with_flags(request.trust_endpoints)
    source = str(settings.config_file or "<no config file>")
    config = parse_rotation_config(dict(settings.rotation or {}), source, user.rotation, str(user.path))
    findings = _scan(request, scanner)
    exposed = load_report(request.report) if request.report else group_findings(findings)
    if not request.resume and not exposed:
        return Outcome(None, OutcomeStatus.NOTHING_TO_ROTATE)
    with _Session(request, settings, config, user, env, scanner.tree, console) as session:
        if request.resume:
            return session.resume(request.resume, exposed)
        return session.start(exposed)


def _scan(request: RotationRequest, scanner: Scanner) -> list[Finding]:
    """The working tree's findings; with `--history` / `--range` also those of past commits that the tree does
    not hold at the same place (each with its commit)."""
    tree = scanner.tree(list(request.paths)) if request.paths else []
    if not (request.history or request.rev_range) or request.folder is None:
        return tree
    here = {(f.secret_id, f.path, f.line, f.column) for f in tree}
    past = scanner.history(request.folder, request.rev_range)
    return tree + [f for f in past if (f.secret_id, f.path, f.line, f.column) not in here]


@dataclass(slots=True)
class _Session:
    request: RotationRequest
    settings: Settings
    config: RotationConfig
    user: UserConfig
    env: Mapping[str, str]
    scan: Rescan
    console: Console
    providers: dict[str, Provider] = field(default_factory=dict)
    held: contextlib.ExitStack[bool | None] = field(default_factory=contextlib.ExitStack)
    """The secrets' locks, held until the run ends."""
    crash: CrashHook = field(default_factory=CrashHook)

    def __enter__(self) -> _Session:
        self.crash = CrashHook.from_env(self.env)
        return self

    def __exit__(self, *exc: object) -> None:
        self.held.close()
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

    def start(self, exposed: list[ExposedSecret]) -> Outcome:
        from scanner.rotation.planner import Planner
        from scanner.rotation.render import describe_plan

        request = self.request
        folder = request.folder
        secrets = {e.secret_id for e in exposed if not e.identifier}
        if request.apply:
            self.held.enter_context(secrets_locked(self.states, secrets, what="keysweep rotate --apply"))
        self._refuse_second_rotation(secrets, folder)  # first: a re-plan of rotated secrets cannot succeed
        self.crash.hit("session:checked")
        store = self._vault(required=request.apply)
        self._trust_providers()
        step, skipped = self._pr_step(folder, store)
        planner = Planner(self.config, lambda p: self.provider(p.name), store, self.env, request.key_ids)
        rotation_id = new_rotation_id()
        plan = planner.plan(
            exposed, rotation_id=rotation_id, graceful=request.graceful, source=folder, base_branch=request.base_branch
        )
        base_urls = {p.name: p.base_url for p in self.config.providers}
        pr_line = _describe_pr(step, skipped, rotation_id if request.apply else None)
        self.console.say(
            describe_plan(plan, base_urls, state_dir=str(self.states), pr_step=pr_line, dry_run=not request.apply)
        )
        if not request.apply:
            return Outcome(None, OutcomeStatus.PLANNED)
        assert store is not None
        if step is not None:
            _preflight(step)  # a dirty tree or a missing token stops here, before anything is minted
        journal = Journal.create(self.states, plan.rotation_id, self.crash)
        self.console.note(f"\nApplying {plan.rotation_id}; journal {journal.path}")
        return self._run(plan, journal, store, step, skipped)

    def resume(self, rotation_id: str, exposed: list[ExposedSecret]) -> Outcome:
        from scanner.rotation.events import PrOpened, PrSkipped

        journal = Journal.open(self.states, rotation_id, self.crash)
        with _closed_on_error(journal):
            first = journal.plan
            if first is None:
                raise UsageError(f"{journal.path} does not start with a plan")
            plan = Plan.from_record(first.plan)
            secrets = {t.secret_id for t in plan.targets if t.action is not Action.KEEP}
            self.held.enter_context(
                secrets_locked(self.states, secrets, what=f"keysweep rotate --resume {rotation_id}")
            )
            store = self._vault(required=True)
            assert store is not None
            self._trust_providers()
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

    def _refuse_second_rotation(self, secrets: set[str], folder: str | None) -> None:
        """Re-running `--apply` after a crash must not mint a second set of keys: continue the first instead.
        A secret a finished rotation replaced is revoked already: rotating it again cannot work."""
        where = f" {folder}" if folder else ""
        covering = rotations_covering(self.states, secrets)
        unfinished = [c for c in covering if not c.done]
        if unfinished:
            c = unfinished[-1]
            raise UsageError(
                f"rotation {c.rotation_id} of {c.count} of these secrets is unfinished (its journal stops at "
                f"`{c.last_event}`); continue it with `keysweep rotate --resume {c.rotation_id}{where}` instead of "
                "starting another"
            )
        if covering:
            c = covering[-1]
            raise UsageError(
                f"rotation {c.rotation_id} already rotated {c.count} of these secrets (its journal ends at `done`): "
                f"the exposed values are revoked. Its audit again: `keysweep rotate --resume {c.rotation_id}`; the "
                f"literals left: `keysweep fix{where or ' PATH'} --pr`"
            )

    # -- the parts ---------------------------------------------------------------------------------------

    def _vault(self, *, required: bool) -> SecretStore | None:
        addr = self.env.get("VAULT_ADDR", "").strip()
        if not required and not addr:
            return None  # a plan without Vault still shows paths; --apply reads the check-and-set base then
        if addr:
            trusted_endpoint(EndpointKind.VAULT, addr, self.user, origin=Origin.ENVIRONMENT, source="VAULT_ADDR")
        from scanner.rotation.vault import VaultSecretStore

        return VaultSecretStore.from_env(self.env)

    def _trust_providers(self) -> None:
        """Each configured provider's API would receive the admin key and the exposed keys: every one must be
        trusted before the first request to any of them."""
        for p in self.config.providers:
            origin, source = p.base_url_origin, p.base_url_source
            trusted_endpoint(EndpointKind.PROVIDER, p.base_url, self.user, origin=origin, source=source)

    def _pr_step(self, folder: str | None, store: SecretStore | None) -> tuple[PullRequestStep | None, str]:
        """The pull-request step for the scanned folder (its hosting API trusted), or None and why it is skipped."""
        if self.request.no_pr:
            return None, "skipped with --no-pr: replace the literals listed in the plan (`keysweep fix PATH --pr`)"
        if folder is None:
            return None, (
                "no repository folder was scanned (a report, a file or several paths): run "
                "`keysweep fix <repository> --pr` to replace the literals"
            )
        from scanner.rotation.branch import Repository
        from scanner.rotation.hosting.config import hosting_config
        from scanner.rotation.pull_request_step import PullRequestStep

        hosting = hosting_config(self.settings.hosting, str(self.settings.config_file or "<no config file>"), self.user)
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
            user=self.user,
            baselines=baseline_under(self.settings.baseline, folder),
        )
        step.endpoint()  # the hosting API would get the token: trusted, or the run stops before any request
        return step, ""


def _stored_value_reader(store: SecretStore) -> StoredReader:
    """(mount, path, version) → the value keysweep stored there, for `--set-ci-secrets`."""

    def read(mount: str, path: str, version: int | None) -> str | None:
        stored = store.read(mount, path, version)
        return None if stored is None else stored.data.get("value")

    return read


def _describe_pr(step: PullRequestStep | None, skipped: str, rotation_id: str | None) -> str:
    if step is None:
        return f"pull-request step skipped ({skipped})"
    from scanner.rotation.remediation import BRANCH_PREFIX, branch_name

    branch = branch_name(rotation_id) if rotation_id else f"{BRANCH_PREFIX}<rotation id>"
    return (
        f"pull request from {branch} (literals replaced by references to the variables above; the body names the "
        "Vault paths)"
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
