"""hyperscan is installed exactly where PyPI has a wheel for it; everywhere else the pure-Python matcher runs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

# NOTE: the platform tags of hyperscan 0.9.1's wheels on PyPI (uploaded 2026-10-08, read 2026-12-01); each for
# CPython 3.11-3.14: `pip download hyperscan==0.9.1 --no-deps --only-binary=:all: --platform TAG
# --python-version 3.11` finds each of these, and finds nothing for win32, win_arm64, ppc64le, s390x, armv7l,
# i686, or for PyPy 3.11 (only pp310 wheels).
WHEEL_PLATFORMS = [
    "manylinux2014_x86_64.manylinux_2_17_x86_64",
    "musllinux_1_2_x86_64",
    "manylinux_2_24_aarch64.manylinux_2_28_aarch64",
    "musllinux_1_2_aarch64",
    "macosx_10_9_x86_64",
    "macosx_10_13_x86_64",
    "macosx_10_15_x86_64",
    "macosx_11_0_arm64",
    "win_amd64",
]


def _hyperscan() -> Requirement:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [requirement] = [Requirement(r) for r in pyproject["project"]["dependencies"] if r.startswith("hyperscan")]
    return requirement


def _environment(sys_platform: str, machine: str, implementation: str = "CPython") -> dict[str, str]:
    """The marker variables of a Python on that platform (platform.machine() spells arm64 and AMD64 so)."""
    return {"sys_platform": sys_platform, "platform_machine": machine, "platform_python_implementation": implementation}


def _where_the_wheel_installs(tag: str) -> dict[str, str]:
    if tag == "win_amd64":
        return _environment("win32", "AMD64")
    if tag.startswith("macosx_"):
        return _environment("darwin", "arm64" if tag.endswith("arm64") else "x86_64")
    return _environment("linux", "aarch64" if tag.endswith("aarch64") else "x86_64")


@pytest.mark.parametrize("tag", WHEEL_PLATFORMS)
def test_every_platform_with_a_hyperscan_wheel_gets_hyperscan(tag: str) -> None:
    marker = _hyperscan().marker
    assert marker is not None and marker.evaluate(_where_the_wheel_installs(tag))


@pytest.mark.parametrize(
    "environment",
    [
        _environment("win32", "ARM64"),
        _environment("win32", "x86"),
        _environment("linux", "ppc64le"),
        _environment("linux", "s390x"),
        _environment("linux", "armv7l"),
        _environment("linux", "i686"),
        _environment("freebsd14", "amd64"),
        _environment("linux", "x86_64", "PyPy"),
        _environment("darwin", "arm64", "PyPy"),
    ],
    ids=lambda e: "-".join(e.values()),
)
def test_platforms_without_a_wheel_use_the_pure_python_matcher(environment: dict[str, str]) -> None:
    marker = _hyperscan().marker
    assert marker is not None and not marker.evaluate(environment)


def test_the_version_floor_is_the_first_release_with_wheels_on_all_those_platforms() -> None:
    specifier = _hyperscan().specifier

    assert "0.7.26" in specifier and "0.9.1" in specifier
    assert "0.7.23" not in specifier  # no Python 3.14 wheels anywhere
    assert "0.7.8" not in specifier  # no Windows wheels
