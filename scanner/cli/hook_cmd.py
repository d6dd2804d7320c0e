"""`keysweep hook` with options: the click face of scanner.cli.hook.run_hook."""

from __future__ import annotations

from pathlib import Path

import click

# NOTE: `keysweep hook FILE…` with no option, as pre-commit runs it, never comes here: `main` calls
# scanner.cli.hook.run_hook without click. This command takes the lines with options (and `--help`).


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
    from scanner.cli.hook import run_hook

    return run_hook(files, config_file, baseline, fail_on, allow_incomplete)
