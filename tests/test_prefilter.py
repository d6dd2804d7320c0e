"""Rule regexes as hyperscan gates (scanner/engine/prefilter.py): a gate may say "maybe" where its rule finds
nothing, never "no" where it finds something, whatever window or line the rule's regex is run on."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine import detector as detector_module
from scanner.engine import guards, prefilter
from scanner.engine import matcher as matcher_module
from scanner.engine.decoders import decoded_spans
from scanner.engine.detector import Detector
from scanner.engine.lazy_regex import LazyPattern
from scanner.engine.ruleset import load_ruleset
from tests.conftest import HYPERSCAN

RULESET = load_ruleset()
GATED = [r for r in RULESET.rules if r.near is None and isinstance(r.regex, LazyPattern)]


def gate(pattern: bytes) -> re.Pattern[bytes]:
    """The gate as Python reads it, with the database's case-insensitivity (the emitted syntax means the same)."""
    expression = prefilter.prefilter_expression(pattern)
    assert expression is not None, pattern
    return re.compile(expression, re.IGNORECASE)


class _EveryLine:
    def holds_keyword(self, start: int, end: int) -> bool:
        return True

    def few_lines(self, start: int = 0) -> None:
        return None


@pytest.mark.parametrize("rule", GATED, ids=lambda r: r.id)
def test_every_bundled_rule_has_a_gate_that_passes_each_of_its_examples(rule):
    expression = prefilter.prefilter_expression(rule.regex.pattern)
    assert expression is not None, f"{rule.id}: no gate"
    compiled = re.compile(expression, re.IGNORECASE)
    checked = 0
    for example in rule.match:
        # NOTE: the detector runs gates on each buffer it searches, decoded spans (base64, escapes) included
        raw = example.text.encode()
        for data in (raw, *(span.data for span in decoded_spans(raw, _EveryLine()))):
            if rule.regex.search(data):
                checked += 1
                assert compiled.search(data), (rule.id, example.text)
    assert checked >= 1, f"{rule.id}: no example its regex matches"


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (rb"\bsk-[a-z]{4}\b", b"xsk-abcdz"),  # word boundaries dropped on both sides
        (rb"^token=(\w{4})$", b"a token=abcd b"),  # text anchors dropped
        (rb"(?<![a-z])key(?!s)", b"akeys"),  # lookarounds dropped
        (rb"(?m)^pw:\s*(\S+)\Z", b"x pw: hunter2 y"),
        (rb"ghp_[A-Za-z0-9]{36}", b"ghp_" + b"a" * 32),  # a long counted repeat asks for 32 at most
        (rb"(a)x\1", b"axZZZ"),  # a back-reference becomes "anything"
        (rb"(?P<q>['\"])v=(?P=q)", b"'v=\""),
        (rb"(?>ab|a)c", b"ac"),  # an atomic group is an ordinary one
        (rb"[^a]b", b"Ab"),  # a negated class keeps the other case of what it excludes
        (rb"(?-i:AKIA)[0-9]", b"akia7"),  # scoped case flags: the database is case-insensitive throughout
    ],
)
def test_the_translation_only_widens(pattern, text):
    assert gate(pattern).search(text), (pattern, text)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (rb"sk-proj-[A-Za-z0-9]{20}", b"sk-proj-short"),  # too short, even at the loosened count
        (rb"key\s*=\s*'[^']{8,}'", b"key = 'abc'"),
        (rb"https?://[^:@/]+:([^@/]+)@host", b"https://example.com/path"),
        (rb"whsec_[A-Za-z0-9+/]{32,}", b"WHSEC-abcdefghijklmnopqrstuvwxyz0123456789"),
        (rb"(?s)BEGIN.+END", b"BEGIN"),
    ],
)
def test_a_gate_still_rules_out_what_cannot_match(pattern, text):
    assert gate(pattern).search(text) is None


@pytest.mark.parametrize("pattern", [rb"(?:a|)", rb"\b", rb"(?=x)", rb"x*", rb"(?:a?b?)"])
def test_a_gate_that_would_match_the_empty_text_is_none(pattern):
    assert prefilter.prefilter_expression(pattern) is None
    assert prefilter.gate_expression(prefilter.gate_source(pattern)) == prefilter.ANY


def test_what_cannot_be_parsed_gets_the_gate_any():
    assert prefilter.prefilter_expression(rb"(unclosed") is None
    assert prefilter.gate_expression(b"re:(unclosed") == prefilter.ANY
    assert prefilter.gate_expression(prefilter.gate_source(None)) == prefilter.ANY
    assert prefilter.gate_expression(b"hs:abc") == b"abc"


