"""The click group behind every command line but the hook's usual one (`keysweep hook FILE…`, which `main` runs
without click: click alone is a tenth of the hook's start-up)."""

from __future__ import annotations

import importlib
from typing import Any

import click

from scanner import __version__
from scanner.cli import COMMANDS, _Run
from scanner.cli.colour import colour_flag


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
        _add_run_flags(command)
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


def run_flags() -> list[click.Option]:
    """The flags every command takes, before or after its name: `--color/--no-color` and `--debug`."""
    debug = click.Option(
        ["--debug"],
        is_flag=True,
        expose_value=False,
        callback=_set_debug,
        help="Show the traceback of an error (also KEYSWEEP_DEBUG=1).",
    )
    return [colour_flag(), debug]


def _set_debug(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    run = ctx.find_object(_Run)
    if value and run is not None:
        run.debug = True


def _add_run_flags(command: click.Command) -> None:
    """Give a subcommand, and a subgroup's commands, the run-wide flags: `keysweep scan . --no-color` works too."""
    names = {param.name for param in command.params}
    command.params.extend(flag for flag in run_flags() if flag.name not in names)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _add_run_flags(sub)


@click.group(cls=LazyGroup, params=run_flags(), context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="keysweep")
def cli() -> None:
    """keysweep finds leaked secrets and helps rotate them.

    \b
    Exit codes: 0 nothing found, 1 findings at or above the failing severity, 2 error,
    130 interrupted (Ctrl-C), 141 the output's reader went away (`| head`).
    Environment: NO_COLOR, FORCE_COLOR and TERM=dumb for colour; KEYSWEEP_DEBUG=1 as --debug.
    """
