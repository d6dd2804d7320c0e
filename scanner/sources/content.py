"""Content into fragments: the binary check on the head only, every text encoding made UTF-8 whose lines end in
LF (UTF-8 BOM, UTF-16/32, CR-only line ends), and big content cut into overlapping chunks of bounded size."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Iterator

from msgspec.structs import replace

from scanner import re_cache
from scanner.findings import Chunk, Commit, Fragment, Skipped
from scanner.sources import BINARY_SNIFF, too_large

Reader = Callable[[int], bytes]
"""`read(n)`: up to n more bytes of the content, b"" at its end (a file's or a pipe's `read`)."""

CHUNK_SIZE = 512 << 10
"""Bytes each chunk of a big content owns; content up to about 1.3 chunks is one fragment."""
OVERLAP = 24 << 10
"""Bytes a chunk reads beyond its own part on each side: more than any rule's window and the engine's
context, so a secret that starts in a chunk's own part is whole in that chunk, with what precedes it."""
_READ = 1 << 20
_ALIGN = CHUNK_SIZE // 4
"""How far back a cut looks for a line start, so that chunks begin and end on whole lines where they can."""
_MIN_UTF16 = 4
"""Characters a head must hold before its NUL pattern can say UTF-16 without a BOM."""
_LONE_CR = re_cache.compile(rb"\r(?!\n)")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def sniff(head: bytes) -> tuple[str, int] | None:
    """The encoding of content starting with `head` and the length of its byte-order mark; None for binary.

    UTF-8 unless a BOM says UTF-16 or UTF-32, or the NUL bytes fall as UTF-16 text puts them (every other
    byte, as Windows PowerShell writes ASCII); otherwise a NUL byte in the first 8,000 bytes means binary.
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return (encoding, len(bom)) if encoding == "utf-8" or _is_text(head[len(bom) :], encoding) else None
    if b"\0" not in head[:BINARY_SNIFF]:
        return "utf-8", 0
    sample = head[: len(head) & ~1]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    for encoding, nuls, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        # NOTE: at least a few characters, mostly ASCII (a NUL in every other byte), none of them NUL.
        if pairs >= _MIN_UTF16 and others == 0 and nuls * 2 >= pairs and _is_text(sample, encoding):
            return encoding, 0
    return None


def _is_text(sample: bytes, encoding: str) -> bool:
    """Whether `sample` decodes as `encoding` into text with no NUL and few control characters."""
    unit = 4 if encoding.startswith("utf-32") else 2
    sample = sample[: len(sample) - len(sample) % unit]
    try:
        text = codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return "\0" not in text and controls * 20 <= len(text)


def as_text(data: bytes) -> bytes | None:
    """Whole content as the UTF-8 text the engine scans (see `sniff`), or None when it is binary."""
    found = sniff(data[:BINARY_SNIFF])
    if found is None:
        return None
    encoding, bom = found
    if encoding == "utf-8":
        data = data[bom:]
    else:
        data = data[bom:].decode(encoding, "replace").encode("utf-8", "surrogateescape")
    return _LONE_CR.sub(b"\n", data) if b"\r" in data else data


def fragments_of_bytes(
    path: str,
    data: bytes,
    *,
    commit: Commit | None = None,
    blob: str | None = None,
    added_lines: frozenset[int] | None = None,
    unit: str = "file",
) -> Iterator[Fragment | Skipped]:
    """Content already in memory (a git blob, a small file) as fragments, or why it is not scanned."""
    found = sniff(data[:BINARY_SNIFF])
    if found is None:
        yield Skipped(path, "binary", incomplete=False)
        return
    if added_lines is not None and found[0] == "utf-8" and b"\r" in data:
        added_lines = _lines_with_lone_cr(data, added_lines)
    if found == ("utf-8", 0) and len(data) <= CHUNK_SIZE + OVERLAP and b"\r" not in data:
        # the common case: no copy (and no `replace`, which costs more than the rest of this path)
        yield Fragment(path=path, data=data, commit=commit, blob=blob, added_lines=added_lines, unit=unit)
        return
    template = Fragment(path=path, data=b"", commit=commit, blob=blob, added_lines=added_lines, unit=unit)
    view = memoryview(data)
    yield from _chunked(_text(view[:BINARY_SNIFF].tobytes(), _pieces(view, BINARY_SNIFF), found), template)


def fragments_of_stream(
    path: str, read: Reader, *, limit: int | None = None, unit: str = "file"
) -> Iterator[Fragment | Skipped]:
    """Content read from a stream (a file, stdin, a FIFO) in bounded pieces: only the head before the binary
    check, and never more than a chunk and its overlaps in memory unless `limit` asks to know the size first."""
    head = _read_up_to(read, BINARY_SNIFF)
    found = sniff(head)
    if found is None:
        yield Skipped(path, "binary", incomplete=False)
        return
    rest: Iterable[bytes] = _blocks(read)
    if limit is not None:
        # NOTE: a stream has no size to check first; up to `limit` bytes are held, and a longer stream is
        # skipped as a file over the limit would be (the user set it).
        held = [head, _read_up_to(read, limit + 1 - len(head))] if len(head) <= limit else [head]
        size = sum(len(b) for b in held)
        if size > limit:
            yield Skipped(path, too_large(None, limit), incomplete=False)
            return
        rest = held[1:]
    template = Fragment(path=path, data=b"", unit=unit)
    yield from _chunked(_text(head, rest, found), template)


def _read_up_to(read: Reader, count: int) -> bytes:
    """Exactly `count` bytes unless the stream ends first (pipes return short reads)."""
    parts: list[bytes] = []
    while count > 0:
        block = read(min(count, _READ))
        if not block:
            break
        parts.append(block)
        count -= len(block)
    return b"".join(parts)


def _blocks(read: Reader) -> Iterator[bytes]:
    while block := read(_READ):
        yield block


def _pieces(view: memoryview, start: int) -> Iterator[bytes]:
    for at in range(start, len(view), _READ):
        yield view[at : at + _READ].tobytes()


def _text(head: bytes, rest: Iterable[bytes], found: tuple[str, int]) -> Iterator[bytes]:
    """The content as UTF-8 with LF line ends, in pieces: BOM dropped, UTF-16/32 transcoded, lone CRs made LF
    (one byte for one byte, so columns do not move)."""
    encoding, bom = found
    decoder = None if encoding == "utf-8" else codecs.getincrementaldecoder(encoding)("replace")
    carry = b""
    """A CR that ended the previous piece: whether it ends a line alone depends on what follows."""
    for raw in _chain([head[bom:]], rest):
        piece = carry + (raw if decoder is None else decoder.decode(raw).encode("utf-8", "surrogateescape"))
        carry = b""
        if piece.endswith(b"\r"):
            piece, carry = piece[:-1], b"\r"
        yield _LONE_CR.sub(b"\n", piece) if b"\r" in piece else piece
    tail = carry + (b"" if decoder is None else decoder.decode(b"", final=True).encode("utf-8", "surrogateescape"))
    if tail:
        yield _LONE_CR.sub(b"\n", tail)


def _chain(*parts: Iterable[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield from part


def _chunked(pieces: Iterable[bytes], template: Fragment) -> Iterator[Fragment]:
    """Text pieces as one fragment, or as overlapping chunks when there is more than a chunk's worth.

    `buf` always starts where the next chunk starts (OVERLAP or a little more before its own part, on a line
    start where one is near), so no more than a chunk, its overlaps and one read are ever held.
    """
    buf = bytearray()
    line, column = 1, 1
    """The text position of `buf[0]`."""
    own = 0
    """Where, in `buf`, the next chunk's own part starts."""
    index = 0
    for piece in pieces:
        buf += piece
        while len(buf) - own >= CHUNK_SIZE + OVERLAP + _ALIGN:
            end = _cut(buf, own + CHUNK_SIZE, floor=own + 1)
            yield _chunk(template, bytes(buf[: end + OVERLAP]), own, end, index, (line, column))
            index += 1
            drop = _cut(buf, end - OVERLAP, floor=0)
            line, column = _advance(buf[:drop], line, column)
            del buf[:drop]
            own = end - drop
    if index == 0:
        yield replace(template, data=bytes(buf))
    else:
        yield _chunk(template, bytes(buf), own, None, index, (line, column))


