"""Which of the matches on overlapping spans are reported: the more specific rule wins."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.engine.detector import Match


def prefer_specific(matches: Iterable[Match]) -> list[Match]:
    """Every match no stronger rule's match overlaps: generic rules yield to all others and, among themselves, to
    the first (by position, id); any-JWT rules yield to a rule that knows the JWT's claims; `near` rules (a value
    recognised by its neighbour) yield to rules that recognise the value itself (`aws_secret_access_key = …`)."""
    ordered = sorted(matches, key=lambda m: (m.start, m.end, m.rule.id))
    regular = _claims_win([m for m in ordered if not m.rule.generic and m.rule.near is None])
    paired = _not_overlapping([m for m in ordered if m.rule.near is not None], regular)
    specific = sorted(regular + paired, key=lambda m: (m.start, m.end, m.rule.id))
    out = specific + _first_of_overlapping(_not_overlapping([m for m in ordered if m.rule.generic], specific))
    out.sort(key=lambda m: (m.start, m.end, m.rule.id))
    return out


def _claims_win(matches: list[Match]) -> list[Match]:
    """A JWT that a rule recognises by its claims (`supabase-service-role-jwt`) is that rule's alone: the rules of
    any JWT (kind `jwt`) yield to it on the same span."""
    claimed = [m for m in matches if m.rule.jwt_claims]
    if not claimed:
        return matches
    any_jwt = [m for m in matches if m.rule.kind == "jwt" and not m.rule.jwt_claims]
    others = [m for m in matches if m.rule.kind != "jwt" or m.rule.jwt_claims]
    return sorted(others + _not_overlapping(any_jwt, claimed), key=lambda m: (m.start, m.end, m.rule.id))


def _not_overlapping(weaker: list[Match], stronger: list[Match]) -> list[Match]:
    """The `weaker` matches that no `stronger` one (sorted by start) overlaps: one sweep, not a pairwise check."""
    starts = [m.start for m in stronger]
    reach = list(itertools.accumulate((m.end for m in stronger), max))
    kept = []
    for m in weaker:
        before = bisect.bisect_left(starts, m.end)  # the stronger matches starting before this one ends
        if not before or reach[before - 1] <= m.start:
            kept.append(m)
    return kept


def _first_of_overlapping(matches: list[Match]) -> list[Match]:
    """Of `matches` (sorted by start), each one no earlier kept match overlaps (kept ones never overlap, so the
    last kept reaches furthest)."""
    kept: list[Match] = []
    for m in matches:
        if not kept or kept[-1].end <= m.start:
            kept.append(m)
    return kept
