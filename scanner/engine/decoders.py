"""Encoded spans: base64 values of Kubernetes Secrets, base64-encoded PEM blocks anywhere, JSON and URL escapes;
decoded, scanned, mapped back."""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import Protocol

from msgspec import Struct

from scanner import re_cache

_B64_VALUE = re_cache.compile(rb"^(\s*)([\w.-]+):\s*[\"']?([A-Za-z0-9+/]{12,}={0,2})[\"']?\s*$")
_BLOCK = re_cache.compile(rb"^(\s*)(?:data|stringData|binaryData):\s*$")
_SECRET_KIND = re_cache.compile(rb"^kind:\s*[\"']?Secret[\"']?\s*$", re.MULTILINE)
# base64 of "-----BEGIN" at the start of a value: a PEM block (a private key, most often) stored encoded.
_PEM_B64 = b"LS0tLS1CRUdJTi"
BASE64_MARKS = (b"Secret", _PEM_B64)
"""A buffer without one of these (ASCII case-insensitively) holds nothing the base64 decoders read."""
BASE64_GATES = (rb"kind:\s*[\"']?Secret", re.escape(_PEM_B64))
"""Where the base64 decoders may find something, as matcher gates (hyperscan expressions, matched ASCII
case-insensitively): a Kubernetes Secret's kind line (`SECRET_KEY` in code is not one), or an encoded PEM header."""
_B64_RUN = re_cache.compile(rb"[A-Za-z0-9+/]+={0,2}")
# The next line of a wrapped value: base64 and nothing else on it.
_WRAPPED = re_cache.compile(rb"[ \t]*\r?\n[ \t]*[\"']?([A-Za-z0-9+/]{4,}={0,2})(?=[\"']?[ \t]*(?:\r?\n|$))")
_MAX_DECODED = 64 * 1024
_ESCAPE = re_cache.compile(rb"\\u00[0-7][0-9a-fA-F]|\\/|%[2-7][0-9a-fA-F]")
_JSON_ESCAPE = re_cache.compile(rb"\\u00[0-7][0-9a-fA-F]|\\/")
"""`_ESCAPE` off a URL's line: its forms but `%XX` (none of them can start inside a `%XX`, nor a `%XX` inside one)."""
_HEX = [bytes([c]) for c in b"0123456789abcdefABCDEF"]
_UNESCAPED = {
    b"\\/": b"/",
    **{b"\\u00%x%s" % (high, low): bytes([high * 16 + int(low, 16)]) for high in range(8) for low in _HEX},
    **{b"%%%x%s" % (high, low): bytes([high * 16 + int(low, 16)]) for high in range(2, 8) for low in _HEX},
}
"""Each escape `_ESCAPE` matches, and the byte it stands for (a lookup: a flood of `%XX` escapes on URL lines
decodes 14% faster than parsing each one's hex digits; building it costs 0.1 ms of start-up)."""


_LAYOUT = str.maketrans("", "", "\r\n\t")


class DecodedSpan(Struct, frozen=True):
    """Decoded text and where it came from: runs of decoded bytes, each copied byte for byte from an offset of the
    original buffer (an undone escape is a run of one byte, from where the escape starts)."""

    data: bytes
    starts: tuple[int, ...]
    """Where each run starts in `data`, ascending from 0 (a later run that starts at the same place wins)."""
    origins: tuple[int, ...]
    """Where each run's first byte came from in the original buffer; one past `data`'s end maps one past the span."""
    how: str
    whole: bool = False
    """True when any secret inside stands for the whole original span (base64: one value, one location); its runs
    are then (0, len(data)) from (start, end) of that span."""


ESCAPE_STARTS = ((rb"\\u00[0-7][0-9a-fA-F]", 6), (rb"\\/", 2), (rb"%[2-7][0-9a-fA-F]", 3))
"""`_ESCAPE`'s forms in `EscapeForms`' order, each with its width: what an `EscapeStarts` finds (case-sensitive)."""


class EscapeStarts(Protocol):
    """Where the escapes of `ESCAPE_STARTS` start in a buffer, found in one pass (hyperscan's, `matcher.py`)."""

    def __call__(self, data: bytes, forms: EscapeForms, most: int) -> list[int] | None:
        """The starts of the escapes of `forms` in `data`, in order; None when there are more than `most`."""
        ...


