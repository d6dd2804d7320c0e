"""Bundled rules compile their regexes on first use: the group count known at load is the one `re` finds, and a
scan compiles only the rules whose keywords it meets."""

from __future__ import annotations

import re

import pytest

from scanner.engine.lazy_regex import LazyPattern, count_groups
from scanner.engine.ruleset import load_ruleset
from scanner.scan import scan_bytes


@pytest.mark.parametrize(
    ("pattern", "groups"),
    [
        (r"abc", 0),
        (r"(a)(b)", 2),
        (r"(?:a)(?P<name>b)(?=c)(?<!d)(?i:e)", 1),
        (r"\(a\)", 0),
        (r"\\(a)", 1),  # an escaped backslash, then a real group
        (r"[(]a[)]", 0),
        (r"[]()](x)", 1),  # `]` first in a class is a literal: the class ends at the second `]`
        (r"[^]()](x)", 1),
        (r"[\]()](x)", 1),
        (r"((a)|(b))+", 3),
        (r"(?P<k>[A-Z]{4})(?P=k)", 1),
        (r"(')?(?(1)[^']+|\w+)(?(1)\1)", 1),  # the conditions `(1)` are no groups
        (r"(?P<q>')?(?(q)x|y)", 1),
    ],
)
def test_groups_are_counted_as_re_counts_them(pattern: str, groups: int) -> None:
    assert re.compile(pattern).groups == groups  # the table itself is right
    assert count_groups(pattern) == groups
    assert count_groups(pattern.encode()) == groups


def test_every_bundled_rule_regex_has_the_groups_re_finds() -> None:
    rules = load_ruleset().rules
    patterns = [r.regex for r in rules] + [r.near.regex for r in rules if r.near and r.near.regex]
    assert all(isinstance(p, LazyPattern) for p in patterns)
    wrong = [
        (p.pattern, p.groups)
        for p in patterns
        if isinstance(p, LazyPattern) and re.compile(p.pattern).groups != p.groups
    ]
    assert wrong == []


def test_a_scan_compiles_only_the_rules_whose_keywords_it_meets() -> None:
    ruleset = load_ruleset()
    scan_bytes(b"AWS_REGION=eu-west-1\n", ruleset)
    compiled = {r.id for r in ruleset.rules if isinstance(r.regex, LazyPattern) and r.regex._compiled is not None}
    assert len(compiled) < len(ruleset.rules) // 4


def test_a_miscounted_pattern_is_an_error_when_compiled_not_a_wrong_group() -> None:
    pattern = LazyPattern(rb"(a)")
    pattern.groups = 2  # as a wrong count would leave it
    with pytest.raises(Exception, match="counted 2 groups"):
        pattern.search(b"a")


def test_a_lazy_pattern_matches_as_the_compiled_one_does() -> None:
    lazy, eager = LazyPattern(rb"k(e)y"), re.compile(rb"k(e)y")
    data = b"a key, a key"
    assert [m.span(1) for m in lazy.finditer(data)] == [m.span(1) for m in eager.finditer(data)]
    assert lazy.search(data, 3).start() == eager.search(data, 3).start()
    assert lazy.match(data) is None and lazy.fullmatch(b"key") is not None
    assert lazy.flags == eager.flags and lazy.pattern == eager.pattern


def test_lazy_patterns_are_equal_by_source_compiled_or_not() -> None:
    a, b = LazyPattern(rb"k(e)y"), LazyPattern(rb"k(e)y")
    a.search(b"key")
    assert a == b and hash(a) == hash(b) and a != LazyPattern(rb"key") and a != re.compile(rb"k(e)y")


def test_after_its_first_match_a_lazy_pattern_calls_re_directly() -> None:
    fresh = LazyPattern(rb"k(e)y")
    assert fresh.search(b"a key") is not None
    assert (fresh.match, fresh.search, fresh.fullmatch, fresh.finditer) == (
        fresh.compiled().match,
        fresh.compiled().search,
        fresh.compiled().fullmatch,
        fresh.compiled().finditer,
    )


def test_a_lazy_pattern_survives_pickling_before_and_after_compiling() -> None:
    import pickle

    for used in (False, True):
        lazy = LazyPattern(rb"k(e)y")
        if used:
            lazy.search(b"key")
        copy = pickle.loads(pickle.dumps(lazy))
        assert copy == lazy and copy.groups == 1 and copy.search(b"a key").span(1) == (3, 4)
