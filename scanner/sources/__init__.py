"""The Source role: anything that yields Fragments to scan (folders, stdin, git history, staged, ranges)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from scanner.findings import Finding, Fragment


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something a source did not scan, and why (shown in the report summary)."""

    path: str
    reason: str
    """Short, stable reason: `binary`, `too large (12.0 MB > 10.0 MB)`, `unreadable: …`, `symlink loop`."""


class Source(Protocol):
    """Yields fragments; after the scan, may rewrite findings (git attribution, de-duplication)."""

    skipped: list[Skipped]
    """Filled while `fragments()` runs."""
    notes: list[str]
    """Lines for the summary (commits not scanned, shallow clone boundary, …)."""

    def fragments(self) -> Iterator[Fragment]: ...

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        """Called once with every finding from this source's fragments; returns the findings to report."""
        ...
