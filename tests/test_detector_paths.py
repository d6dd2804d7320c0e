"""The detector's candidate prefilters agree with its exact left-boundary test on every path a rule can take
(guarded regex, candidate walk with and without a secret group, RE2), for custom token sets too; escaped keywords
stay out of reach on every line; `paths` globs see paths without a leading `./`."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest

from scanner.engine.detector import Detector, KeywordLines
from scanner.engine.rule import Rule, compile_rule
from scanner.engine.ruleset import RuleSet

ALNUM = string.ascii_letters + string.digits


def body(seed: int, length: int, alphabet: str = ALNUM) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


def rule_of(**fields: Any) -> Rule:
    table: dict[str, Any] = {
        "id": "t-key",
        "description": "t",
        "prefix": "tk-",
        "keywords": ["tk-"],
        "regex": "tk-[A-Za-z0-9]{32}",
    }
    table.update(fields)
    user = bool(table.pop("user", False))
    return compile_rule({k: v for k, v in table.items() if v is not None}, "t.toml", user=user)


def detect(rule: Rule, text: str, path: str = "") -> list[str]:
    return [m.secret for m in Detector(RuleSet((rule,)), "python").detect(text.encode(), path).matches]


KEY = "tk-" + body(31, 32)
PATHS = {
    "guarded": {},
    "re2": {"user": True},
    "group": {"regex": "(tk-[A-Za-z0-9]{32})"},
    "re2-group": {"regex": "(tk-[A-Za-z0-9]{32})", "user": True},
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("before", "found_it"),
    [
        ("", True),
        (" ", True),
        ("=", True),
        ("x", False),
        ("X", False),
        ("7", False),
        ("_", False),
        ("-", False),
        ("\\n", True),
        ("\\t", True),
        ("xn", False),
        ("%3D", True),
        ("%3d", True),
        ("%2F", True),
        ("x3D", False),
        ("%ZZ", False),
    ],
)
def test_every_path_agrees_on_the_left_boundary(path: str, before: str, found_it: bool) -> None:
    assert detect(rule_of(**PATHS[path]), f"k: {before}{KEY}\n") == ([KEY] if found_it else [])


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("token", "before", "found_it"), [
    ("A-Za-z0-9", "_", True),  # `_` does not continue this rule's tokens
    ("A-Za-z0-9", "-", True),
    ("A-Za-z0-9", "x", False),
    ("A-Za-z0-9+/=_-", "=", True),  # `=` continues the token but is no word character: it starts values
    ("A-Za-z0-9+/=_-", "+", True),
    ("A-Za-z0-9+/=_-", "q", False),
])  # fmt: skip
def test_custom_token_sets_decide_the_left_boundary_on_every_path(
    path: str, token: str, before: str, found_it: bool
) -> None:
    rule = rule_of(**PATHS[path], token_chars=token)
    assert detect(rule, f"k: {before}{KEY}\n") == ([KEY] if found_it else [])


@pytest.mark.parametrize("user", [False, True])
def test_a_lower_case_token_set_lets_a_capital_end_the_word_before_a_key(user: bool) -> None:
    rule = rule_of(regex="tk-[a-z0-9]{32}", token_chars="a-z0-9-", user=user)
    key = "tk-" + body(32, 32, string.ascii_lowercase + string.digits)
    assert detect(rule, f"X{key}\n") == [key]
    assert detect(rule, f"x{key}\n") == []


@pytest.mark.parametrize("user", [False, True])
def test_an_anchored_rule_whose_secret_is_a_later_group_is_tried_at_keywords_glued_to_words(user: bool) -> None:
    rule = rule_of(
        prefix=None, keywords=["token="], regex="token=([A-Za-z0-9]{32})", anchor=True, user=user, entropy=3.0
    )
    value = body(33, 32)
    assert detect(rule, f"mytoken={value}\n") == [value]
    assert detect(rule, f"token={value}\n") == [value]


def test_escaped_keywords_stay_out_of_reach_on_lines_before_and_after_a_keyword_line() -> None:
    from scanner.engine.examples import ExampleChecker

    rule = rule_of()
    checker = ExampleChecker(RuleSet((rule,)), "python")
    escaped = "tk-" + body(34, 32)
    hidden = escaped.replace("t", "\\u0074", 1)
    for text in (f'"{hidden}"\nplain {KEY}\n', f'plain {KEY}\n"{hidden}"\n'):
        assert [f.secret for f in checker.findings(text)] == [KEY]
    # On the keyword's own line the escape is undone: `\/` inside a value is read through.
    assert [f.secret for f in checker.findings(f'"v": "{KEY[:10]}\\/x", "k": "{KEY}"\n')] == [KEY]


def test_keyword_lines_answer_for_their_own_span_only() -> None:
    lines = KeywordLines(b"aaa tk- bbb\nccc\n", (b"tk-",))
    assert lines.holds_keyword(0, 11)
    assert lines.holds_keyword(4, 7)
    assert not lines.holds_keyword(5, 11)
    assert not lines.holds_keyword(0, 6)
    assert not lines.holds_keyword(12, 15)
    assert not KeywordLines(b"tk-", ()).holds_keyword(0, 3)


@pytest.mark.parametrize(("path", "found_it"), [
    ("config/app.ini", True), ("./config/app.ini", True), ("config/app.ini.bak", False), ("other/app.ini", False),
])  # fmt: skip
def test_paths_globs_match_paths_with_or_without_a_leading_dot_slash(path: str, found_it: bool) -> None:
    rule = rule_of(paths=["config/*.ini"])
    assert detect(rule, f"k = {KEY}\n", path) == ([KEY] if found_it else [])
