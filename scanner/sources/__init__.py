"""The Source role (a stream of Fragments, with the skips, notes and commit counts met on the way) and the rules
all sources share for binary and oversize content."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from scanner.findings import CommitsRead, Deferred, Finding, Fragment, Note, Skipped

Item = Fragment | Skipped | Note | CommitsRead | Deferred
"""What a source streams: content to scan, something it did not scan and why, a line for the summary, how many
commits its content comes from, or content to be read where it is scanned (`Deferred`)."""

BINARY_SNIFF = 8000
"""How many leading bytes the binary check reads: git's own rule (a NUL byte in the first 8,000 bytes)."""
MIB = 1 << 20
ALLOWED = "allowed by allow_paths"
"""The skip reason for what the user's `allow_paths` exempts: listed, never read, not incomplete."""


class Source(Protocol):
    """Streams fragments, skips and notes in the order it meets them; then may rewrite the findings."""

    def read(self) -> Iterator[Item]: ...

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        """Called once with every finding from this source's fragments; returns the findings to report
        (git history attributes them to the commits that introduced them, staged changes to their author)."""
        ...


def expand(items: Iterable[Item]) -> Iterator[Item]:
    """`items` with each `Deferred` read here, in its place: a source's whole stream for a reader without workers."""
    for item in items:
        if isinstance(item, Fragment | Skipped | Note | CommitsRead):
            yield item
        else:
            yield from item.read()


def is_binary(data: bytes) -> bool:
    """Binary content, by git's rule: a NUL byte in the first `BINARY_SNIFF` bytes."""
    return b"\0" in data[:BINARY_SNIFF]


def too_large(size: int | None, limit: int) -> str:
    """The one wording of the skip reason for content over `max_file_size`, in MiB (2**20 bytes); `size` is
    None for a stream, which is not read past the limit."""

    def amount(count: int) -> str:
        return f"{count / MIB:.1f} MiB" if limit >= MIB else f"{count} bytes"

    if size is None:
        return f"too large (> {amount(limit)})"
    return f"too large ({amount(size)} > {amount(limit)})"
