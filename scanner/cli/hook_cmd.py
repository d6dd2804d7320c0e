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
@click.option(
    "--allow-incomplete", is_flag=True, help="Do not block when part of the commit could not be read (default: exit 2)."
)
def hook(
    files: tuple[str, ...], config_file: Path | None, baseline: Path | None, fail_on: str | None, allow_incomplete: bool
) -> int:
    """Block a commit that adds a secret.

    With no FILES: scan the staged changes (only the lines the commit adds, read from the index).
    With FILES (pre-commit passes them): if they are exactly staged files, as on `git commit`, scan their
    staged changes; otherwise, as under `pre-commit run --all-files` or `--files`, scan those files whole.
    Under pre-push (PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF): scan the lines the pushed commits add.

    Exit codes: 0 clean, 1 blocked, 2 error or something that could not be read.
    """
    from scanner.config import load_settings
    from scanner.findings import Severity
    from scanner.scan import exit_code, scan_target
    from scanner.sources.git_runner import toplevel
    from scanner.sources.targets import for_hook

    repo = toplevel(Path.cwd())
    settings = load_settings(
        repo,
        config_file,
        fail_on=Severity.parse(fail_on) if fail_on else None,
        baseline=baseline,
        allow_incomplete=allow_incomplete or None,
    )
    target = for_hook(repo, files, settings, os.environ)
    result = scan_target(target, settings)
    code = exit_code(result, settings)
    blocking = [f for f in result.findings if f.severity >= settings.fail_on]
    if not blocking:
        if code == 2:
            from scanner.report.text import incomplete_lines

            click.echo(f"keysweep: part of what {target.description} could not be read; blocked.", err=True)
            for line in incomplete_lines(result, settings):
                click.echo(line, err=True)
        return code
    from scanner.report.text import render

    click.echo(f"keysweep: {target.description} {_count(blocking)}; blocked.\n", err=True)
    click.echo(render(result, settings, colour=_colour()), nl=False, err=True)
    click.echo(
        "\nFix each place above, `git add` it, and commit again. A value that is not a secret can carry an "
        "allow comment (`keysweep:allow <rule-id>`) on its line.",
        err=True,
    )
    return code


def _count(findings: Sequence[Finding]) -> str:
    secrets = len({f.secret_id for f in findings})
    return f"{secrets} secret{'s' if secrets != 1 else ''}"


def _colour() -> bool:
    import sys

    from scanner.cli.colour import is_colour_on

    return is_colour_on(sys.stderr)
