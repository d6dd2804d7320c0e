"""A rule's regex as a hyperscan prefilter: an expression that matches wherever the regex can match, and maybe more.

The keyword pass says which rules' keywords a buffer holds; `key`, `token` and `://` are in most source files, so
that alone sends most buffers through the generic rules' line-by-line regexes. A prefilter of each rule's regex,
scanned in the same hyperscan pass, rules out the rules that cannot match anywhere in the buffer.

The translation reads the regex with Python's own parser and writes it back so that every change only widens it:
assertions (`^`, `$`, `\\b`, lookarounds) are dropped, since the scan applies them on windows and lines that the
whole buffer does not see the same way; back-references become "anything"; every character class is written as
an explicit positive set of bytes, and the database is case-insensitive, so no difference between `re`'s and
hyperscan's case folding or classes can narrow it. Long counted repeats are loosened (`{74}` to `{32,}`). A
pattern this cannot translate gets no prefilter: its rule always runs, as it did before.
"""

from __future__ import annotations

import re
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

_MIN_CAP = 32
"""A counted repeat asks for at most this many items (`{74}` becomes `{32,}`): fewer states, same answer or more."""
_MAX_CAP = 64
"""A repeat that allows more than this many items allows any number."""
_DEPTH = 64
_ALL = frozenset(range(256))
_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_SPACE = frozenset(b" \t\n\r\f\v")
_DIGIT = frozenset(b"0123456789")
_CATEGORIES = {
    "CATEGORY_DIGIT": _DIGIT,
    "CATEGORY_NOT_DIGIT": _ALL - _DIGIT,
    "CATEGORY_SPACE": _SPACE,
    "CATEGORY_NOT_SPACE": _ALL - _SPACE,
    "CATEGORY_WORD": _WORD,
    "CATEGORY_NOT_WORD": _ALL - _WORD,
}


VERSION = 2
"""Bumped when the translation changes: it is part of the compiled database's cache key."""
ANY = rb"[\x00-\xff]"
"""The gate of a rule without a prefilter: it matches every buffer that has a byte."""


def gate_source(pattern: bytes | None) -> bytes:
    """What identifies a gate before it is translated (the matcher's cache key): the regex, or "any"."""
    return b"any" if pattern is None else b"re:" + pattern


def gate_expression(source: bytes) -> bytes:
    """The hyperscan expression of a gate from `gate_source` (or `hs:` and an expression as it is)."""
    if source.startswith(b"hs:"):
        return source[3:]
    if source.startswith(b"re:"):
        return prefilter_expression(source[3:]) or ANY
    return ANY


class Untranslatable(Exception):
    """The pattern holds something this translation does not know how to widen."""


def prefilter_expression(pattern: bytes | str, flags: int = 0) -> bytes | None:
    """A hyperscan expression (to compile case-insensitively) matching a superset of `pattern`'s matches on any
    window of any buffer; None when there is none worth having (it would match the empty string) or none at all."""
    try:
        parsed = _sre_parse.parse(pattern, flags)
        global_flags = int(parsed.state.flags)
        text = _emit(list(parsed), bool(global_flags & re.DOTALL), 0, tail=True)
    except (Untranslatable, re.error, RecursionError, ValueError, TypeError):
        return None
    if not text or _can_be_empty(text):
        return None
    return text


def _can_be_empty(expression: bytes) -> bool:
    # NOTE: a prefilter that can match nothing at all says nothing; hyperscan refuses it without ALLOWEMPTY.
    try:
        return re.fullmatch(expression, b"", re.DOTALL) is not None
    except re.error:
        return True


def _emit(items: list[tuple[Any, Any]], dotall: bool, depth: int, tail: bool = False) -> bytes:
    """`items` written back; `tail` when nothing the pattern requires comes after them."""
    if depth > _DEPTH:
        raise Untranslatable("too deep")
    last = max((n for n, (op, _) in enumerate(items) if str(op) not in _ASSERTIONS), default=-1)
    return b"".join(_emit_one(op, av, dotall, depth, tail and n == last) for n, (op, av) in enumerate(items))


_ASSERTIONS = ("AT", "ASSERT", "ASSERT_NOT")


def _emit_one(op: Any, av: Any, dotall: bool, depth: int, tail: bool = False) -> bytes:
    name = str(op)
    if name == "LITERAL":
        return _class({av})
    if name == "NOT_LITERAL":
        return _class(_ALL - {av})
    if name == "ANY":
        return _class(_ALL if dotall else _ALL - {0x0A})
    if name == "IN":
        return _class(_set_of(av))
    if name in _ASSERTIONS:
        return b""  # assertions only narrow: dropped
    if name == "SUBPATTERN":
        _group, add, remove, sub = av
        inner_dotall = (dotall or bool(add & re.DOTALL)) and not (remove & re.DOTALL)
        return b"(?:" + _emit(list(sub), inner_dotall, depth + 1, tail) + b")"
    if name == "ATOMIC_GROUP":
        return b"(?:" + _emit(list(av), dotall, depth + 1, tail) + b")"
    if name == "BRANCH":
        _, branches = av
        return b"(?:" + b"|".join(_emit(list(b), dotall, depth + 1, tail) for b in branches) + b")"
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, sub = av
        inner = _emit(list(sub), dotall, depth + 1)
        if not inner:
            return b""
        if tail:
            # NOTE: nothing required comes after: any match holds its first few items, so the gate asks for those
            # only. An open-ended repeat here (`AKCp[a-z0-9]{32,}`) kept hyperscan busy at each of a flood's
            # million prefixes beside another such gate: ~1 MB/s.
            count = min(low, _MIN_CAP)
            return b"(?:" + inner + b"){%d}" % count if count else b""
        return b"(?:" + inner + b")" + _quantifier(low, high)
    if name == "GROUPREF":
        return _class(_ALL) + b"*"
    if name == "GROUPREF_EXISTS":
        _group, yes, no = av
        options = [_emit(list(yes), dotall, depth + 1, tail), _emit(list(no), dotall, depth + 1, tail) if no else b""]
        return b"(?:" + b"|".join(options) + b")"
    raise Untranslatable(name)


def _quantifier(low: int, high: int) -> bytes:
    unbounded = high == _sre.MAXREPEAT or high > _MAX_CAP
    low = min(low, _MIN_CAP)
    if unbounded:
        return b"{%d,}" % low
    return b"{%d,%d}" % (low, high)


def _set_of(items: list[tuple[Any, Any]]) -> frozenset[int]:
    out: set[int] = set()
    negate = False
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            out.add(av)
        elif name == "RANGE":
            low, high = av
            out.update(range(low, min(high, 255) + 1))
        elif name == "CATEGORY":
            category = _CATEGORIES.get(str(av))
            if category is None:
                raise Untranslatable(str(av))
            out |= category
        else:
            raise Untranslatable(name)
    return frozenset(_ALL - out if negate else out)


def _class(members: frozenset[int] | set[int]) -> bytes:
    """An explicit, positive class of bytes (letters of either case widen to both in the caseless database)."""
    codes = sorted(c for c in members if c < 256)
    if not codes:
        raise Untranslatable("empty class")
    if len(codes) == 256:
        return rb"[\x00-\xff]"
    ranges: list[tuple[int, int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    parts = [b"\\x%02x" % lo if lo == hi else b"\\x%02x-\\x%02x" % (lo, hi) for lo, hi in ranges]
    return b"[" + b"".join(parts) + b"]"
