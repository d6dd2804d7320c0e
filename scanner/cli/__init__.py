"""The keysweep command line: a click group (scanner.cli.group) whose subcommands are imported only when invoked.

`main` is where every run ends: each way it can end is an exit code and at most one line on stderr. The line
pre-commit writes, `keysweep hook FILE…` with no option, runs without click (scanner.cli.hook): click's import is
a tenth of a commit's wait.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, NoReturn

from msgspec import Struct

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


class _Run(Struct):
    """What this run's flags asked for beyond colour (which lives on the click context); made by `main`."""

    debug: bool
    """Show the traceback of an error: `--debug` or KEYSWEEP_DEBUG=1."""


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


def entry() -> NoReturn:
    """The `keysweep` program (its console script and `python -m scanner`): `main`, then the end of the process.

    The interpreter's teardown (freeing every module's objects one by one) took ~10 ms of each commit's hook and
    ~20 ms after a folder scan; `scan` and `hook` end without it, once what that teardown does that matters is
    done: threads joined (or else the usual ending), exit handlers run (workers' and gits' stopping, caches
    written), and stdout and stderr flushed. Every other command, and `main` itself (which tests and embedders
    call), ends as any Python program does.
    """
    try:
        main()
    except SystemExit as exc:
        if sys.argv[1:2] not in (["scan"], ["hook"]) or "distributed" in sys.modules:
            raise  # NOTE: the commands that talk to Vault, providers or Dask end as Python ends them
        _end(exc.code)


def _end(code: int | str | None) -> NoReturn:
    """`sys.exit(code)` without the interpreter's teardown, unless a thread still runs (Python then waits for it)."""
    import atexit

    threading = sys.modules.get("threading")
    if threading is not None and any(
        t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()
    ):
        sys.exit(code)
    if isinstance(code, str):  # what sys.exit does with a message: say it, exit 1
        sys.stderr.write(code + "\n")
        code = 1
    atexit._run_exitfuncs()
    code = _flushed(code)
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def _invoke(argv: list[str] | None, run: _Run) -> int:
    """Parse and run one command line; click's own `main` is not used, as it turns a closed pipe into exit 1."""
    args = sys.argv[1:] if argv is None else list(argv)
    files = _plain_hook_files(args)
    if files is not None:
        from scanner.cli.hook import run_hook

        return run_hook(files)
    from scanner.cli.colour import setting_from_env
    from scanner.cli.group import cli

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


def _plain_hook_files(args: list[str]) -> list[str] | None:
    """The FILEs of `keysweep hook FILE…` when nothing else is on the line, or None: an option, `--`, `-` or a
    name that starts with `-` goes to click (which reads them as options), as does anything under Windows (whose
    shells leave globs to the program) or shell completion."""
    if not args or args[0] != "hook" or os.name == "nt" or os.environ.get("_KEYSWEEP_COMPLETE"):
        return None
    files = args[1:]
    return None if any(name.startswith("-") for name in files) else files


def _exit_code(exc: BaseException, *, debug: bool) -> int:
    """Say in one line on stderr how the run ended (nothing for a closed pipe), and give its exit code."""
    from scanner.errors import KeysweepError

    # NOTE: a click exception comes only from click: a run that never imported it (the hook) has none
    click = sys.modules.get("click")
    if click is not None and isinstance(exc, click.exceptions.Exit):
        return int(exc.exit_code)
    if isinstance(exc, BrokenPipeError):
        return OUTPUT_CLOSED  # quiet: whoever would read a message is gone, or asked for one line (`head -1`)
    if isinstance(exc, KeyboardInterrupt):
        _say(("\n" if _is_terminal(sys.stderr) else "") + "keysweep: interrupted")  # after the terminal's ^C
        return INTERRUPTED
    if click is not None and isinstance(exc, click.ClickException):
        exc.show()
        return 2
    if click is not None and isinstance(exc, click.exceptions.Abort):
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
        print(line, file=sys.stderr, flush=True)


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


def __getattr__(name: str) -> Any:
    # NOTE: `from scanner.cli import cli` (tests, embedders) still works; the group is built on first use
    if name == "cli":
        from scanner.cli.group import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
