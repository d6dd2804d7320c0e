"""The history's blobs in batches by lane (a hash of the path), each read and cut into fragments in the process
that scans it: every version of a file goes through the same git, and no blob's bytes travel between processes."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from msgspec import Struct

from scanner.findings import Fragment, Note, Skipped
from scanner.sources import ALLOWED, Item
from scanner.sources.content import fragments_of_bytes
from scanner.sources.git_blobs import BlobReader
from scanner.sources.git_parse import BlobRef, is_lfs_pointer


class Aside(Struct, frozen=True):
    """What the listing says instead of a blob to read: a path `allow_paths` exempts, a note, git's complaint."""

    ref: BlobRef | None = None
    note: str | None = None
    skipped: tuple[str, str] | None = None

    def items(self) -> Iterator[Item]:
        if self.ref is not None:
            yield skipped(self.ref, ALLOWED, incomplete=False)
        if self.note is not None:
            yield Note(self.note)
        if self.skipped is not None:
            yield Skipped(*self.skipped, incomplete=True)


LANES = 16
"""How many ways the history's blobs are split by path: the engine reads each lane in one process (lane modulo its
workers, until that one falls behind), so that the versions of a file go through the same git."""
BATCH_BLOBS = 512
"""Blobs in one batch of a lane at most: ten-odd megabytes of typical source."""
HELD_BLOBS = 512
"""Blobs listed but not yet handed out, across lanes, at first: past it the fullest lane goes out as it is."""
LFS_NOTE = (
    "Git LFS pointers: their content lives in LFS storage and was not scanned (`git lfs pull`, then scan the "
    "working tree)"
)


class BlobBatch(Struct, frozen=True):
    """Blobs of one lane, read and cut into fragments in the process that scans them (see `Deferred`)."""

    lane: int
    refs: tuple[BlobRef, ...]
    reader: BlobReader

    @property
    def pieces(self) -> int:
        return len(self.refs)

    def read(self) -> Iterator[Fragment | Skipped | Note]:
        limit = self.reader.max_size
        for ref, blob in zip(self.refs, self.reader.read([r.oid for r in self.refs]), strict=True):
            if blob.problem == "not a blob":  # a tag object, named by the listing like a blob
                continue
            if blob.data is None:
                too_big = blob.problem == "too large"
                # NOTE: git answers `missing` for a corrupt object too; either way its content could not be
                # scanned, which is never the same as "not a blob".
                why = f"missing or corrupt object {ref.oid[:12]}" if blob.problem == "missing" else None
                yield skipped(ref, why or blob.reason(limit or 0), incomplete=not too_big)
                continue
            if is_lfs_pointer(blob.data):
                yield Note(LFS_NOTE)
                continue
            for item in fragments_of_bytes(ref.path, blob.data, blob=ref.oid, unit="blob"):
                yield skipped(ref, item.reason, incomplete=item.incomplete) if isinstance(item, Skipped) else item


def by_lane(steps: Iterable[BlobRef | Aside], reader: BlobReader) -> Iterator[BlobBatch | Aside]:
    """The listing's blobs in batches by lane, what it says instead of blobs in its place.

    A batch goes out when its lane holds `BATCH_BLOBS`, or, when `HELD_BLOBS` are held across lanes, the fullest
    lane goes out as it is and the number held may double (up to every lane full): work starts after a few
    hundred blobs, and later batches are big, each one a pause for its git. What is left goes out at the end.
    """
    lanes: list[list[BlobRef]] = [[] for _ in range(LANES)]
    held = 0
    most = HELD_BLOBS
    for step in steps:
        if isinstance(step, Aside):
            yield step
            continue
        lane = zlib.crc32(step.path.encode("utf-8", "surrogateescape")) % LANES
        lanes[lane].append(step)
        held += 1
        if len(lanes[lane]) < BATCH_BLOBS and held < most:
            continue
        if len(lanes[lane]) < BATCH_BLOBS:
            lane = max(range(LANES), key=lambda n: len(lanes[n]))
            most = min(2 * most, LANES * BATCH_BLOBS)
        yield BlobBatch(lane, tuple(lanes[lane]), reader)
        held -= len(lanes[lane])
        lanes[lane].clear()
    for lane, refs in enumerate(lanes):
        if refs:
            yield BlobBatch(lane, tuple(refs), reader)


def skipped(ref: BlobRef, reason: str, *, incomplete: bool) -> Skipped:
    return Skipped(f"{ref.path} (history)", reason, incomplete=incomplete)
