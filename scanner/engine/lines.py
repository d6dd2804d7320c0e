"""Unanchored rules: the rule's regex over each line that holds one of its keywords, one step per line, never
one per keyword hit; where such lines are dense, one regex pass over them with the same per-line results."""

from __future__ import annotations

import functools
import heapq
import itertools
import re
from collections.abc import Iterator

from scanner import re_cache
from scanner.engine.lazy_regex import LazyPattern
from scanner.engine.rule import RegexMatch, Rule

WORDISH = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
"""Left of a secret only word characters continue a token: `=` and `/` end base64 on the right but start values on
the left (`SECRET=whsec_…`)."""

# NOTE: keyword lines per byte above which one pass over the lines beats a step per line (a flood of `token\n`).
_DENSE = 1 / 256


def keyword_lines(
    lowered: bytes, keywords: tuple[bytes, ...], start: int = 0, stop: int | None = None
) -> Iterator[tuple[int, int]]:
    """(line start, first keyword hit) of each line holding one of `keywords` (a hit in [start, stop)), in order,
    each line once.

    A heap of `bytes.find` cursors, one per keyword: a line of a million hits costs one step, and a step moves only
    the cursors the line passed (a buffer holding forty keywords does not pay forty per line).
    """
    stop = len(lowered) if stop is None else stop
    cursors = [(at, k) for k in keywords if (at := lowered.find(k, start, stop)) != -1]
    heapq.heapify(cursors)
    while cursors:
        hit = cursors[0][0]
        yield lowered.rfind(b"\n", 0, hit) + 1, hit
        end = lowered.find(b"\n", hit)
        if end == -1:
            return
        pos = end + 1
        while cursors and cursors[0][0] < pos:
            k = cursors[0][1]
            at = lowered.find(k, pos, stop)
            if at == -1:
                heapq.heappop(cursors)
            else:
                heapq.heapreplace(cursors, (at, k))


def unanchored_matches(rule: Rule, data: bytes, lowered: bytes, keywords: tuple[bytes, ...]) -> Iterator[RegexMatch]:
    """Matches on each line holding a keyword (or, past a 4096-byte `window`, a window from that line)."""
    lines = keyword_lines(lowered, keywords)
    if rule.window <= 4096:
        # NOTE: the first lines are walked before any is scanned, not every hit counted first: past one keyword
        # line per 256 bytes they are dense, and one regex pass over them all gives the same results cheaper. The
        # one-pass form of the regex is compiled only then (a hook's few lines never need it).
        most = int(min(len(data) + 1, len(data) * _DENSE))  # no more lines than bytes + 1, whatever _DENSE is
        first = list(itertools.islice(lines, most + 1))
        if len(first) > most and (one_pass := _one_pass_regex(rule)) is not None:
            yield from _dense(rule, one_pass, data, lowered, keywords)
            return
        lines = itertools.chain(first, lines)
    for line_start, hit in lines:
        yield from _on_line(rule, data, line_start, hit)


def _on_line(rule: Rule, data: bytes, line_start: int, hit: int) -> Iterator[RegexMatch]:
    end = data.find(b"\n", hit)
    hi = min(len(data), hit + rule.window) if end == -1 or rule.window > 4096 else end
    return rule.regex.finditer(data, line_start, max(hi, hit))


def _one_pass_regex(rule: Rule) -> re.Pattern[bytes] | None:
    """The rule's regex as one pass over many lines must see it: `$` at each line end, as a line's end is the
    end of the text the per-line path gives it. None where that is not the same (`^`, `\\A`, `\\Z`, RE2)."""
    if not isinstance(rule.regex, (re.Pattern, LazyPattern)):
        return None
    return _multiline(rule.regex.pattern, rule.regex.flags)


@functools.cache
def _multiline(pattern: bytes, flags: int) -> re.Pattern[bytes] | None:
    if flags & re.MULTILINE or _has_text_anchor(pattern):
        return None
    return re_cache.compile(pattern, flags | re.MULTILINE)


