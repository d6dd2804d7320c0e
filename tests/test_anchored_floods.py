"""Floods of an anchored rule's keyword: its regex searches from one dense hit to the next at C speed instead of
one Python step per hit (a flood of `define(` went at ~6 MB/s), and a rule whose secret is a group is gated by a
literal its matches hold past the keyword. Which regexes may, where the switch is, and that every way finds the
same matches."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine import detector as detector_module
from scanner.engine import guards
from scanner.engine.detector import Detector
from scanner.engine.rule import Rule, compile_rule
from scanner.engine.ruleset import RuleSet, load_ruleset
from tests.conftest import BACKENDS, HYPERSCAN

RULESET = load_ruleset()
BUNDLED = {r.id: r for r in RULESET.rules}


def rule_of(regex: str, window: int = 256, **fields: Any) -> Rule:
    table: dict[str, Any] = {
        "id": "t-value",
        "description": "t",
        "prefix": "tk(",
        "keywords": ["tk("],
        "regex": regex,
        "window": window,
    }
    table.update(fields)
    table = {k: v for k, v in table.items() if v is not None}
    user = bool(table.pop("user", False))
    return compile_rule(table, "t.toml", user=user)


def test_the_bundled_rules_that_search_densely() -> None:
    dense = sorted(r.id for r in RULESET.rules if guards.guarded_regex(r) is None and guards.dense_regex(r))
    assert dense == [
        "django-database-password",
        "docker-config-auth",
        "putty-private-key",
        "stripe-restricted-key",
        "stripe-secret-key",
        "wordpress-auth-salt",
        "wordpress-db-password",
    ]
    # A lookbehind first (.netrc, Spring YAML) or a choice of case-insensitive words (XML) makes `re` try every byte.
    for slow in ("netrc-password", "spring-yaml-password", "generic-xml-secret"):
        assert guards.dense_regex(BUNDLED[slow]) is None


@pytest.mark.parametrize(("window", "dense"), [(3 + 8, False), (3 + 8 + 1, True), (3 + 8 + 2, True)])
def test_a_regex_searches_densely_only_if_no_path_reads_to_its_window(window: int, dense: bool) -> None:
    """`tk\\(([a-z]{8})`: 11 bytes at most, and one more read by an assertion at its end: a window of 12 or more."""
    assert (guards.dense_regex(rule_of(r"tk\(([a-z]{8})", window)) is not None) is dense


@pytest.mark.parametrize(
    ("regex", "dense"),
    [
        (r"tk\(([a-z]{8})", True),
        (r"tk\((?<![0-9]tk\()([a-z]{8})", True),  # a lookbehind reads before the start: the window never cuts it
        (r"(?:tk\(|TK\()(?>([a-z]{8})|([a-z]{4}))", True),  # a choice of literals; an atomic group within reach
        (r"[tu]k\(([a-z]{8}+)", True),  # a set first; a possessive repeat within reach
        (r"tk\(([a-z]{8})(?=x)", False),  # a lookahead reads past the match
        (r"tk\(([a-z]{8})(?![a-z])", False),
        (r"tk\(((?:[a-z]{4}(?:[a-z]{4}(?=x))))", False),  # at any depth
        (r"tk\(([a-z]{8}|[a-z]{4}(?=x))", False),  # in a branch
        (r"tk\(([a-z]{8}|[a-z]{4}(?<=[a-z]))", True),
        (r"tk\((a)([a-z]{8})\1", False),  # a backreference: its width is not known
        (r"tk\(([a-z]+)", False),  # no bound
        (r"(?i)tk\(([a-z]{8})", False),  # `re` tries every byte of a case-insensitive start
        (r"(?i:tk\()([a-z]{8})", False),
        (r"(?<![a-z])tk\(([a-z]{8})", False),  # a lookbehind first: every byte is tried
        (r"(?:tk\(|[tu]k\()([a-z]{8})", False),  # a branch that starts with a set: no prefix `re` can use
    ],
)
def test_which_regexes_search_densely(regex: str, dense: bool) -> None:
    assert (guards.dense_regex(rule_of(regex)) is not None) is dense


def test_unanchored_and_user_rules_never_search_densely() -> None:
    assert guards.dense_regex(rule_of(r"tk\(([a-z]{8})", prefix=None)) is None
    assert guards.dense_regex(rule_of(r"tk\(([a-z]{8})", user=True)) is None


class _Searches:
    """A dense regex that counts its searches."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern, self.calls = pattern, 0

    def search(self, data: bytes, pos: int) -> re.Match[bytes] | None:
        self.calls += 1
        return self.pattern.search(data, pos)


