"""The commit-range source: only the lines that the commits of a range add (the CI gate of a pull request)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from scanner.config import Settings
from scanner.errors import GitError
from scanner.findings import CommitsRead, Finding, Note, Skipped
from scanner.sources import ALLOWED, Item, git_runner
from scanner.sources.git_blobs import added_fragments
from scanner.sources.git_parse import EMPTY_BLOB, GITLINK_MODE, Change


class RangeSource:
    """Yields, per commit of `rev_range`, the new version of each file it changed, reporting added lines only.

    `rev_range` means what it means to `git log`: `A..B`, `A...B`, or a single revision for everything
    reachable from it. Root commits are compared with the empty tree; merges count only lines that are new
    against every parent.
    """

    def __init__(self, repo: Path, rev_range: str, settings: Settings) -> None:
        self.repo = git_runner.toplevel(repo)
        self.rev_range = rev_range
        self.settings = settings

    def read(self) -> Iterator[Item]:
        revisions, notes = self._revisions()
        yield from notes
        yield CommitsRead(git_runner.commit_count(self.repo, revisions) or 0)
        boundary = git_runner.shallow_boundary(self.repo)
        wanted: list[tuple[Change, frozenset[int] | None]] = []
        added = git_runner.range_added_lines(self.repo, revisions)
        cut: set[str] = set()
        for change in git_runner.changes(self.repo, revisions):
            oid = change.commit.oid or ""
            if oid in boundary:
                cut.add(oid)
                continue
            if change.new == EMPTY_BLOB:
                continue
            if self.settings.is_allowed_path(change.path):
                yield Skipped(f"{change.path}@{oid[:12]}", ALLOWED, incomplete=False)
                continue
            if change.new_mode == GITLINK_MODE:
                yield Skipped(change.path, "submodule (scan it from inside)", incomplete=False)
                continue
            if (oid, change.new) in added.binary:
                wanted.append((change, None))
            elif lines := frozenset(added.lines.get((oid, change.new), ())):
                wanted.append((change, lines))
        for oid in sorted(cut):
            yield Skipped(
                f"commit {oid[:12]}", "shallow clone: its parents are not here, so it was not scanned", incomplete=True
            )
            yield Note(
                f"shallow clone: commit {oid[:12]} is the clone's boundary and its parents are not here, "
                "so what it changed could not be told apart from what it inherited and was not scanned; "
                "run `git fetch --deepen=<N>` or `git fetch --unshallow` and scan again"
            )
        yield from added_fragments(
            self.repo,
            wanted,
            self.settings.max_file_size,
            where=lambda c: f"{c.path}@{(c.commit.oid or '')[:12]}",
            in_commit=True,
        )

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        """Range findings already carry their commit from the fragment."""
        return list(findings)

    def _revisions(self) -> tuple[list[str], list[Note]]:
        """The `git log` arguments for the range, after checking each end exists (or saying why not)."""
        text = self.rev_range.strip()
        if not text or text.startswith("-"):
            raise GitError(f"invalid commit range {self.rev_range!r}: give A..B, A...B or a single revision")
        dots = "..." if "..." in text else ".." if ".." in text else ""
        if not dots:
            self._resolve(text, "revision")
            return [text], []
        base, _, tip = text.partition(dots)
        base, tip = base or "HEAD", tip or "HEAD"
        self._resolve(tip, "end of the range")
        if base.strip("0") == "":  # CI systems send all zeros as the base of a branch's first push
            return [tip], [
                Note(f"range {text}: no base commit (a new branch), so every commit up to {tip} was scanned")
            ]
        if git_runner.is_commit(self.repo, base):
            return [f"{base}{dots}{tip}"], []
        if git_runner.shallow_boundary(self.repo):
            note = Note(
                f"shallow clone: the base {base} of range {text} is not in this clone, so every commit from "
                f"{tip} back to the clone's boundary was scanned instead; run `git fetch --deepen=<N>` "
                f"(or `git fetch --unshallow`) until {base} is present to scan exactly {text}"
            )
            return [tip], [note]
        raise GitError(
            f"unknown revision {base!r} (start of range {text}) in {self.repo}: "
            f"fetch it (`git fetch origin {base}`) or check the name"
        )

    def _resolve(self, revision: str, role: str) -> None:
        if not git_runner.is_commit(self.repo, revision):
            hint = (
                " (this clone is shallow: `git fetch --deepen=<N>` or `git fetch --unshallow` may bring it)"
                if git_runner.shallow_boundary(self.repo)
                else ""
            )
            raise GitError(f"unknown revision {revision!r} ({role} of {self.rev_range!r}) in {self.repo}{hint}")
