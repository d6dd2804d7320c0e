"""The one pass over the bytes: every rule keyword found at once, by hyperscan or by the pure-Python fallback.

Both backends report the same thing, the sorted set of (keyword index, start offset) of every
case-insensitive occurrence of every keyword, overlaps included, so results cannot depend on which ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class KeywordMatcher(Protocol):
    """Finds every occurrence of every keyword."""

    name: str

    def find(self, data: bytes) -> list[tuple[int, int]]:
        """Sorted (start offset, keyword index) pairs."""
        ...


class PythonMatcher:
    """Pure Python: `bytes.find` over the ASCII-lower-cased data, one C-speed sweep per keyword."""

    name = "python"

    def __init__(self, keywords: Sequence[str]) -> None:
        self._keywords = [k.encode() for k in keywords]

    def find(self, data: bytes) -> list[tuple[int, int]]:
        # bytes.lower() only folds ASCII, so offsets stay those of `data`.
        lowered = data.lower()
        hits: list[tuple[int, int]] = []
        for index, keyword in enumerate(self._keywords):
            start = lowered.find(keyword)
            while start != -1:
                hits.append((start, index))
                start = lowered.find(keyword, start + 1)
        hits.sort()
        return hits


class HyperscanMatcher:
    """Hyperscan: all keywords in one literal database, one scan of the data."""

    name = "hyperscan"

    def __init__(self, keywords: Sequence[str]) -> None:
        import hyperscan

        self._lengths = [len(k.encode()) for k in keywords]
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=[k.encode() for k in keywords],
            ids=list(range(len(keywords))),
            flags=[hyperscan.HS_FLAG_CASELESS] * len(keywords),
            literal=True,
        )
        self._scratch = hyperscan.Scratch(self._db)

    def find(self, data: bytes) -> list[tuple[int, int]]:
        hits: list[tuple[int, int]] = []
        lengths = self._lengths

        def on_match(index: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            hits.append((to - lengths[index], index))

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        hits.sort()
        return hits


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