class KeywordLines(Protocol):
    """Which spans of the buffer hold a rule keyword."""

    def holds_keyword(self, start: int, end: int) -> bool: ...

    def few_lines(self, start: int = 0) -> Iterable[tuple[int, int]] | None:
        """(start, end) of every line holding a keyword from `start` (a line's start) on, in order, when there are
        few; None when there are many."""
        ...


def decoded_spans(
    data: bytes,
    keyword_lines: KeywordLines | None = None,
    escapes: EscapeForms | None = None,
    base64: bool | None = None,
    finder: EscapeStarts | None = None,
) -> Iterator[DecodedSpan]:
    """Every span of `data` that needs decoding before it can be scanned.

    Escapes are undone only on lines that hold a keyword (`keyword_lines`; none when not given): a secret whose
    keyword itself is escaped is out of reach, and every other line is spared the work. `escapes` says which
    forms of escape may decode (`may_escape`, from the matcher's pass), and `base64` False that no `Secret` and no
    encoded PEM header is there (None: look). `finder` finds the escapes in one pass (without it, one search per
    form of escape).
    """
    if base64 is not False and b"Secret" in data and _SECRET_KIND.search(data):
        yield from _kubernetes_secret_values(data)
    if base64 is not False and _PEM_B64 in data:
        yield from _base64_pem(data)  # a Kubernetes value decoded twice yields the same span: locate keeps one
    if keyword_lines is not None and (escapes is None or any(escapes)):
        yield from _escaped_lines(data, keyword_lines, escapes, finder)


def _kubernetes_secret_values(data: bytes) -> Iterator[DecodedSpan]:
    offset = 0
    block_indent: int | None = None
    for line in data.splitlines(keepends=True):
        stripped = line.rstrip(b"\r\n")
        block = _BLOCK.match(stripped)
        if block:
            block_indent = len(block.group(1))
        elif block_indent is not None:
            value = _B64_VALUE.match(stripped)
            if value and len(value.group(1)) > block_indent:
                decoded = _b64(value.group(3))
                if decoded is not None:
                    start = offset + value.start(3)
                    end = offset + value.end(3)
                    yield DecodedSpan(decoded, (0, len(decoded)), (start, end), "base64", whole=True)
            elif stripped.strip() and len(stripped) - len(stripped.lstrip()) <= block_indent:
                block_indent = None
        offset += len(line)


def _base64_pem(data: bytes) -> Iterator[DecodedSpan]:
    """Base64 values anywhere that decode to a PEM block, wrapped over several lines or not."""
    pos = 0
    while (start := data.find(_PEM_B64, pos)) != -1:
        pos = start + 1
        if start and data[start - 1 : start] not in b" \t\r\n\"'=:,;([{>|":
            continue
        run = _B64_RUN.match(data, start)
        assert run is not None
        pieces, end = [run.group()], run.end()
        # A wrapped value goes on on the next line with the same alphabet (64 or 76 characters a line).
        while len(pieces[-1]) == len(pieces[0]) >= 40 and sum(map(len, pieces)) < _MAX_DECODED:
            more = _WRAPPED.match(data, end)
            if more is None:
                break
            pieces.append(more.group(1))
            end = more.end(1)
        value = b"".join(pieces)
        decoded = _b64(value + b"=" * (-len(value) % 4)) if len(value) <= _MAX_DECODED else None
        if decoded is not None and b"-----BEGIN" in decoded:
            yield DecodedSpan(decoded, (0, len(decoded)), (start, end), "base64", whole=True)
        pos = max(pos, end)


def _b64(value: bytes) -> bytes | None:
    if len(value) % 4:
        return None
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Pretty-printed JSON and PEM blocks hold newlines and tabs: those are text too.
    return decoded if text.translate(_LAYOUT).isprintable() else None


def _escaped_lines(
    data: bytes, keyword_lines: KeywordLines, forms: EscapeForms | None, finder: EscapeStarts | None = None
) -> Iterator[DecodedSpan]:
    """The lines holding a keyword and an escape, decoded; a line where nothing decodes yields nothing.

    Consecutive lines decoded the same way make one span, joined by their newlines: a file of thousands of escaped
    lines costs a few detections, not one a line.
    """
    out, starts, origins, how, run_end = bytearray(), list[int](), list[int](), "", -1
    for start, end in _lines_with_escapes(data, keyword_lines, forms, finder):
        line = _decoded_line(data, start, end)
        if line is None:
            continue
        decoded, line_starts, line_origins, line_how = line
        if line_how == how and start == run_end + 1:
            starts.append(len(out))
            origins.append(run_end)  # the newline between them
            out.append(0x0A)
        elif how:
            yield DecodedSpan(bytes(out), tuple(starts), tuple(origins), how)
            out, starts, origins = bytearray(), [], []
        base = len(out)
        starts += [base + at for at in line_starts] if base else line_starts
        origins += line_origins
        out += decoded
        how, run_end = line_how, end
    if how:
        yield DecodedSpan(bytes(out), tuple(starts), tuple(origins), how)