def test_dotall_scoping_is_kept():
    assert gate(rb"a.b").search(b"a\nb") is None
    assert gate(rb"(?s)a.b").search(b"a\nb")
    assert gate(rb"(?s:a.)b").search(b"a\nb")
    assert gate(rb"(?s)(?-s:a.)b").search(b"a\nb") is None


_ALPHABET = st.sampled_from([*"aZ09_-=:'\" \t\n/\\%.@+", "key", "secret", "sk-", "https://", "token"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule=st.sampled_from(GATED),
    noise=st.lists(_ALPHABET, max_size=12),
    cut=st.tuples(st.integers(0, 40), st.integers(0, 40)),
    which=st.integers(0, 100),
)
def test_wherever_a_rule_matches_on_any_window_its_gate_matches_the_whole_buffer(rule, noise, cut, which):
    examples = [e.text for e in rule.match] + [e.text for e in rule.no_match]
    if not examples:
        return
    text = "".join(noise[: len(noise) // 2]) + examples[which % len(examples)] + "".join(noise[len(noise) // 2 :])
    data = text.encode()
    start, end = min(cut[0], len(data)), max(min(cut[0], len(data)), len(data) - cut[1])
    compiled = gate(rule.regex.pattern)
    for pos, endpos in ((0, len(data)), (start, end)):
        if rule.regex.search(data, pos, endpos) is not None:
            assert compiled.search(data), (rule.id, data, pos, endpos)


hyperscan = pytest.importorskip("hyperscan")


def test_a_rule_whose_gate_is_absent_is_not_run(monkeypatch):
    detector = Detector(RULESET, "hyperscan")
    ran: list[str] = []

    real = detector_module.unanchored_matches

    def counted(rule, *args):
        ran.append(rule.id)
        return real(rule, *args)

    monkeypatch.setattr(detector_module, "unanchored_matches", counted)
    detector.detect(b"password reset flow: see the docs\n")
    assert "generic-password" not in ran
    detector.detect(b'password = "q8Vz3LkP0wXe7Rb2"\n')
    assert "generic-password" in ran


def test_a_gate_hyperscan_cannot_build_says_maybe_to_every_buffer(monkeypatch, tmp_path):
    real = prefilter.gate_expression
    monkeypatch.setattr(prefilter, "gate_expression", lambda source: b"(" if source == b"re:broken" else real(source))
    built = matcher_module.HyperscanMatcher(["kw"], tmp_path, gates=[b"re:broken", b"re:abc"])
    assert built.present(b"kw xyz") == frozenset({0, 1})
    assert built.present(b"kw abc") == frozenset({0, 1, 2})


def test_a_cached_database_is_loaded_without_translating_its_gates(monkeypatch, tmp_path):
    matcher_module.HyperscanMatcher(["kw"], tmp_path, gates=[b"re:abc"])

    def refuse(source: bytes) -> bytes:
        raise AssertionError("translated again")

    monkeypatch.setattr(prefilter, "gate_expression", refuse)
    again = matcher_module.HyperscanMatcher(["kw"], tmp_path, gates=[b"re:abc"])
    assert again.present(b"kw abc") == frozenset({0, 1})
    assert again.present(b"kw") == frozenset({0})


def test_the_python_matcher_says_maybe_to_every_gate_when_a_keyword_is_there():
    python = matcher_module.PythonMatcher(["kw"], gates=[b"re:abc", b"any"])
    assert python.present(b"kw") == frozenset({0, 1, 2})
    assert python.present(b"nothing") == frozenset()
    assert python.tells_gates is False


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # a repeat nothing required follows asks only for its first items, at most 32 (any match holds them)
        (rb"AKCp[a-z0-9]{69}", rb"[\x41][\x4b][\x43][\x70](?:[\x30-\x39\x61-\x7a]){32}"),
        (rb"AKCp[a-z0-9]{20}\b", rb"[\x41][\x4b][\x43][\x70](?:[\x30-\x39\x61-\x7a]){20}"),
        (rb"ab+", rb"[\x61](?:[\x62]){1}"),
        (rb"abc*", rb"[\x61][\x62]"),
        (rb"a(?:x{50}|y{2,})", rb"[\x61](?:(?:[\x78]){32}|(?:[\x79]){2})"),
        # one that something follows stays open-ended, or the gate would miss `b`s longer than its count
        (rb"ab{40}c", rb"[\x61](?:[\x62]){32,40}[\x63]"),
        (rb"ab{70}c", rb"[\x61](?:[\x62]){32,}[\x63]"),
        (rb"ab{2,5}c", rb"[\x61](?:[\x62]){2,5}[\x63]"),
    ],
)
def test_a_trailing_repeat_asks_only_for_its_first_items(pattern: bytes, expected: bytes) -> None:
    assert prefilter.prefilter_expression(pattern) == expected


def test_anchored_rules_are_gated_by_a_keyword_and_the_byte_before_it_only() -> None:
    """An anchored rule searches from its keyword's hits at C speed; a gate that starts with a literal and goes on
    with the regex costs hyperscan work at every hit of it (a flood of `AKCp` beside another such gate ran at
    ~1 MB/s). Its gate is the keyword where it may start a secret, nothing after it; or, when its secret is a
    group, a literal its matches hold past the keyword, and nothing else."""
    detector = Detector(load_ruleset())
    places = list(enumerate(detector._ordered))
    anchored = [rule for _, rule in places if rule.anchored]
    assert anchored and any(detector._gate_ids[n] is not None for n, rule in places if not rule.anchored)
    for n, rule in places:
        gate = guards.keyword_gate(rule)
        if rule.anchored and gate is not None:
            assert detector._gate_ids[n] is not None, rule.id
            assert gate.startswith(b"hs:(?:^|[^") and gate.endswith(b")"), rule.id
            assert b"{" not in gate and b"*" not in gate and b"+" not in gate, rule.id
        elif rule.anchored and (literal := guards.literal_gate(rule)) is not None:
            assert detector._gate_ids[n] is not None, rule.id
            assert re.fullmatch(rb"hs:(?:\\x[0-9a-f]{2}){2,}", literal), rule.id
        elif rule.anchored:
            assert detector._gate_ids[n] is None, rule.id
    assert guards.keyword_gate(next(r for r in anchored if r.id == "openai-legacy-key")) is not None


@pytest.mark.skipif(not HYPERSCAN, reason="hyperscan is not installed")
@pytest.mark.parametrize(
    ("text", "gated_in"),
    [
        (b"sk-abc", True),  # at the start of the buffer
        (b"key = sk-abc", True),
        (b'"\\nsk-abc"', True),  # after a JSON escape
        (b"?k=%3Dsk-abc", True),  # after a URL escape
        (b"SK-abc", True),  # caseless, as the keyword is
        (b"flask-app", False),  # glued onto a word
        (b"_sk-abc", False),
        (b"9sk-abc", False),
    ],
)
def test_an_anchored_rules_gate_opens_where_its_keyword_may_start_a_secret(text: bytes, gated_in: bool) -> None:
    detector = Detector(load_ruleset(), "hyperscan")
    place = next(n for n, rule in enumerate(detector._ordered) if rule.id == "openai-legacy-key")

    assert (detector._gate_ids[place] in detector.matcher.present(text)) is gated_in


@pytest.mark.skipif(not HYPERSCAN, reason="hyperscan is not installed")
@pytest.mark.parametrize(
    ("text", "gated_in"),
    [
        (b"key = sb_secret_abc", True),
        (b"key = sb_secreX", True),  # the gate holds the keyword's first 8 bytes: looser, never narrower
        (b"key = sb_secr", False),  # 7 of them
        (b"key = xsb_secret_abc", False),  # glued
        (b"secret_" * 1000, False),  # the keyword's tail alone
    ],
)
def test_a_long_keywords_gate_is_its_first_8_bytes(text: bytes, gated_in: bool) -> None:
    """Hyperscan looks for literals of 8 bytes at most; of `sb_secret_` it picked `_secret_`, so a flood of
    `secret_` ran its engine every 7 bytes. The gate holds each keyword's first 8 bytes (`sb_secre`)."""
    detector = Detector(load_ruleset(), "hyperscan")
    place = next(n for n, rule in enumerate(detector._ordered) if rule.id == "supabase-secret-key")

    assert guards.keyword_gate(detector._ordered[place]).endswith(
        b"(?:" + b"".join(b"\\x%02x" % c for c in b"sb_secre") + b")"
    )
    assert (detector._gate_ids[place] in detector.matcher.present(text)) is gated_in


_BODY = "Zq7xK9mP2vL8nR4tY6wB1cD3fG5hJ0kQ2sU4vW6yA8bC0dE2"  # 48 letters and digits, high entropy
_GATE_PIECES = [
    *("sk-", "ghp_", "xoxb-", "AKIA", "glpat-", "flask-", "task", "SK-", "sb_secret_", "sb_secre"),
    *(_BODY, _BODY[:36], _BODY[:20] + "T3BlbkFJ" + _BODY[:20], "ABCDEFGHIJKLMNOP"),
    *(" ", "\n", "=", '"', "_", "-", "x", "9", "\\n", "\\t", "%3D", "%2", "\\"),
]


@pytest.mark.skipif(not HYPERSCAN, reason="hyperscan is not installed")
@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_GATE_PIECES), max_size=16))
def test_gates_never_hide_a_match_the_ungated_engine_finds(pieces: list[str]) -> None:
    data = "".join(pieces).encode()

    def found(detector: Detector) -> list[tuple[str, int, int]]:
        return sorted((m.rule.id, m.start, m.end) for m in detector.detect(data).matches)

    assert found(_GATED[0]) == found(_UNGATED[0])


