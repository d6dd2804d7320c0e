"""`keysweep baseline create|update`: record today's findings as accepted, then keep the record current."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from scanner.config import Settings
    from scanner.findings import ScanResult


@click.group("baseline")
def baseline() -> None:
    """Create and update baselines: findings a team has accepted, which scans then stop reporting.

    Entries name a secret by a hash (never its value), its rule and its file — not its line — so they
    survive edits around them, and a new secret on the same line is still reported.
    """


_path_argument = click.argument("path", required=False, default=".", type=click.Path(exists=True, path_type=str))
_config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Config file."
)
_history_option = click.option("--history", is_flag=True, help="Also record secrets in the git history.")
_incomplete_option = click.option(
    "--allow-incomplete", is_flag=True, help="Write the baseline even if part of PATH could not be read."
)


@baseline.command("create")
@_path_argument
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file to write (default: `baseline` from the config, else .keysweep-baseline.json).",
)  # fmt: skip
@click.option(
    "--from", "migrate_from", type=click.Path(dir_okay=False, path_type=Path),
    help="Accept only what this detect-secrets or gitleaks baseline accepted (migration).",
)  # fmt: skip
@_config_option
@_history_option
@_incomplete_option
def create(
    path: str,
    output: Path | None,
    migrate_from: Path | None,
    config_file: Path | None,
    history: bool,
    allow_incomplete: bool,
) -> int:
    """Scan PATH (default: the current folder) and accept every finding in a new baseline file."""
    from scanner.config import load_settings
    from scanner.filters import baseline as baselines

    settings = load_settings(path, config_file, allow_incomplete=allow_incomplete or None)
    file = output or settings.baseline or baselines.DEFAULT_BASELINE
    made = baselines.create(file, lambda: _scan(path, settings, history), migrate_from=migrate_from)
    if made.left_out:
        click.echo(
            f"{made.left_out} finding{'s' if made.left_out != 1 else ''} not accepted by "
            f"{migrate_from} left out; `keysweep scan` shows them"
        )
    count = len(made.entries)
    click.echo(f"wrote {count} entr{'ies' if count != 1 else 'y'} to {file}")
    return 0


@baseline.command("update")
@_path_argument
@click.option(
    "-b", "--baseline", "file", type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file to update (default: `baseline` from the config, else .keysweep-baseline.json).",
)  # fmt: skip
@_config_option
@_history_option
@_incomplete_option
def update(path: str, file: Path | None, config_file: Path | None, history: bool, allow_incomplete: bool) -> int:
    """Rescan PATH: add new findings to the baseline, drop entries whose secret is gone, print the changes.

    Entries for files outside PATH, or skipped by this scan, are kept as they are.
    """
    from scanner.config import load_settings
    from scanner.filters import baseline as baselines

    settings = load_settings(path, config_file, allow_incomplete=allow_incomplete or None)
    file = file or settings.baseline or baselines.DEFAULT_BASELINE
    change = baselines.update(file, lambda: _scan(path, settings, history))
    for sign, entries in (("+", change.added), ("-", change.removed)):
        for e in entries:
            click.echo(f"{sign} {e.path}  {e.rule_id}  {e.secret_id}")
    click.echo(f"{file}: {len(change.added)} added, {len(change.removed)} removed, {change.unchanged} unchanged")
    return 0


def _scan(path: str, settings: Settings, history: bool) -> ScanResult:
    """Every finding under `path` (and in its history), before any baseline; an incomplete scan stops here
    (unless allowed), before the baseline is written: it would accept less than is there."""
    from scanner.errors import SourceError
    from scanner.filters import default_filters
    from scanner.scan import own_rule_dirs, scan_target
    from scanner.sources import targets

    if history:
        target = targets.in_repository(Path(path), settings, history=True)
    else:
        target = targets.on_disk([path], settings, exclude=own_rule_dirs())
    result = scan_target(target, settings, filters=default_filters(settings, baseline=False))
    unread = result.incomplete
    if unread and not settings.allow_incomplete:
        first = unread[0]
        raise SourceError(
            f"the scan of {path} is incomplete ({len(unread)} unread, first {first.path}: {first.reason}); "
            "the baseline was not written (--allow-incomplete writes it anyway)"
        )
    return result
