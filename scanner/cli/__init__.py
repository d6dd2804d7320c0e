"""The keysweep command line: a click group whose subcommands are imported only when invoked."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from scanner import __version__

# NOTE: start-up runs on every commit through the hook, so each subcommand lives in its own module and is
# imported only when named. Values are "module:attribute".
COMMANDS: dict[str, tuple[str, str]] = {
    "scan": ("scanner.cli.scan_cmd:scan", "Scan folders, files, stdin or git history for secrets."),
    "hook": ("scanner.cli.hook_cmd:hook", "Pre-commit hook: scan what is staged (or the files given)."),
    "rules": ("scanner.cli.rules_cmd:rules", "List and check rules."),
    "baseline": ("scanner.cli.baseline_cmd:baseline", "Create and update baselines of accepted findings."),
    "rotate": ("scanner.cli.rotate_cmd:rotate", "Plan and apply the rotation of exposed keys."),
    "fix": ("scanner.cli.fix_cmd:fix", "Rewrite inline secrets into env or secret references."),
    "report": ("scanner.cli.report_cmd:report", "Incident report: exposure, liveness, rotation status, next action."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (target, _) in COMMANDS.items() if _is_available(target)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None or not _is_available(entry[0]):
            return None
        module_name, attr = entry[0].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text comes from the table so that `--help` imports no subcommand.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _is_available(target: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(target.split(":")[0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="keysweep")
def cli() -> None:
    """keysweep finds leaked secrets and helps rotate them.

    Exit codes: 0 nothing found, 1 findings at or above the failing severity, 2 error.
    """


def main(argv: list[str] | None = None) -> Any:
    """Entry point: runs the group, turning every KeysweepError into one line on stderr and exit 2."""
    from scanner.errors import KeysweepError

    try:
        code = cli.main(args=argv, prog_name="keysweep", standalone_mode=False)
    except KeysweepError as exc:
        click.echo(f"keysweep: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("keysweep: aborted", err=True)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(1)
    # Subcommands return their exit code (0 clean, 1 findings); click returns None for --help.
    sys.exit(code if isinstance(code, int) else 0)