_GATED: list[Detector] = [Detector(load_ruleset(), "hyperscan")] if HYPERSCAN else []
_UNGATED: list[Detector] = [Detector(load_ruleset(), "python")]


# Gates looked for later: a second database, scanned only when the first pass's answer wants it.


@pytest.mark.skipif(not HYPERSCAN, reason="hyperscan is not installed")
def test_gates_looked_for_later_keep_their_places_and_wait_for_the_first_pass(tmp_path) -> None:  # type: ignore[no-untyped-def]
    gates = [b"re:abc", b"re:x[0-9]{3}", b"hs:zz"]
    one = matcher_module.HyperscanMatcher(["kw", "q"], tmp_path, gates=gates)
    two = matcher_module.HyperscanMatcher(["kw", "q"], tmp_path, gates=gates, later={1})
    asked: list[frozenset[int]] = []

    def never(found: frozenset[int]) -> bool:
        asked.append(found)
        return False

    text = b"kw abc x123 zz"
    assert one.present(text) == two.present(text) == frozenset({0, 2, 3, 4})
    assert two.present(text, lambda found: True) == frozenset({0, 2, 3, 4})
    assert two.present(text, never) == frozenset({0, 2, 4})  # gate 1 (place 3) not looked for
    assert asked == [frozenset({0, 2, 4})]  # the first pass's answer: keywords and the other gates
    assert two.present(b"q x999", lambda found: 1 in found) == frozenset({1, 3})
    assert two.present(b"kw x999", lambda found: 1 in found) == frozenset({0})


