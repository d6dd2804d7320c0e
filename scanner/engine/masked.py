"""Masked keys (`sk-proj-J1•••`, `whsec_…4f2a`) as key tables and provider listings show them: not secrets, but the
name their table row gives lets a found key be labelled with it."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator

from msgspec import Struct

from scanner import re_cache
from scanner.engine.lines import SPARSE, WORDISH, line_of

# A masked key as it appears in key tables and provider listings: prefix, a mask, optionally the last chars.
_MASKED = re_cache.compile(
    r"((?:sk-(?:proj-|svcacct-|admin-)?|whsec_)[A-Za-z0-9]{0,16})"
    r"(?:•+|\*{3,}|…|\.\.\.)(?:[•*]*)([A-Za-z0-9]{0,8})(?![A-Za-z0-9])".encode()
)
_TABLE_ROW_NAME = re_cache.compile(r"^\s*\|?\s*([^|]+?)\s*\|")
MASK_MARKS = ("•".encode(), "…".encode(), b"***", b"...")
"""The marks a masked key needs, one of them at least."""
MASK_GATES: tuple[bytes, ...] = (
    rb"(?:^|[^A-Za-z0-9_-])(?:sk-|whsec_)",
    rb"(?:\xe2\x80[\xa2\xa6]|\*\*\*|\.\.\.)",
)
"""The matcher's gates for masked keys (hyperscan expressions, caseless): a buffer holds one only where both match,
a prefix that starts a token (`masked_refs` skips one glued onto a word: `flask-…`) and a mark. Not the masked-key
regex itself: a gate led by the prefix ran hyperscan's engine at every prefix of a flood (`sk-sk-…` at 48 MB/s for
the whole database, 187 MB/s with these two)."""


class MaskedRef(Struct, frozen=True):
    """A masked key (`sk-proj-J1•••`), with the name its table row gives it."""

    visible_prefix: str
    visible_suffix: str
    start: int
    label: str | None


def has_mask(data: bytes) -> bool:
    """Whether `data` holds a mark a masked key needs (`•`, `…`, `***`, `...`): a flood of `whsec_` holds none."""
    return any(mark in data for mark in MASK_MARKS)


def masked_refs(data: bytes) -> list[MaskedRef]:
    """Every masked key of `data` (`sk-proj-J1•••`), found by one regex pass that costs nothing where none is."""
    out = []
    for m in _masked_matches(data):
        start = m.start()
        if start and data[start - 1] in WORDISH:
            continue
        if len(m.group(1)) < 3:
            continue
        prefix = m.group(1).decode()
        if prefix.endswith(("-", "_")):  # a bare prefix names no key
            continue
        line = line_of(data, start)
        row = _TABLE_ROW_NAME.match(line) if "|" in line else None
        label = row.group(1) if row and not row.group(1).startswith(prefix[:3]) else None
        out.append(MaskedRef(prefix, m.group(2).decode(), start, label))
    return out


def _masked_matches(data: bytes) -> Iterator[re.Match[bytes]]:
    """`_MASKED.finditer(data)`, tried only where a masked key can start (`sk-`, `whsec_`): the regex alone would
    be tried at every byte, as `re` finds no literal prefix in an alternation. Where those starts are dense (a
    flood of `sk-`), the regex's own C loop is cheaper than a Python step per start, and gives the same matches."""
    if (data.count(b"sk-") + data.count(b"whsec_")) * SPARSE > len(data):
        yield from _MASKED.finditer(data)
        return
    starts = heapq.merge(*(_occurrences(data, prefix) for prefix in (b"sk-", b"whsec_")))
    after = 0
    for start in starts:
        if start >= after and (m := _MASKED.match(data, start)) is not None:
            after = max(m.end(), start + 1)
            yield m


def _occurrences(data: bytes, literal: bytes) -> Iterator[int]:
    at = data.find(literal)
    while at != -1:
        yield at
        at = data.find(literal, at + 1)
