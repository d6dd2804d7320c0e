"""`keysweep rotate`: plan the rotation of exposed keys, and with --apply or --resume carry it out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.errors import UsageError

if TYPE_CHECKING:
    from scanner.config import Settings
    from scanner.findings import Finding


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
@click.option("--history", is_flag=True, help="Also rotate keys that leaked only in past commits of the repository.")
@click.option("--range", "rev_range", metavar="A..B", help="Also rotate keys that the commits A..B added.")
@click.option(
    "--trust-endpoint",
    "trust_endpoints",
    multiple=True,
    metavar="URL",
    help="Trust this endpoint, named by the repository's config, with credentials for this run.",
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
    history: bool = False,
    rev_range: str | None = None,
    trust_endpoints: tuple[str, ...] = (),
) -> int:
    """Plan (default) or --apply the rotation of the keys a scan found.

    Credentials come only from the environment: VAULT_ADDR, VAULT_TOKEN (or ~/.vault-token), VAULT_NAMESPACE,
    VAULT_CACERT, each provider's admin key from the variable its config names, and GITHUB_TOKEN / GH_TOKEN or
    GITLAB_TOKEN for the pull request. They go only to endpoints configured or confirmed outside the repository
    ($XDG_CONFIG_HOME/keysweep/config.toml, KEYSWEEP_TRUSTED_ENDPOINTS, --trust-endpoint). Exit codes: 0 done,
    1 something needs a human (manual steps, or --graceful waiting for the merge and --resume), 2 error.
    """
    from scanner.config import load_settings
    from scanner.rotation.outcome import OutcomeStatus
    from scanner.rotation.session import RotationRequest
    from scanner.rotation.session import rotate as run_rotation

    if history and rev_range:
        raise UsageError("choose one of --history and --range")
    start = Path(paths[0]) if paths else (report.parent if report else Path.cwd())
    settings = load_settings(start, config_file)
    request = RotationRequest(
        paths=paths,
        report=report,
        resume=resume,
        apply=apply_,
        graceful=graceful,
        no_pr=no_pr,
        base_branch=base_branch,
        key_ids=_parse_key_ids(key_ids),
        state_dir=state_dir,
        set_ci_secrets=set_ci_secrets,
        history=history,
        rev_range=rev_range,
        trust_endpoints=trust_endpoints,
    )
    outcome = run_rotation(request, settings, dict(os.environ), _Scanner(settings), _Console())
    if outcome.status is OutcomeStatus.NOTHING_TO_ROTATE:
        click.echo("Nothing to rotate: no exposed secrets were found.")
    if outcome.message:
        click.echo(outcome.message, err=True)
    if outcome.status in (OutcomeStatus.AWAITING_REVOKE, OutcomeStatus.AWAITING_MERGE):
        return 1
    return 1 if outcome.manual_steps else 0


class _Console:
    def say(self, text: str) -> None:
        click.echo(text)

    def note(self, text: str) -> None:
        click.echo(text, err=True)


class _Scanner:
    """How rotation scans: the scan path over files, folders and git history (rotation never imports it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def tree(self, paths: list[str]) -> list[Finding]:
        from scanner.scan import scan_paths

        return list(scan_paths(paths, self.settings).findings)

    def history(self, repo: str, rev_range: str | None) -> list[Finding]:
        from scanner.scan import scan
        from scanner.sources import Source

        source: Source
        if rev_range is None:
            from scanner.sources.git_history import HistorySource

            source = HistorySource(Path(repo), self.settings)
        else:
            from scanner.sources.commit_range import RangeSource

            source = RangeSource(Path(repo), rev_range, self.settings)
        return list(scan([source], self.settings, root=repo).findings)


def _parse_key_ids(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        secret, sep, key_id = value.partition("=")
        if not sep or not secret or not key_id:
            raise UsageError(f"--key-id {value!r}: expected SECRET_ID=KEY_ID (the secret id is shown in the plan)")
        out[secret.strip()] = key_id.strip()
    return out
