"""Every threshold, window and limit of the engine at the limit, one below and one above (issue 16).

Each table row names the limit it pins; a row moves when the constant does, and a one-off in any comparison
fails one of its three rows.
"""

from __future__ import annotations

import itertools
import random
import string

import pytest

from scanner.engine import detector as detector_module
from scanner.engine import glue as glue_module
from scanner.engine import guards, placeholders
from scanner.engine import lines as lines_module
from scanner.engine.detector import Detector
from scanner.engine.entropy import is_repetitive, is_sequential, shannon_entropy
from scanner.engine.examples import ExampleChecker
from scanner.engine.glue import HeadingIndex
from scanner.engine.lines import line_of
from scanner.engine.rule import compile_rule
from scanner.engine.ruleset import RuleSet, load_ruleset

RULESET = load_ruleset()
CHECKER = ExampleChecker(RULESET, "python")
ALNUM = string.ascii_letters + string.digits


def body(seed: int, length: int, alphabet: str = ALNUM) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


def found(text: str, rule_id: str) -> list[str]:
    return [f.secret for f in CHECKER.findings(text) if f.rule_id == rule_id]


KEY = "sk-proj-" + body(21, 48)


# Glued words: a run of at most _MAX_GLUED - 1 token characters after a value may be a glued heading word ----------


@pytest.mark.parametrize(("length", "cut"), [(62, True), (63, True), (64, False), (65, False)])
def test_a_glued_word_is_cut_off_only_below_the_glue_limit(length: int, cut: bool) -> None:
    assert detector_module._MAX_GLUED == 64
    word = "A" + "b" * (length - 1)
    text = f"## {word}\n\n{KEY}{word}\n"
    assert found(text, "openai-project-key") == ([KEY] if cut else [])


def test_a_glued_word_at_the_very_end_of_the_buffer_is_read_as_a_longer_token() -> None:
    # No byte after the run: the run reaches the buffer's end, as a longer token would.
    assert found(f"## Docker\n\n{KEY}Docker", "openai-project-key") == []
    assert found(f"## Docker\n\n{KEY}Docker\n", "openai-project-key") == [KEY]


# Headings: 3 to _MAX_HEADING characters, capitalised; at most _MAX_LOOKUPS distinct texts per buffer ---------------


@pytest.mark.parametrize(("length", "heading"), [(2, False), (3, True), (4, True), (79, True), (80, True), (81, False)])
def test_a_heading_is_three_to_eighty_characters(length: int, heading: bool) -> None:
    assert glue_module._MAX_HEADING == 80
    text = "H" + "e" * (length - 1)
    assert HeadingIndex(f"intro\n{text}\nbody\n".encode()).is_heading(text) is heading


def test_a_heading_starts_with_a_capital_and_stands_on_its_own_line() -> None:
    index = HeadingIndex(b"## Quick Start\n**Rate Limits**\n<h2 id='x'>Webhooks</h2>\nsee Streaming here\nlower\n")
    assert index.is_heading("Quick Start") and index.is_heading("Rate Limits") and index.is_heading("Webhooks")
    assert not index.is_heading("Streaming")
    assert not index.is_heading("lower")


@pytest.mark.parametrize(("earlier", "answered"), [(30, True), (31, True), (32, False), (33, False)])
def test_heading_lookups_stop_after_the_lookup_limit(earlier: int, answered: bool) -> None:
    assert glue_module._MAX_LOOKUPS == 32
    index = HeadingIndex(b"Real Heading\n")
    for n in range(earlier):
        assert not index.is_heading(f"Absent {n:03}")
    assert index.is_heading("Real Heading") is answered


def test_a_heading_already_known_is_answered_past_the_lookup_limit() -> None:
    index = HeadingIndex(b"Real Heading\n")
    assert index.is_heading("Real Heading")
    for n in range(40):
        index.is_heading(f"Absent {n:03}")
    assert index.is_heading("Real Heading")


# The line a generic rule's filters read: at most _CONTEXT bytes either side ------------------------------------------


@pytest.mark.parametrize(
    ("newline_at", "start"),
    [(0, 500), (499, 500), (500, 501), (501, 502)],
)
def test_the_line_read_starts_after_a_newline_within_the_context(newline_at: int, start: int) -> None:
    # pos 1500: the context reaches back to byte 500 inclusive.
    data = bytearray(b"a" * 3000)
    data[newline_at] = 0x0A
    line = line_of(bytes(data), 1500)
    assert len(line) == 1500 + 1000 - start


