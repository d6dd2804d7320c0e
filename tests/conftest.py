"""Shared fixtures: the seed docs page, a fresh key generator, the keyword engines this machine has."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from pathlib import Path

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