def _has_text_anchor(pattern: bytes) -> bool:
    """Whether `pattern` uses `^`, `\\A` or `\\Z` outside a character class (they mean the text's ends)."""
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i : i + 1]
        if c == b"\\":
            if not in_class and pattern[i + 1 : i + 2] in (b"A", b"Z"):
                return True
            i += 2
            continue
        if in_class:
            in_class = c != b"]"
        elif c == b"[":
            in_class = True
            i += 1
            if pattern[i : i + 1] == b"^":
                i += 1
            if pattern[i : i + 1] == b"]":
                i += 1
            continue
        elif c == b"^":
            return True
        i += 1
    return False


def _dense(
    rule: Rule, regex: re.Pattern[bytes], data: bytes, lowered: bytes, keywords: tuple[bytes, ...]
) -> Iterator[RegexMatch]:
    """The per-line results from one pass over the ended lines: a match within one line counts if its line holds
    a keyword; a match across lines sends those lines to the per-line path, as does an unended last line (where
    the per-line path looks only `window` bytes past the keyword)."""
    pos = min(at for at in (lowered.find(k) for k in keywords) if at != -1)
    pos = lowered.rfind(b"\n", 0, pos) + 1
    ended = data.rfind(b"\n") + 1  # the ended lines are data[:ended]
    while pos < ended and (m := regex.search(data, pos, ended)) is not None:
        line_start = data.rfind(b"\n", 0, m.start()) + 1
        line_end = data.find(b"\n", m.start(), ended)
        if m.end() <= line_end:
            if any(lowered.find(k, line_start, line_end) != -1 for k in keywords):
                yield m
            pos = m.end() if m.end() > m.start() else m.end() + 1
            continue
        # Across lines: those lines exactly as the per-line path sees them.
        last = data.find(b"\n", max(m.end() - 1, m.start()), ended)
        for start, hit in keyword_lines(lowered, keywords, line_start, last):
            yield from _on_line(rule, data, start, hit)
        pos = last + 1
    for start, hit in keyword_lines(lowered, keywords, max(pos, ended)):
        yield from _on_line(rule, data, start, hit)


SPARSE = 256
"""Bytes per keyword line above which keyword lines count as few (see `KeywordLines.few_lines`)."""


class KeywordLines:
    """Answers whether a span of a buffer holds a keyword (the decoders undo escapes only on such lines).

    The buffer is lower-cased on first need: most buffers whose keywords no rule's gate follows up never are.
    """

    __slots__ = ("_data", "_lowered", "keywords")

    def __init__(self, data: bytes, keywords: tuple[bytes, ...], lowered: bytes | None = None) -> None:
        self._data = data
        self._lowered = lowered
        self.keywords = keywords

    @property
    def lowered(self) -> bytes:
        if self._lowered is None:
            self._lowered = self._data.lower()
        return self._lowered

    def holds_keyword(self, start: int, end: int) -> bool:
        if self._lowered is None:
            # NOTE: the span alone is lower-cased while the buffer is not (the decoders ask of a few lines; most
            # buffers that reach them never had a rule to run, so nothing lower-cased all of it).
            span = self._data[start:end].lower()
            return any(k in span for k in self.keywords)
        return any(self._lowered.find(k, start, end) != -1 for k in self.keywords)

    def few_lines(self, start: int = 0) -> list[tuple[int, int]] | None:
        """(start, end) of each line holding a keyword from `start` (a line's start) on, when such lines are sparse
        (fewer than one per `SPARSE` bytes of that part); None when they are dense (a flood is searched from its
        escapes instead)."""
        if not self.keywords:
            return []
        lowered = self.lowered
        most = (len(lowered) - start) // SPARSE
        out: list[tuple[int, int]] = []
        # NOTE: no count of every hit first: the walk stops as soon as the lines are too many to be few.
        for line, hit in keyword_lines(lowered, self.keywords, start):
            if len(out) >= most:
                return None
            end = lowered.find(b"\n", hit)
            out.append((line, len(lowered) if end == -1 else end))
        return out


_CONTEXT = 1000


def line_of(data: bytes, pos: int) -> str:
    """The line around `pos`, at most 1000 bytes either side: filters need context, not a 5 MB bundle."""
    start = data.rfind(b"\n", max(0, pos - _CONTEXT), pos) + 1 or max(0, pos - _CONTEXT)
    end = data.find(b"\n", pos, pos + _CONTEXT)
    return data[start : end if end != -1 else min(len(data), pos + _CONTEXT)].decode("utf-8", "replace")
