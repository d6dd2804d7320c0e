"""The pre-commit gate without click: scan the staged changes, or the files pre-commit names, and say why a commit
is blocked. `keysweep hook FILE…` (what pre-commit runs) comes here straight from `main`; the click command in
scanner.cli.hook_cmd, for lines with options, calls the same function.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.findings import Finding

# NOTE: this module is on every commit's path. It imports no click, git library, HTTP client or Vault client
# (tests/git/test_git_hook.py proves it); git runs as a subprocess from scanner.sources.git_runner.


def run_hook(
    files: Sequence[str],
    config_file: Path | None = None,
    baseline: Path | None = None,
    fail_on: str | None = None,
    allow_incomplete: bool = False,
) -> int:
    """Scan what the commit adds (or `files` whole, see `for_hook`); report on stderr; return the exit code."""
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
    target = for_hook(repo, tuple(files), settings, os.environ)
    result = scan_target(target, settings)
    code = exit_code(result, settings)
    blocking = [f for f in result.findings if f.severity >= settings.fail_on]
    if not blocking:
        if code == 2:
            from scanner.report.text import incomplete_lines

            _say(f"keysweep: part of what {target.description} could not be read; blocked.")
            for line in incomplete_lines(result, settings):
                _say(line)
        return code
    from scanner.cli.colour import is_colour_on
    from scanner.report.text import render

    _say(f"keysweep: {target.description} {_count(blocking)}; blocked.\n")
    _say(render(result, settings, colour=is_colour_on(sys.stderr)), end="")
    _say(
        "\nFix each place above, `git add` it, and commit again. A value that is not a secret can carry an "
        "allow comment (`keysweep:allow <rule-id>`) on its line."
    )
    return code


def _say(text: str, end: str = "\n") -> None:
    sys.stderr.write(text + end)


def _count(findings: Sequence[Finding]) -> str:
    secrets = len({f.secret_id for f in findings})
    return f"{secrets} secret{'s' if secrets != 1 else ''}"
