"""The commit-range source: only the lines that the commits of a range add (the CI gate of a pull request)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from scanner.config import Settings
from scanner.errors import GitError
from scanner.findings import Finding, Fragment
from scanner.sources import Skipped, _git


class RangeSource:
    """Yields, per commit of `rev_range`, the new version of each file it changed, reporting added lines only.

    `rev_range` means what it means to `git log`: `A..B`, `A...B`, or a single revision for everything
    reachable from it. Root commits are compared with the empty tree; merges count only lines that are new
    against every parent.
    """

    def __init__(self, repo: Path, rev_range: str, settings: Settings) -> None:
        self.repo = _git.toplevel(repo)
        self.rev_range = rev_range
        self.settings = settings
        self.skipped: list[Skipped] = []
        self.notes: list[str] = []

    def fragments(self) -> Iterator[Fragment]:
        revisions = self._revisions()
        boundary = _git.shallow_boundary(self.repo)
        wanted: list[tuple[_git.Change, frozenset[int]]] = []
        added = _git.range_added_lines(self.repo, revisions)
        cut: set[str] = set()
        for change in _git.changes(self.repo, revisions):
            if change.commit.oid in boundary:
                cut.add(change.commit.oid)
                continue
            if change.new == _git.EMPTY_BLOB or _git.is_allowed_path(change.path, self.settings.allow_paths):
                continue
            if change.new_mode == _git.GITLINK_MODE:
                self.skipped.append(Skipped(change.path, "submodule (scan it from inside)"))
                continue
            lines = frozenset(added.get((change.commit.oid, change.new), ()))
            if lines:
                wanted.append((change, lines))
        for oid in sorted(cut):
            self.notes.append(
                f"shallow clone: commit {oid[:12]} is the clone's boundary and its parents are not here, "
                "so what it changed could not be told apart from what it inherited and was not scanned; "
                "run `git fetch --deepen=<N>` or `git fetch --unshallow` and scan again"
            )
        reads = _git.read_blobs(self.repo, [c.new for c, _ in wanted], self.settings.max_file_size)
        for (change, lines), read in zip(wanted, reads, strict=False):
            where = f"{change.path}@{change.commit.oid[:12]}"
            if read.data is None:
                self.skipped.append(Skipped(where, read.reason(self.settings.max_file_size)))
            elif _git.is_binary(read.data):
                self.skipped.append(Skipped(where, "binary"))
            else:
                commit = change.commit
                yield Fragment(
                    path=change.path,
                    data=read.data,
                    commit=commit.oid,
                    author=commit.author,
                    email=commit.email,
                    date=commit.date,
                    added_lines=lines,
                    blob=change.new,
                )

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        """Range findings already carry their commit, author and date from the fragment."""
        return list(findings)

    def _revisions(self) -> list[str]:
        """The `git log` arguments for the range, after checking each end exists (or saying why not)."""
        text = self.rev_range.strip()
        if not text or text.startswith("-"):
            raise GitError(f"invalid commit range {self.rev_range!r}: give A..B, A...B or a single revision")
        dots = "..." if "..." in text else ".." if ".." in text else ""
        if not dots:
            self._resolve(text, "revision")
            return [text]
        base, _, tip = text.partition(dots)
        base, tip = base or "HEAD", tip or "HEAD"
        self._resolve(tip, "end of the range")
        if base.strip("0") == "":  # CI systems send all zeros as the base of a branch's first push
            self.notes.append(f"range {text}: no base commit (a new branch), so every commit up to {tip} was scanned")
            return [tip]
        if self._exists(base):
            return [f"{base}{dots}{tip}"]
        if _git.shallow_boundary(self.repo):
            self.notes.append(
                f"shallow clone: the base {base} of range {text} is not in this clone, so every commit from "
                f"{tip} back to the clone's boundary was scanned instead; run `git fetch --deepen=<N>` "
                f"(or `git fetch --unshallow`) until {base} is present to scan exactly {text}"
            )
            return [tip]
        raise GitError(
            f"unknown revision {base!r} (start of range {text}) in {self.repo}: "
            f"fetch it (`git fetch origin {base}`) or check the name"
        )

    def _exists(self, revision: str) -> bool:
        out = _git.git(
            self.repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}",
            allow=(0, 1, 128),
        )  # fmt: skip
        return bool(out.strip())

    def _resolve(self, revision: str, role: str) -> None:
        if not self._exists(revision):
            hint = (
                " (this clone is shallow: `git fetch --deepen=<N>` or `git fetch --unshallow` may bring it)"
                if _git.shallow_boundary(self.repo)
                else ""
            )
            raise GitError(f"unknown revision {revision!r} ({role} of {self.rev_range!r}) in {self.repo}{hint}")
