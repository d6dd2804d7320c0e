"""`keysweep scan`: choose sources from the flags, scan, render the report, exit 0/1/2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.cli.colour import is_colour_on
from scanner.cli.org_options import is_org_scan, org_options
from scanner.findings import Severity

if TYPE_CHECKING:
    from scanner.config import Settings
    from scanner.findings import Fragment, ScanResult

SEVERITIES = [str(s) for s in Severity]


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--reveal", is_flag=True, help="Include secret values in the report (never the default).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Exit 1 for findings at or above it (default: medium).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Ignore findings in it.")
@click.option("--history", is_flag=True, help="Also scan every commit reachable from any ref.")
@click.option("--staged", is_flag=True, help="Scan only what is staged for the next commit.")
@click.option("--since", metavar="REF", help="Scan only lines added by commits after REF (REF..HEAD).")
@click.option("--range", "rev_range", metavar="A..B", help="Scan only lines added by the commits A..B.")
@click.option(
    "--max-file-size", type=click.IntRange(min=1), metavar="BYTES",
    help="Skip (and list) larger files. Default: no limit; big files are scanned in bounded chunks.",
)  # fmt: skip
@click.option(
    "--allow-incomplete", is_flag=True,
    help="Exit on findings alone when part of what was asked could not be read (default: exit 2).",
)  # fmt: skip
@click.option("--include-ignored", is_flag=True, help="In a git work tree, also scan files git ignores.")
@click.option("--include-deps", is_flag=True, help="Also scan node_modules, site-packages, vendor, virtualenvs.")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), metavar="N",
    help="Worker processes for big scans (default: one per CPU; 1 scans in this process).",
)  # fmt: skip
@click.option("-v", "--verbose", is_flag=True, help="Say which config file applies to which path.")
@click.option("--engine", type=click.Choice(["auto", "hyperscan", "python"]), default="auto", hidden=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress, no summary when clean.")
@click.option(
    "--verify", is_flag=True, help="Ask each secret's provider whether it is live (read-only; docs/verify.md)."
)
@click.option(
    "--only-verified", is_flag=True, help="Fail only on live keys (or keys whose check failed); implies --verify."
)
@org_options
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: Path | None,
    reveal: bool,
    fail_on: str | None,
    config_file: Path | None,
    baseline: Path | None,
    history: bool,
    staged: bool,
    since: str | None,
    rev_range: str | None,
    max_file_size: int | None,
    allow_incomplete: bool,
    include_ignored: bool,
    include_deps: bool,
    jobs: int | None,
    verbose: bool,
    engine: str,
    quiet: bool,
    verify: bool = False,
    only_verified: bool = False,
) -> int:
    """Scan PATHS (folders, files, `-` for stdin; default: the current folder) for secrets.

    Inside a git work tree a folder scan reads what git tracks plus untracked files it does not ignore.
    Each path uses the config file found from it.

    Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 error or an incomplete scan.
    """
    from scanner.errors import UsageError
    from scanner.scan import exit_code, scan_target

    modes = sum(bool(m) for m in (history, staged, since, rev_range))
    overrides: dict[str, object] = {
        "reveal": reveal or None,
        "fail_on": Severity.parse(fail_on) if fail_on else None,
        "max_file_size": max_file_size,
        "baseline": baseline,
        "allow_incomplete": allow_incomplete or None,
        "include_ignored": include_ignored or None,
        "include_deps": include_deps or None,
        "only_verified": only_verified or None,
        "jobs": jobs,
    }
    if is_org_scan():
        from scanner.cli.org_options import run_org

        org_overrides = {k: overrides[k] for k in ("reveal", "fail_on", "allow_incomplete")}
        return run_org(paths=paths, git_modes=bool(modes), fmt=fmt, output=output, settings_overrides=org_overrides,
                       config_file=config_file, baseline=baseline, quiet=quiet)  # fmt: skip
    if modes > 1:
        raise UsageError("choose one of --history, --staged, --since and --range")
    targets = list(dict.fromkeys(paths)) or ["."]
    if modes and (len(targets) > 1 or targets[0] == "-"):
        raise UsageError("git modes take one repository path")
    groups = _by_config(targets, config_file, overrides)
    if verbose:
        for line in _config_lines(groups):
            click.echo(line, err=True)
    progress = None
    if modes:
        from scanner.sources.targets import in_repository

        settings = groups[0][0]
        rev_range = rev_range or (f"{since}..HEAD" if since else None)
        target = in_repository(Path(targets[0]), settings, history=history, staged=staged, rev_range=rev_range)
        progress = _Progress(target.sources[0]) if history and not quiet and sys.stderr.isatty() else None
        try:
            result = _verified(scan_target(target, settings, backend=engine, progress=progress), settings, verify)
        finally:
            if progress is not None:
                progress.close()
        code = exit_code(result, settings)
    else:
        settings, result, code = _scan_on_disk(groups, several=len(targets) > 1, backend=engine, verify=verify)
    for group_settings, _ in groups:
        if group_settings.shadowed_config is not None:
            result.notes.append(_shadowed(group_settings))
    text = _render(fmt, result, settings, colour=output is None and is_colour_on(sys.stdout))
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            from scanner.errors import KeysweepError

            raise KeysweepError(f"{output}: cannot write report: {exc.strerror}") from None
        if fmt != "text" and not quiet:
            from scanner.report.text import summary_line

            click.echo(summary_line(result, settings), err=True)
    elif fmt != "text" or not quiet or result.findings or result.incomplete:
        # NOTE: a JSON or SARIF report is always written (empty when clean): a pipeline reads it either way.
        click.echo(text, nl=False)
    return code


def _by_config(
    targets: list[str], config_file: Path | None, overrides: dict[str, object]
) -> list[tuple[Settings, list[str]]]:
    """The paths grouped by the config that applies to each (found from the path, or `--config` for all)."""
    from scanner.config import load_settings

    groups: dict[Path | None, tuple[Settings, list[str]]] = {}
    for target in targets:
        settings = load_settings(target if target != "-" else ".", config_file, **overrides)
        groups.setdefault(settings.config_file, (settings, []))[1].append(target)
    return list(groups.values())


def _verified(result: ScanResult, settings: Settings, verify: bool) -> ScanResult:
    """The result with each secret's liveness when `--verify` (or `--only-verified`) asked for it."""
    if not (verify or settings.only_verified):
        return result
    from scanner.verify.runner import verify_scan

    return verify_scan(result, settings)


