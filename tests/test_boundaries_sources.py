"""The sources' limits at the limit, one below and one above (issue 16): `max_file_size` for files and streams,
the binary sniff, the single-fragment size, chunk size, overlap and alignment, UTF-16 detection, the control
character ratio, and the wording of the size skip."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest

from scanner.config import Settings
from scanner.findings import Fragment, Skipped
from scanner.sources import BINARY_SNIFF, MIB, is_binary, too_large
from scanner.sources import content as content_module
from scanner.sources.content import CHUNK_SIZE, OVERLAP, as_text, fragments_of_bytes, fragments_of_stream, sniff
from scanner.sources.filesystem import FilesystemSource, StreamSource

ALIGN = content_module._ALIGN


def items(source: FilesystemSource | StreamSource) -> list[Fragment | Skipped]:
    return [i for i in source.read() if isinstance(i, Fragment | Skipped)]


# max_file_size ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "read"), [(99, True), (100, True), (101, False)])
def test_a_file_up_to_max_file_size_is_read_and_one_byte_over_is_skipped(tmp_path: Path, size: int, read: bool) -> None:
    file = tmp_path / "a.env"
    file.write_bytes(b"x" * size)
    [item] = items(FilesystemSource([file], Settings(max_file_size=100)))
    if read:
        assert isinstance(item, Fragment) and len(item.data) == size
    else:
        assert isinstance(item, Skipped)
        assert item.reason == "too large (101 bytes > 100 bytes)"
        assert not item.incomplete


@pytest.mark.parametrize(("size", "read"), [(99, True), (100, True), (101, False)])
def test_a_stream_up_to_max_file_size_is_read_and_one_byte_over_is_skipped(size: int, read: bool) -> None:
    [item] = items(StreamSource("-", io.BytesIO(b"y" * size), Settings(max_file_size=100)))
    if read:
        assert isinstance(item, Fragment) and item.data == b"y" * size
    else:
        assert isinstance(item, Skipped) and item.reason == "too large (> 100 bytes)"


def test_a_stream_longer_than_its_head_is_held_up_to_the_limit() -> None:
    data = b"z" * (BINARY_SNIFF + 500)
    [item] = items(StreamSource("-", io.BytesIO(data), Settings(max_file_size=BINARY_SNIFF + 500)))
    assert isinstance(item, Fragment) and item.data == data
    [over] = items(StreamSource("-", io.BytesIO(data + b"z"), Settings(max_file_size=BINARY_SNIFF + 500)))
    assert isinstance(over, Skipped)


@pytest.mark.parametrize(
    ("size", "limit", "reason"),
    [
        (None, MIB, "too large (> 1.0 MiB)"),
        (None, MIB - 1, "too large (> 1048575 bytes)"),
        (3 * MIB, MIB, "too large (3.0 MiB > 1.0 MiB)"),
        (MIB + 1, MIB, "too large (1.0 MiB > 1.0 MiB)"),
        (20, 10, "too large (20 bytes > 10 bytes)"),
    ],
)
def test_the_size_skip_reason_is_in_mib_from_one_mib_on(size: int | None, limit: int, reason: str) -> None:
    assert too_large(size, limit) == reason


# The binary sniff: a NUL byte in the first BINARY_SNIFF bytes ----------------------------------------------------


@pytest.mark.parametrize(("at", "binary"), [(0, True), (BINARY_SNIFF - 1, True), (BINARY_SNIFF, False)])
def test_a_nul_byte_makes_content_binary_only_within_the_sniff(at: int, binary: bool) -> None:
    assert BINARY_SNIFF == 8000
    data = bytearray(b"a" * (BINARY_SNIFF + 10))
    data[at] = 0
    assert is_binary(bytes(data)) is binary
    assert (sniff(bytes(data[:BINARY_SNIFF])) is None) is binary
    [item] = list(fragments_of_bytes("f", bytes(data)))
    assert isinstance(item, Skipped if binary else Fragment)


@pytest.mark.parametrize(("chars", "utf16"), [(3, False), (4, True), (5, True)])
def test_utf16_without_a_bom_needs_four_characters(chars: int, utf16: bool) -> None:
    data = "abcdefgh"[:chars].encode("utf-16-le")
    assert sniff(data) == (("utf-16-le", 0) if utf16 else None)
    data_be = "abcdefgh"[:chars].encode("utf-16-be")
    assert sniff(data_be) == (("utf-16-be", 0) if utf16 else None)


@pytest.mark.parametrize(("controls", "text"), [(0, True), (1, True), (2, False)])
def test_a_bom_text_may_hold_one_control_character_in_twenty(controls: int, text: bool) -> None:
    body = "\x01" * controls + "a" * (20 - controls)
    data = codecs.BOM_UTF16_LE + body.encode("utf-16-le")
    assert sniff(data) == (("utf-16-le", 2) if text else None)


def test_bom_content_is_transcoded_and_lone_carriage_returns_end_lines() -> None:
    assert as_text(codecs.BOM_UTF8 + b"a\rb\r\nc") == b"a\nb\r\nc"
    assert as_text(codecs.BOM_UTF16_BE + "k=v\r".encode("utf-16-be")) == b"k=v\n"
    assert as_text(codecs.BOM_UTF32_LE + "x".encode("utf-32-le")) == b"x"
    assert as_text(b"\0\0\0binary") is None


# One fragment up to CHUNK_SIZE + OVERLAP bytes; chunks from CHUNK_SIZE + OVERLAP + _ALIGN on -----------------------


def fragments(size: int, fill: bytes = b"a") -> list[Fragment]:
    data = (fill * (size // len(fill) + 1))[:size]
    out = [f for f in fragments_of_bytes("big", data) if isinstance(f, Fragment)]
    streamed = [f for f in fragments_of_stream("big", io.BytesIO(data).read) if isinstance(f, Fragment)]
    assert [(f.data, f.chunk) for f in streamed] == [(f.data, f.chunk) for f in out]
    return out


@pytest.mark.parametrize(
    ("size", "count"),
    [
        (CHUNK_SIZE + OVERLAP - 1, 1),
        (CHUNK_SIZE + OVERLAP, 1),
        (CHUNK_SIZE + OVERLAP + 1, 1),
        (CHUNK_SIZE + OVERLAP + ALIGN - 1, 1),
        (CHUNK_SIZE + OVERLAP + ALIGN, 2),
        (CHUNK_SIZE + OVERLAP + ALIGN + 1, 2),
    ],
)
def test_content_is_one_fragment_until_a_chunk_its_overlap_and_an_alignment(size: int, count: int) -> None:
    assert (CHUNK_SIZE, OVERLAP, ALIGN) == (512 << 10, 24 << 10, 128 << 10)
    found = fragments(size)
    assert len(found) == count
    assert sum(len(f.data) for f in found) - (count - 1) * 2 * OVERLAP == size
    if count == 1:
        assert found[0].chunk is None
    else:
        assert [f.chunk.size for f in found if f.chunk] == [CHUNK_SIZE, size - CHUNK_SIZE]


def test_chunks_of_a_line_free_content_overlap_by_exactly_the_overlap() -> None:
    size = 2 * CHUNK_SIZE + OVERLAP + ALIGN
    data = bytes(range(97, 123)) * (size // 26 + 1)
    data = data[:size]
    found = [f for f in fragments_of_bytes("big", data) if isinstance(f, Fragment)]
    chunks = [f.chunk for f in found]
    assert [c.index for c in chunks if c] == [0, 1, 2]
    assert found[0].data == data[: CHUNK_SIZE + OVERLAP]
    assert found[1].data == data[CHUNK_SIZE - OVERLAP : 2 * CHUNK_SIZE + OVERLAP]
    assert found[2].data == data[2 * CHUNK_SIZE - OVERLAP :]
    assert [(c.line, c.column, c.owns_from, c.owns_to) for c in chunks if c] == [
        (1, 1, (1, 1), (1, CHUNK_SIZE + 1)),
        (1, CHUNK_SIZE - OVERLAP + 1, (1, OVERLAP + 1), (1, OVERLAP + CHUNK_SIZE + 1)),
        (1, 2 * CHUNK_SIZE - OVERLAP + 1, (1, OVERLAP + 1), None),
    ]
    assert sum(c.size for c in chunks if c) == size


@pytest.mark.parametrize(("back", "cut_at_line"), [(ALIGN - 1, True), (ALIGN, True), (ALIGN + 1, False)])
def test_a_chunk_ends_on_a_line_start_within_the_alignment(back: int, cut_at_line: bool) -> None:
    # One newline `back` bytes before the chunk's natural end: the chunk ends after it only within _ALIGN.
    size = CHUNK_SIZE + OVERLAP + ALIGN + 10
    data = bytearray(b"b" * size)
    data[CHUNK_SIZE - back] = 0x0A
    first = next(f for f in fragments_of_bytes("big", bytes(data)) if isinstance(f, Fragment))
    assert first.chunk is not None
    owned = CHUNK_SIZE - back + 1 if cut_at_line else CHUNK_SIZE
    assert first.chunk.size == owned
    assert len(first.data) == owned + OVERLAP


def test_chunks_never_cut_a_multibyte_character() -> None:
    size = CHUNK_SIZE + OVERLAP + ALIGN + 3
    data = ("é" * (size // 2 + 1)).encode()[: size - size % 2]
    found = [f for f in fragments_of_bytes("big", data) if isinstance(f, Fragment)]
    assert len(found) == 2
    for f in found:
        f.data.decode("utf-8")  # raises on a cut character


def test_added_lines_are_renumbered_per_chunk() -> None:
    line = b"k" * 1023 + b"\n"  # 1 KiB lines
    data = line * ((CHUNK_SIZE + OVERLAP + ALIGN) // len(line) + 2)
    total = data.count(b"\n")
    added = frozenset({1, total})
    found = [f for f in fragments_of_bytes("big", data, added_lines=added) if isinstance(f, Fragment)]
    assert len(found) == 2
    assert found[0].added_lines == frozenset({1})
    second = found[1]
    assert second.chunk is not None
    assert second.added_lines == frozenset({total - second.chunk.line + 1})


def test_stream_reads_are_exact_even_with_short_reads() -> None:
    data = b"line\n" * 5000
    pieces = [data[i : i + 7] for i in range(0, len(data), 7)]

    def read(n: int) -> bytes:
        return pieces.pop(0) if pieces else b""

    [fragment] = [f for f in fragments_of_stream("-", read) if isinstance(f, Fragment)]
    assert fragment.data == data


# Text pieces: carriage returns across reads, transcoding in pieces, git's line numbers --------------------------------


def streamed(pieces: list[bytes]) -> bytes:
    queue = list(pieces)

    def read(n: int) -> bytes:
        return queue.pop(0) if queue else b""

    return b"".join(f.data for f in fragments_of_stream("-", read) if isinstance(f, Fragment))


@pytest.mark.parametrize(
    ("pieces", "text"),
    [
        ([b"a\r", b"\nb"], b"a\r\nb"),
        ([b"a\r", b"b"], b"a\nb"),
        ([b"a\r"], b"a\n"),
        ([b"a\r\r", b"\n"], b"a\n\r\n"),
        ([b"a", b"b\rc"], b"ab\nc"),
    ],
)
def test_a_carriage_return_ending_a_read_is_judged_by_the_next_byte(pieces: list[bytes], text: bytes) -> None:
    assert streamed(pieces) == text


def test_utf16_split_mid_character_across_reads_is_transcoded_whole() -> None:
    raw = codecs.BOM_UTF16_LE + "kéy=välue\r\nnext\r".encode("utf-16-le")
    assert streamed([raw[:3], raw[3:8], raw[8:]]) == "kéy=välue\r\nnext\n".encode()
    assert streamed([raw[:-1]]) == "kéy=välue\r\nnext�".encode()


@pytest.mark.parametrize(
    ("data", "added", "ours"),
    [
        (b"a\rb\nc\n", {1}, {1, 2}),
        (b"a\rb\nc\n", {2}, {3}),
        (b"a\nb\r\r\nc", {2, 3}, {2, 3, 4}),
        (b"a\r\nb\n", {2}, {2}),
        (b"a\r\nb\rc\n", {2}, {2, 3}),
        (b"a\rb\r\nc\r", {2}, {3, 4}),
    ],
)
def test_added_lines_follow_lone_carriage_returns(data: bytes, added: set[int], ours: set[int]) -> None:
    [fragment] = [f for f in fragments_of_bytes("f", data, added_lines=frozenset(added)) if isinstance(f, Fragment)]
    assert fragment.added_lines == frozenset(ours)


def test_small_content_carries_its_provenance_and_is_not_copied() -> None:
    data = b"x = 1\n"
    [fragment] = [f for f in fragments_of_bytes("p", data, blob="b" * 40, unit="blob") if isinstance(f, Fragment)]
    assert (fragment.path, fragment.blob, fragment.unit, fragment.chunk) == ("p", "b" * 40, "blob", None)
    assert fragment.data is data


def test_a_chunk_after_many_lines_knows_its_line_and_character_column() -> None:
    line = "é" * 300 + "\n"  # 601 bytes, 300 characters
    data = (line * ((CHUNK_SIZE + OVERLAP + ALIGN) // len(line.encode()) + 3)).encode()
    first, second = [f for f in fragments_of_bytes("big", data) if isinstance(f, Fragment)]
    assert first.chunk is not None and second.chunk is not None
    lines_before = data[: len(data) - len(second.data)].count(b"\n")
    assert (second.chunk.line, second.chunk.column) == (lines_before + 1, 1)
    own_line, own_column = second.chunk.owns_from
    assert own_column == 1
    assert second.chunk.line + own_line - 1 == first.data[: first.chunk.size].count(b"\n") + 1


def test_spaces_and_layout_characters_are_not_control_characters() -> None:
    body = "a b c d e\tf\ng\rh\fi\vj"
    assert len(body) == 19
    assert sniff(codecs.BOM_UTF16_LE + (body + "\x01").encode("utf-16-le")) == ("utf-16-le", 2)
    assert sniff(codecs.BOM_UTF16_LE + (body + "\x01\x02").encode("utf-16-le")) is None


@pytest.mark.parametrize(("bom", "encoding"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF32_BE, "utf-32-be")])
def test_a_head_cut_inside_a_character_is_still_text(bom: bytes, encoding: str) -> None:
    # 4-byte characters: the sniffed head ends inside one (a UTF-16 surrogate pair cut in half).
    data = bom + ("😀" * 3000 + "k=v\n").encode(encoding)
    assert sniff(data[:BINARY_SNIFF]) == (encoding, len(bom))
    text = as_text(data)
    assert text is not None and text.endswith("😀k=v\n".encode())


# Streams: what is read, and when --------------------------------------------------------------------------------


class CountingReader:
    """A stream that honours `n`, hands out at most `block` bytes a call, and counts what it handed out."""

    def __init__(self, data: bytes, block: int = 1000) -> None:
        self.stream = io.BytesIO(data)
        self.block = block
        self.handed = 0

    def read(self, n: int) -> bytes:
        out = self.stream.read(min(n, self.block))
        self.handed += len(out)
        return out


def test_a_binary_stream_is_judged_on_its_head_alone() -> None:
    reader = CountingReader(b"\0" + b"x" * (1 << 20))
    assert list(fragments_of_stream("-", reader.read)) == [Skipped("-", "binary", incomplete=False)]
    assert reader.handed == BINARY_SNIFF


@pytest.mark.parametrize("block", [1, 1000])
def test_a_stream_over_its_limit_is_read_one_byte_past_the_limit_and_no_further(block: int) -> None:
    limit = BINARY_SNIFF + 100
    reader = CountingReader(b"y" * (limit + 5000), block)
    assert list(fragments_of_stream("in", reader.read, limit=limit)) == [
        Skipped("in", f"too large (> {limit} bytes)", incomplete=False)
    ]
    assert reader.handed == limit + 1


@pytest.mark.parametrize(("size", "skipped"), [(BINARY_SNIFF, False), (BINARY_SNIFF + 1, True)])
def test_a_stream_limit_equal_to_the_head_still_sees_one_byte_more(size: int, skipped: bool) -> None:
    got = list(fragments_of_stream("-", CountingReader(b"z" * size, 1).read, limit=BINARY_SNIFF))
    if skipped:
        assert got == [Skipped("-", f"too large (> {BINARY_SNIFF} bytes)", incomplete=False)]
    else:
        assert [(f.path, f.data, f.unit) for f in got if isinstance(f, Fragment)] == [("-", b"z" * size, "file")]


def test_a_stream_fragment_names_its_path_and_unit() -> None:
    [fragment] = list(fragments_of_stream("notes.txt", io.BytesIO(b"k=v\n").read, unit="stdin"))
    assert isinstance(fragment, Fragment)
    assert (fragment.path, fragment.unit, fragment.data, fragment.chunk) == ("notes.txt", "stdin", b"k=v\n", None)


def test_invalid_utf8_in_a_stream_is_passed_through_as_read() -> None:
    data = b"k=\xff\xfe v\n" * 2000
    assert streamed([data[:BINARY_SNIFF], data[BINARY_SNIFF:]]) == data


@pytest.mark.parametrize(
    ("tail", "text"),
    [([b"\nb"], b"a\r\nb"), ([b"b"], b"a\nb"), ([], b"a\n")],
)
def test_a_carriage_return_ending_the_head_is_judged_by_the_next_read(tail: list[bytes], text: bytes) -> None:
    head = b"h" * (BINARY_SNIFF - 2) + b"a\r"
    assert streamed([head, *tail]) == b"h" * (BINARY_SNIFF - 2) + text


def test_a_chunk_ends_after_the_last_newline_within_the_alignment() -> None:
    size = CHUNK_SIZE + OVERLAP + ALIGN + 10
    data = bytearray(b"c" * size)
    data[CHUNK_SIZE - 1000] = data[CHUNK_SIZE - 10] = 0x0A
    first = next(f for f in fragments_of_bytes("big", bytes(data)) if isinstance(f, Fragment))
    assert first.chunk is not None and first.chunk.size == CHUNK_SIZE - 9


@pytest.mark.parametrize(
    ("char", "lead", "size"), [("é", 0, CHUNK_SIZE), ("é", 1, CHUNK_SIZE - 1), ("À", 1, CHUNK_SIZE - 1)]
)
def test_a_chunk_cut_backs_up_to_the_start_of_a_character(char: str, lead: int, size: int) -> None:
    total = CHUNK_SIZE + OVERLAP + ALIGN + 3
    data = (b"x" * lead + (char * total).encode())[:total]
    first = next(f for f in fragments_of_bytes("big", data) if isinstance(f, Fragment))
    assert first.chunk is not None and first.chunk.size == size
    first.data.decode("utf-8")


def test_one_byte_under_three_chunks_is_two() -> None:
    assert len(fragments(2 * CHUNK_SIZE + OVERLAP + ALIGN - 1)) == 2
    assert len(fragments(2 * CHUNK_SIZE + OVERLAP + ALIGN)) == 3


def _absolute(chunk_start: tuple[int, int], relative: tuple[int, int]) -> tuple[int, int]:
    line, column = relative
    return (chunk_start[0], chunk_start[1] + column - 1) if line == 1 else (chunk_start[0] + line - 1, column)


def _where(data: bytes, offset: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[start:offset].decode()) + 1


@pytest.mark.parametrize(("char", "width"), [("ü", 2), ("u", 1)])
def test_chunks_cut_mid_line_know_where_their_own_parts_start_and_end(char: str, width: int) -> None:
    line = char * (300_000 // width) + "a" * 3 + "\n"  # 300,004 bytes: no newline within the alignment of the cuts
    data = (line * 8).encode()
    found = [f for f in fragments_of_bytes("big", data) if isinstance(f, Fragment)]
    assert len(found) >= 3
    own_start = 0
    for fragment in found:
        chunk = fragment.chunk
        assert chunk is not None
        start = (chunk.line, chunk.column)
        assert _absolute(start, chunk.owns_from) == _where(data, own_start)
        own_start += chunk.size
        if chunk.owns_to is not None:
            assert _absolute(start, chunk.owns_to) == _where(data, own_start)
    assert own_start == len(data)
    assert any(c.owns_from[1] > 1 for c in (f.chunk for f in found[1:]) if c)  # cut mid-line


@pytest.mark.parametrize(
    ("text", "utf16"),
    [("abcd" + "中" * 6, False), ("abcde" + "中" * 5, True), ("abcdef" + "中" * 4, True)],
)
def test_utf16_without_a_bom_needs_half_its_characters_ascii(text: str, utf16: bool) -> None:
    assert sniff(text.encode("utf-16-le")) == (("utf-16-le", 0) if utf16 else None)


def test_a_utf8_bom_says_text_whatever_follows() -> None:
    assert sniff(codecs.BOM_UTF8 + b"\0\0\0") == ("utf-8", 3)
    assert as_text(codecs.BOM_UTF8 + b"k=\xff\n") == b"k=\xff\n"


def test_a_bom_text_with_a_nul_or_a_lone_surrogate_in_its_head_is_binary() -> None:
    assert sniff(codecs.BOM_UTF16_LE + ("a" * 30 + "\0").encode("utf-16-le")) is None
    assert sniff(codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xd8" + "cd".encode("utf-16-le")) is None


def test_a_lone_surrogate_past_the_head_is_read_as_a_replacement_character() -> None:
    data = codecs.BOM_UTF16_LE + ("a" * 5000).encode("utf-16-le") + b"\x00\xd8" + "k=v".encode("utf-16-le")
    assert as_text(data) == ("a" * 5000 + "\ufffdk=v").encode()


def test_content_in_memory_keeps_its_provenance_and_converts_lone_carriage_returns() -> None:
    from scanner.findings import Commit

    commit = Commit("a" * 40, "Ada", "ada@example.com", "2025-01-01T00:00:00+00:00")
    assert list(fragments_of_bytes("b.bin", b"\0x")) == [Skipped("b.bin", "binary", incomplete=False)]
    [fragment] = list(fragments_of_bytes("f", b"a\rb\n", commit=commit))
    assert isinstance(fragment, Fragment)
    assert (fragment.data, fragment.commit, fragment.unit, fragment.added_lines) == (b"a\nb\n", commit, "file", None)
    big = b"q" * (CHUNK_SIZE + OVERLAP)
    [whole] = list(fragments_of_bytes("big", big))
    assert isinstance(whole, Fragment) and whole.data is big  # up to a chunk and its overlap: no copy


def test_added_lines_of_utf16_content_are_not_remapped_by_its_raw_bytes() -> None:
    data = codecs.BOM_UTF16_LE + "a\r\nb\r\nc".encode("utf-16-le")
    [fragment] = [f for f in fragments_of_bytes("f", data, added_lines=frozenset({2})) if isinstance(f, Fragment)]
    assert fragment.added_lines == frozenset({2})
    assert fragment.data == b"a\r\nb\r\nc"


def test_an_added_line_just_past_a_chunk_is_not_in_that_chunk() -> None:
    line = b"k" * 1023 + b"\n"
    data = line * ((CHUNK_SIZE + OVERLAP + ALIGN) // len(line) + 2)
    first_lines = next(f for f in fragments_of_bytes("big", data) if isinstance(f, Fragment)).data.count(b"\n")
    added = frozenset({first_lines + 1, first_lines + 2})
    first = next(f for f in fragments_of_bytes("big", data, added_lines=added) if isinstance(f, Fragment))
    assert first.added_lines == frozenset({first_lines + 1})


def test_a_stream_without_a_limit_is_read_in_bounded_blocks() -> None:
    data = b"line\n" * 5000
    reader = CountingReader(data, 4096)
    assert b"".join(f.data for f in fragments_of_stream("-", reader.read) if isinstance(f, Fragment)) == data
