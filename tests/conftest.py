"""Shared fixtures: the seed docs page, a fresh key generator, the keyword engines this machine has."""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


def _has_hyperscan() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


HYPERSCAN = _has_hyperscan()
BACKENDS = [
    pytest.param("python"),
    pytest.param("hyperscan", marks=pytest.mark.skipif(not HYPERSCAN, reason="hyperscan is not installed")),
]
"""Both keyword engines; hyperscan's cases skip (not fail) where it is not installed, as the scanner falls back."""

DATA = Path(__file__).parent / "data"
SEED = DATA / "nexus-api-reference.txt"
_ALNUM = string.ascii_letters + string.digits


@pytest.fixture
def make_key() -> Callable[..., str]:
    """Random, high-entropy fake keys: `make_key("sk-proj-", 48)`."""
    rng = random.Random(1234)

    def make(prefix: str = "sk-proj-", length: int = 48, alphabet: str = _ALNUM) -> str:
        return prefix + "".join(rng.choice(alphabet) for _ in range(length))

    return make


@pytest.fixture
def handed_first(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many items the engine handed its workers first, each time it started them (the list fills)."""
    from scanner.engine import workers

    seen: list[int] = []
    real: Callable[..., Iterator[workers.Result]] = workers._on_workers

    def counted(detector: Any, first: list[Any], rest: Any, jobs: int) -> Iterator[workers.Result]:
        seen.append(len(first))
        return real(detector, first, rest, jobs)

    monkeypatch.setattr(workers, "_on_workers", counted)
    return seen
