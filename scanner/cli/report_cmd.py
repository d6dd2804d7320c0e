"""`keysweep report`: the incident report (Markdown or one HTML page) from a scan and the rotation journals."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import click


@click.command("report")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option(
    "--report",
    "scan_report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Start from a saved `keysweep scan --format json` report (plain or --org); PATH is then the repository "
    "it was made from, for the git timeline.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "html"]), help="Default: from -o's suffix, else markdown."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--verify", is_flag=True, help="Scan with liveness checks (`keysweep scan --verify`).")
@click.option("--reveal", is_flag=True, help="Include secret values (never the default).")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Rotation journals to read (default: the config's, else $XDG_STATE_HOME/keysweep/rotations).",
)
@click.option("--no-history", is_flag=True, help="Scan the working tree only (git still dates what it finds).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
def report(
    path: str | None,
    scan_report: Path | None,
    fmt: str | None,
    output: Path | None,
    verify: bool,
    reveal: bool,
    state_dir: Path | None,
    no_history: bool,
    config_file: Path | None,
) -> int:
    """Incident report for PATH (default: the current folder): for each secret its exposure in git, names,
    liveness, rotation status and the next action.

    Exit codes: 0 nothing left to do now or soon, 1 a secret needs action, 2 error.
    """
    from scanner.errors import KeysweepError, UsageError
    from scanner.incident.build import ReportRequest, build_report
    from scanner.incident.git_graph import find_repository
    from scanner.incident.inputs import load_scan_report, parse_scan_document
    from scanner.incident.model import Urgency

    target = path or "."
    repository = find_repository(Path(target)) if path or not scan_report else None
    notes: list[str] = []
    if scan_report is not None:
        if verify:
            raise UsageError("--verify runs a scan: with --report, the report's own verification is used")
        scan = load_scan_report(scan_report)
        source = str(scan_report)
    else:
        args = ["--format", "json", "--reveal", target]
        if repository is not None and not no_history:
            args.insert(0, "--history")
        if config_file is not None:
            args += ["--config", str(config_file)]
        if verify and _scan_can_verify():
            args.append("--verify")
        elif verify:
            notes.append("liveness not checked: this keysweep's `scan` has no --verify")
        scan = parse_scan_document(_scan_document(args), "keysweep scan")
        source = str(Path(target).resolve())
    request = ReportRequest(
        source=source,
        target=target,
        repository=repository,
        state_dir=state_dir or _state_dir(target, config_file),
        reveal=reveal,
    )
    built = build_report(scan, request)
    if notes:
        from dataclasses import replace

        built = replace(built, notes=(*built.notes, *notes))
    fmt = fmt or ("html" if output is not None and output.suffix.lower() in (".html", ".htm") else "markdown")
    if fmt == "html":
        from scanner.incident.html import render
    else:
        from scanner.incident.markdown import render
    text = render(built)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise KeysweepError(f"{output}: cannot write the report: {exc.strerror}") from None
    return 1 if any(s.next_action.urgency >= Urgency.SOON for s in built.keys) else 0


def _scan_document(args: list[str]) -> object:
    """`keysweep scan ARGS` run in this process, its JSON report read from memory (values never reach a file)."""
    from scanner.cli.scan_cmd import scan

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        scan.main(args=args, prog_name="keysweep scan", standalone_mode=False)
    return json.loads(captured.getvalue())


def _scan_can_verify() -> bool:
    """Whether this keysweep's `scan` has `--verify` (issue 14, part 1)."""
    from scanner.cli.scan_cmd import scan

    return any("--verify" in getattr(p, "opts", ()) for p in scan.params)


def _state_dir(target: str, config_file: Path | None) -> Path:
    from scanner.config import load_settings
    from scanner.rotation.config import default_state_dir

    settings = load_settings(target if Path(target).exists() else ".", config_file)
    configured = (settings.rotation or {}).get("state_dir")
    return Path(configured) if isinstance(configured, str) else default_state_dir(os.environ)
