"""`keysweep hook`: the pre-commit gate; scans the staged changes or the files pre-commit names."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from scanner.findings import Finding

# NOTE: this module is on every commit's path. It imports no git library, HTTP client or Vault client
# (tests/git/test_git_hook.py proves it); git runs as a subprocess from scanner.sources.git_runner.


@click.command("hook")
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Ignore findings in it.")
@click.option(
    "--fail-on",
    type=click.Choice(["info", "low", "medium", "high", "critical"], case_sensitive=False),
    help="Block only on findings at or above this severity (default: medium).",
)
def hook(files: tuple[str, ...], config_file: Path | None, baseline: Path | None, fail_on: str | None) -> int:
    """Block a commit that adds a secret.

    With no FILES: scan the staged changes (only the lines the commit adds, read from the index).
    With FILES (pre-commit passes them): if they are exactly staged files, as on `git commit`, scan their
    staged changes; otherwise, as under `pre-commit run --all-files` or `--files`, scan those files whole.
    Under pre-push (PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF): scan the lines the pushed commits add.

    Exit codes: 0 clean, 1 blocked, 2 error.
    """
    from scanner.config import load_settings
    from scanner.findings import Severity
    from scanner.scan import scan_target
    from scanner.sources.git_runner import toplevel
    from scanner.sources.targets import for_hook

    repo = toplevel(Path.cwd())
    settings = load_settings(
        repo,
        config_file,
        fail_on=Severity.parse(fail_on) if fail_on else None,
        baseline=baseline,
    )
    target = for_hook(repo, files, settings, os.environ)
    result = scan_target(target, settings)
    blocking = [f for f in result.findings if f.severity >= settings.fail_on]
    if not blocking:
        return 0
    from scanner.report.text import render

    click.echo(f"keysweep: {target.description} {_count(blocking)}; blocked.\n", err=True)
    click.echo(render(result, settings, colour=_colour()), nl=False, err=True)
    click.echo(
        "\nFix each place above, `git add` it, and commit again. A value that is not a secret can carry an "
        "allow comment (`keysweep:allow <rule-id>`) on its line.",
        err=True,
    )
    return 1


def _count(findings: Sequence[Finding]) -> str:
    secrets = len({f.secret_id for f in findings})
    return f"{secrets} secret{'s' if secrets != 1 else ''}"


def _colour() -> bool:
    import sys

    return sys.stderr.isatty() and "NO_COLOR" not in os.environ
