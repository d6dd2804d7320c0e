"""The staged source: exactly what the next commit would add, read from the index, not the working tree."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from scanner.config import Settings
from scanner.findings import Finding, Fragment
from scanner.sources import Skipped, _git


class StagedSource:
    """Yields the index version of each staged file, with only the lines the commit adds marked for report.

    The whole file is yielded (not just the added lines) so that context such as a PEM block around an
    added line still parses; `Fragment.added_lines` keeps the report to what this commit adds.
    """

    def __init__(self, repo: Path, settings: Settings, paths: Sequence[str] | None = None) -> None:
        self.repo = _git.toplevel(repo)
        self.settings = settings
        self.paths = tuple(paths or ())
        self.skipped: list[Skipped] = []
        self.notes: list[str] = []

    def fragments(self) -> Iterator[Fragment]:
        staged = [c for c in _git.staged_changes(self.repo, self.paths) if c.new != _git.EMPTY_BLOB]
        if not staged:
            return
        added = _git.staged_added_lines(self.repo, self.paths)
        wanted: list[tuple[_git.Change, frozenset[int]]] = []
        for change in staged:
            if _git.is_allowed_path(change.path, self.settings.allow_paths):
                continue
            if change.new_mode == _git.GITLINK_MODE:
                self.skipped.append(Skipped(change.path, "submodule (scan it from inside)"))
                continue
            lines = frozenset(added.get(("", change.new), ()))
            if lines:
                wanted.append((change, lines))
        reads = _git.read_blobs(self.repo, [c.new for c, _ in wanted], self.settings.max_file_size)
        for (change, lines), read in zip(wanted, reads, strict=False):
            if read.data is None:
                self.skipped.append(Skipped(change.path, read.reason(self.settings.max_file_size)))
            elif _git.is_binary(read.data):
                self.skipped.append(Skipped(change.path, "binary"))
            else:
                yield Fragment(path=change.path, data=read.data, added_lines=lines, blob=change.new)

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        """Staged findings belong to the commit being made: its author is whoever git would record."""
        if not findings:
            return []
        ident = _git.author_ident(self.repo)
        if ident is None:
            return list(findings)
        author, email, date = ident
        return [f.with_(author=author, email=email, date=date) for f in findings]
