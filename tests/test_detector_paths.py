"""The detector's candidate prefilters agree with its exact left-boundary test on every path a rule can take
(guarded regex, candidate walk with and without a secret group, RE2), for custom token sets too; escaped keywords
stay out of reach on every line; `paths` globs see paths without a leading `./`."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.detector import Detector, KeywordLines
from scanner.engine.masked import MaskedRef
from scanner.engine.rule import Rule, compile_rule
from scanner.engine.ruleset import RuleSet, load_ruleset
from tests.conftest import BACKENDS, HYPERSCAN

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


# The detector as a whole: rule order, masks, partners, generic filters, overlaps -----------------------------------


def _all(rules: list[Rule], text: str, path: str = "") -> list[tuple[str, str]]:
    detector = Detector(RuleSet(tuple(rules)), "python")
    return [(m.rule.id, m.secret) for m in detector.detect(text.encode(), path).matches]


def test_the_detector_keeps_its_rule_set_and_backend() -> None:
    ruleset = RuleSet((rule_of(),))
    detector = Detector(ruleset, "python")
    assert detector.ruleset is ruleset
    assert detector.matcher.name == "python"


def test_a_key_at_the_very_start_of_a_buffer_is_found_on_every_path() -> None:
    for path in PATHS.values():
        assert detect(rule_of(**path), KEY) == [KEY]


def test_a_rule_with_two_prefixes_finds_both_on_the_candidate_walk() -> None:
    other = "tq-" + body(35, 32)
    for user in (False, True):
        rule = rule_of(prefix=["tk-", "tq-"], keywords=["tk-", "tq-"], regex="(t[kq]-[A-Za-z0-9]{32})", user=user)
        assert detect(rule, f"a={other}\nb={KEY}\n") == [other, KEY]


def test_a_keyword_inside_a_secret_does_not_end_the_search_for_later_secrets() -> None:
    rule = rule_of(regex="(tk-[A-Za-z0-9-]{32,64})")
    first = "tk-" + body(36, 10) + "tk-" + body(37, 32)  # the inner `tk-…` matches too, inside the first
    second = "tk-" + body(38, 32)
    assert detect(rule, f"{first} {second}\n") == [first, second]


def test_a_near_rule_runs_after_its_partner_and_names_it() -> None:
    partner = rule_of(id="t-id", prefix="TID", keywords=["tid"], regex="TID[0-9A-Z]{12}")
    secret = rule_of(
        id="t-secret",
        prefix=None,
        keywords=["secret"],
        regex="secret=([A-Za-z0-9]{24})",
        near={"rule": "t-id", "lines": 1},
    )
    ident, value = "TID" + body(39, 12, string.ascii_uppercase + string.digits), body(40, 24)
    text = f"id={ident}\nsecret={value}\n"
    for rules in ([secret, partner], [partner, secret]):
        detector = Detector(RuleSet(tuple(rules)), "python")
        matches = {m.rule.id: m for m in detector.detect(text.encode()).matches}
        assert set(matches) == {"t-id", "t-secret"}
        assert matches["t-secret"].partner == ident


def test_masked_webhook_secrets_are_listed_without_an_sk_keyword() -> None:
    from scanner.engine.ruleset import load_ruleset

    detector = Detector(load_ruleset(), "python")
    masked = detector.detect("signing: whsec_AB•••\n".encode()).masked
    assert [m.visible_prefix for m in masked] == ["whsec_AB"]
    assert detector.detect(b"plain text, no keys\n").masked == []


def test_a_detection_knows_which_lines_hold_keywords() -> None:
    detection = Detector(RuleSet((rule_of(),)), "python").detect(b"one\ntwo tk- three\n")
    assert detection.keyword_lines.holds_keyword(4, 17)
    assert not detection.keyword_lines.holds_keyword(0, 3)


@pytest.mark.parametrize(
    ("value", "reported"),
    [
        (KEY, True),
        ("tk-0" + body(41, 31), False),  # allow-listed
        ("tk-" + "abcdefghijklmnopqrstuvwxyzABCDEF", False),  # a run
        ("tk-" + "Ab1Cd2" * 5 + "Ab", False),  # a repeated unit
        ("tk-" + body(42, 20) + "EXAMPLE" + body(43, 5), False),  # documented example
        ("tk-" + body(44, 12) + "xxxxxxxx" + body(45, 12), False),  # a mask
    ],
)
def test_plausibility_checks_on_a_provider_rule(value: str, reported: bool) -> None:
    rule = rule_of(allow_values=["^tk-0"], entropy=2.0)
    assert detect(rule, f"k={value}\n") == ([value] if reported else [])


def test_the_generic_rule_filters_references_ids_and_lock_files() -> None:
    from scanner.engine.ruleset import load_ruleset

    generic = load_ruleset().by_id("generic-api-key")
    value = "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"
    assert _all([generic], f'API_KEY="{value}"\n') == [("generic-api-key", value)]
    assert _all([generic], f'API_KEY="{value}"\n', "web/package-lock.json") == []
    assert _all([generic], f'API_KEY="{value}"\n', "web/package.json") == [("generic-api-key", value)]
    assert _all([generic], 'API_KEY="123e4567-e89b-12d3-a456-426614174000"\n') == []
    assert _all([generic], 'token = "${API_TOKEN_VALUE_1}"\n') == []


def _jwt(payload: str) -> str:
    import base64

    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return ".".join([part(b'{"alg":"HS256","typ":"JWT"}'), part(payload.encode()), body(46, 43, ALNUM + "_-")])


def test_a_value_that_fails_its_validator_is_not_reported() -> None:
    rule = rule_of(prefix="eyJ", keywords=["eyj"], regex=r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",
                   validate="jwt", token_chars="A-Za-z0-9_.-")  # fmt: skip
    good = _jwt('{"sub":"1234","iat":1700000000}')
    bad = "eyJ" + body(47, 20) + "." + body(48, 20) + "." + body(49, 20)
    assert detect(rule, f"t={good}\n") == [good]
    assert detect(rule, f"t={bad}\n") == []


def _overlap_rules() -> list[Rule]:
    specific = rule_of(token_chars="A-Ya-y0-9-", regex="tk-[A-Ya-y0-9]{32}")
    generic = rule_of(id="t-generic", prefix=None, keywords=["zz"], regex="zz[A-Y0-9]{20}", generic=True,
                      token_chars="A-Y0-9", entropy=0.0)  # fmt: skip
    return [specific, generic]


def test_a_generic_match_touching_a_specific_one_is_kept_and_an_overlapping_one_is_not() -> None:
    # The key ends in a lower-case letter, which continues the key's tokens but not the generic rule's.
    key = "tk-" + body(50, 31, "ABCDEFGHJKLMNPQRSTUVWXYabcdefghjkmnpqrstuvwxy23456789") + "a"
    tail = "zz" + body(51, 20, "ABCDEFGHJKLMNPQRSTUVWXY23456789")
    assert _all(_overlap_rules(), f"{key}{tail}\n") == [("t-key", key), ("t-generic", tail)]
    assert _all(_overlap_rules(), f"a {tail} b {key}\n") == [("t-generic", tail), ("t-key", key)]


def test_specific_rules_win_over_generic_ones_on_the_same_span() -> None:
    from scanner.engine.ruleset import load_ruleset

    rules = load_ruleset()
    project = "sk-proj-" + body(52, 48)
    found = _all([rules.by_id("openai-project-key"), rules.by_id("generic-api-key")], f'API_KEY="{project}"\n')
    assert found == [("openai-project-key", project)]


def test_a_generic_reading_of_a_specific_secret_yields_to_it() -> None:
    generic = rule_of(id="t-generic", prefix=None, keywords=["key="], regex="key=([A-Za-z0-9-]{35})", generic=True)
    assert _all([generic], f"key={KEY}\n") == [("t-generic", KEY)]
    assert _all([rule_of(), generic], f"key={KEY}\n") == [("t-key", KEY)]


_MASK_CASES = [
    # (text, masked keys listed, does the hyperscan engine run the masked-key search)
    ("sk-proj-J1•••", ["sk-proj-J1"], True),  # the prefix at the very start of the buffer
    ("key: sk-proj-J1***Zx\n", ["sk-proj-J1"], True),
    ("see whsec_AB… in the dashboard\n", ["whsec_AB"], True),
    ("key: sk-proj-J1 (no mark on this page)\n", [], False),
    ("pip install flask-login ... and more\n", [], False),  # the prefix glued onto a word, a mark elsewhere
    ("a mark ... and a key sk-proj-J1 apart\n", [], True),  # both somewhere: the search runs, finds none
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "listed", "searched"), _MASK_CASES)
def test_masked_keys_are_searched_only_where_a_prefix_starts_a_token_and_a_mark_occurs(
    monkeypatch: pytest.MonkeyPatch, backend: str, text: str, listed: list[str], searched: bool
) -> None:
    from scanner.engine import detector as detector_module
    from scanner.engine.ruleset import load_ruleset

    calls: list[bytes] = []
    real = detector_module.masked_refs

    def counted(data: bytes) -> list[MaskedRef]:
        calls.append(data)
        return real(data)

    monkeypatch.setattr(detector_module, "masked_refs", counted)
    masked = Detector(load_ruleset(), backend).detect(text.encode()).masked

    assert [m.visible_prefix for m in masked] == listed
    if backend == "hyperscan":
        assert bool(calls) is searched


_BUNDLED = load_ruleset()
_HYPERSCAN_DETECTOR: list[Detector] = [Detector(_BUNDLED, "hyperscan")] if HYPERSCAN else []
_PIECES = [
    *("sk-proj-J1•••", "whsec_AB…", "sk-Ab9***Zx", "sk-svcacct-Q7...x"),  # masked keys whole
    *("sk-", "sk-proj-", "whsec_", "SK-", "J1", "Ab9", "•", "•••", "…", "...", "***", "**"),
    *(" ", "\n", "-", "_", "a", "|"),
]


@pytest.mark.skipif(not HYPERSCAN, reason="hyperscan is not installed")
@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=24))
def test_the_masked_key_gates_never_hide_a_masked_key_the_search_finds(pieces: list[str]) -> None:
    from scanner.engine.masked import masked_refs

    data = "".join(pieces).encode()
    listed = _HYPERSCAN_DETECTOR[0].detect(data).masked

    assert [m.visible_prefix for m in listed] == [m.visible_prefix for m in masked_refs(data)]
