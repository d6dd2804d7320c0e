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
@click.option(
    "--resume", "resume", metavar="ROTATION_ID", help="Continue an interrupted rotation from its journal."
)
@click.option("--graceful", is_flag=True, help="Revoke only after the PR step and an explicit --resume.")
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
    key_ids: tuple[str, ...],
    state_dir: Path | None,
    config_file: Path | None,
) -> int:
    """Plan (default) or --apply the rotation of the keys a scan found.

    Credentials come only from the environment: VAULT_ADDR, VAULT_TOKEN (or ~/.vault-token), VAULT_NAMESPACE,
    VAULT_CACERT, and each provider's admin key from the variable its config names. Exit codes: 0 done,
    1 something needs a human (manual steps, or --graceful waiting for --resume), 2 error.
    """
    from scanner.rotation.apply import Rotator
    from scanner.rotation.audit import render_text, summarize, write_audit
    from scanner.rotation.config import default_state_dir, parse_rotation_config
    from scanner.rotation.exposed import load_report
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
    exposed = load_report(report) if report else (_scan(list(paths), settings) if paths else [])
    states = state_dir or config.state_dir or default_state_dir(env)

    cache: dict[str, Provider] = {}

    def provider_named(name: str) -> Provider:
        if name not in cache:
            cache[name] = load_provider(next(p for p in config.providers if p.name == name), env)
        return cache[name]

    store = _vault(env, required=bool(apply_ or resume))
    crash = CrashHook(env.get("KEYSWEEP_CRASH_AFTER"))
    try:
        if resume:
            journal = Journal.open(states, resume, crash)
            if not journal.events or journal.events[0]["event"] != "plan":
                raise UsageError(f"{journal.path} does not start with a plan")
            plan = Plan.from_record(journal.events[0]["plan"])
            if exposed:
                plan = plan.with_values(exposed)
            click.echo(f"Resuming {resume} from {journal.path}", err=True)
        else:
            planner = Planner(config, lambda p: provider_named(p.name), store, env, _parse_key_ids(key_ids))
            plan = planner.plan(exposed, rotation_id=new_rotation_id(), graceful=graceful)
            click.echo(
                describe_plan(plan, {p.name: p.base_url for p in config.providers}, state_dir=str(states))
            )
            if not apply_:
                return 0
            assert store is not None
            journal = Journal.create(states, plan.rotation_id, crash)
            click.echo(f"\nApplying {plan.rotation_id}; journal {journal.path}", err=True)
        assert store is not None
        try:
            outcome = Rotator(plan, journal, provider_named, store, env).run()
        finally:
            summary = summarize(plan, journal.events)
            json_path, _ = write_audit(states, summary)
            journal.close()
            click.echo("\n" + render_text(summary))
            click.echo(f"Audit: {json_path} (and .txt beside it)", err=True)
        if outcome.status == "awaiting-revoke":
            click.echo(
                f"Waiting: run `keysweep rotate --resume {outcome.rotation_id}` once the new keys are "
                "deployed, to revoke the exposed ones.",
                err=True,
            )
            return 1
        return 1 if outcome.manual_steps else 0
    finally:
        for provider in cache.values():
            provider.close()


def _parse_key_ids(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        secret, sep, key_id = value.partition("=")
        if not sep or not secret or not key_id:
            raise UsageError(
                f"--key-id {value!r}: expected SECRET_ID=KEY_ID (the secret id is shown in the plan)"
            )
        out[secret.strip()] = key_id.strip()
    return out


def _vault(env: dict[str, str], *, required: bool) -> Any:
    if not required and not env.get("VAULT_ADDR"):
        return None  # a plan without Vault still shows paths; --apply reads the check-and-set base then
    from scanner.rotation.vault import VaultSecretStore

    return VaultSecretStore.from_env(env)


def _scan(paths: list[str], settings: Any) -> list[Any]:
    from scanner.rotation.exposed import group_findings

    try:
        from scanner.scan import scan_paths
    except ImportError:
        raise UsageError(
            "scanning is not available in this build; pass --report FILE from `keysweep scan`"
        ) from None
    return group_findings(scan_paths(paths, settings).findings)


def _load_config(start: Path, config_file: Path | None) -> tuple[Any, dict[str, Any], str]:
    """(Settings, the raw rotation table, the file it came from, for error messages)."""
    from scanner.config import load_settings

    settings = load_settings(start, config_file)
    return settings, dict(settings.rotation or {}), str(settings.config_file or "<no config file>")
