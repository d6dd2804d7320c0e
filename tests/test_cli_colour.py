"""Colour, decided in one place for every command: on a terminal only, never under NO_COLOR, TERM=dumb or
--no-color; --color and FORCE_COLOR colour a pipe too. Checked on a real pseudo-terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import SEED

pty = pytest.importorskip("pty")  # POSIX only

ESC = b"\x1b["
COLOURLESS = {"NO_COLOR": None, "FORCE_COLOR": None, "TERM": "xterm-256color"}


def _env(changes: Mapping[str, str | None]) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in {**COLOURLESS, **changes}.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _on_terminal(args: list[str], env: Mapping[str, str | None], *, stream: str, cwd: Path | None = None) -> bytes:
    """What keysweep writes to `stream` ("stdout" or "stderr") when that stream is a terminal (a pty)."""
    main, child = pty.openpty()
    other = subprocess.PIPE
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", *args],
        stdout=child if stream == "stdout" else other,
        stderr=child if stream == "stderr" else other,
        stdin=subprocess.DEVNULL,
        env=_env(env),
        cwd=cwd,
    )
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    proc.communicate(timeout=60)
    assert proc.returncode in (0, 1), proc.returncode
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ([], {}, True),  # the control: a terminal gets colour
        ([], {"NO_COLOR": "1"}, False),
        ([], {"NO_COLOR": "anything"}, False),
        ([], {"NO_COLOR": ""}, True),  # no-color.org: an empty value does not count
        ([], {"TERM": "dumb"}, False),
        (["--no-color"], {}, False),
        (["--color"], {"NO_COLOR": "1"}, True),  # a flag on the command line beats the environment
        (["--color"], {"TERM": "dumb"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_the_scan_report_on_a_terminal_honours_flags_and_environment(
    args: list[str], env: dict[str, str], coloured: bool
) -> None:
    out = _on_terminal(["scan", str(SEED), *args], env, stream="stdout")

    assert b"openai-project-key" in out
    assert (ESC in out) is coloured


def test_the_flags_work_before_the_subcommand_too() -> None:
    assert ESC not in _on_terminal(["--no-color", "scan", str(SEED)], {}, stream="stdout")
    assert ESC in _on_terminal(["--no-color", "scan", str(SEED), "--color"], {}, stream="stdout")  # last one wins


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ([], {}, False),  # a pipe gets no colour
        ([], {"FORCE_COLOR": "1"}, True),
        (["--color"], {}, True),
        ([], {"FORCE_COLOR": ""}, False),
    ],
)
def test_a_pipe_gets_colour_only_when_forced(args: list[str], env: dict[str, str], coloured: bool) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", str(SEED), *args],
        capture_output=True,
        env=_env(env),
        timeout=60,
    )

    assert run.returncode == 1
    assert (ESC in run.stdout) is coloured


@pytest.fixture
def staged_key(tmp_path: Path, make_key) -> Path:  # type: ignore[no-untyped-def]
    """A git repository whose staged change adds a key, for `keysweep hook`."""
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": os.environ["PATH"]}
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    (tmp_path / "app.py").write_text("import os\n")
    for args in (["init", "-q"], ["add", "-A"], [*ident, "commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True)
    (tmp_path / "app.py").write_text(f'import os\nOPENAI_API_KEY = "{make_key()}"\n')
    subprocess.run(["git", "add", "app.py"], cwd=tmp_path, env=env, check=True)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ([], {}, True),
        ([], {"NO_COLOR": "1"}, False),
        ([], {"TERM": "dumb"}, False),
        (["--no-color"], {}, False),
    ],
)
def test_the_hook_report_on_a_terminal_honours_flags_and_environment(
    staged_key: Path, args: list[str], env: dict[str, str], coloured: bool
) -> None:
    err = _on_terminal(["hook", *args], env, stream="stderr", cwd=staged_key)

    assert b"openai-project-key" in err
    assert (ESC in err) is coloured


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({}, None),
        ({"NO_COLOR": "1"}, False),
        ({"NO_COLOR": ""}, None),
        ({"TERM": "dumb"}, False),
        ({"TERM": "xterm"}, None),
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": "0"}, True),  # force-color.org: any non-empty value
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_the_environment_decides_colour_in_the_documented_order(env: dict[str, str], setting: bool | None) -> None:
    from scanner.cli.colour import setting_from_env

    assert setting_from_env(env) is setting
