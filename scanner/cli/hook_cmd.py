"""`keysweep hook`: the pre-commit gate; scans the staged changes or the files pre-commit names."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from scanner.config import Settings
    from scanner.findings import Finding
    from scanner.sources import Source

# NOTE: this module is on every commit's path. It imports no git library, HTTP client or Vault client
# (tests/git/test_git_hook.py proves it); git runs as a subprocess from scanner.sources._git.


@click.command("hook")
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Ignore findings in it.")
@click.option("--fail-on", help="Block only on findings at or above this severity.")
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
    from scanner.scan import scan
    from scanner.sources import _git

    repo = _git.toplevel(Path.cwd())
    settings = load_settings(
        repo,
        config_file,
        fail_on=Severity.parse(fail_on) if fail_on else None,
        baseline=baseline,
    )
    source, what = _choose_source(repo, files, settings)
    result = scan([source], settings, root=str(repo))
    if settings.baseline is not None:
        from scanner.filters.baseline import apply_baseline

        # The hook sees only what a commit adds: an entry it does not meet is not stale.
        apply_baseline(result, settings.baseline, report_stale=False)
    blocking = [f for f in result.findings if f.severity >= settings.fail_on]
    if not blocking:
        return 0
    from scanner.report.text import render

    click.echo(f"keysweep: {what} {_count(blocking)}; blocked.\n", err=True)
    click.echo(render(result, settings, colour=_colour()), nl=False, err=True)
    click.echo(
        "\nFix each place above, `git add` it, and commit again. A value that is not a secret can carry an "
        "allow comment (`keysweep:allow <rule-id>`) on its line.",
        err=True,
    )
    return 1


def _choose_source(repo: Path, files: Sequence[str], settings: Settings) -> tuple[Source, str]:
    """The source that matches how pre-commit (or git) called the hook, and a phrase naming it."""
    from scanner.sources import _git

    from_ref, to_ref = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        from scanner.sources.commit_range import RangeSource

        return RangeSource(repo, f"{from_ref}..{to_ref}", settings), "the pushed commits add"
    from scanner.sources.staged import StagedSource

    if not files:
        return StagedSource(repo, settings), "this commit adds"
    names = [_relative(repo, f) for f in files]
    staged = {c.path for c in _git.staged_changes(repo, names)}
    # NOTE: on `git commit` pre-commit passes exactly the staged files. Anything else (--all-files,
    # --files, a file with no staged change) means "check these files", so they are scanned whole: a hook
    # that diffed them against the index would find nothing and silently pass.
    if set(names) <= staged:
        return StagedSource(repo, settings, names), "this commit adds"
    from scanner.sources.filesystem import FilesystemSource

    return FilesystemSource(list(files), settings), "the files checked hold"


def _relative(repo: Path, name: str) -> str:
    """`name` (relative to the current folder, as pre-commit gives it) relative to the repository root."""
    return Path(os.path.relpath(Path(name).absolute(), repo)).as_posix()


def _count(findings: Sequence[Finding]) -> str:
    secrets = len({f.secret_id for f in findings})
    return f"{secrets} secret{'s' if secrets != 1 else ''}"


def _colour() -> bool:
    import sys

    return sys.stderr.isatty() and "NO_COLOR" not in os.environ