def test_the_line_read_is_cut_at_the_context_without_newlines() -> None:
    assert lines_module._CONTEXT == 1000
    data = b"0123456789" * 300
    assert line_of(data, 1500) == data[500:2500].decode()
    assert line_of(data, 10) == data[:1010].decode()
    assert line_of(data, 2995) == data[1995:].decode()
    assert line_of(b"first\nsecond line\nthird", 8) == "second line"


@pytest.mark.parametrize(("end_at", "length"), [(2499, 999), (2500, 1000), (2501, 1000)])
def test_the_line_read_ends_at_a_newline_within_the_context(end_at: int, length: int) -> None:
    data = bytearray(b"a" * 3000)
    data[end_at] = 0x0A
    assert len(line_of(bytes(data), 1500)) == 1000 + length


# Entropy, repetition and runs ----------------------------------------------------------------------------------------


def test_entropy_of_the_empty_string_and_of_uniform_symbols() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("ab") == 1.0
    assert shannon_entropy("abcd") == 2.0
    assert shannon_entropy("0123456789abcdef") == 4.0


@pytest.mark.parametrize(
    ("value", "repetitive"),
    [
        ("a", True),
        ("ab", True),  # two characters: unit 2 is always tried
        ("abc", False),
        ("aa", True),
        ("abab", True),
        ("abcab", False),
        ("abcabca", False),
        ("abcabcab", False),
        ("abcabcabc", True),
        ("abcdabcdabc", False),
        ("abcdabcdabcd", True),
        ("abcdabcdabcx", False),
        ("xbcabcabc", False),
    ],
)
def test_a_unit_repeated_three_times_is_repetitive(value: str, repetitive: bool) -> None:
    assert is_repetitive(value) is repetitive


@pytest.mark.parametrize(
    ("value", "sequential"),
    [
        ("abcdefg", False),  # 7 characters: too short to judge
        ("abcdefgh", True),
        ("hgfedcba", True),
        ("aZbYcXdW", False),
    ],
)
def test_sequential_needs_eight_characters(value: str, sequential: bool) -> None:
    assert is_sequential(value) is sequential


@pytest.mark.parametrize(("steps", "sequential"), [(5, False), (6, True), (7, True)])
def test_sequential_needs_sixty_percent_of_steps(steps: int, sequential: bool) -> None:
    # 11 characters, 10 pairs: 6 single steps is exactly 60%.
    value = "abcdefghijk"[: steps + 1] + "Q7mZ2xP9w0"[: 10 - steps]
    pairs = sum(1 for a, b in itertools.pairwise(value) if abs(ord(a) - ord(b)) == 1)
    assert (len(value), pairs) == (11, steps)
    assert is_sequential(value) is sequential


# Masks and placeholders: the run of x a mask needs grows with the value ----------------------------------------------


@pytest.mark.parametrize(
    ("length", "run", "masked"),
    [
        (31, 3, False),
        (31, 4, True),
        (32, 4, False),
        (32, 5, False),
        (32, 6, True),
        (199, 5, False),
        (199, 6, True),
        (200, 9, False),
        (200, 10, True),
        (201, 10, True),
    ],
)
def test_an_x_run_masks_a_value_by_its_length(length: int, run: int, masked: bool) -> None:
    value = body(22, 10, "ABCDEFGHJK23456789") + "x" * run
    value += body(23, length - len(value), "ABCDEFGHJK23456789")
    assert len(value) == length
    assert placeholders.is_masked_or_placeholder(value) is masked


@pytest.mark.parametrize(("zeros", "masked"), [(7, False), (8, True), (9, True)])
def test_eight_zeros_mask_a_short_value(zeros: int, masked: bool) -> None:
    value = "ABCDEF23" + "0" * zeros + "GHJK"
    assert placeholders.is_masked_or_placeholder(value) is masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("ab###cd", False),
        ("ab####cd", True),
        ("ab..cd", False),
        ("ab...cd", True),
        ("ab**cd", False),  # a lone `*` or two are characters of Django and WordPress keys
        ("ab***cd", True),
        ("ab•cd", True),
    ],
)
def test_mask_marks(value: str, masked: bool) -> None:
    assert placeholders.is_masked_or_placeholder(value) is masked


