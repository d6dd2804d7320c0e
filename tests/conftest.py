"""Shared fixtures: the seed docs page, a fresh key generator, and an isolated git environment."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from pathlib import Path

import pytest

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
