"""Which findings belong together as one credential (an AWS key id and its secret key): the nearest in the same file.

Two findings are in the same file when they share path and commit. The nearest partner is the one fewest lines
away, a partner above winning a tie (`aws_access_key_id` is conventionally written before the secret), then the
nearest column.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.findings import Finding


def same_file(a: Finding, b: Finding) -> bool:
    return a.path == b.path and _oid(a) == _oid(b)


def nearest(finding: Finding, candidates: Sequence[Finding]) -> Finding | None:
    """The candidate in `finding`'s file closest to it, or None."""
    here = [c for c in candidates if same_file(c, finding) and c.secret_id != finding.secret_id]
    if not here:
        return None
    return min(here, key=lambda c: (abs(c.line - finding.line), c.line > finding.line, abs(c.column - finding.column)))


def _oid(f: Finding) -> str | None:
    return f.commit.oid if f.commit is not None else None