@pytest.mark.parametrize("n", [31, 32, 33, 39, 40, 41, 56, 64, 96, 127, 128, 129])
@pytest.mark.parametrize(("name", "identifier"), [("token", False), ("digest", True), ("sha256_hash", True)])
def test_a_hex_value_is_an_identifier_by_its_name_not_its_length(n: int, name: str, identifier: bool) -> None:
    value = ("a1" * 70)[:n]
    assert placeholders.is_identifier_like(value, f"{name} = {value}") is identifier


@pytest.mark.parametrize(
    ("value", "identifier"),
    [("123e4567-e89b-12d3-a456-426614174000", False), ("sha512-AbCdEf", True), ("sha511-AbCdEf", False)],
)
def test_a_uuid_under_a_credential_name_is_a_secret_and_an_integrity_digest_is_not(
    value: str, identifier: bool
) -> None:
    assert placeholders.is_identifier_like(value, f"token = {value}") is identifier


@pytest.mark.parametrize(
    ("value", "templated"),
    [
        ("", True),
        ("$", True),
        ("{x}", True),
        ("<x>", True),
        ("${x}", True),
        ("$x}", False),
        ("{x", False),
        ("x}", False),
        ("<x", False),
        ("x>", False),
        ("$x", False),
    ],
)
def test_templated_values(value: str, templated: bool) -> None:
    assert placeholders.is_templated_secret(value) is templated


@pytest.mark.parametrize(
    ("path", "lock"), [("a/b/package-lock.json", True), ("yarn.lock", True), ("package-lock.json.bak", False)]
)
def test_lock_files_by_name(path: str, lock: bool) -> None:
    assert placeholders.is_lock_file(path) is lock


@pytest.mark.parametrize(
    ("line", "value", "id_like"),
    [
        ("user_id = 'Q7mZ2xP9'", "Q7mZ2xP9", True),
        ("ids: Q7mZ2xP9", "Q7mZ2xP9", True),
        ("token = Q7mZ2xP9", "Q7mZ2xP9", False),
        ("token = Q7mZ2xP9 # user_id", "Q7mZ2xP9", False),  # the id name must come before the value
        ("token = Q7mZ2xP9; user_id = Q7mZ2xP9", "Q7mZ2xP9", False),  # judged at the value's first place
        ("user_id = other", "Q7mZ2xP9", False),  # the value is not on the line
    ],
)
def test_values_assigned_to_id_names_are_ids(line: str, value: str, id_like: bool) -> None:
    assert placeholders.is_identifier_like(value, line) is id_like


# Masked keys in tables: a prefix and at least one visible character ------------------------------------------------


def test_masked_keys_need_a_visible_character_after_the_prefix() -> None:
    detector = Detector(RULESET, "python")
    table = "| prod | sk-proj-J1•••• | x |\n| bare | sk-proj-•••• | x |\n| leg | sk-ab••• |\n"
    masked = detector.detect(table.encode()).masked
    assert [(m.visible_prefix, m.label) for m in masked] == [("sk-proj-J1", "prod"), ("sk-ab", "leg")]
    assert detector.detect(b"ask-proj-J1****\n").masked == []
    assert [m.visible_suffix for m in detector.detect(b"key sk-proj-J1***3uyw\n").masked] == ["3uyw"]


# Rule schema limits: window 1..65536, entropy 0..8, near lines 0..10 ----------------------------------------------


def _rule(**fields: object) -> None:
    table: dict[str, object] = {"id": "t", "description": "t", "keywords": ["tk_"], "regex": "tk_[a-z0-9]{8}"}
    table.update(fields)
    compile_rule(table, "t.toml")


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("window", 0, False), ("window", 1, True), ("window", 2, True),
    ("window", 65535, True), ("window", 65536, True), ("window", 65537, False),
    ("entropy", -0.1, False), ("entropy", 0.0, True), ("entropy", 8.0, True), ("entropy", 8.1, False),
    ("near", {"regex": "x", "lines": -1}, False), ("near", {"regex": "x", "lines": 0}, True),
    ("near", {"regex": "x", "lines": 10}, True), ("near", {"regex": "x", "lines": 11}, False),
])  # fmt: skip
def test_rule_schema_limits(field: str, value: object, ok: bool) -> None:
    from scanner.errors import RuleError

    if ok:
        _rule(**{field: value})
    else:
        with pytest.raises(RuleError):
            _rule(**{field: value})