def _decoded_line(data: bytes, start: int, end: int) -> tuple[bytes, list[int], list[int], str] | None:
    """The line data[start:end] with its escapes undone, its runs (see `DecodedSpan`), and how it was decoded;
    None when it holds nothing to undo."""
    # NOTE: `%XX` is URL-encoding only in a URL: `PASSWORD=%2aOH6…` in a .env file is a literal password.
    in_url = data.find(b"://", start, end) != -1 or data.find(b"?", start, end) != -1
    escape = _ESCAPE if in_url else _JSON_ESCAPE
    line = data[start:end]
    # NOTE: two runs an escape (its byte, then what follows it up to the next), never an offset per byte: a line of
    # a million escapes (minified JSON with `\/` in every URL) once built ten million offsets, at 5 MB/s.
    spans = [found.span() for found in escape.finditer(line)]
    if not spans:
        return None
    starts, origins, removed = [0], [start], 0
    for at, stop in spans:
        starts += (at - removed, at - removed + 1)
        origins += (start + at, start + stop)
        removed += stop - at - 1
    how = "url" if b"%" in line and b"\\" not in line else "json"
    if escape is _JSON_ESCAPE and b"\\u00" not in line:
        return line.replace(b"\\/", b"/"), starts, origins, how  # `\/` alone, left to right as the regex: in C
    return escape.sub(_unescaped, line), starts, origins, how


def _unescaped(escape: re.Match[bytes]) -> bytes:
    return _UNESCAPED[escape.group()]


