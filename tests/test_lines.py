"""Unanchored rules give the same matches whether their keyword lines are scanned one by one or, where dense, in
one regex pass: checked on the engines-agree corpus, every unanchored rule, both ways."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine import lines
from scanner.engine.rule import Rule
from scanner.engine.ruleset import load_ruleset
from tests.test_engines_agree import CORPUS

RULES = [r for r in load_ruleset().rules if not r.anchored and r.near is None]
_EXTRA = [
    ("one-unended-line", b"token=" + b"A1b2C3d4E5f6G7h8J9k0" * 3 + b" api_key: 'Zx9Lq2Wv8Rt5Yp3KQm7N' secret"),
    ("value-across-lines", b"password =\n  'Zx9Lq2Wv8Rt5Yp3KQm7N'\ntoken: a1\ntoken: Q8zjTt3VwR1bN6yHkP0sLcXe\n"),
    # A value whose rule needs its keyword on the same line (`twilio` … `SK…`), on the next line: not a match.
    (
        "keyword-on-another-line",
        b"twilio:\n  key: SK3f0c9a1e7b2d4c6e8a0b1c2d3e4f5a6b7\n  twilio: SK9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b\n",
    ),
]


def _spans(rule: Rule, data: bytes, dense: float, monkeypatch: pytest.MonkeyPatch) -> set[tuple[int, int]]:
    monkeypatch.setattr(lines, "_DENSE", dense)
    lowered = data.lower()
    keywords = tuple(k.encode() for k in rule.keywords if k.encode() in lowered)
    if not keywords:
        return set()
    found = lines.unanchored_matches(rule, data, lowered, keywords)
    return {(m.start(rule.secret_group), m.end(rule.secret_group)) for m in found}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_one_pass_over_dense_lines_matches_the_per_line_path(rule: Rule, monkeypatch: pytest.MonkeyPatch) -> None:
    differing = []
    for path, data in [*CORPUS, *_EXTRA]:
        per_line = _spans(rule, data, float("inf"), monkeypatch)
        one_pass = _spans(rule, data, 0.0, monkeypatch)
        if per_line != one_pass:
            differing.append((path, sorted(per_line ^ one_pass)[:3]))
    assert differing == []


def _naive_keyword_lines(lowered: bytes, keywords: tuple[bytes, ...], start: int, stop: int) -> list[tuple[int, int]]:
    hits = sorted(at for k in keywords for at in range(start, stop - len(k) + 1) if lowered.startswith(k, at))
    out, pos = [], start
    for hit in hits:
        if hit < pos:
            continue
        out.append((lowered.rfind(b"\n", 0, hit) + 1, hit))
        end = lowered.find(b"\n", hit)
        if end == -1:
            break
        pos = end + 1
    return out


@settings(max_examples=400, deadline=None, database=None)
@given(
    st.lists(st.sampled_from(["ab", "b", "abc", "x", "\n", " "]), max_size=30),
    st.lists(st.sampled_from([b"ab", b"b", b"bc", b"abc", b"x b"]), min_size=1, max_size=4),
    st.integers(0, 40),
    st.integers(0, 40),
)
def test_keyword_lines_are_each_line_once_with_its_first_hit(
    pieces: list[str], keywords: list[bytes], start: int, length: int
) -> None:
    from scanner.engine.lines import keyword_lines

    lowered = "".join(pieces).encode()
    stop = min(len(lowered), start + length)
    start = min(start, stop)

    found = list(keyword_lines(lowered, tuple(keywords), start, stop))

    assert found == _naive_keyword_lines(lowered, tuple(keywords), start, stop)
