"""`keysweep scan`: choose sources from the flags, scan, render the report, exit 0/1/2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.findings import Severity

if TYPE_CHECKING:
    from scanner.config import Settings
    from scanner.findings import Fragment
    from scanner.scan import ScanResult
    from scanner.sources import Source

SEVERITIES = [str(s) for s in Severity]


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--reveal", is_flag=True, help="Include secret values in the report (never the default).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Exit 1 for findings at or above this severity.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Ignore findings in it.")
@click.option("--history", is_flag=True, help="Also scan every commit reachable from any ref.")
@click.option("--staged", is_flag=True, help="Scan only what is staged for the next commit.")
@click.option("--since", metavar="REF", help="Scan only lines added by commits after REF (REF..HEAD).")
@click.option("--range", "rev_range", metavar="A..B", help="Scan only lines added by the commits A..B.")
@click.option("--max-file-size", type=int, metavar="BYTES", help="Skip larger files.")
@click.option("--engine", type=click.Choice(["auto", "hyperscan", "python"]), default="auto", hidden=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress, no summary when clean.")
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
    engine: str,
    quiet: bool,
) -> int:
    """Scan PATHS (folders, files, `-` for stdin; default: the current folder) for secrets.

    Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 error.
    """
    from scanner.config import load_settings
    from scanner.errors import UsageError

    modes = sum(bool(m) for m in (history, staged, since, rev_range))
    if modes > 1:
        raise UsageError("choose one of --history, --staged, --since and --range")
    targets = list(paths) or ["."]
    settings = load_settings(
        targets[0] if targets[0] != "-" else ".",
        config_file,
        reveal=reveal or None,
        fail_on=Severity.parse(fail_on) if fail_on else None,
        max_file_size=max_file_size,
        baseline=baseline,
    )
    progress = _Progress() if history and not quiet and sys.stderr.isatty() else None
    try:
        result = _run(
            targets, settings, engine, progress, history=history, staged=staged, since=since, rev_range=rev_range
        )
    finally:
        if progress is not None:
            progress.close()
    if settings.baseline is not None:
        from scanner.filters.baseline import apply_baseline

        # Staged and range scans see only added lines: an entry they miss is not stale.
        apply_baseline(result, settings.baseline, report_stale=not (staged or since or rev_range))
    text = _render(fmt, result, settings, colour=output is None and sys.stdout.isatty())
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            from scanner.errors import KeysweepError

            raise KeysweepError(f"{output}: cannot write report: {exc.strerror}") from None
        if fmt != "text" and not quiet:
            from scanner.report.text import summary_line

            click.echo(summary_line(result, settings), err=True)
    elif not (quiet and not result.findings):
        click.echo(text, nl=False)
    return 1 if any(f.severity >= settings.fail_on for f in result.findings) else 0


class _Progress:
    """A progress bar for a long history scan on stderr (only on a terminal), once the total is known."""

    def __init__(self) -> None:
        import time

        self.files = 0
        self.size = 0
        self.clock = time.monotonic
        self.shown = 0.0
        self.source: object = None
        """The source being scanned; its `expected` fragment count, when it has one, sizes the bar."""

    def __call__(self, fragment: Fragment) -> None:
        self.files += 1
        self.size += len(fragment.data)
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


def _run(
    targets: list[str],
    settings: Settings,
    engine: str,
    progress: _Progress | None,
    *,
    history: bool,
    staged: bool,
    since: str | None,
    rev_range: str | None,
) -> ScanResult:
    from scanner.scan import scan, scan_paths

    if not (history or staged or since or rev_range):
        result = scan_paths(targets, settings, backend=engine)
        _note_unscanned_history(targets, result)
        return result
    from scanner.errors import UsageError

    if len(targets) > 1 or targets[0] == "-":
        raise UsageError("git modes take one repository path")
    repo = Path(targets[0])
    source: Source
    if history:
        from scanner.sources.git_history import HistorySource

        source = HistorySource(repo, settings)
        if progress is not None:
            progress.source = source
    elif staged:
        from scanner.sources.staged import StagedSource

        source = StagedSource(repo, settings)
    else:
        from scanner.sources.commit_range import RangeSource

        source = RangeSource(repo, rev_range or f"{since}..HEAD", settings)
    return scan([source], settings, backend=engine, root=str(repo), progress=progress)


def _note_unscanned_history(targets: list[str], result: ScanResult) -> None:
    if len(targets) != 1 or targets[0] == "-" or not Path(targets[0]).is_dir():
        return
    try:
        from scanner.sources._git import unscanned_commit_count
    except ImportError:
        return
    count = unscanned_commit_count(Path(targets[0]))
    if count:
        result.notes.append(
            f"{count} commit{'s' if count != 1 else ''} in this repository's history were not scanned; "
            "add --history to include them"
        )


def _render(fmt: str, result: ScanResult, settings: Settings, colour: bool) -> str:
    import importlib

    from scanner.report import FORMATS

    module = importlib.import_module(FORMATS[fmt])
    if fmt == "text":
        return str(module.render(result, settings, colour=colour))
    return str(module.render(result, settings))