def _cut(buf: bytearray, at: int, *, floor: int) -> int:
    """A place to cut `buf` near `at`, not before `floor`: just after a newline within `_ALIGN` bytes before it,
    else the nearest character boundary at or before it."""
    at = max(floor, min(at, len(buf)))
    newline = buf.rfind(b"\n", max(floor, at - _ALIGN), at)
    if newline != -1 and newline + 1 > floor:
        return newline + 1
    while floor < at < len(buf) and 0x80 <= buf[at] < 0xC0:
        at -= 1
    return at


def _chunk(template: Fragment, data: bytes, own: int, end: int | None, index: int, first: tuple[int, int]) -> Fragment:
    """One chunk: `data` starts at text position `first` and owns the secrets starting in [own, end)."""
    chunk = Chunk(
        index=index,
        line=first[0],
        column=first[1],
        owns_from=_position(data, own),
        owns_to=None if end is None else _position(data, end),
        size=(len(data) if end is None else end) - own,
    )
    added = template.added_lines
    if added is not None:
        lines = data.count(b"\n") + 1
        added = frozenset(n - first[0] + 1 for n in added if first[0] <= n < first[0] + lines)
    return replace(template, data=data, chunk=chunk, added_lines=added)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of a byte offset in `data`, counted as the engine counts them."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[line_start:offset].decode("utf-8", "replace")) + 1


def _advance(passed: bytes | bytearray, line: int, column: int) -> tuple[int, int]:
    """The position after `passed`, starting from (line, column)."""
    newlines = passed.count(b"\n")
    if not newlines:
        return line, column + len(bytes(passed).decode("utf-8", "replace"))
    tail = passed[passed.rfind(b"\n") + 1 :]
    return line + newlines, 1 + len(bytes(tail).decode("utf-8", "replace"))


def _lines_with_lone_cr(data: bytes, added: frozenset[int]) -> frozenset[int]:
    """git counts lines by LF only: its line numbers, as the lines of the text once lone CRs end lines too."""
    if not _LONE_CR.search(data):
        return added
    out: set[int] = set()
    ours = 1
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if number < len(lines) and raw.endswith(b"\r"):
            raw = raw[:-1]  # `\r\n` ends this line: only the CRs before it end lines of their own
        breaks = len(_LONE_CR.findall(raw))
        if number in added:
            out.update(range(ours, ours + breaks + 1))
        ours += breaks + 1
    return frozenset(out)
