"""`keysweep rotate`: plan the rotation of exposed keys, and with --apply or --resume carry it out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from scanner.errors import UsageError


@click.command("rotate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--report",
    "report",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Plan from a saved `keysweep scan --format json` report instead of scanning.",
)
@click.option("--apply", "apply_", is_flag=True, help="Carry the plan out (without it nothing changes).")
@click.option("--resume", "resume", metavar="ROTATION_ID", help="Continue an interrupted rotation from its journal.")
@click.option("--graceful", is_flag=True, help="Revoke only once the pull request is merged, on an explicit --resume.")
@click.option("--no-pr", "no_pr", is_flag=True, help="Skip the pull-request step (journaled as skipped).")
@click.option(
    "--base-branch",
    metavar="BRANCH",
    help="The branch the pull request starts from and merges into (default: the remote's default branch).",
)
@click.option(
    "--key-id",
    "key_ids",
    multiple=True,
    metavar="SECRET_ID=KEY_ID",
    help="Name the provider key (or webhook endpoint) id of a secret whose redacted value is ambiguous.",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where journals and audits live (default: $XDG_STATE_HOME/keysweep/rotations).",
)
@click.option(
    "--set-ci-secrets",
    is_flag=True,
    help="Store each new key as the CI secret (Actions secret / GitLab variable) the rewritten workflows read.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The keysweep config file (pyproject.toml or .keysweep.toml).",
)
def rotate(
    paths: tuple[str, ...],
    report: Path | None,
    apply_: bool,
    resume: str | None,
    graceful: bool,
    no_pr: bool,
    base_branch: str | None,
    key_ids: tuple[str, ...],
    state_dir: Path | None,
    config_file: Path | None,
    set_ci_secrets: bool = False,
) -> int:
    """Plan (default) or --apply the rotation of the keys a scan found.

    Credentials come only from the environment: VAULT_ADDR, VAULT_TOKEN (or ~/.vault-token), VAULT_NAMESPACE,
    VAULT_CACERT, each provider's admin key from the variable its config names, and GITHUB_TOKEN / GH_TOKEN or
    GITLAB_TOKEN for the pull request. Exit codes: 0 done, 1 something needs a human (manual steps, or
    --graceful waiting for the merge and --resume), 2 error.
    """
    from scanner.rotation.apply import Rotator
    from scanner.rotation.audit import render_text, summarize, write_audit
    from scanner.rotation.config import default_state_dir, parse_rotation_config
    from scanner.rotation.exposed import group_findings, load_report
    from scanner.rotation.journal import CrashHook, Journal
    from scanner.rotation.plan import Plan, Planner, new_rotation_id
    from scanner.rotation.providers import Provider, load_provider
    from scanner.rotation.render import describe_plan

    if paths and report:
        raise UsageError("give PATH to scan or --report FILE, not both")
    if not (paths or report or resume):
        raise UsageError("give a PATH to scan, --report FILE, or --resume ROTATION_ID")
    env = dict(os.environ)
    start = Path(paths[0]) if paths else (report.parent if report else Path.cwd())
    settings, raw, source = _load_config(start, config_file)
    config = parse_rotation_config(raw, source)
    findings = _scan(list(paths), settings) if paths and not report else []
    exposed = load_report(report) if report else group_findings(findings)
    if not resume and not exposed:
        click.echo("Nothing to rotate: no exposed secrets were found.")
        return 0
    folder = str(Path(paths[0]).resolve()) if len(paths) == 1 and Path(paths[0]).is_dir() else None
    states = state_dir or config.state_dir or default_state_dir(env)

    cache: dict[str, Provider] = {}

    def provider_named(name: str) -> Provider:
        if name not in cache:
            cache[name] = load_provider(next(p for p in config.providers if p.name == name), env)
        return cache[name]

    store = _vault(env, required=bool(apply_ or resume))
    reader = _stored_value_reader(store) if set_ci_secrets and store is not None else None
    crash = CrashHook(env.get("KEYSWEEP_CRASH_AFTER"))
    try:
        if resume:
            journal = Journal.open(states, resume, crash)
            if not journal.events or journal.events[0]["event"] != "plan":
                raise UsageError(f"{journal.path} does not start with a plan")
            plan = Plan.from_record(journal.events[0]["plan"])
            if exposed:
                plan = plan.with_values(exposed)
            step, skipped = _pr_step(folder or plan.source, settings, env, no_pr=no_pr, base=base_branch, read=reader)
            if step is not None and not (journal.has("pr") or journal.has("pr-skipped")):
                try:
                    _needs_values(plan, resume, folder or plan.source)
                    _preflight(step)
                except Exception:
                    journal.close()  # release the lock: nothing was done
                    raise
            click.echo(f"Resuming {resume} from {journal.path}", err=True)
        else:
            names = _names(folder, findings)
            planner = Planner(config, lambda p: provider_named(p.name), store, env, _parse_key_ids(key_ids))
            plan = planner.plan(
                exposed,
                rotation_id=new_rotation_id(),
                graceful=graceful,
                names=names,
                source=folder,
                base_branch=base_branch,
            )
            step, skipped = _pr_step(folder, settings, env, no_pr=no_pr, base=base_branch, read=reader)
            click.echo(
                describe_plan(
                    plan,
                    {p.name: p.base_url for p in config.providers},
                    state_dir=str(states),
                    pr_step=_describe_pr(step, skipped, plan.rotation_id),
                )
            )
            if not apply_:
                return 0
            assert store is not None
            _refuse_second_rotation(states, plan, folder)
            if step is not None:
                _preflight(step)  # a dirty tree or a missing token stops here, before anything is minted
            journal = Journal.create(states, plan.rotation_id, crash)
            click.echo(f"\nApplying {plan.rotation_id}; journal {journal.path}", err=True)
        assert store is not None
        try:
            outcome = Rotator(
                plan, journal, provider_named, store, env, remediation=step, remediation_skipped=skipped
            ).run()
        finally:
            summary = summarize(plan, journal.events)
            json_path, _ = write_audit(states, summary)
            journal.close()
            click.echo("\n" + render_text(summary))
            click.echo(f"Audit: {json_path} (and .txt beside it)", err=True)
        again = f"keysweep rotate --resume {outcome.rotation_id}"
        if outcome.status == "awaiting-revoke":
            pr = journal.last("pr")
            if pr and pr.get("url"):
                click.echo(
                    f"Waiting: deploy the new keys and merge {pr['url']}, then run `{again}` to revoke the "
                    "exposed ones (it checks that the pull request is merged).",
                    err=True,
                )
            else:
                click.echo(
                    f"Waiting: run `{again}` once the new keys are deployed, to revoke the exposed ones.",
                    err=True,
                )
            return 1
        if outcome.status == "awaiting-merge":
            last = journal.last("pr-not-merged") or {}
            click.echo(f"Waiting: {last.get('message', 'the pull request is not merged yet')}: `{again}`", err=True)
            return 1
        return 1 if outcome.manual_steps else 0
    finally:
        for provider in cache.values():
            provider.close()


def _names(folder: str | None, findings: list[Any]) -> dict[str, str]:
    """One variable per secret, chosen as the PR rewrite will (so Vault path and code agree)."""
    if folder is None or not findings:
        return {}
    from scanner.rotation.remediate import choose_names

    return choose_names(folder, findings)


def _stored_value_reader(store: Any) -> Any:
    """(mount, path, version) → the value keysweep stored there, for `--set-ci-secrets`."""

    def read(mount: str, path: str, version: int | None) -> str | None:
        stored = store.read(mount, path, version)
        return None if stored is None else stored.data.get("value")

    return read


def _pr_step(
    folder: str | None, settings: Any, env: dict[str, str], *, no_pr: bool, base: str | None, read: Any = None
) -> tuple[Any, str]:
    """The pull-request step for the scanned folder, or None and the reason it is skipped."""
    if no_pr:
        return None, "skipped with --no-pr: replace the literals listed in the plan (`keysweep fix PATH --pr`)"
    if folder is None:
        return None, (
            "no repository folder was scanned (a report, a file or several paths): run "
            "`keysweep fix <repository> --pr` to replace the literals"
        )
    import git

    from scanner.rotation.pull_request import parse_hosting_config
    from scanner.rotation.remediate import PullRequestStep

    hosting = parse_hosting_config(settings.hosting, str(settings.config_file or "<no config file>"))
    try:
        repo = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None, f"{folder} is not inside a git repository: no pull request; replace the literals by hand"
    if hosting.remote not in [r.name for r in repo.remotes]:
        return None, (
            f"the repository at {repo.working_tree_dir} has no remote {hosting.remote!r}: no pull request; "
            "push it somewhere, then `keysweep fix PATH --pr`"
        )

    def rescan(paths: list[str]) -> list[Any]:
        from scanner.scan import scan_paths

        return list(scan_paths(paths, settings).findings)

    step = PullRequestStep(Path(folder), hosting, rescan=rescan, base_branch=base, env=env, read_stored=read)
    return step, ""


def _describe_pr(step: Any, skipped: str, rotation_id: str) -> str:
    if step is None:
        return f"pull-request step skipped ({skipped})"
    from scanner.rotation.remediate import branch_name

    return (
        f"pull request from {branch_name(rotation_id)} (literals replaced by references to the variables "
        "above; the body names the Vault paths)"
    )


def _preflight(step: Any) -> None:
    from scanner.errors import KeysweepError

    try:
        step.check()
    except KeysweepError as exc:
        exc.args = (f"{exc}. Nothing was changed; fix that, or pass --no-pr to rotate without the pull request",)
        raise


def _needs_values(plan: Any, rotation_id: str, folder: str | None) -> None:
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


def _refuse_second_rotation(states: Path, plan: Any, folder: str | None) -> None:
    """Re-running `--apply` after a crash must not mint a second set of keys: continue the first instead."""
    from scanner.rotation.journal import unfinished_rotations

    open_ones = unfinished_rotations(states, {t.secret_id for t in plan.targets})
    if open_ones:
        rotation_id, last, count = open_ones[-1]
        where = f" {folder}" if folder else ""
        raise UsageError(
            f"rotation {rotation_id} of {count} of these secrets is unfinished (its journal stops at `{last}`); "
            f"continue it with `keysweep rotate --resume {rotation_id}{where}` instead of starting another"
        )


def _parse_key_ids(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        secret, sep, key_id = value.partition("=")
        if not sep or not secret or not key_id:
            raise UsageError(f"--key-id {value!r}: expected SECRET_ID=KEY_ID (the secret id is shown in the plan)")
        out[secret.strip()] = key_id.strip()
    return out


def _vault(env: dict[str, str], *, required: bool) -> Any:
    if not required and not env.get("VAULT_ADDR"):
        return None  # a plan without Vault still shows paths; --apply reads the check-and-set base then
    from scanner.rotation.vault import VaultSecretStore

    return VaultSecretStore.from_env(env)


def _scan(paths: list[str], settings: Any) -> list[Any]:
    try:
        from scanner.scan import scan_paths
    except ImportError:
        raise UsageError("scanning is not available in this build; pass --report FILE from `keysweep scan`") from None
    return list(scan_paths(paths, settings).findings)


def _load_config(start: Path, config_file: Path | None) -> tuple[Any, dict[str, Any], str]:
    """(Settings, the raw rotation table, the file it came from, for error messages)."""
    from scanner.config import load_settings

    settings = load_settings(start, config_file)
    return settings, dict(settings.rotation or {}), str(settings.config_file or "<no config file>")