def _scan_on_disk(
    groups: list[tuple[Settings, list[str]]], *, several: bool, backend: str, verify: bool
) -> tuple[Settings, ScanResult, int]:
    """Each group of paths scanned with its own settings, then one report (the strictest threshold shown)."""
    from msgspec.structs import replace

    from scanner.scan import exit_code, merge, own_rule_dirs, scan_target
    from scanner.sources.targets import on_disk

    results = []
    codes = []
    own = own_rule_dirs()
    for settings, group in groups:
        target = on_disk(group, settings, note_history=not several, display_root="." if several else None, exclude=own)
        results.append(_verified(scan_target(target, settings, backend=backend), settings, verify))
        codes.append(exit_code(results[-1], settings))
    if len(results) == 1:
        return groups[0][0], results[0], codes[0]
    every = [settings for settings, _ in groups]
    shown = replace(
        every[0],
        fail_on=min(s.fail_on for s in every),
        allow_incomplete=all(s.allow_incomplete for s in every),
    )
    return shown, merge(results), 2 if 2 in codes else max(codes)


def _config_lines(groups: list[tuple[Settings, list[str]]]) -> list[str]:
    lines = []
    for settings, group in groups:
        where = ", ".join(group)
        config = str(settings.config_file) if settings.config_file else "none (built-in defaults)"
        lines.append(f"config: {config} applies to {where}")
        if settings.shadowed_config is not None:
            lines.append(f"config: {_shadowed(settings)}")
    return lines


def _shadowed(settings: Settings) -> str:
    return (
        f"{settings.config_file} is used and [tool.keysweep] in {settings.shadowed_config} is not read: "
        ".keysweep.toml wins over pyproject.toml in the same folder"
    )


class _Progress:
    """A progress bar for a long history scan on stderr (only on a terminal), once the total is known."""

    def __init__(self, source: object = None) -> None:
        import time

        self.files = 0
        self.size = 0
        self.clock = time.monotonic
        self.shown = 0.0
        self.source = source
        """The source being scanned; its `expected` fragment count, when it has one, sizes the bar."""

    def __call__(self, fragment: Fragment, size: int) -> None:
        self.files += 1
        self.size += size
        now = self.clock()
        if now - self.shown > 0.2:
            self.shown = now
            click.echo(f"\r{self.line()}", nl=False, err=True)

    def line(self) -> str:
        total = getattr(self.source, "expected", None)
        read = f"{self.files} files and blobs, {self.size / 1e6:.1f} MB"
        if not total:
            return f"scanning: {read}"
        done = min(self.files / total, 1.0)
        bar = "#" * int(done * 30)
        return f"scanning [{bar:<30}] {done:4.0%}  {read}"

    def close(self) -> None:
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)


def _render(fmt: str, result: ScanResult, settings: Settings, colour: bool) -> str:
    import importlib

    from scanner.report import FORMATS

    module = importlib.import_module(FORMATS[fmt])
    if fmt == "text":
        return str(module.render(result, settings, colour=colour))
    return str(module.render(result, settings))
