"""How a run ends, through real processes and real pipes: one line and exit 2 for any error, the traceback only
with --debug, exit 141 and silence when the reader of the output goes away, exit 130 after Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SEED

CONSOLE_SCRIPT = Path(sys.executable).parent / "keysweep"
OUTPUT_CLOSED, INTERRUPTED = 141, 130


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _failing_scan(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`keysweep scan ARGS` in a real process whose pipeline raises an error nobody planned for."""
    code = (
        "import scanner.scan\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('state was lost\\nwhile scanning')\n"
        "scanner.scan.scan_target = broken\n"
        "from scanner.cli import main\n"
        f"main(['scan', *{list(args)!r}])\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env or _env(KEYSWEEP_DEBUG=None)
    )


def test_an_unexpected_error_is_one_line_naming_what_and_its_type_and_exits_two(tmp_path: Path) -> None:
    run = _failing_scan(str(tmp_path))

    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "keysweep: error: state was lost while scanning (RuntimeError; --debug shows the traceback)"
    ]
    assert run.stdout == ""


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--debug"], {}),  # after the subcommand's arguments
        ([], {"KEYSWEEP_DEBUG": "1"}),
    ],
    ids=["flag", "env"],
)
def test_debug_shows_the_traceback_and_still_exits_two(tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
    run = _failing_scan(str(tmp_path), *args, env=_env(**env))

    assert run.returncode == 2
    assert run.stderr.startswith("Traceback (most recent call last):")
    assert "RuntimeError: state was lost" in run.stderr
    assert run.stderr.splitlines()[-1] == "keysweep: error: state was lost while scanning (RuntimeError)"


def test_debug_before_the_subcommand_shows_the_traceback_of_a_planned_error_too() -> None:
    quiet = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", "/nonexistent/path"], capture_output=True, text=True, timeout=60
    )
    loud = subprocess.run(
        [sys.executable, "-m", "scanner", "--debug", "scan", "/nonexistent/path"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (quiet.returncode, loud.returncode) == (2, 2)
    assert len(quiet.stderr.splitlines()) == 1 and "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr and loud.stderr.splitlines()[-1] == quiet.stderr.strip()


def test_key_shaped_text_in_an_unexpected_error_is_cut_like_a_redacted_value(make_key: Callable[..., str]) -> None:
    from scanner.cli import unexpected_error_line

    key = make_key("sk-proj-", 48)
    line = unexpected_error_line(ValueError(f"invalid literal for int() with base 10: '{key}'"))

    assert key not in line
    assert (
        line
        == "keysweep: error: invalid literal for int() with base 10: 'sk-p…' (ValueError; --debug shows the traceback)"
    )
    kept = "no such object 3f2a9c0e5b7d1a4f6e8c0b2d4f6a8c0e2b4d6f8a in /srv/a_very_long_folder_name_without_digits"
    assert kept in unexpected_error_line(KeyError(kept))  # hashes and plain words are not keys


def test_a_reader_that_exits_first_ends_the_scan_quietly_with_141(tmp_path: Path, make_key: Callable[..., str]) -> None:
    assert CONSOLE_SCRIPT.exists(), "the tests run from the project's venv, which has the console script"
    # Far more report than a pipe holds (64 KiB), so `head` is gone long before keysweep is done writing.
    (tmp_path / "keys.env").write_text("".join(f"KEY_{i}={make_key()}\n" for i in range(1500)))
    scan = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "scan", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(PYTHONUNBUFFERED=None),  # NOTE: unbuffered (-u), a write the reader cuts short is silently partial
    )
    head = subprocess.Popen(["head", "-1"], stdin=scan.stdout, stdout=subprocess.PIPE)
    assert scan.stdout is not None and scan.stderr is not None
    scan.stdout.close()  # only head holds the read end now, as in a shell pipeline
    first, _ = head.communicate(timeout=60)
    errors = scan.stderr.read()
    scan.wait(timeout=60)

    assert first.startswith(b"CRITICAL")
    assert (scan.returncode, errors) == (OUTPUT_CLOSED, b"")


@pytest.mark.parametrize(
    "args",
    [["--help"], ["scan", "--help"], ["rules", "list"], ["scan", str(SEED)], ["scan", str(SEED), "--format", "json"]],
    ids=lambda a: " ".join(a).replace(str(SEED), "SEED"),
)
@pytest.mark.parametrize("unbuffered", [None, "1"], ids=["buffered", "unbuffered"])
def test_every_command_meets_a_closed_output_pipe_with_141_and_no_message(
    args: list[str], unbuffered: str | None
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before keysweep writes a byte
    try:
        run = subprocess.run(
            [sys.executable, "-m", "scanner", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=_env(PYTHONUNBUFFERED=unbuffered),
        )
    finally:
        os.close(write_end)

    assert (run.returncode, run.stderr) == (OUTPUT_CLOSED, "")


def test_output_still_buffered_when_the_command_ends_meets_the_closed_pipe_quietly(tmp_path: Path) -> None:
    (tmp_path / "clean.txt").write_text("nothing here\n")
    # Buffered output that nobody flushed before keysweep returns: Python's own flush at exit would print
    # "Exception ignored ... BrokenPipeError" and exit 120.
    code = (
        "import sys\nsys.stdout.write('pending output\\n')\n"
        f"from scanner.cli import main\nmain(['scan', {str(tmp_path / 'clean.txt')!r}, '--quiet'])\n"
    )
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        run = subprocess.run(
            [sys.executable, "-c", code],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=_env(PYTHONUNBUFFERED=None),
        )
    finally:
        os.close(write_end)

    assert (run.returncode, run.stderr) == (OUTPUT_CLOSED, "")


@pytest.mark.skipif(
    sys.platform != "linux", reason="FIONREAD on a pipe's write end is how the test knows the read began"
)
def test_ctrl_c_while_scanning_is_one_line_and_exit_130() -> None:
    import array
    import fcntl
    import termios

    read_end, write_end = os.pipe()
    scan = subprocess.Popen(
        [sys.executable, "-m", "scanner", "scan", "-"],
        stdin=read_end,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(read_end)
    try:
        os.write(write_end, b"still typing\n")
        unread = array.array("i", [1])
        deadline = time.monotonic() + 30
        while unread[0] and time.monotonic() < deadline:  # until keysweep is reading stdin, past start-up
            time.sleep(0.02)
            fcntl.ioctl(write_end, termios.FIONREAD, unread)
        assert unread[0] == 0, "keysweep never read its stdin"
        scan.send_signal(signal.SIGINT)
        out, err = scan.communicate(timeout=30)
    finally:
        os.close(write_end)

    assert (scan.returncode, out, err) == (INTERRUPTED, "", "keysweep: interrupted\n")


def _ended(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A real process that sets sys.argv to `keysweep ARGS`, runs `code`, then `scanner.cli.entry()`."""
    program = f"import sys\nsys.argv = ['keysweep', *{list(args)!r}]\n{code}\nfrom scanner.cli import entry\nentry()\n"
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120, env=env or os.environ.copy()
    )


def test_a_scan_ends_without_teardown_but_with_its_exit_handlers_and_whole_output(
    tmp_path: Path, make_key: Callable[..., str]
) -> None:
    (tmp_path / "keys.env").write_text("".join(f"KEY_{i}={make_key()}\n" for i in range(300)))
    marker = tmp_path / "handler-ran"
    # NOTE: an exit handler registered before the run, and a buffered write to stdout after the report (both
    # would be lost by an exit that skipped them); the regex cache is written by keysweep's own handler
    code = (
        "import atexit\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('yes'))\n"
        "atexit.register(lambda: print('LAST LINE'))\n"
    )
    env = _env(XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONUNBUFFERED=None)  # NOTE: buffered, as in a pipeline
    run = _ended(code, "scan", str(tmp_path), "--format", "json", env=env)

    report, _, last = run.stdout.rpartition("}\n")
    assert run.returncode == 1, run.stderr
    document = json.loads(report + "}")  # the report arrived whole
    assert document["summary"]["findings"] == len(document["findings"]) >= 300
    assert last == "LAST LINE\n" and marker.read_text() == "yes"
    assert list((tmp_path / "cache" / "keysweep" / "regex").glob("*.marshal"))


def test_a_thread_still_running_gets_the_usual_ending_which_waits_for_it(tmp_path: Path) -> None:
    done = tmp_path / "thread-done"
    code = (
        "import threading, time\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        f"    open({str(done)!r}, 'w').write('yes')\n"
        "threading.Thread(target=late).start()\n"
    )
    run = _ended(code, "scan", str(tmp_path))

    assert run.returncode == 0, run.stderr
    assert done.read_text() == "yes"  # os._exit would have ended the process first


@pytest.mark.parametrize(("args", "expected"), [(["rules", "list"], 0), (["scan", "--no-such-option"], 2)])
def test_other_commands_and_errors_end_with_their_own_exit_code(args: list[str], expected: int) -> None:
    run = _ended("", *args)

    assert run.returncode == expected
    assert "Traceback" not in run.stderr
