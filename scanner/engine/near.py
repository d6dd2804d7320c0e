"""Pairs (`near`): a value that counts as a secret only within a few lines of its partner, a finding of another
rule (an AWS secret access key next to its `AKIA…` id) or a pattern on a keyword line (`X-Auth-Email`).

The rule's regex runs only over the lines around each partner, at most 10 lines and 4 kB either side, so a
partner costs a bounded scan and a file without one costs nothing.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from scanner.engine.rule import Near, RegexMatch, Rule

if TYPE_CHECKING:
    from scanner.engine.detector import Match

_REACH = 4096


def find_partners(
    rule: Rule, near: Near, matches: Iterable[Match], data: bytes, keyword_lines: Iterable[tuple[int, int]]
) -> Partners:
    """Every partner in `data`: (start, end, value)."""
    if near.rule is not None:
        return Partners([(m.start, m.end, m.secret) for m in matches if m.rule.id == near.rule])
    assert near.regex is not None
    found = []
    for line_start, hit in keyword_lines:
        line_end = data.find(b"\n", hit)
        line_end = len(data) if line_end == -1 else line_end
        for m in near.regex.finditer(data, line_start, line_end):
            found.append((m.start(), m.end(), data[m.start() : m.end()].decode("utf-8", "replace")))
    return Partners(found)


def candidates_near(rule: Rule, near: Near, data: bytes, partners: Partners) -> Iterator[RegexMatch]:
    """The rule's regex matches on the lines within `near.lines` of a partner, each region once."""
    regions: list[tuple[int, int]] = []
    for start, end, _ in partners.found:
        lo, hi = _lines_before(data, start, near.lines), _lines_after(data, end, near.lines)
        if regions and lo <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(hi, regions[-1][1]))
        else:
            regions.append((lo, hi))
    for lo, hi in regions:
        yield from rule.regex.finditer(data, lo, hi)


class Partners:
    """The partners of one buffer, in order, with the two questions asked of each candidate in O(log n)."""

    def __init__(self, found: list[tuple[int, int, str]]) -> None:
        self.found = sorted(found)
        self._starts = [p[0] for p in self.found]
        self._reach = list(itertools.accumulate((p[1] for p in self.found), max))

    def __bool__(self) -> bool:
        return bool(self.found)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a partner's own span (`AC<32 hex>` is not its own token)."""
        before = bisect.bisect_left(self._starts, end)
        return before > 0 and self._reach[before - 1] > start

    def nearest(self, position: int) -> str:
        """The value of the partner closest to `position`."""
        i = bisect.bisect_left(self._starts, position)
        around = self.found[max(0, i - 1) : i + 1]
        return min(around, key=lambda p: abs(p[0] - position))[2]


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
