"""Org-scan fixtures: the isolated environment the tests and their workers share, and one 2-worker LocalCluster
for each test module."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:  # plain `pytest` does not put the root on sys.path; the emulators live under tests/
    sys.path.insert(0, ROOT)

from repo_builders import isolated_git_environment  # noqa: E402


@pytest.fixture(scope="module")
def org_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of the module's tests and of the workers they start (workers inherit it at spawn)."""
    values = isolated_git_environment(tmp_path_factory.mktemp("home"))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in values.items():
            patch.setenv(name, value)
        for name in ("GH_TOKEN", "DASK_SCHEDULER_ADDRESS"):
            patch.delenv(name, raising=False)
        yield dict(os.environ)


@pytest.fixture(scope="module")
def dask_client(org_env: dict[str, str]) -> Iterator[object]:
    """One LocalCluster of 2 single-threaded worker processes for the module (CI has 2 cores)."""
    from scanner.org.cluster import connect

    with connect(None, workers=2) as client:
        yield client
