"""The keysweep command line: a click group whose subcommands are imported only when invoked.

`main` is where every run ends: each way it can end is an exit code and at most one line on stderr.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from scanner import __version__
from scanner.cli.colour import colour_flag, setting_from_env

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


INTERRUPTED = 130
"""Exit code after Ctrl-C: 128 + SIGINT, what shells report for a command that SIGINT stopped."""

OUTPUT_CLOSED = 141
"""Exit code when the reader of keysweep's output went away (`keysweep scan | head -1`): 128 + SIGPIPE, what the
shell reports for cat, grep or git in the same place. Not 0, the report was cut short; not 1, which means findings;
not 2, nothing went wrong in keysweep."""


@dataclass(slots=True)
class _Run:
    """What this run's flags asked for beyond colour (which lives on the click context); made by `main`."""

    debug: bool
    """Show the traceback of an error: `--debug` or KEYSWEEP_DEBUG=1."""


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


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: run the group and exit 0 clean, 1 findings, 2 error, 130 interrupted, 141 output closed.

    Errors raised on purpose (KeysweepError) and click's usage errors are one line on stderr; so is anything
    unexpected, with its type; `--debug` or KEYSWEEP_DEBUG=1 adds the traceback.
    """
    run = _Run(debug=os.environ.get("KEYSWEEP_DEBUG", "") not in ("", "0"))
    code: int | str | None
    try:
        code = _invoke(argv, run)
    except SystemExit as exc:  # a command that exits by itself keeps its code
        code = exc.code
    except BaseException as exc:
        code = _exit_code(exc, debug=run.debug)
    sys.exit(_flushed(code))


def _invoke(argv: list[str] | None, run: _Run) -> int:
    """Parse and run one command line; click's own `main` is not used, as it turns a closed pipe into exit 1."""
    args = sys.argv[1:] if argv is None else list(argv)
    if argv is None and os.name == "nt":
        # NOTE: what click's own `main` does on Windows, whose shells leave globs and ~ unexpanded.
        from click.utils import _expand_args

        args = _expand_args(args)
    instruction = os.environ.get("_KEYSWEEP_COMPLETE")
    if instruction:  # shell completion, as click's `main` offers it
        from click.shell_completion import shell_complete

        return shell_complete(cli, {}, "keysweep", "_KEYSWEEP_COMPLETE", instruction)
    with cli.make_context("keysweep", args, obj=run, color=setting_from_env(os.environ)) as ctx:
        code = cli.invoke(ctx)
    # Subcommands return their exit code (0 clean, 1 findings); a group asked for nothing returns None.
    return code if isinstance(code, int) else 0


def _exit_code(exc: BaseException, *, debug: bool) -> int:
    """Say in one line on stderr how the run ended (nothing for a closed pipe), and give its exit code."""
    from scanner.errors import KeysweepError

    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, BrokenPipeError):
        return OUTPUT_CLOSED  # quiet: whoever would read a message is gone, or asked for one line (`head -1`)
    if isinstance(exc, KeyboardInterrupt):
        _say(("\n" if _is_terminal(sys.stderr) else "") + "keysweep: interrupted")  # after the terminal's ^C
        return INTERRUPTED
    if isinstance(exc, click.ClickException):
        exc.show()
        return 2
    if isinstance(exc, click.exceptions.Abort):
        _say("keysweep: aborted")
        return 2
    if not isinstance(exc, Exception):
        raise exc
    if debug:
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, KeysweepError):
        _say(f"keysweep: error: {exc}")
        return exc.exit_code
    _say(unexpected_error_line(exc, hint=not debug))
    return 2


def unexpected_error_line(exc: BaseException, *, hint: bool = True) -> str:
    """`keysweep: error: <what> (<type>; --debug shows the traceback)`: one line, no key-shaped text in it."""
    what = " ".join(str(exc).split()) or "no message"
    # NOTE: an unexpected error's message may quote input; a run of 24+ letters and digits in both cases is
    # what keys look like (paths, hashes and words rarely do), so it keeps 4 characters, like a redacted value.
    what = re.sub(r"[A-Za-z0-9_+/=-]{24,}", _masked, what)
    if len(what) > 300:
        what = what[:299] + "…"
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"keysweep: error: {what} ({name}{'; --debug shows the traceback' if hint else ''})"


def _masked(match: re.Match[str]) -> str:
    text = match.group()
    if any(c.isdigit() for c in text) and any(c.islower() for c in text) and any(c.isupper() for c in text):
        return text[:4] + "…"
    return text


def _say(line: str) -> None:
    from contextlib import suppress

    with suppress(OSError):  # stderr is gone too: the exit code is all that is left
        click.echo(line, err=True)


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def _flushed(code: int | str | None) -> int | str | None:
    """Flush stdout and stderr here, so that a reader gone away is met now and not in the interpreter's flush at
    exit (which prints `Exception ignored … BrokenPipeError` and exits 120); what is left goes to os.devnull."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            _discard(stream)
            code = OUTPUT_CLOSED
        except (OSError, ValueError):
            pass
    return code


def _discard(stream: Any) -> None:
    """Point `stream`'s file descriptor at os.devnull, so its unwritten buffer has somewhere to go at exit."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
