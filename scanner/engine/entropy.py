"""Shannon entropy and the shape tests that tell random key material from fakes."""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise


def shannon_entropy(text: str) -> float:
    """Bits per character of `text` (0.0 for the empty string)."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def is_repetitive(body: str) -> bool:
    """True when `body` is a short unit repeated (`abcabcabc…`, `1234567890123…`, `xxxx`)."""
    n = len(body)
    return any(all(body[i] == body[i % unit] for i in range(unit, n)) for unit in range(1, max(2, n // 3) + 1))


def is_sequential(body: str) -> bool:
    """True when most of `body` steps by one code point (`abcdefgh…`, `0123456789…`, `zyxw…`)."""
    if len(body) < 8:
        return False
    steps = sum(1 for a, b in pairwise(body) if abs(ord(b) - ord(a)) == 1)
    return steps >= 0.6 * (len(body) - 1)
