"""The staged source: exactly what the next commit would add, read from the index, not the working tree."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from msgspec.structs import replace

from scanner.config import Settings
from scanner.findings import Finding, Skipped
from scanner.sources import ALLOWED, Item, git_runner
from scanner.sources.git_blobs import added_fragments
from scanner.sources.git_parse import EMPTY_BLOB, GITLINK_MODE, AddedLines, Change


class StagedSource:
    """Yields the index version of each staged file, with only the lines the commit adds marked for report.

    The whole file is yielded (not just the added lines) so that context such as a PEM block around an
    added line still parses; `Fragment.added_lines` keeps the report to what this commit adds.
    """

    def __init__(
        self,
        repo: Path,
        settings: Settings,
        paths: Sequence[str] | None = None,
        *,
        at_top: bool = False,
        changes: Sequence[Change] | None = None,
    ) -> None:
        # NOTE: the hook knows the top of the repository and the staged changes already: on every commit each git
        # asked again is a few milliseconds more.
        self.repo = repo if at_top else git_runner.toplevel(repo)
        self.settings = settings
        self.paths = tuple(paths or ())
        self._changes = changes
        """The staged changes of `paths`, when the caller has asked git for them already."""
        self._added: Callable[[], AddedLines] | None = git_runner.staged_added_lines(self.repo, self.paths)
        """The added lines, asked of git now: it diffs while the scan loads its rules, and `read` collects."""

    def read(self) -> Iterator[Item]:
        answer, self._added = self._added or git_runner.staged_added_lines(self.repo, self.paths), None
        added = answer()
        changes = self._changes if self._changes is not None else git_runner.staged_changes(self.repo, self.paths)
        staged = [c for c in changes if c.new != EMPTY_BLOB]
        if not staged:
            return
        wanted: list[tuple[Change, frozenset[int] | None]] = []
        for change in staged:
            if self.settings.is_allowed_path(change.path):
                yield Skipped(change.path, ALLOWED, incomplete=False)
                continue
            if change.new_mode == GITLINK_MODE:
                yield Skipped(change.path, "submodule (scan it from inside)", incomplete=False)
                continue
            if ("", change.new) in added.binary:
                wanted.append((change, None))
            elif lines := frozenset(added.lines.get(("", change.new), ())):
                wanted.append((change, lines))
        limit = self.settings.max_file_size
        yield from added_fragments(self.repo, wanted, limit, where=lambda c: c.path, in_commit=False)

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        """Staged findings belong to the commit being made: its author is whoever git would record."""
        if not findings:
            return []
        author = git_runner.next_commit_author(self.repo)
        if author is None:
            return list(findings)
        return [replace(f, commit=author) for f in findings]