def _spied(rule: Rule) -> tuple[Detector, _Searches]:
    detector = Detector(RuleSet((rule,)), "python")
    spy = _Searches(guards.dense_regex(rule))  # type: ignore[arg-type]
    detector._dense_cache[rule.id] = spy  # type: ignore[assignment]
    return detector, spy


@pytest.mark.parametrize(("gap", "dense"), [(31, True), (32, True), (33, False)])
def test_hits_are_dense_at_one_per_32_bytes_or_closer(gap: int, dense: bool) -> None:
    """256 hits in a row within fewer than 256 * 32 bytes: the 256th of hits 32 bytes apart starts at 8,160."""
    assert (detector_module._DENSE_CHECK, detector_module._DENSE_BYTES) == (256, 32)
    detector, spy = _spied(BUNDLED["wordpress-db-password"])
    data = (b"define(" + b" " * (gap - 7)) * 2_000

    assert detector.detect(data).matches == []
    assert spy.calls == (1 if dense else 0)  # a flood of near-misses is one search: no Python step per hit


@pytest.mark.parametrize(("lead", "dense"), [(31, True), (32, False)])
def test_the_span_of_256_hits_must_be_under_8192_bytes(lead: int, dense: bool) -> None:
    """After `lead` bytes, hits 32 bytes apart: the 256th starts at `lead` + 8,160, dense only below 8,192."""
    detector, spy = _spied(BUNDLED["wordpress-db-password"])
    data = b" " * lead + (b"define(" + b" " * 25) * 300

    assert detector.detect(data).matches == []
    assert spy.calls == (1 if dense else 0)


@pytest.mark.parametrize(("hits", "dense"), [(255, False), (256, True), (257, True)])
def test_hits_are_checked_for_density_every_256(hits: int, dense: bool) -> None:
    detector, spy = _spied(BUNDLED["wordpress-db-password"])
    assert detector.detect(b"define(" * hits).matches == []
    assert spy.calls == (1 if dense else 0)


def test_a_flood_after_sparse_hits_turns_dense_where_it_starts() -> None:
    detector, spy = _spied(BUNDLED["wordpress-db-password"])
    sparse = (b"define(" + b" " * 200) * 600  # 600 hits 207 bytes apart
    data = sparse + b"define(" * 50_000 + f"define('DB_PASSWORD', '{_SECRET}');".encode()

    assert [m.secret for m in detector.detect(data).matches] == [_SECRET]
    assert spy.calls == 2  # one search to the match, one past it


_SECRET = "SNZNTA#06KfYrypC"
# A set first (`uk(` is no keyword hit), an atomic group and a possessive repeat.
_SYNTHETIC = rule_of(r"[tu]k\((?>([a-z]{8}+|[a-z]{4}))\)", 64)
_RULES = {**BUNDLED, _SYNTHETIC.id: _SYNTHETIC}
_PIECES = {
    _SYNTHETIC.id: ["tk(", "uk(", "TK(", "qwzxmplr", "abcd", ")", "k(", "x", " "],
    "wordpress-db-password": [
        "define(",
        "define( 'DB_PASSWORD', ",
        f"define('DB_PASSWORD', '{_SECRET}');",
        "'",
        " ",
        ")",
        "\n",
        "x",
        "DB_PASSWORD",
        "DEFINE(",
        "'q7#Lm",
    ],
    "django-database-password": [
        "'PASSWORD'",
        '"PASSWORD"',
        f"'PASSWORD': '{_SECRET}'",
        ": ",
        "'",
        "password",
        "r'",
        "\n",
        "x9",
    ],
    "stripe-secret-key": ["sk_live_", "sk_prod_", "SK_LIVE_", "sk_", "Ab3dE9gH1jK2", "x", "-", "\n", "0"],
    "docker-config-auth": [
        '"auths"',
        ': {"r.io": {',
        '"auth": "',
        "dXNlcjpwQHNzdzByZDEyMw==",
        '"',
        "}",
        "\n",
        " ",
    ],
}


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(_PIECES)).flatmap(
        lambda rid: st.tuples(st.just(rid), st.lists(st.sampled_from(_PIECES[rid]), max_size=40))
    )
)
def test_a_dense_search_finds_what_matching_at_each_hit_finds(case: tuple[str, list[str]]) -> None:
    rule_id, pieces = case
    data = "".join(pieces).encode()
    detector = Detector(RuleSet((_RULES[rule_id],)), "python")
    found = {}
    saved = detector_module._DENSE_CHECK, detector_module._DENSE_BYTES
    try:
        # Dense from the second hit on (each hit is checked, and any span is short enough), or never.
        for way, check, density in (("dense", 1, 1 << 40), ("per hit", 1, 0)):
            detector_module._DENSE_CHECK, detector_module._DENSE_BYTES = check, density
            found[way] = [(m.start, m.end, m.secret) for m in detector.detect(data).matches]
    finally:
        detector_module._DENSE_CHECK, detector_module._DENSE_BYTES = saved
    assert found["dense"] == found["per hit"]


