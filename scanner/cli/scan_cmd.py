"""`keysweep scan`: choose sources from the flags, scan, render the report, exit 0/1/2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

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
    if modes and (len(targets) > 1 or targets[0] == "-"):
        raise UsageError("git modes take one repository path")
    from scanner.scan import scan_target
    from scanner.sources import targets as choose

    if modes:
        rev_range = rev_range or (f"{since}..HEAD" if since else None)
        target = choose.in_repository(Path(targets[0]), settings, history=history, staged=staged, rev_range=rev_range)
    else:
        target = choose.on_disk(targets, settings, note_history=True)
    progress = _Progress(target.sources[0]) if history and not quiet and sys.stderr.isatty() else None
    try:
        result = scan_target(target, settings, backend=engine, progress=progress)
    finally:
        if progress is not None:
            progress.close()
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

    def __init__(self, source: object = None) -> None:
        import time

        self.files = 0
        self.size = 0
        self.clock = time.monotonic
        self.shown = 0.0
        self.source = source
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


def _render(fmt: str, result: ScanResult, settings: Settings, colour: bool) -> str:
    import importlib

    from scanner.report import FORMATS

    module = importlib.import_module(FORMATS[fmt])
    if fmt == "text":
        return str(module.render(result, settings, colour=colour))
    return str(module.render(result, settings))