# `near`: a value counts only within `lines` lines of its partner ----------------------------------------------------


@pytest.mark.parametrize(("gap", "found_it"), [(1, True), (2, True), (3, False)])
def test_a_near_value_counts_within_its_lines_of_the_partner(gap: int, found_it: bool) -> None:
    rule = compile_rule(
        {
            "id": "t-near",
            "description": "t",
            "keywords": ["pass"],
            "regex": "pass=([A-Za-z0-9]{16})",
            "near": {"regex": "user=[a-z]+", "lines": 2},
        },
        "t.toml",
    )
    value = body(24, 16)
    # The partner pattern runs on keyword lines: put the partner on a line of its own that holds the keyword.
    text = "pass user=alice\n" + "filler\n" * (gap - 1) + f"pass={value}\n"
    got = [m.secret for m in Detector(RuleSet((rule,)), "python").detect(text.encode()).matches]
    assert got == ([value] if found_it else [])


@pytest.mark.parametrize(
    ("value", "reference"),
    [("${X}", True), ("$VAR", True), ("process.env.X", True), ("{{ .Values.x }}", True), ("Q7mZ2xP9w0Kd", False)],
)
def test_references(value: str, reference: bool) -> None:
    assert placeholders.is_reference(value, f"k = {value}") is reference


@pytest.mark.parametrize(
    ("line", "identifier"),
    [
        ("src: data:image/png;base64,Q7mZ2xP9w0Kd", True),
        ('integrity="Q7mZ2xP9w0Kd"', True),
        ("user_id = Q7mZ2xP9w0Kd", True),
        ("secret = Q7mZ2xP9w0Kd", False),
    ],
)
def test_each_identifier_test_alone_makes_a_value_an_identifier(line: str, identifier: bool) -> None:
    assert placeholders.is_identifier_like("Q7mZ2xP9w0Kd", line) is identifier


def test_a_heading_glued_on_at_the_end_of_a_buffer_without_a_newline_is_cut_off() -> None:
    assert found(f"## Docker / Compose\n\n{KEY}Docker / Compose", "openai-project-key") == [KEY]
    assert found(f"## Docker / Compose\n\n{KEY}Docker / Composer", "openai-project-key") == []


def test_undecodable_bytes_after_a_glued_word_are_read_as_replacement_characters() -> None:
    text = f"## Docker\n\n{KEY}Docker \udcff\n"
    data = text.encode("utf-8", "surrogateescape")
    detector = Detector(RULESET, "python")
    [match] = [m for m in detector.detect(data).matches if m.rule.id == "openai-project-key"]
    assert match.glue is not None and match.glue.readings == (KEY,)


def test_sixty_percent_is_counted_on_the_pairs_of_a_twelve_character_value() -> None:
    value = "abcdefg" + "Q7mZ2"  # 12 characters, 11 pairs, 6 single steps: under 60%
    assert not is_sequential(value)
    assert is_sequential("abcdefgh" + "Q7mZ")  # 7 steps of 11


@pytest.mark.parametrize(
    ("body", "fake"),
    [("89+/", True), ("Q7Q7Q7Q7", True), ("abcdefghij", True), ("Q7mZ2xP9w0Kd", False)],
)
def test_each_fake_shape_alone_makes_a_fake_body(body: str, fake: bool) -> None:
    assert placeholders.is_fake_body(body) is fake


def test_sequential_strings_are_judged_case_insensitively_and_examples_by_the_capital_word() -> None:
    assert placeholders.is_sequential_string("abcdefghijklmnop")
    assert placeholders.is_sequential_string("0123456789")
    assert not placeholders.is_sequential_string("Q7mZ2xP9")
    assert placeholders.is_documented_example("AKIAIOSFODNN7EXAMPLE")
    assert not placeholders.is_documented_example("AKIAIOSFODNN7example")


# Placeholder helpers after the generic-rule rework: the mutants `make mutants` found alive -------------------------


@pytest.mark.parametrize(
    ("line", "identifier"),
    [
        ('token = "Q7mZ2xP9w0Kd"  # checked for integrity', True),  # a line about integrity holds digests
        ('token = "Q7mZ2xP9w0Kd"  # checked for INTEGRITY', False),  # the word is matched as written
        ('token = "Q7mZ2xP9w0Kd"', False),
    ],
)
def test_a_line_that_mentions_integrity_holds_no_secret(line: str, identifier: bool) -> None:
    assert placeholders.is_identifier_like("Q7mZ2xP9w0Kd", line) is identifier