def test_a_dense_search_keeps_only_matches_that_start_at_a_keyword(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detector_module, "_DENSE_CHECK", 1)  # dense from the second hit on
    assert guards.dense_regex(_SYNTHETIC) is not None
    detector = Detector(RuleSet((_SYNTHETIC,)), "python")
    data = b"uk(qwzxmplr) tk(qwzxmplr) " * 40
    assert [(m.start, m.secret) for m in detector.detect(data).matches[:2]] == [(16, "qwzxmplr"), (42, "qwzxmplr")]


def test_a_dense_search_keeps_a_match_whose_keyword_differs_in_case_from_its_regex() -> None:
    """The search runs on the buffer as it is and the keyword test on its lower-cased copy, as matching at hits
    does: `DEFINE(` is a keyword hit but no match; `define(` after it still is."""
    rule = BUNDLED["wordpress-db-password"]
    data = (b"DEFINE( " * 600) + f"define('DB_PASSWORD', '{_SECRET}');".encode()
    assert [m.secret for m in Detector(RuleSet((rule,)), "python").detect(data).matches] == [_SECRET]


@pytest.mark.parametrize("density", [0, 1 << 40], ids=["per hit", "dense"])
def test_a_keyword_hit_overlapping_the_one_before_is_tried_too(density: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detector_module, "_DENSE_CHECK", 1)
    """`'password'` ends as it starts: in `'password'PASSWORD': '…'` its second hit shares the first one's closing
    quote. Matching at each hit found only the first (a search that consumed the whole keyword went on after it)."""
    monkeypatch.setattr(detector_module, "_DENSE_BYTES", density)
    rule = BUNDLED["django-database-password"]
    data = f"'password'PASSWORD': '{_SECRET}'".encode()
    assert [m.secret for m in Detector(RuleSet((rule,)), "python").detect(data).matches] == [_SECRET]


_TOKEN = frozenset(string.ascii_letters.encode() + string.digits.encode() + b"-.")


@pytest.mark.parametrize(
    ("keyword", "token", "starts"),
    [
        (b"'password'", None, [0, 9, 19]),
        (b"xoxe.xox", _TOKEN, [30, 35]),
        (b"sk-", _TOKEN, [49]),  # not glued onto `xsk-`
    ],
)
def test_candidates_include_overlapping_hits(keyword: bytes, token: frozenset[int] | None, starts: list[int]) -> None:
    text = b"'password'password''password' xoxe.xoxe.xox xsk- sk- 'passwordx xoxe.xoy"
    assert [m.start() for m in guards.candidate_regex(keyword, token).finditer(text)] == starts


def test_a_keyword_that_cannot_overlap_itself_is_searched_as_a_plain_literal() -> None:
    assert guards.candidate_regex(b"define(", None).pattern == re.escape(b"define(")


def _literal(rule: Rule) -> bytes | None:
    gate = guards.literal_gate(rule)
    return None if gate is None else bytes.fromhex(gate.removeprefix(b"hs:").decode().replace("\\x", ""))


