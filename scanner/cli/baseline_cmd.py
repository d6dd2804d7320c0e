"""`keysweep baseline create|update`: record today's findings as accepted, then keep the record current."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from scanner.config import Settings
    from scanner.scan import ScanResult


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
def create(path: str, output: Path | None, migrate_from: Path | None, config_file: Path | None, history: bool) -> int:
    """Scan PATH (default: the current folder) and accept every finding in a new baseline file."""
    from scanner.filters.baseline import (
        DEFAULT_BASELINE,
        entries_for,
        match_baseline,
        read_baseline,
        write_baseline,
    )

    settings = _settings(path, config_file)
    file = output or settings.baseline or DEFAULT_BASELINE
    _refuse_to_overwrite_foreign(file)
    result = _scan(path, settings, history)
    findings = result.findings
    if migrate_from is not None:
        previous = read_baseline(migrate_from)
        match = match_baseline(previous, findings, result.root)
        findings = match.accepted
        if match.kept:
            click.echo(
                f"{len(match.kept)} finding{'s' if len(match.kept) != 1 else ''} not accepted by "
                f"{migrate_from} left out; `keysweep scan` shows them"
            )
    entries = entries_for(findings, result.root, file.parent)
    write_baseline(file, entries)
    click.echo(f"wrote {len(entries)} entr{'ies' if len(entries) != 1 else 'y'} to {file}")
    return 0


@baseline.command("update")
@_path_argument
@click.option(
    "-b", "--baseline", "file", type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file to update (default: `baseline` from the config, else .keysweep-baseline.json).",
)  # fmt: skip
@_config_option
@_history_option
def update(path: str, file: Path | None, config_file: Path | None, history: bool) -> int:
    """Rescan PATH: add new findings to the baseline, drop entries whose secret is gone, print the changes.

    Entries for files outside PATH, or skipped by this scan, are kept as they are.
    """
    from scanner.errors import BaselineError
    from scanner.filters.baseline import (
        DEFAULT_BASELINE,
        BaselineEntry,
        baseline_path,
        entries_for,
        is_in_scope,
        read_baseline,
        write_baseline,
    )

    settings = _settings(path, config_file)
    file = file or settings.baseline or DEFAULT_BASELINE
    old = read_baseline(file)
    if old.format != "keysweep":
        raise BaselineError(
            f"{file} is a {old.format} baseline; convert it once with "
            f"`keysweep baseline create --from {file} --output .keysweep-baseline.json`"
        )
    result = _scan(path, settings, history)
    base_dir = file.parent
    unread = {baseline_path(s.path, result.root, base_dir) for s in result.skipped}
    previous = {e for e in old.entries if isinstance(e, BaselineEntry)}
    untouched = {e for e in previous if e.path in unread or not is_in_scope(e.path, result.root, base_dir)}
    current = untouched | set(entries_for(result.findings, result.root, base_dir))
    added, removed = sorted(current - previous), sorted(previous - current)
    for sign, entries in (("+", added), ("-", removed)):
        for e in entries:
            click.echo(f"{sign} {e.path}  {e.rule_id}  {e.secret_id}")
    if added or removed:
        write_baseline(file, current)
    unchanged = len(previous & current)
    click.echo(f"{file}: {len(added)} added, {len(removed)} removed, {unchanged} unchanged")
    return 0


def _refuse_to_overwrite_foreign(file: Path) -> None:
    """A detect-secrets or gitleaks file named as the output (or as `baseline` in the config) is kept."""
    from scanner.errors import BaselineError
    from scanner.filters.baseline import read_baseline

    if not file.is_file():
        return
    try:
        existing = read_baseline(file)
    except BaselineError:
        return  # unreadable as any baseline: nothing of value to protect
    if existing.format != "keysweep":
        raise BaselineError(
            f"{file} is a {existing.format} baseline and would be overwritten; "
            f"write elsewhere: `keysweep baseline create --from {file} --output .keysweep-baseline.json`"
        )


def _settings(path: str, config_file: Path | None) -> Settings:
    from scanner.config import load_settings

    return load_settings(path, config_file)


def _scan(path: str, settings: Settings, history: bool) -> ScanResult:
    from scanner.scan import scan, scan_paths

    if not history:
        return scan_paths([path], settings)
    from scanner.sources.git_history import HistorySource

    return scan([HistorySource(Path(path), settings)], settings, root=path)
