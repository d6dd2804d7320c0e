"""`keysweep scan --org/--repos`: the org-scan options on `scan`, and the one call that runs an org scan.

The options are kept in the click context (not `scan`'s parameters), so `scan` gains one decorator and one
`if`, and this module owns everything else about the mode.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from scanner.cli.colour import is_colour_on

F = TypeVar("F", bound=Callable[..., Any])
_KEY = "keysweep.org"


def _keep(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta.setdefault(_KEY, {})[param.name or ""] = value
    return value


def _option(*decls: str, **attrs: Any) -> Callable[[F], F]:
    return click.option(*decls, expose_value=False, callback=_keep, **attrs)


_OPTIONS = [
    _option("--org", metavar="HOST:NAME",
            help="Scan every repository of github:ORG, github:user/NAME or gitlab:GROUP."),
    _option("--repos", "repos_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
            help="Scan the repositories listed in FILE (clone URLs or paths, one a line, # comments)."),
    _option("--scheduler", metavar="ADDRESS",
            help="Run on the Dask scheduler at ADDRESS (tcp://host:8786; or DASK_SCHEDULER_ADDRESS); "
            "default: a LocalCluster on this machine."),
    _option("--workers", type=click.IntRange(min=1), help="LocalCluster worker processes (default: one per CPU)."),
    _option("--dashboard", is_flag=True, help="Serve the LocalCluster's Dask dashboard on :8787."),
    _option("--api-url", metavar="URL", help="GitHub Enterprise or self-managed GitLab API base URL."),
    _option("--include", multiple=True, metavar="GLOB", help="Only repositories whose full name matches (repeatable)."),
    _option("--exclude", multiple=True, metavar="GLOB", help="Leave out repositories whose full name matches."),
    _option("--include-archived", is_flag=True, help="Scan archived repositories too."),
    _option("--include-forks", is_flag=True, help="Scan forks too."),
    _option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
            help="Mirrors and state here (default: $XDG_CACHE_HOME and $XDG_STATE_HOME/keysweep)."),
    _option("--full", is_flag=True, help="Scan every object again, not only what is new since the last run."),
    _option("--task-timeout", type=click.FloatRange(min=1), default=3600.0, show_default=True, metavar="SECONDS",
            help="Time one repository may take (clone and scan)."),
    _option("--max-repo-size", type=click.IntRange(min=1), default=4096, show_default=True, metavar="MIB",
            help="Largest repository to clone."),
    _option("--max-clones", type=click.IntRange(min=0), default=0, metavar="N",
            help="Clones at once across the cluster (0: one per worker); keeps a shared link from saturating."),
]  # fmt: skip


def org_options(command: F) -> F:
    """Add the org-scan options to a command."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def is_org_scan() -> bool:
    values = click.get_current_context().meta.get(_KEY, {})
    return bool(values.get("org") or values.get("repos_file"))


def run_org(
    *,
    paths: tuple[str, ...],
    git_modes: bool,
    fmt: str,
    output: Path | None,
    settings_overrides: dict[str, Any],
    config_file: Path | None,
    baseline: Path | None,
    quiet: bool,
) -> int:
    """Run the org scan the context's options describe; render the merged report; return the exit code."""
    import os

    from msgspec.structs import replace

    from scanner.config import load_settings
    from scanner.errors import KeysweepError, UsageError
    from scanner.org.report import exit_code, render, summary_line
    from scanner.org.repositories import Selection
    from scanner.org.run import OrgOptions, OrgRequest, scan_org

    values = click.get_current_context().meta[_KEY]
    if values["org"] and values["repos_file"]:
        raise UsageError("choose one of --org and --repos")
    if paths or git_modes:
        raise UsageError("--org and --repos scan whole histories; they take no paths, --history, --staged or ranges")
    if baseline is not None:
        raise UsageError("a baseline belongs to one repository; --org and --repos do not take --baseline")
    settings = replace(load_settings(".", config_file, **settings_overrides), baseline=None)
    request = OrgRequest(
        org=values["org"],
        repos_file=values["repos_file"],
        api_url=values["api_url"],
        selection=Selection(
            include=tuple(values["include"]),
            exclude=tuple(values["exclude"]),
            archived=values["include_archived"],
            forks=values["include_forks"],
        ),
        scheduler=values["scheduler"],
        workers=values["workers"],
        dashboard=values["dashboard"],
        cache_dir=values["cache_dir"],
        full=values["full"],
        options=OrgOptions(
            timeout=values["task_timeout"],
            max_bytes=values["max_repo_size"] * 2**20,
            clone_slots=values["max_clones"],
        ),
    )
    report = scan_org(request, settings, os.environ, progress=not quiet and sys.stderr.isatty())
    text = render(fmt, report, colour=output is None and fmt == "text" and is_colour_on(sys.stdout))
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise KeysweepError(f"{output}: cannot write report: {exc.strerror}") from None
        if not quiet:
            click.echo(summary_line(report), err=True)
    elif not (quiet and not report.findings and not report.incomplete):
        click.echo(text, nl=False)
    return exit_code(report, allow_incomplete=settings.allow_incomplete)