def _rule(**fields: object) -> object:
    from scanner.engine.rule import compile_rule

    table = {"id": "t-rule", "description": "t", "regex": "t[0-9]{8}", "keywords": ["t"], **fields}
    return compile_rule(table, "test.toml")


@pytest.mark.parametrize(
    ("fields", "later"),
    [
        ({"keywords": ["abcd"]}, False),  # four bytes: common enough in code to be in most buffers
        ({"keywords": ["abcde"]}, True),  # five
        ({"keywords": ["abcdef"]}, True),
        ({"keywords": ["abcdef", "abcd"]}, False),  # one short keyword is enough to stay in the first pass
        ({"keywords": ["abcd"], "paths": ["**/.pypirc"]}, True),  # some files only
        ({"keywords": ["abcdef"], "generic": True, "kind": "generic"}, False),
    ],
)
def test_a_rules_gate_waits_for_a_second_pass_when_its_keywords_are_long_or_its_files_few(
    fields: dict[str, object], later: bool
) -> None:
    assert guards.waits_for_second_pass(_rule(**fields)) is later  # type: ignore[arg-type]


@pytest.mark.skipif(not HYPERSCAN, reason="hyperscan is not installed")
def test_a_second_pass_runs_only_for_a_keyword_of_its_rules_in_a_file_they_apply_to() -> None:
    detector = Detector(load_ruleset(), "hyperscan")
    index = {k: i for i, k in enumerate(detector._keywords)}
    mailgun = frozenset({index[b"mailgun"]})
    pypirc = next(ids for rule, ids in detector._path_triggers if rule.id == "pypirc-password")

    assert detector._wants_later(mailgun, "app.py")
    assert not detector._wants_later(frozenset({index[b"pass"]}), "app.py")
    assert detector._wants_later(pypirc, "home/.pypirc")
    assert pypirc - detector._triggers  # `password` is no other rule's trigger
    assert not detector._wants_later(pypirc - detector._triggers, "setup.cfg")
