"""The one pass over the bytes: which rule keywords a buffer holds, by hyperscan or by the pure-Python fallback.

Both backends answer the same question, the set of keyword indexes that occur at least once (ASCII
case-insensitively), so results cannot depend on which ran. Where each keyword occurs is then found by the
detector at C speed (`bytes.find` on the lower-cased buffer, or the rule's own regex), one step per line or per
candidate, never one Python object per keyword hit: a buffer of ten million near-misses costs no memory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from scanner.engine.disk_cache import default_cache_dir, write_atomically

_FORMAT = "keysweep-hyperscan-1"


class KeywordMatcher(Protocol):
    """Tells which keywords occur in a buffer."""

    name: str

    def present(self, data: bytes) -> frozenset[int]:
        """Indexes of the keywords occurring in `data`, ASCII case-insensitively."""
        ...


class PythonMatcher:
    """Pure Python: one C-speed substring search of the ASCII-lower-cased data per keyword."""

    name = "python"

    def __init__(self, keywords: Sequence[str]) -> None:
        self._keywords = [k.encode() for k in keywords]

    def present(self, data: bytes) -> frozenset[int]:
        lowered = data.lower()
        # NOTE: a keyword one of whose bytes is absent cannot occur; a one-byte search is a memchr, far cheaper
        # than a substring search over repetitive data (a flood of `AKIA`), so each byte is asked once first.
        has: dict[int, bool] = {}

        def holds(byte: int) -> bool:
            if byte not in has:
                has[byte] = bytes((byte,)) in lowered
            return has[byte]

        return frozenset(
            i for i, keyword in enumerate(self._keywords) if all(map(holds, keyword)) and keyword in lowered
        )


class HyperscanMatcher:
    """Hyperscan: all keywords in one literal database, one scan of the data, one report per keyword at most."""

    name = "hyperscan"

    def __init__(self, keywords: Sequence[str], cache_dir: Path | None = None) -> None:
        import hyperscan

        self._db = _cached_database(keywords, cache_dir or default_cache_dir())
        self._scratch = hyperscan.Scratch(self._db)

    def present(self, data: bytes) -> frozenset[int]:
        found: set[int] = set()

        def on_match(index: int, _from: int, _to: int, _flags: int, _ctx: object) -> None:
            found.add(index)

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        return frozenset(found)


def _cached_database(keywords: Sequence[str], cache_dir: Path) -> Any:
    """The keywords' database, read from `cache_dir` when this keyword set was compiled before (by this version of
    hyperscan); a missing or damaged entry is compiled again and rewritten, never an error."""
    import hyperscan

    digest = hashlib.sha256(f"{_FORMAT}\0{getattr(hyperscan, '__version__', '?')}\0{os.uname().machine}".encode())
    for keyword in keywords:
        digest.update(keyword.encode() + b"\0")
    entry = cache_dir / "hyperscan" / f"{digest.hexdigest()[:32]}.db"
    try:
        return hyperscan.loadb(entry.read_bytes(), hyperscan.HS_MODE_BLOCK)
    except Exception:
        pass
    db = compile_database(keywords)
    write_atomically(entry, bytes(hyperscan.dumpb(db)))
    return db


def compile_database(keywords: Sequence[str]) -> Any:
    """All keywords in one literal hyperscan database, ASCII case-insensitive, each reported once per scan."""
    import hyperscan

    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    # NOTE: SINGLEMATCH: a keyword is reported once however often it occurs, so a flood of hits costs no
    # Python callbacks.
    db.compile(
        expressions=[k.encode() for k in keywords],
        ids=list(range(len(keywords))),
        flags=[hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH] * len(keywords),
        literal=True,
    )
    return db


def make_matcher(keywords: Sequence[str], backend: str = "auto") -> KeywordMatcher:
    """`auto` takes hyperscan when it imports and compiles, else the Python fallback."""
    if backend == "python":
        return PythonMatcher(keywords)
    try:
        return HyperscanMatcher(keywords)
    except Exception:
        if backend == "hyperscan":
            raise
        return PythonMatcher(keywords)
