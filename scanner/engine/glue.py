"""Glued heading words: scraped docs glue a heading onto the value before it (`…Kj3XDocker / Compose`), and a
reading without the glued word is taken only with evidence, never on the shape of the value alone.

Evidence is one of: the shorter value seen whole (nothing glued on) elsewhere in the scan, or the cut-off text
being a heading the same document uses as a heading (a line of its own). Without evidence a value that is valid
as read is reported whole (`…1OO7Key` stays `…1OO7Key`), and a fixed-length value with a word glued after it is
a longer token, not this rule's secret.
"""

from __future__ import annotations

import re

from msgspec import Struct

from scanner import re_cache
from scanner.engine.rule import Rule
from scanner.findings import shown_repr

_GLUED_WORDS = re_cache.compile(r"(?:[A-Z][a-z]+)+")
_MAX_HEADING = 80
# NOTE: each lookup is one linear search of the buffer; past this many distinct candidates in one buffer only
# the cross-scan evidence applies, so a file of glued-looking values cannot make the scan quadratic.
_MAX_LOOKUPS = 32


class Glue(Struct, frozen=True):
    """The readings of a value that may carry a glued heading word, and the evidence the buffer itself holds."""

    readings: tuple[str, ...]
    """Shorter readings with a glued word cut off, longest first; the value itself first when a word is glued
    right after it."""
    headed: str | None = None
    """The reading whose cut-off text this document uses as a heading."""
    standalone: bool = True
    """The value as read is a valid secret on its own (no word glued right after it)."""

    def __repr__(self) -> str:
        return shown_repr(self, ("readings", "headed"))


class HeadingIndex:
    """Which texts a buffer uses as headings: a line of their own, optionally `#`-, `**`- or `<hN>`-marked."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._known: dict[str, bool] = {}

    def is_heading(self, text: str) -> bool:
        text = text.strip()
        if not 3 <= len(text) <= _MAX_HEADING or not text[0].isupper():
            return False
        if text not in self._known:
            if len(self._known) >= _MAX_LOOKUPS:
                return False
            pattern = re.compile(
                rb"(?m)^[ \t]*(?:#{1,6}[ \t]+|\*\*|<h[1-6][^>\n]{0,40}>)?"
                + re.escape(text.encode())
                + rb"(?:\*\*|</h[1-6]>)?[ \t]*:?\r?$"
            )
            self._known[text] = pattern.search(self._data) is not None
        return self._known[text]


def glue_readings(rule: Rule, secret: str, run: str, data: bytes, end: int, headings: HeadingIndex) -> Glue | None:
    """The readings of `secret` (ending at byte `end` of `data`, `run` the token characters glued right after it)
    without a glued heading word, if any. The glued word may start inside the match (`…EGZ0Docker` read by a
    regex whose length cap stops inside `Docker`)."""
    token = secret + run
    tail_at = end + len(run.encode())
    line_end = data.find(b"\n", tail_at, tail_at + _MAX_HEADING * 2)
    rest = data[tail_at : line_end if line_end != -1 else tail_at + _MAX_HEADING * 2].decode("utf-8", "replace")
    readings = []
    for cut in range(len(token) - 1, len(rule.prefix_of(secret)), -1):
        if token[cut].isupper() and _GLUED_WORDS.fullmatch(token[cut:]):
            candidate = token[:cut]
            if rule.regex.fullmatch(candidate.encode()):
                readings.append(candidate)
    if not readings:
        return None
    headed = next((r for r in readings if headings.is_heading(token[len(r) :] + rest.rstrip("\r"))), None)
    return Glue(tuple(readings), headed, standalone=not run)


def choose_reading(secret: str, glue: Glue, clean: set[str] | frozenset[str]) -> str | None:
    """The reading to report: one seen whole elsewhere, else the one a heading supports, else the value as read
    when it stands on its own; None when nothing supports a value that cannot stand alone."""
    seen = next((r for r in glue.readings if r in clean), None)
    if seen is not None:
        return seen
    if glue.headed is not None:
        return glue.headed
    return secret if glue.standalone else None
