"""Every command's --help works without loading anything heavy, and README's usage block names only commands and
options that exist, and every command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from scanner.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = {"git", "gitdb", "httpx", "hvac", "requests", "dask", "distributed", "detect_secrets", "ruamel", "nacl"}
HEAVY |= {"hyperscan", "re2", "yaml"}


def _every_command_path() -> list[list[str]]:
    paths: list[list[str]] = [[]]
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        paths.append([name])
        if isinstance(command, click.Group):
            paths += [[name, sub] for sub in command.commands]
    return paths


@pytest.mark.parametrize("words", _every_command_path(), ids=lambda w: " ".join(w) or "keysweep")
def test_help_works_for_every_command_and_loads_nothing_heavy(words: list[str]) -> None:
    code = (
        "import json, sys\nfrom scanner.cli import main\n"
        f"try:\n    main({[*words, '--help']!r})\nexcept SystemExit as e:\n    code = e.code\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(HEAVY)!r}))\n"
        "print(json.dumps([code, heavy]), file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    assert run.stdout.startswith(f"Usage: keysweep {' '.join(words)}".rstrip() + " ")
    assert "--no-color" in run.stdout and "--debug" in run.stdout  # the run-wide flags, on every command
    assert json.loads(run.stderr.splitlines()[-1]) == [0, []]


def _usage_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^## Usage\n\n```sh\n(.*?)\n```", readme, flags=re.S | re.M)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.startswith("keysweep")]


def test_readme_usage_names_every_command() -> None:
    named = {line.split()[1] for line in _usage_block()}
    assert set(COMMANDS) <= named


@pytest.mark.parametrize("line", _usage_block())
def test_readme_usage_names_only_options_the_command_has(line: str) -> None:
    words = line.split("#")[0].split()[1:]
    command: click.Command = cli
    ctx = click.Context(cli)
    while words and isinstance(command, click.Group) and not words[0].startswith("-"):
        sub = command.get_command(ctx, words.pop(0))
        assert sub is not None, line
        command = sub
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {"-h", "--help"}
    mentioned = set(re.findall(r"(?<![\w.`/-])(--?[a-z][a-z-]*)", line))

    assert mentioned <= known, f"{line!r}: {sorted(mentioned - known)} are not options of {command.name}"
