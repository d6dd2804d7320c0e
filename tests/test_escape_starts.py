"""The escapes found in one hyperscan pass (`matcher.HyperscanStarts`) give the decoders the same lines as their own
search for each form of escape, and as the keyword lines: at, below and above the number found before a buffer
counts as dense."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("hyperscan")

from scanner.engine import decoders
from scanner.engine.decoders import ESCAPE_STARTS, EscapeForms
from scanner.engine.lines import KeywordLines
from scanner.engine.matcher import HyperscanStarts

_KEYWORDS = (b"token", b"pass")
_PIECES = ["token", "TOKEN", "pass", "%2F", "%2", "%9F", "%", "\\/", "\\u0041", "\\u00", "\\", "a", " ", "\n", "://"]
_FORMS = list(itertools.product([False, True], repeat=3))


@pytest.fixture(scope="module")
def finder() -> HyperscanStarts:
    return HyperscanStarts(ESCAPE_STARTS)


def _lines(data: bytes, forms: EscapeForms, finder: HyperscanStarts | None, per_found: int) -> list[tuple[int, int]]:
    saved = decoders._SPARSE_FOUND
    try:
        decoders._SPARSE_FOUND = per_found
        return list(decoders._lines_with_escapes(data, KeywordLines(data, _KEYWORDS), forms, finder))
    finally:
        decoders._SPARSE_FOUND = saved


def _spans(data: bytes, forms: EscapeForms, finder: HyperscanStarts | None, per_found: int) -> list[tuple[object, ...]]:
    saved = decoders._SPARSE_FOUND
    try:
        decoders._SPARSE_FOUND = per_found
        spans = decoders.decoded_spans(data, KeywordLines(data, _KEYWORDS), forms, False, finder)
        return [(s.data, s.starts, s.origins, s.how) for s in spans]
    finally:
        decoders._SPARSE_FOUND = saved


@settings(max_examples=500, deadline=None, database=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60), st.integers(1, 60))
def test_the_lines_from_one_pass_are_the_lines_each_form_s_search_finds(
    finder: HyperscanStarts, pieces: list[str], per_found: int
) -> None:
    data = "".join(pieces).encode()

    # NOTE: a budget of len(data) // per_found escapes: none (dense from the start), some, or more than there are
    assert _lines(data, (True, True, True), finder, per_found) == _lines(data, (True, True, True), None, per_found)


@settings(max_examples=500, deadline=None, database=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60), st.sampled_from(_FORMS), st.integers(1, 60))
def test_what_is_decoded_from_one_pass_is_what_each_form_s_search_decodes(
    finder: HyperscanStarts, pieces: list[str], forms: EscapeForms, per_found: int
) -> None:
    data = "".join(pieces).encode()
    # NOTE: the forms a buffer may hold, as the matcher's gates tell them: at least those it holds
    held = tuple(f or h for f, h in zip(forms, decoders._escape_forms(data), strict=True))

    assert _spans(data, held, finder, per_found) == _spans(data, held, None, per_found)


def test_escapes_of_the_forms_asked_for_are_found_in_order(finder: HyperscanStarts) -> None:
    data = b"a \\u0041 b %2F c \\/ d %2f \\u007e \\/"
    unicode = [data.index(b"\\u0041"), data.index(b"\\u007e")]
    slash = [i for i in range(len(data)) if data.startswith(b"\\/", i)]
    percent = [data.index(b"%2F"), data.index(b"%2f")]
    assert len(slash) == 2

    assert finder(data, (True, True, True), 6) == sorted(unicode + slash + percent)
    assert finder(data, (True, False, False), 6) == unicode
    assert finder(data, (False, True, False), 6) == slash
    assert finder(data, (False, False, True), 6) == percent
    assert finder(data, (False, False, False), 0) == []
    assert finder(b"%9F %2 \\u0080 \\u00 \\ /", (True, True, True), 10) == []  # near-misses of each form


_EVERY_ESCAPE = re.compile(rb"(?=\\u00[0-7][0-9a-fA-F]|\\/|%[2-7][0-9a-fA-F])")


@pytest.mark.parametrize("escape", [b"\\/", b"%2F", b"\\u0041"])
def test_an_escape_is_found_at_every_place_of_buffers_of_every_length_up_to_140(
    finder: HyperscanStarts, escape: bytes
) -> None:
    # NOTE: hyperscan alone misses a `\/` ending a buffer of 17 to 34 bytes (the finder checks the end itself)
    for length in range(len(escape), 140):
        for at in range(length - len(escape) + 1):
            data = b"a" * at + escape + b"a" * (length - at - len(escape))
            assert finder(data, (True, True, True), length) == [at], (length, at)


@settings(max_examples=2000, deadline=None, database=None)
@given(st.lists(st.sampled_from(["a", "\\", "/", "%", "2", "F", "f", "7", "u", "0", "\n", " "]), max_size=120))
def test_the_one_pass_finds_every_escape_re_finds(finder: HyperscanStarts, chars: list[str]) -> None:
    data = "".join(chars).encode()

    assert finder(data, (True, True, True), len(data)) == [m.start() for m in _EVERY_ESCAPE.finditer(data)]


@pytest.mark.parametrize(("most", "found"), [(3, [0, 3]), (2, [0, 3]), (1, None), (0, None)])
def test_more_escapes_than_the_most_asked_for_are_not_listed(
    finder: HyperscanStarts, most: int, found: list[int] | None
) -> None:
    data = b"\\/ \\u0041 %3a"  # a slash and a unicode escape, and a `%XX` not asked about (not counted either)

    assert finder(data, (True, True, False), most) == found


@pytest.mark.parametrize(("most", "found"), [(1, [18]), (0, None)])
def test_the_escape_ending_the_buffer_counts_towards_the_most_asked_for(
    finder: HyperscanStarts, most: int, found: list[int] | None
) -> None:
    data = b"a" * 18 + b"\\/"  # 20 bytes: a `\/` hyperscan alone misses

    assert finder(data, (False, True, False), most) == found


def test_a_finder_compiled_afresh_is_case_sensitive(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fresh = HyperscanStarts(ESCAPE_STARTS, tmp_path)  # an empty cache: the database is compiled here
    data = b"\\U0041 \\u0041 %2f %2F \\/"

    assert fresh(data, (True, True, True), 10) == [7, 14, 18, 22]  # `\U0041` is no escape
    assert list((tmp_path / "hyperscan").iterdir())  # and kept for the next process
    assert HyperscanStarts(ESCAPE_STARTS, tmp_path)(data, (True, True, True), 10) == [7, 14, 18, 22]


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"\ntoken \\/\n", [(1, 9)]),  # the buffer starts with a newline
        (b"token \\/\n\\/ pass\n", [(0, 8), (9, 16)]),  # an escape starts the next line
        (b"token \\/ \\/\\/\nx\n", [(0, 13)]),  # a line's other escapes are passed over
    ],
)
def test_lines_found_from_one_pass_start_and_end_where_the_lines_do(
    finder: HyperscanStarts, monkeypatch: pytest.MonkeyPatch, data: bytes, lines: list[tuple[int, int]]
) -> None:
    monkeypatch.setattr(decoders, "_SPARSE_FOUND", 1)  # however short the buffer, its escapes are looked at
    asked: list[int] = []
    real = KeywordLines.few_lines
    monkeypatch.setattr(KeywordLines, "few_lines", lambda self, start=0: asked.append(start) or real(self, start))
    found = list(decoders._lines_with_escapes(data, KeywordLines(data, _KEYWORDS), (True, True, True), finder))

    assert asked == []
    assert found == lines == list(decoders._lines_with_escapes(data, KeywordLines(data, _KEYWORDS), (True, True, True)))


def test_a_dense_buffer_is_searched_from_its_keyword_lines(
    finder: HyperscanStarts, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"x \\/\n" * 600 + b"token \\/\n"  # 601 escapes in 5,409 bytes: more than one per 1,024
    asked: list[int] = []
    real = KeywordLines.few_lines
    monkeypatch.setattr(KeywordLines, "few_lines", lambda self, start=0: asked.append(start) or real(self, start))
    start = data.index(b"token")

    found = list(decoders._lines_with_escapes(data, KeywordLines(data, _KEYWORDS), (False, True, False), finder))

    assert found == [(start, start + 8)]
    assert asked == [0]

    sparse = b"x\n" * 600 + b"token \\/\n"
    asked.clear()
    start = sparse.index(b"token")
    assert list(
        decoders._lines_with_escapes(sparse, KeywordLines(sparse, _KEYWORDS), (False, True, False), finder)
    ) == [(start, start + 8)]
    assert asked == []  # one escape in 1,209 bytes: found in the one pass


def test_the_detector_builds_its_finder_once_and_only_over_hyperscan() -> None:
    from scanner.engine.detector import Detector
    from scanner.engine.ruleset import load_ruleset

    ruleset = load_ruleset(examples=False)
    fast, slow = Detector(ruleset, "hyperscan"), Detector(ruleset, "python")

    first = fast.escape_starts()
    assert isinstance(first, HyperscanStarts) and fast.escape_starts() is first
    assert slow.escape_starts() is None


def test_located_findings_in_escaped_json_are_the_same_with_and_without_the_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scanner.engine.detector import Detector
    from scanner.engine.locate import locate
    from scanner.engine.ruleset import load_ruleset
    from scanner.findings import Fragment

    key = "whsec_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"
    body = ('{"url":"https:\\/\\/h.example\\/hook","signing_secret":"' + key[:10] + "\\/" + key[10:] + '"}\n').encode()
    data = b"# notes\n" * 50 + body + b"# more\n" * 50
    detector = Detector(load_ruleset(examples=False), "hyperscan")
    fragment = Fragment(path="hooks.json", data=data)
    asked: list[bool] = []
    real = detector.escape_starts
    monkeypatch.setattr(detector, "escape_starts", lambda: asked.append(True) or real())

    with_pass = [(f.rule_id, f.secret, f.line, f.column) for f in (r.finding for r in locate(detector, fragment)[0])]
    monkeypatch.setattr(detector, "escape_starts", lambda: None)
    without = [(f.rule_id, f.secret, f.line, f.column) for f in (r.finding for r in locate(detector, fragment)[0])]

    assert asked == [True]
    assert with_pass == without
    assert any(secret == key[:10] + "/" + key[10:] for _, secret, _, _ in with_pass)


def test_a_buffer_without_escapes_never_asks_for_the_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.engine.detector import Detector
    from scanner.engine.locate import locate
    from scanner.engine.ruleset import load_ruleset
    from scanner.findings import Fragment

    detector = Detector(load_ruleset(examples=False), "hyperscan")
    asked: list[bool] = []
    monkeypatch.setattr(detector, "escape_starts", lambda: asked.append(True))

    locate(detector, Fragment(path="a.py", data=b'token = "plain"\npassword = get()\n'))

    assert asked == []
