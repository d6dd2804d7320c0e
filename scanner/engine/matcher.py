"""The one pass over the bytes: which rule keywords a buffer holds, by hyperscan or by the pure-Python fallback.

Both backends answer the same question, the set of keyword indexes that occur at least once (ASCII
case-insensitively), so results cannot depend on which ran. Hyperscan also answers, in the same pass, which
gates may match (rules' regexes as prefilters, `scanner/engine/prefilter.py`): a gate only ever says "maybe", so
the Python fallback, which cannot tell, says "maybe" for all of them and finds the same. Where each keyword occurs
is then found by the detector at C speed (`bytes.find` on the lower-cased buffer, or the rule's own regex), one
step per line or per candidate, never one Python object per keyword hit: a buffer of ten million near-misses costs
no memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, Protocol

from scanner import re_cache
from scanner.disk_cache import default_cache_dir, key_hash, write_atomically

_FORMAT = "keysweep-hyperscan-2"


class KeywordMatcher(Protocol):
    """Tells which keywords occur in a buffer, and which gates may match it."""

    name: str
    tells_gates: bool
    """False when every gate is reported as "maybe" (the backend cannot tell)."""

    def present(self, data: bytes, wanted: Callable[[frozenset[int]], bool] | None = None) -> frozenset[int]:
        """Indexes of the keywords occurring in `data`, ASCII case-insensitively, and `len(keywords) + j` for each
        gate j that may match somewhere in `data` (every gate, when the backend cannot tell).

        Gates made `later` are looked for only when `wanted` (given what the first pass found) says so; when it
        says no they count as absent. Without `wanted` they are always looked for."""
        ...


class PythonMatcher:
    """Pure Python: one C-speed substring search of the ASCII-lower-cased data per keyword; every gate "maybe"."""

    name = "python"
    tells_gates = False

    def __init__(self, keywords: Sequence[str], gates: Sequence[bytes] = ()) -> None:
        self._keywords = [k.encode() for k in keywords]
        self._gates = frozenset(range(len(keywords), len(keywords) + len(gates)))

    def present(self, data: bytes, wanted: Callable[[frozenset[int]], bool] | None = None) -> frozenset[int]:
        lowered = data.lower()
        # NOTE: a keyword one of whose bytes is absent cannot occur; a one-byte search is a memchr, far cheaper
        # than a substring search over repetitive data (a flood of `AKIA`), so each byte is asked once first.
        has: dict[int, bool] = {}

        def holds(byte: int) -> bool:
            if byte not in has:
                has[byte] = bytes((byte,)) in lowered
            return has[byte]

        found = frozenset(
            i for i, keyword in enumerate(self._keywords) if all(map(holds, keyword)) and keyword in lowered
        )
        return found | self._gates if found else found


class HyperscanMatcher:
    """Hyperscan: the keywords and the gates in one database, one scan of the data, one report per pattern at most;
    the gates made `later` in a second database, scanned only when the first pass's answer wants them.

    NOTE: every gate costs hyperscan work on every byte, whether or not its rule's keyword is there: the gates of
    rules whose keywords are rare (`discord`, `mailgun`) made the one pass over sympy's history half as fast.
    """

    name = "hyperscan"
    tells_gates = True

    def __init__(
        self,
        keywords: Sequence[str],
        cache_dir: Path | None = None,
        gates: Sequence[bytes] = (),
        later: Collection[int] = (),
    ) -> None:
        import hyperscan

        cache_dir = cache_dir or default_cache_dir()
        first = [j for j in range(len(gates)) if j not in later]
        second = [j for j in range(len(gates)) if j in later]
        self._db = _cached_database(keywords, [gates[j] for j in first], cache_dir)
        self._scratch = hyperscan.Scratch(self._db)
        count = len(keywords)
        # NOTE: each database numbers its own patterns: the places of the first's and the second's among all
        # keywords and gates come with the second database (with none, the first's numbers are the places)
        self._later: tuple[Any, Any, tuple[int, ...], tuple[int, ...]] | None = None
        if second:
            db = _cached_database((), [gates[j] for j in second], cache_dir)
            places = (*range(count), *(count + j for j in first))
            self._later = (db, hyperscan.Scratch(db), places, tuple(count + j for j in second))

    def present(self, data: bytes, wanted: Callable[[frozenset[int]], bool] | None = None) -> frozenset[int]:
        found: set[int] = set()

        def on_match(index: int, _from: int, _to: int, _flags: int, _ctx: object) -> None:
            found.add(index)

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        if self._later is None:
            return frozenset(found)
        db, scratch, places, later = self._later
        result = frozenset(places[i] for i in found)
        if wanted is not None and not wanted(result):
            return result
        found.clear()
        db.scan(data, match_event_handler=on_match, scratch=scratch)
        return result | {later[i] for i in found}


def _cached_database(keywords: Sequence[str], gates: Sequence[bytes], cache_dir: Path) -> Any:
    """The database of these keywords and gates, read from `cache_dir` when it was compiled before (by this version
    of hyperscan); a missing or damaged entry is compiled again and rewritten, never an error."""
    digest = _digest()
    for keyword in keywords:
        digest.update(keyword.encode() + b"\0")
    for gate in gates:
        digest.update(b"\1" + gate + b"\0")
    return _cached(digest.hexdigest(), lambda: compile_database(keywords, gates), cache_dir)


def _digest() -> Any:
    import hyperscan

    from scanner.engine.prefilter import VERSION

    version = f"{_FORMAT}.{VERSION}"
    return key_hash(f"{version}\0{getattr(hyperscan, '__version__', '?')}\0{os.uname().machine}".encode())


def _cached(digest: str, compile: Callable[[], Any], cache_dir: Path) -> Any:
    import hyperscan

    entry = cache_dir / "hyperscan" / f"{digest[:32]}.db"
    try:
        return hyperscan.loadb(entry.read_bytes(), hyperscan.HS_MODE_BLOCK)
    except Exception:
        pass
    db = compile()
    write_atomically(entry, bytes(hyperscan.dumpb(db)))
    return db


class HyperscanStarts:
    """Where each occurrence of some fixed-width patterns starts (`decoders.EscapeStarts`), by one hyperscan pass:
    case-sensitive, every occurrence reported, and the pass stopped one past the most asked for (a flood of escapes
    costs a bounded number of Python calls)."""

    def __init__(self, patterns: Sequence[tuple[bytes, int]], cache_dir: Path | None = None) -> None:
        import hyperscan

        digest = _digest()
        digest.update(b"starts\0" + b"\0".join(pattern for pattern, _ in patterns))
        expressions = [pattern for pattern, _ in patterns]

        def compile() -> Any:
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            db.compile(expressions=expressions, ids=list(range(len(expressions))), flags=[0] * len(expressions))
            return db

        self._db = _cached(digest.hexdigest(), compile, cache_dir or default_cache_dir())
        self._scratch = hyperscan.Scratch(self._db)
        self._widths = tuple(width for _, width in patterns)
        self._stopped = hyperscan.ScanTerminated
        self._last = tuple(re_cache.compile(pattern) for pattern, _ in patterns)

    def __call__(self, data: bytes, forms: Sequence[bool], most: int) -> list[int] | None:
        starts: list[int] = []
        widths = self._widths

        def on_match(index: int, _from: int, to: int, _flags: int, _ctx: object) -> bool:
            if not forms[index]:
                return False
            starts.append(to - widths[index])
            return len(starts) > most  # NOTE: True stops the scan

        try:
            self._db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        except self._stopped:
            return None
        # NOTE: hyperscan 5.4 (python-hyperscan 0.9.1) misses a `\\/` that ends a buffer of 17 to 34 bytes in this
        # database (no other place, no other form: checked against `re` on 200,000 random buffers), so a match at
        # the very end is looked for here
        for index, last in enumerate(self._last):
            at = len(data) - widths[index]
            if forms[index] and at >= 0 and last.fullmatch(data, at) is not None and at not in starts:
                starts.append(at)
                if len(starts) > most:
                    return None
        # NOTE: hyperscan reports by where a match ends: a wider form's start can come after a narrower one's
        starts.sort()
        return starts


def compile_database(keywords: Sequence[str], gates: Sequence[bytes] = ()) -> Any:
    """All keywords (as literals) and gates (`prefilter.gate_source`s, translated here) in one hyperscan database,
    ASCII case-insensitive, each reported once per scan."""
    import hyperscan

    from scanner.engine.prefilter import ANY, gate_expression

    # NOTE: SINGLEMATCH: a pattern is reported once however often it occurs, so a flood of hits costs no Python
    # callbacks. Keywords are written byte by byte (`\\xNN`), so no byte of one is read as regex syntax.
    # PREFILTER lets hyperscan widen what it cannot build exactly (a gate only has to say "maybe").
    literal = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH
    expressions = [b"".join(b"\\x%02x" % c for c in k.encode()) for k in keywords]
    flags = [literal] * len(keywords)
    translated = [gate_expression(gate) for gate in gates]
    gated = literal | hyperscan.HS_FLAG_PREFILTER
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(expressions=expressions + translated, ids=list(range(len(expressions) + len(translated))),
                   flags=flags + [gated] * len(translated))  # fmt: skip
    except hyperscan.error:
        # a gate hyperscan cannot build says "maybe" to everything, as no gate did
        translated = [g if g == ANY or _compiles(g, gated) else ANY for g in translated]
        db.compile(expressions=expressions + translated, ids=list(range(len(expressions) + len(translated))),
                   flags=flags + [gated] * len(translated))  # fmt: skip
    return db


def _compiles(expression: bytes, flags: int) -> bool:
    import hyperscan

    try:
        hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK).compile(expressions=[expression], ids=[0], flags=[flags])
    except hyperscan.error:
        return False
    return True


def make_matcher(
    keywords: Sequence[str], backend: str = "auto", gates: Sequence[bytes] = (), later: Collection[int] = ()
) -> KeywordMatcher:
    """`auto` takes hyperscan when it imports and compiles, else the Python fallback (`later` is hyperscan's)."""
    if backend == "python":
        return PythonMatcher(keywords, gates)
    try:
        return HyperscanMatcher(keywords, gates=gates, later=later)
    except Exception:
        if backend == "hyperscan":
            raise
        return PythonMatcher(keywords, gates)
