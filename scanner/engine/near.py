"""Pairs (`near`): a value that counts as a secret only within a few lines of its partner, a finding of another
rule (an AWS secret access key next to its `AKIA…` id) or a pattern on a keyword line (`X-Auth-Email`).

The rule's regex runs only over the lines around each partner, at most 10 lines and 4 kB either side, so a
partner costs a bounded scan and a file without one costs nothing.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from scanner.engine.rule import Near, RegexMatch, Rule

if TYPE_CHECKING:
    from scanner.engine.detector import Match

_REACH = 4096


def find_partners(
    rule: Rule, near: Near, matches: Iterable[Match], data: bytes, keyword_lines: Iterable[tuple[int, int]]
) -> Partners:
    """Every partner in `data`: a finding of the partner rule, or the first `near.regex` match of each line that
    holds one of the rule's keywords (one per line: a line of a million `cf_email` costs one step)."""
    if near.rule is not None:
        spans = sorted((m.start, m.end) for m in matches if m.rule.id == near.rule)
        return Partners(data, array("q", (s for s, _ in spans)), array("q", (e for _, e in spans)))
    assert near.regex is not None
    starts, ends = array("q"), array("q")  # compact: a file of a million partner lines stays small
    for line_start, hit in keyword_lines:
        line_end = data.find(b"\n", hit)
        m = near.regex.search(data, line_start, len(data) if line_end == -1 else line_end)
        if m is not None:
            starts.append(m.start())
            ends.append(m.end())
    return Partners(data, starts, ends)


def candidates_near(rule: Rule, near: Near, data: bytes, partners: Partners) -> Iterator[RegexMatch]:
    """The rule's regex matches on the lines within `near.lines` of a partner, each region once."""
    regions: list[tuple[int, int]] = []
    for start, end in zip(partners.starts, partners.ends, strict=True):
        if regions and start <= regions[-1][1]:
            if data.count(b"\n", end, regions[-1][1]) < near.lines + 1:  # else the region already reaches past
                regions[-1] = (regions[-1][0], max(regions[-1][1], _lines_after(data, end, near.lines)))
            continue
        lo, hi = _lines_before(data, start, near.lines), _lines_after(data, end, near.lines)
        if regions and lo <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(hi, regions[-1][1]))
        else:
            regions.append((lo, hi))
    for lo, hi in regions:
        yield from rule.regex.finditer(data, lo, hi)


class Partners:
    """The partners of one buffer, in order, as compact arrays, with the two questions asked of each candidate
    answered in O(log n)."""

    def __init__(self, data: bytes, starts: array[int], ends: array[int]) -> None:
        self._data = data
        self.starts, self.ends = starts, ends
        self._reach = array("q", itertools.accumulate(ends, max))

    def __bool__(self) -> bool:
        return bool(self.starts)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a partner's own span (`AC<32 hex>` is not its own token)."""
        before = bisect.bisect_left(self.starts, end)
        return before > 0 and self._reach[before - 1] > start

    def nearest(self, position: int) -> str:
        """The value of the partner closest to `position`."""
        i = bisect.bisect_left(self.starts, position)
        best = min(range(max(0, i - 1), min(len(self.starts), i + 1)), key=lambda j: abs(self.starts[j] - position))
        return self._data[self.starts[best] : self.ends[best]].decode("utf-8", "replace")


def _lines_before(data: bytes, pos: int, lines: int) -> int:
    floor = max(0, pos - _REACH)
    start = data.rfind(b"\n", floor, pos) + 1 or floor
    for _ in range(lines):
        if start <= floor:
            return floor
        previous = data.rfind(b"\n", floor, start - 1)
        start = previous + 1 if previous != -1 else floor
    return start


def _lines_after(data: bytes, pos: int, lines: int) -> int:
    ceiling = min(len(data), pos + _REACH)
    end = data.find(b"\n", pos, ceiling)
    end = ceiling if end == -1 else end
    for _ in range(lines):
        if end >= ceiling:
            return ceiling
        following = data.find(b"\n", end + 1, ceiling)
        end = ceiling if following == -1 else following
    return end
