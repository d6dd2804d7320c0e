"""The decoders' limits at, below and above (issue 16): the shortest Kubernetes Secret value decoded (12 base64
characters), the nesting a value needs under its `data:` block, the escapes decoded (`\\u0000`-`\\u007f`, `\\/`,
`%20`-`%7f` in URLs only), and which lines are decoded (those holding a keyword)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.decoders import DecodedSpan, decoded_spans, map_span


class Everywhere:
    """Every line holds a keyword."""

    def holds_keyword(self, start: int, end: int) -> bool:
        return True

    def few_lines(self, start: int = 0) -> None:
        return None  # dense: every line is asked


class Nowhere:
    def holds_keyword(self, start: int, end: int) -> bool:
        return False

    def few_lines(self, start: int = 0) -> list[tuple[int, int]]:
        return []


def secret_doc(value: str, indent: str = "  ") -> bytes:
    return f"apiVersion: v1\nkind: Secret\ndata:\n{indent}key: {value}\n".encode()


@pytest.mark.parametrize(("chars", "decoded"), [(8, False), (12, True), (16, True)])
def test_kubernetes_values_of_twelve_base64_characters_and_more_are_decoded(chars: int, decoded: bool) -> None:
    raw = b"abcdefghijkl"[: chars * 3 // 4]
    value = base64.b64encode(raw).decode()
    assert len(value) == chars
    spans = list(decoded_spans(secret_doc(value)))
    assert [s.data for s in spans] == ([raw] if decoded else [])


def test_a_kubernetes_value_must_sit_under_its_data_block() -> None:
    value = base64.b64encode(b"sk-proj-0123456789").decode()
    assert [s.data for s in decoded_spans(secret_doc(value, "  "))] == [b"sk-proj-0123456789"]
    assert list(decoded_spans(secret_doc(value, ""))) == []
    outside = f"kind: Secret\ndata:\n  a: {value}\nother:\n  b: {value}\n".encode()
    assert len(list(decoded_spans(outside))) == 1
    assert list(decoded_spans(f"kind: ConfigMap\ndata:\n  a: {value}\n".encode())) == []


def test_a_decoded_kubernetes_value_maps_back_to_the_whole_encoded_span() -> None:
    value = base64.b64encode(b"sk-proj-0123456789").decode()
    doc = secret_doc(value)
    [span] = decoded_spans(doc)
    start = doc.index(value.encode())
    assert span.whole and span.how == "base64"
    assert map_span(span, 3, 6) == (start, start + len(value))


@pytest.mark.parametrize(
    ("line", "decoded"),
    [
        (b'"k": "a\\u0041b"', b'"k": "aAb"'),
        (b'"k": "a\\u007fb"', b'"k": "a\x7fb"'),
        (b'"k": "a\\u0080b"', None),  # outside ASCII: no escape we undo
        (b'"k": "a\\/b"', b'"k": "a/b"'),
        (b"https://x.example/?k=a%41b", b"https://x.example/?k=aAb"),
        (b"https://x.example/?k=a%20b", b"https://x.example/?k=a b"),
        (b"https://x.example/?k=a%1fb", None),  # a control character: not an escape we undo
        (b"https://x.example/?k=a%80b", None),
        (b"PASSWORD=a%41b", None),  # no URL on the line: a literal password, read as written (the raw pass has it)
    ],
)
def test_which_escapes_are_decoded(line: bytes, decoded: bytes | None) -> None:
    spans = list(decoded_spans(line, Everywhere()))
    assert [s.data for s in spans] == ([decoded] if decoded is not None else [])


def test_escapes_are_decoded_only_on_lines_holding_a_keyword() -> None:
    assert list(decoded_spans(b'"k": "a\\/b"\n', Nowhere())) == []
    assert list(decoded_spans(b'"k": "a\\/b"\n')) == []


def test_decoded_escapes_map_back_to_their_original_offsets() -> None:
    line = b'x"a\\/b"'
    [span] = decoded_spans(line, Everywhere())
    assert isinstance(span, DecodedSpan) and span.how == "json" and not span.whole
    assert span.data == b'x"a/b"'
    # decoded bytes 2..5 (`a/b`) come from original bytes 2..7 (`a\/b`)
    assert map_span(span, 2, 5) == (2, 6)
    assert map_span(span, len(span.data), len(span.data)) == (len(line), len(line))


# Lines holding an escape and a keyword: found from the `%` and backslash bytes where they are sparse, from the
# keyword lines otherwise; both ways give the same lines.

_KEYWORDS = (b"token", b"pass")


def _escape_lines(data: bytes, *, starts: bool) -> list[tuple[int, int]]:
    from scanner.engine import decoders
    from scanner.engine.lines import KeywordLines

    lines = KeywordLines(data, _KEYWORDS)
    if starts:
        return list(decoders._from_escape_starts(data, lines))
    saved = decoders._SPARSE_STARTS
    try:
        decoders._SPARSE_STARTS = 10**9  # NOTE: no byte may be looked at: the keyword-line path runs from the start
        return list(decoders._lines_with_escapes(data, lines, (True, True, True)))
    finally:
        decoders._SPARSE_STARTS = saved


_ESCAPE_PIECES = ["token", "TOKEN", "pass", "%2F", "%2", "%9F", "%", "\\/", "\\u0041", "\\u00", "\\", "a", " ", "\n"]


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from(_ESCAPE_PIECES), max_size=40))
def test_escape_lines_found_from_escape_starts_are_the_keyword_lines_with_escapes(pieces: list[str]) -> None:
    data = "".join(pieces).encode()

    assert _escape_lines(data, starts=True) == _escape_lines(data, starts=False)


@pytest.mark.parametrize(("percents", "from_starts"), [(3, True), (4, True), (5, False)])
def test_escapes_are_found_from_their_starts_up_to_one_start_per_256_bytes(
    monkeypatch: pytest.MonkeyPatch, percents: int, from_starts: bool
) -> None:
    from scanner.engine import decoders
    from scanner.engine.lines import KeywordLines

    data = (b"token = https://h/?q=%2Fx\n" + b"%" * (percents - 1)).ljust(1024, b" ")
    asked: list[int] = []
    real_few = KeywordLines.few_lines
    monkeypatch.setattr(KeywordLines, "few_lines", lambda self, start=0: asked.append(start) or real_few(self, start))

    found = list(decoders._lines_with_escapes(data, KeywordLines(data, _KEYWORDS)))

    assert found == [(0, 25)]
    # past 4 starts (1024 / 256), the keyword lines are searched from the line of the fifth on (here the second)
    assert asked == ([] if from_starts else [26])


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(_ESCAPE_PIECES), max_size=60), st.integers(1, 80))
def test_a_search_that_runs_out_of_starts_midway_finds_the_same_lines(pieces: list[str], per_start: int) -> None:
    from scanner.engine import decoders
    from scanner.engine.lines import KeywordLines

    data = "".join(pieces).encode()
    saved = decoders._SPARSE_STARTS
    try:
        decoders._SPARSE_STARTS = per_start  # a budget of len(data) // per_start starts: run out anywhere, or never
        found = list(decoders._lines_with_escapes(data, KeywordLines(data, _KEYWORDS), (True, True, True)))
    finally:
        decoders._SPARSE_STARTS = saved
    assert found == _escape_lines(data, starts=True) == _escape_lines(data, starts=False)


def test_running_out_of_starts_resumes_at_the_line_it_stopped_in_not_an_earlier_one() -> None:
    from scanner.engine import decoders
    from scanner.engine.lines import KeywordLines

    data = b"first\ntoken https://h/?a=%2F\npass %% %% https://h/?b=%2F\n"
    search = decoders._from_escape_starts(data, KeywordLines(data, _KEYWORDS), 3)
    assert next(search) == (6, 28)
    with pytest.raises(StopIteration) as stop:
        next(search)  # the third line's `%`s: the second and third place looked at, then one too many
    assert stop.value.value == 29


def test_running_out_of_starts_resumes_at_the_start_of_the_line_it_stopped_in() -> None:
    from scanner.engine import decoders
    from scanner.engine.lines import KeywordLines

    data = b"token https://h/?a=%2F\npass %% \\ https://h/?b=%2F\n"
    search = decoders._from_escape_starts(data, KeywordLines(data, _KEYWORDS), 2)
    assert next(search) == (0, 22)  # the first escape (one byte looked at)
    with pytest.raises(StopIteration) as stop:
        next(search)  # the second line's first `%` is the second byte, its second `%` the third: one too many
    assert stop.value.value == 23


@pytest.mark.parametrize("cased", [b"TOKEN", b"Token", b"token"])
def test_a_line_holds_a_keyword_in_any_case_whether_or_not_the_buffer_was_lower_cased(cased: bytes) -> None:
    from scanner.engine.lines import KeywordLines

    data = b"x\n" + cased + b" = 1\ny\n"
    fresh, lowered = KeywordLines(data, _KEYWORDS), KeywordLines(data, _KEYWORDS)
    assert lowered.lowered  # the whole buffer lower-cased first
    for lines in (fresh, lowered):
        assert lines.holds_keyword(2, 11) and lines.holds_keyword(2, 7)
        assert not lines.holds_keyword(2, 6) and not lines.holds_keyword(0, 1) and not lines.holds_keyword(12, 13)


def _offsets_reference(data: bytes, lines: list[tuple[int, int]]) -> list[tuple[bytes, list[int], str]]:
    """Escaped lines decoded one escape at a time, with the original offset of every decoded byte and one past the
    end, consecutive lines decoded alike joined by their newline: what the decoders once built (the oracle)."""
    from scanner.engine.decoders import _ESCAPE

    spans: list[tuple[bytes, list[int], str]] = []
    run_end = -1
    for start, end in lines:
        in_url = data.find(b"://", start, end) != -1 or data.find(b"?", start, end) != -1
        out, offsets, i = bytearray(), list[int](), start
        for esc in _ESCAPE.finditer(data, start, end):
            at, token = esc.start(), esc.group()
            if not in_url and token.startswith(b"%"):
                continue
            code = token[2:] if token.startswith(b"\\u") else token[1:]
            out += data[i:at] + (b"/" if token == b"\\/" else bytes([int(code, 16)]))
            offsets += [*range(i, at), at]
            i = esc.end()
        if i == start:
            continue
        out += data[i:end]
        offsets += [*range(i, end), end]
        how = "url" if b"%" in data[start:end] and b"\\" not in data[start:end] else "json"
        if spans and spans[-1][2] == how and start == run_end + 1:
            joined, joined_offsets, _ = spans[-1]
            spans[-1] = (joined + b"\n" + bytes(out), [*joined_offsets[:-1], run_end, *offsets], how)
        else:
            spans.append((bytes(out), offsets, how))
        run_end = end
    return spans


_LINE_PIECES = ["%2F", "%2f", "%7A", "%25", "%80", "%1f", "%", "\\/", "\\u0041", "\\u007F", "\\u0080", "\\u00",
                "\\", "://", "?", "a", "=", "\n"]  # fmt: skip


@settings(max_examples=600, deadline=None, database=None)
@given(st.lists(st.sampled_from(_LINE_PIECES), max_size=40))
def test_decoded_lines_map_every_byte_back_as_an_offset_per_byte_did(pieces: list[str]) -> None:
    data = "".join(pieces).encode()
    lines, start = [], 0
    for line in data.split(b"\n"):
        lines.append((start, start + len(line)))
        start += len(line) + 1

    spans = list(decoded_spans(data, Everywhere()))

    expected = _offsets_reference(data, lines)
    assert [(s.data, s.how) for s in spans] == [(d, how) for d, _, how in expected]
    for span, (_, offsets, _) in zip(spans, expected, strict=True):
        assert not span.whole
        assert [map_span(span, k, k)[0] for k in range(len(span.data) + 1)] == offsets


def test_every_escape_form_stands_for_its_byte() -> None:
    from scanner.engine.decoders import _ESCAPE, _UNESCAPED

    digits = "0123456789abcdefABCDEF"
    forms = [f"\\u00{h}{x}" for h in "01234567" for x in digits] + [f"%{h}{x}" for h in "234567" for x in digits]
    for form in [*forms, "\\/"]:
        token = form.encode()
        assert _ESCAPE.fullmatch(token)
        assert _UNESCAPED[token] == (b"/" if form == "\\/" else bytes([int(form[-2:], 16)]))
    assert len(_UNESCAPED) == len(forms) + 1


def test_a_base64_value_maps_back_to_its_whole_span_whatever_the_decoded_offsets() -> None:
    value = base64.b64encode(b"sk-proj-0123456789").decode()
    doc = secret_doc(value)
    [span] = decoded_spans(doc)
    start = doc.index(value.encode())
    for k in (0, 5, len(span.data)):
        assert map_span(span, k, len(span.data)) == (start, start + len(value))


@pytest.mark.parametrize(
    ("hit", "forms"),
    [
        ((False, False, False, False, False), (False, False, False)),
        ((True, False, False, False, False), (True, False, False)),
        ((False, True, False, False, False), (False, True, False)),
        ((False, False, True, False, False), (False, False, False)),  # `%XX` with no URL anywhere: never decodes
        ((False, False, True, True, False), (False, False, True)),
        ((False, False, True, False, True), (False, False, True)),
        ((False, False, False, True, True), (False, False, False)),
        ((True, True, True, True, True), (True, True, True)),
    ],
)
def test_the_matcher_s_gates_say_which_forms_of_escape_may_decode(
    hit: tuple[bool, ...], forms: tuple[bool, bool, bool]
) -> None:
    from scanner.engine.decoders import may_escape

    assert may_escape(hit) == forms


def test_only_places_where_an_escape_form_may_start_are_looked_at() -> None:
    from scanner.engine import decoders
    from scanner.engine.lines import KeywordLines

    latex = b"token = r'\\frac{1}{2} \\alpha \\beta'\n" * 50  # a backslash in every line, none starting an escape
    search = decoders._from_escape_starts(latex, KeywordLines(latex, _KEYWORDS), 0)
    with pytest.raises(StopIteration) as stop:
        next(search)
    assert stop.value.value is None  # done, with a budget of no place at all: no backslash was looked at

    data = b'token "a\\/b"\ntoken https://h/?q=%2F\ntoken "\\u0041"\n' + b"x\n" * 400  # a budget of 3 places
    lines = KeywordLines(data, _KEYWORDS)
    json_line, url_line, unicode_line = (0, 12), (13, 35), (36, 50)
    for forms, found in [
        ((True, True, True), [json_line, url_line, unicode_line]),
        ((False, True, False), [json_line]),
        ((False, False, True), [url_line]),
        ((True, False, False), [unicode_line]),
        ((False, False, False), []),
    ]:
        assert list(decoders._lines_with_escapes(data, lines, forms)) == found


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from([*_LINE_PIECES, "token"]), max_size=40))
def test_decoding_only_the_forms_a_buffer_holds_changes_nothing(pieces: list[str]) -> None:
    from scanner.engine.decoders import _escape_forms

    data = "".join(pieces).encode()
    every = [(s.data, s.starts, s.origins, s.how) for s in decoded_spans(data, Everywhere(), (True, True, True))]
    held = [(s.data, s.starts, s.origins, s.how) for s in decoded_spans(data, Everywhere(), _escape_forms(data))]
    assert held == every


@pytest.mark.parametrize("after", [b"\n" + b"y" * 3000 + b"\n", b""])  # the keyword line last, with no newline
def test_past_its_budget_the_search_goes_on_from_the_few_keyword_lines_left(after: bytes) -> None:
    from scanner.engine import decoders
    from scanner.engine.lines import KeywordLines

    # 40 lines that each start an escape (no keyword), then a keyword line without one and a keyword line with one:
    # the budget (len // 256: 24 or 35 places) runs out in the first part; the keyword lines after it are few, and each
    # is searched for an escape of its own.
    head = b"%2F\n" * 40
    line = b"token https://h/?q=%2F"
    data = head + b"x" * 6000 + b"\ntoken, no escape here\n" + line + after
    start = data.index(line)
    lines = KeywordLines(data, _KEYWORDS)
    assert lines.few_lines(0) is not None and len(data) // decoders._SPARSE_STARTS < 40

    assert list(decoders._lines_with_escapes(data, lines)) == [(start, start + len(line))]
    assert _escape_lines(data, starts=True) == [(start, start + len(line))]