def _lines_with_escapes(
    data: bytes, keyword_lines: KeywordLines, forms: EscapeForms | None = None, finder: EscapeStarts | None = None
) -> Iterator[tuple[int, int]]:
    """(start, end) of each line that holds an escape and a keyword, each line once, one search per line; `forms`
    are the forms of escape that may decode (None: looked for in `data` itself)."""
    if forms is None:
        forms = _escape_forms(data)
    if not any(forms):
        return
    # NOTE: few places can start an escape in most buffers (code): each is looked at, at memchr speed in between,
    # which is cheaper than finding every keyword line first (one pass over the buffer per keyword it holds). Past
    # one such place per `_SPARSE_STARTS` bytes they are dense, and the rest of the buffer is searched the other way.
    if finder is not None:
        found = finder(data, forms, len(data) // _SPARSE_FOUND)
        resume = yield from _from_found_starts(data, keyword_lines, found)
    else:
        resume = yield from _from_escape_starts(data, keyword_lines, len(data) // _SPARSE_STARTS, forms)
    if resume is None:
        return
    few = keyword_lines.few_lines(resume)
    if few is not None:
        # NOTE: the same lines, found from the other side: a few keyword lines are cheaper to search for an
        # escape than the whole buffer is for escapes (`%` is everywhere in code), and no keyword costs nothing.
        for start, end in few:
            if _ESCAPE.search(data, start, end) is not None:
                yield start, end
        return
    pos = resume
    while (esc := _ESCAPE.search(data, pos)) is not None:
        start, end = _line_at(data, esc.start())
        if keyword_lines.holds_keyword(start, end):
            yield start, end
        pos = end + 1


_SPARSE_STARTS = 256
"""Bytes per place where an escape may start (`%`, `\\/`, `\\u00`) looked at, at most, before the rest of a buffer's
escapes are found from its keyword lines instead (see `_lines_with_escapes`)."""


def _line_at(data: bytes, at: int) -> tuple[int, int]:
    """(start, end) of the line holding offset `at`, its newline excluded."""
    end = data.find(b"\n", at)
    return data.rfind(b"\n", 0, at) + 1, len(data) if end == -1 else end


_SPARSE_FOUND = 1024
"""Bytes per escape an `EscapeStarts` finds, at most, before the buffer is searched from its keyword lines instead:
each one found is a Python call (at one per 256 bytes, a 10 MB line of minified JSON took 15 ms more; sympy's
history has far fewer)."""


def _from_found_starts(
    data: bytes, keyword_lines: KeywordLines, found: list[int] | None
) -> Generator[tuple[int, int], None, int | None]:
    """`_from_escape_starts` from the escapes an `EscapeStarts` found: the lines holding one and a keyword, each once,
    in order, then None; or, when there were too many to look at one by one, nothing and 0 (the whole buffer is
    searched from its keyword lines instead).

    NOTE: one pass finds them all (sympy's history: a third of the time of one `bytes.find` per form and per place,
    the backslashes of LaTeX making `\\/` slow to look for); a line's other escapes are passed over in Python.
    """
    if found is None:
        return 0
    pos = 0
    for at in found:
        if at < pos:
            continue
        start, end = _line_at(data, at)
        if keyword_lines.holds_keyword(start, end):
            yield start, end
        pos = end + 1
    return None


def _from_escape_starts(
    data: bytes, keyword_lines: KeywordLines, budget: int | None = None, forms: EscapeForms = (True, True, True)
) -> Generator[tuple[int, int], None, int | None]:
    """`_lines_with_escapes` from each place where one of `forms` may start (`\\u00`, `\\/`, `%`; all unless
    given): the lines where an escape starts, if they hold a keyword, each line once, in order. One cursor per form,
    each moved only once passed: a buffer of LaTeX (a backslash in every line) is not visited at each backslash,
    and one without `\\/` is not searched for one again at every `%`.

    Returns None when done, or, when more than `budget` places were looked at, the start of the line where the
    search stopped (no line from there on was yielded).
    """
    unicode, slash, percent = forms
    none = len(data)

    def after(needle: bytes, pos: int) -> int:
        at = data.find(needle, pos)
        return none if at == -1 else at

    u = after(b"\\u00", 0) if unicode else none
    s = after(b"\\/", 0) if slash else none
    p = after(b"%", 0) if percent else none
    looked = 0
    while (at := min(u, s, p)) != none:
        looked += 1
        if budget is not None and looked > budget:
            return data.rfind(b"\n", 0, at) + 1
        pos = at + 1
        if _ESCAPE.match(data, at) is not None:
            start, end = _line_at(data, at)
            if keyword_lines.holds_keyword(start, end):
                yield start, end
            pos = end + 1
        if u < pos:
            u = after(b"\\u00", pos)
        if s < pos:
            s = after(b"\\/", pos)
        if p < pos:
            p = after(b"%", pos)
    return None


ESCAPE_GATES = (rb"\\u00[0-7][0-9a-f]", rb"\\/", rb"%[2-7][0-9a-f]", rb"://", rb"\?")
"""`_ESCAPE`'s three forms, then the two marks of a URL's line, as matcher gates (see `may_escape`)."""


EscapeForms = tuple[bool, bool, bool]
"""Which forms of escape may decode in a buffer: `\\u00XX`, `\\/`, `%XX` (on a URL's line)."""


def may_escape(hit: Sequence[bool]) -> EscapeForms:
    """Which forms of escape may decode in a buffer, from which of `ESCAPE_GATES` it holds (in their order): a
    `%XX` decodes only on a URL's line (`_decoded_line`), the others anywhere. `_escape_forms` asks the same of the
    bytes themselves."""
    unicode, slash, percent, scheme, query = hit
    return unicode, slash, percent and (scheme or query)


def _escape_forms(data: bytes) -> EscapeForms:
    """`may_escape` from the bytes: each form starts with `\\u00`, `\\/` or `%`, and a memchr-speed search for
    those rules out most buffers (a regex search for the escapes themselves costs 5 ns a byte)."""
    # NOTE: `%XX` decodes only on a line holding a URL (`_decoded_line`), so without `://` or `?` in the buffer a
    # `%` cannot start a decodable escape: a flood of `%2F token` lines costs three memchr passes.
    return b"\\u00" in data, b"\\/" in data, b"%" in data and (b"://" in data or b"?" in data)


def map_span(span: DecodedSpan, start: int, end: int) -> tuple[int, int]:
    """Original (start, end) offsets of decoded bytes [start, end)."""
    if span.whole:
        return span.origins[0], span.origins[-1]
    return _origin(span, start), _origin(span, end)


def _origin(span: DecodedSpan, at: int) -> int:
    run = bisect.bisect_right(span.starts, at) - 1
    return span.origins[run] + at - span.starts[run]
