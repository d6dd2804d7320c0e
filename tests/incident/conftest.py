"""Fixtures for the incident report: git repositories with fixed authors and dates, scans of them as the JSON
report gives them, and a report built from both."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # plain `pytest` does not put the root on sys.path; shared helpers live under tests/
    sys.path.insert(0, str(ROOT))

from scanner.config import load_settings  # noqa: E402
from scanner.incident.inputs import ScanInput, parse_scan_document  # noqa: E402
from scanner.report import json as json_report  # noqa: E402
from scanner.scan import scan_target  # noqa: E402
from scanner.sources.targets import in_repository, on_disk  # noqa: E402
from tests.incident.history import Repo, isolated_git  # noqa: E402
from tests.rotation.conftest import bao, emulator, world  # noqa: E402, F401  (the rotation fixtures, reused)

GENERATED_AT = "2024-03-01T12:00:00+00:00"


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = isolated_git(tmp_path / "gitconfig")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return dict(os.environ)


@pytest.fixture
def make_repo(tmp_path: Path, git_env: dict[str, str]) -> Callable[[str], Repo]:
    def make(name: str = "app") -> Repo:
        return Repo.init(tmp_path / name, git_env)

    return make


def scan_document(path: Path, *, history: bool = True, reveal: bool = True) -> dict[str, object]:
    """What `keysweep scan [--history] --format json [--reveal] PATH` prints, as a parsed document."""
    settings = load_settings(path, reveal=reveal)
    target = in_repository(path, settings, history=True) if history else on_disk([path], settings)
    document: dict[str, object] = json.loads(json_report.render(scan_target(target, settings), settings))
    return document


def scan_input(path: Path, *, history: bool = True, reveal: bool = True) -> ScanInput:
    return parse_scan_document(scan_document(path, history=history, reveal=reveal))