@pytest.mark.parametrize(
    ("value", "line", "name"),
    [
        ("Q7mZ", "token = abc", None),  # the value is not on the line: no name, whatever the line says
        ("Q7mZ", "Q7mZ = token", None),  # at the start of the line nothing names it
        ("Q7mZ", "aQ7mZ", "a"),  # one character before it is already a name
        ("Q7mZ", "-token = Q7mZ", "token"),  # dots and dashes before a name are not part of it
        ("Q7mZ", ".token = Q7mZ", "token"),
        ("Q7mZ", "k:x:MyDbSecret = Q7mZ", ""),  # inside a resource name (`…:secret:MyDb-…`)
        ("Q7mZ", "k-x:MyDbSecret = Q7mZ", ""),
        ("Q7mZ", "k:-:MyDbSecret = Q7mZ", "MyDbSecret"),  # `-:` is no resource-name separator
    ],
)
def test_assigned_name_boundaries(value: str, line: str, name: str | None) -> None:
    assert placeholders.assigned_name(value, line) == name


@pytest.mark.parametrize(("name", "non_secret"), [("__", False), ("", True), (None, False), ("db_hash", True)])
def test_a_name_without_words_says_nothing(name: str | None, non_secret: bool) -> None:
    assert placeholders.is_non_secret_name(name) is non_secret


@pytest.mark.parametrize(
    ("source", "branches"),
    [
        (rb"LTAI[a-z]{20}|LTAI[a-z]{12}", [rb"LTAI[a-z]{20}", rb"LTAI[a-z]{12}"]),
        (rb"sk-(?:a|b)c", [rb"sk-(?:a|b)c"]),
        (rb"a[|]b|c", [rb"a[|]b", rb"c"]),
        (rb"a[]|]b|c", [rb"a[]|]b", rb"c"]),
        (rb"a[^]|]b|c", [rb"a[^]|]b", rb"c"]),
        (rb"a\|b|c", [rb"a\|b", rb"c"]),
        (rb"a[\]|]b|c", [rb"a[\]|]b", rb"c"]),
        (rb"a|", [rb"a", rb""]),
    ],
)
def test_a_regex_splits_into_branches_only_at_a_bar_outside_groups_classes_and_escapes(
    source: bytes, branches: list[bytes]
) -> None:
    assert guards.top_level_branches(source) == branches


def test_every_branch_of_a_prefixed_rule_skips_a_glued_keyword_at_c_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    """`LTAI…{20}|LTAI…{12}`: a flood of glued keywords reaches the Python checks once (its first keyword), not
    once per keyword through the second branch."""
    detector = Detector(RULESET)
    checked: list[int] = []
    real = Detector._check

    def counted(self: Detector, rule, data, s, e, path, headings):  # type: ignore[no-untyped-def]
        if rule.id == "alibaba-access-key-id":
            checked.append(s)
        return real(self, rule, data, s, e, path, headings)

    monkeypatch.setattr(Detector, "_check", counted)

    assert detector.detect(b"LTAI" * 10_000).matches == []
    assert checked == [0]
    for text, found in ((b"id: LTAIGKSjvcl8DZC4", True), (b"id: xLTAIGKSjvcl8DZC4", False)):
        secrets = [m.secret for m in detector.detect(text).matches]
        assert secrets == (["LTAIGKSjvcl8DZC4"] if found else []), text


def test_a_prefixed_rules_branches_share_one_prefix_and_guard_so_re_searches_for_the_literal() -> None:
    alibaba = next(r for r in RULESET.rules if r.id == "alibaba-access-key-id")
    guarded = guards.guarded_regex(alibaba)

    assert guarded is not None
    assert guarded.pattern.startswith(b"LTAI(?:(?<!") and guarded.pattern.count(b"LTAI") == 4  # once, and 3 guards
    assert guarded.pattern.endswith(b"(?:[A-Za-z0-9]{20}|[A-Za-z0-9]{12})")
    assert guarded.search(b"x LTAIGKSjvcl8DZC4 y").group() == b"LTAIGKSjvcl8DZC4"