def test_the_literal_each_bundled_anchored_rule_with_a_secret_group_is_gated_by() -> None:
    gated = {r.id: _literal(r) for r in RULESET.rules if r.anchored and r.secret_group and r.near is None}
    assert gated == {
        "netrc-password": b"password",
        "docker-config-auth": b'"auth"',
        "django-database-password": None,  # `'PASSWORD'` then `:`: one byte past the keyword
        "generic-xml-secret": b"</",
        "putty-private-key": b"Private-Lines: ",
        "spring-yaml-password": b"password:",
        "wordpress-db-password": b"DB_PASSWORD",
        "wordpress-auth-salt": None,
    }


@pytest.mark.parametrize(
    ("regex", "literal"),
    [
        (r"tk\(ab([a-z]{8})", b"ab"),  # two bytes: a gate
        (r"tk\(a([a-z]{8})", None),  # one: none
        (r"tk\(([a-z]{8})xyz", b"xyz"),  # at the end
        (r"tk\(ab([a-z]{8})c?xyz", b"xyz"),  # the longest run; an optional byte ends one
        (r"tk\(a[bc]d([a-z]{8})", None),  # a set breaks a run
        (r"tk\(xyz(?:ab)?([a-z]{8})", b"xyz"),  # an optional group holds none
        (r"tk\((?:abcd|abce)([a-z]{8})", b"abc"),  # what both branches start with is in every match
        (r"tk\((?:abcd|xbce)([a-z]{8})", None),  # neither branch is
        (r"tk\(abc([a-z]{8})", b"abc"),  # the keyword it starts with is not the gate: `tk(abc`, not `tk(`
    ],
)
def test_the_literal_gate_is_the_longest_run_of_literal_bytes_past_the_start(regex: str, literal: bytes | None) -> None:
    assert _literal(rule_of(regex)) == literal


def test_rules_whose_secret_is_the_match_or_unanchored_or_user_rules_have_no_literal_gate() -> None:
    assert guards.literal_gate(rule_of(r"tk\(ab[a-z]{8}")) is None  # the keyword gate applies
    assert guards.literal_gate(rule_of(r"tk\(ab([a-z]{8})", prefix=None)) is None
    assert guards.literal_gate(rule_of(r"tk\(ab([a-z]{8})", user=True)) is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_flood_without_the_literal_never_runs_the_rule(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = [BUNDLED[i] for i in ("wordpress-db-password", "generic-xml-secret", "netrc-password")]
    detector = Detector(RuleSet(tuple(rules)), backend)
    ran: list[str] = []
    real = Detector._anchored

    def counted(self: Detector, rule: Rule, *args: Any) -> Any:
        ran.append(rule.id)
        return real(self, rule, *args)

    monkeypatch.setattr(Detector, "_anchored", counted)
    flood = b"define(" * 20_000 + b"token>" * 20_000 + b"machine " * 20_000
    assert detector.detect(flood).matches == []
    # Python's matcher says "maybe" to every gate: it runs every rule whose keyword is there.
    assert sorted(ran) == ([] if backend == "hyperscan" else sorted(r.id for r in rules))

    ran.clear()
    found = detector.detect(flood + f"\ndefine('DB_PASSWORD', '{_SECRET}');\n".encode()).matches
    assert [m.secret for m in found] == [_SECRET]
    assert "wordpress-db-password" in ran and ("generic-xml-secret" in ran) is (backend != "hyperscan")


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["wordpress-db-password", "docker-config-auth", "django-database-password"]).flatmap(
        lambda rid: st.tuples(st.just(rid), st.lists(st.sampled_from(_PIECES[rid]), max_size=30))
    )
)
def test_the_gated_engine_finds_what_the_ungated_one_does(case: tuple[str, list[str]]) -> None:
    if not HYPERSCAN:
        pytest.skip("hyperscan is not installed")
    rule_id, pieces = case
    data = "".join(pieces).encode()
    rules = RuleSet((BUNDLED[rule_id],))
    found = [[(m.start, m.secret) for m in Detector(rules, b).detect(data).matches] for b in ("hyperscan", "python")]
    assert found[0] == found[1]
