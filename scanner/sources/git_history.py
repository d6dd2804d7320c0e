"""The history source: the working tree plus every blob reachable from any ref, each unique blob scanned once,
then each finding attributed to the commits that introduced it."""

from __future__ import annotations

import contextlib
import os
import stat
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from msgspec import Struct
from msgspec.structs import replace

from scanner.config import Settings
from scanner.findings import Commit, CommitsRead, Finding, Note, Skipped
from scanner.sources import ALLOWED, Item, git_log, git_runner, too_large
from scanner.sources.content import as_text, fragments_of_bytes
from scanner.sources.git_blobs import BlobReader, read_blobs
from scanner.sources.git_lanes import Aside, by_lane, skipped
from scanner.sources.git_parse import EMPTY_BLOB, GITLINK_MODE, SYMLINK_MODE, BlobRef, Change, blob_id

_SUBMODULES = (
    "submodules: the history has submodules; their commits live in other repositories and were not scanned (run "
    "keysweep inside each)"
)


class _Introduction(Struct, frozen=True):
    """A commit that put secrets at a path where no version it replaced had them."""

    change: Change
    secrets: frozenset[str]


class HistorySource:
    """Scans the working tree and all of git history by unique content.

    `fragments()` yields each working-tree file, then every reachable blob not already seen (by blob id),
    named by the first path git gives it. `attribute()` then walks the commit graph's tree changes (no
    content diffs) to find, for each secret, the commits whose new version of a file holds it while no
    parent version did: those are the findings reported, with the path and author of that commit. A secret
    still in the working tree is reported once, at its place in the tree, with its introducing commit as
    provenance.
    """

    def __init__(self, repo: Path, settings: Settings, covered: Sequence[str] = ()) -> None:
        self.repo = git_runner.toplevel(repo)
        self.settings = settings
        self.covered = tuple(covered)
        """Commits an earlier scan covered (its ref tips): objects and commits they reach are not read again."""
        self._tree: dict[str, str] = {}
        """Working-tree path -> blob id of its current content."""
        self._reader = BlobReader(self.repo, settings.max_file_size)
        self._log: git_log.LogLater | None = None
        self._count: git_runner.CountLater | None = None

    # -- scanning ------------------------------------------------------------------------------------

    def read(self) -> Iterator[Item]:
        seen: set[str] = set()
        try:
            if not git_runner.is_bare(self.repo):
                yield from self._working_tree(seen)
            if git_runner.has_commits(self.repo):
                yield from self._history(seen)
        finally:
            # NOTE: each batch is read before the stream goes on, here or in a worker with its own git; one read
            # after the end (a batch held back) starts this process's git again, which `attribute` stops.
            self._reader.close()

    def _working_tree(self, seen: set[str]) -> Iterator[Item]:
        limit = self.settings.max_file_size
        root = os.fspath(self.repo)
        names = [(mode, path) for mode, _, path in git_runner.tracked_files(self.repo)]
        names += [("100644", path) for path in git_runner.untracked_files(self.repo)]
        for mode, path in names:
            if self.settings.is_allowed_path(path):
                yield Skipped(path, ALLOWED, incomplete=False)
                continue
            if mode == GITLINK_MODE:
                yield Skipped(path, "submodule (its history lives in another repository)", incomplete=False)
                continue
            if mode == SYMLINK_MODE:
                continue
            # NOTE: one lstat and one read of the path's string (no pathlib): it runs for every file of the tree
            file = os.path.join(root, path)
            try:
                info = os.lstat(file)
            except (FileNotFoundError, NotADirectoryError):
                continue  # deleted from the working tree: its history still has it
            except OSError as exc:
                yield Skipped(path, f"unreadable: {exc.strerror}", incomplete=True)
                continue
            if not stat.S_ISREG(info.st_mode):
                continue  # a link, or a folder where the index has a file
            try:
                if limit is not None and info.st_size > limit:
                    yield Skipped(path, too_large(info.st_size, limit), incomplete=False)
                    continue
                with open(file, "rb", buffering=0) as stream:
                    data = stream.read()
            except OSError as exc:
                yield Skipped(path, f"unreadable: {exc.strerror}", incomplete=True)
                continue
            oid = blob_id(data)
            for item in fragments_of_bytes(path, data, blob=oid):
                if not isinstance(item, Skipped) and path not in self._tree:
                    self._tree[path] = oid
                    seen.add(oid)
                yield item

    def _history(self, seen: set[str]) -> Iterator[Item]:
        self._count = count = git_runner.CountLater(self.repo, ("--all", *(f"^{oid}" for oid in self.covered)))
        yield from self._shallow_boundary()
        missing: list[str] = []
        unread: dict[str, BlobRef] = {}
        # NOTE: the blobs go out in batches by lane (a hash of the path), read where they are scanned: every
        # version of a file is read by the same git, whose cache of delta bases then serves the next version.
        for step in by_lane(self._listed(seen, missing, unread), self._reader):
            yield from step.items() if isinstance(step, Aside) else (step,)
        yield from self._missing(missing)
        yield from self._check(unread)
        yield CommitsRead(count())

    def _listed(self, seen: set[str], missing: list[str], unread: dict[str, BlobRef]) -> Iterator[BlobRef | Aside]:
        """The listing's blobs to read, in its order, and what to say instead of reading the others.

        NOTE: it streams as git walks the history: it only decides, and says what it is to say in its place
        (`Aside`).
        """
        submodules = False
        for ref in git_runner.object_listing(self.repo, self.covered):
            if isinstance(ref, str):
                if ref.startswith("!"):
                    yield Aside(skipped=("history", ref[1:]))
                else:
                    missing.append(ref[1:])
                continue
            if not submodules and (ref.path == ".gitmodules" or ref.path.endswith("/.gitmodules")):
                submodules = True
                yield Aside(note=_SUBMODULES)
            if ref.oid in seen:
                unread.setdefault(ref.oid, ref)
                continue
            if self.settings.is_allowed_path(ref.path):
                yield Aside(ref=ref)
                continue
            seen.add(ref.oid)
            yield ref

    def _check(self, unread: dict[str, BlobRef]) -> Iterator[Item]:
        """The objects the history holds but the scan read from the working tree instead: a corrupt one is still a
        damaged history (its headers only are read: no content is inflated)."""
        sizes = git_runner.object_sizes(self.repo, unread) if unread else {}
        for oid, ref in unread.items():
            if sizes.get(oid, ("missing", 0))[0] == "missing":
                yield skipped(ref, f"missing or corrupt object {oid[:12]}", incomplete=True)

    def _missing(self, missing: list[str]) -> Iterator[Item]:
        names = self._names(set(missing)) if missing else {}
        for oid in missing:
            where = f"{names[oid]} (history)" if oid in names else f"{oid} (history)"
            yield Skipped(where, f"missing object {oid[:12]}", incomplete=True)
        if missing:
            yield Note("git could not read part of the history; `git fsck --full` names the damage")

    def _names(self, oids: set[str]) -> dict[str, str]:
        """A path each of `oids` had in some commit, for naming objects git lists without one (missing ones)."""
        return {c.new: c.path for c in reversed(self._all_changes(oids)) if c.new in oids}

    def will_attribute(self) -> None:
        """Start reading the commit graph's changes now, beside the scan (`scan` calls this at the first finding):
        a clean history never reads them."""
        if self._log is None:
            # NOTE: split between gits when the history's size is known by then (see `LogLater`)
            commits = self._count.ready() if self._count is not None else None
            self._log = git_log.LogLater(self.repo, self.covered, commits)

    def _all_changes(self, oids: Iterable[str]) -> list[Change]:
        """The tree changes of every commit that names one of `oids`, read only when needed.

        NOTE: only blobs with findings (or missing objects) need them: a clean history never parses the commit
        graph's changes, and a scan with findings parses only the commits that name those blobs.
        """
        self.will_attribute()
        assert self._log is not None
        return self._log.changes(oids)

    def _shallow_boundary(self) -> Iterator[Item]:
        boundary = sorted(git_runner.shallow_boundary(self.repo))
        for oid in boundary:
            yield Skipped(
                f"history before {oid[:12]}", "shallow clone: the parents of this commit are not here", incomplete=True
            )
        if boundary:
            yield Note(
                f"shallow clone: the history before {len(boundary)} boundary commit(s) was not fetched and not "
                "scanned, and what a boundary commit changed cannot be told from what it inherited; run "
                "`git fetch --unshallow` (or check out with fetch-depth: 0) and scan again"
            )

    # -- attribution ---------------------------------------------------------------------------------

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        try:
            return self._attribute(findings)
        finally:
            self._reader.close()
            if self._log is not None:
                self._log.close()

    def _attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        if not findings:
            return []
        # The same finding (path, line, secret) comes from every version of the file that kept that line.
        unique: dict[tuple[object, ...], Finding] = {}
        per_blob: dict[tuple[object, ...], Finding] = {}
        for finding in findings:
            unique.setdefault(finding.identity, finding)
            per_blob.setdefault((finding.blob, *finding.identity), finding)
        by_blob: dict[str, list[Finding]] = defaultdict(list)
        for finding in per_blob.values():
            if finding.blob is not None:
                by_blob[finding.blob].append(finding)
        introductions = self._introductions(by_blob) if by_blob else {}
        return self._report(list(unique.values()), by_blob, introductions)

    def _contents(self, oids: set[str]) -> dict[str, bytes]:
        contents: dict[str, bytes] = {}
        tree_oids = {oid: path for path, oid in self._tree.items() if oid in oids}
        for oid, path in tree_oids.items():
            with contextlib.suppress(OSError):
                data = (self.repo / path).read_bytes()
                contents[oid] = as_text(data) or data
        rest = sorted(oids - contents.keys())
        for read in read_blobs(self.repo, rest):
            if read.data is not None:
                contents[read.oid] = as_text(read.data) or read.data
        return contents

    def _introductions(self, by_blob: dict[str, list[Finding]]) -> dict[str, list[_Introduction]]:
        """Per blob with findings, the changes (newest first) that brought each of its secrets in."""
        candidates: list[Change] = []
        old_by_commit: dict[str, set[str]] = defaultdict(set)
        for change in self._all_changes(by_blob):
            old_by_commit[change.commit.oid or ""].update(o for o in change.old if o != EMPTY_BLOB)
            if change.new in by_blob:
                candidates.append(change)
        # NOTE: a secret counts as introduced only if no version the commit replaced had it, at this path
        # or at any path the same commit touched: that keeps renames and moves from looking like new leaks.
        before = {o for c in candidates for o in old_by_commit[c.commit.oid or ""]}
        old_contents = self._contents(before)
        found: dict[str, list[_Introduction]] = {}
        for change in candidates:
            olds = [old_contents[o] for o in old_by_commit[change.commit.oid or ""] if o in old_contents]
            secrets = {f.secret for f in by_blob[change.new]}
            new = frozenset(s for s in secrets if not any(s.encode("utf-8", "surrogateescape") in o for o in olds))
            # NOTE: a blob that commits carry but none introduces still gets an (empty) entry: its secrets
            # were moved there from elsewhere and are reported where they came in.
            introduced = found.setdefault(change.new, [])
            if new:
                introduced.append(_Introduction(change, new))
        return found

    def _report(
        self,
        findings: Sequence[Finding],
        by_blob: dict[str, list[Finding]],
        introductions: dict[str, list[_Introduction]],
    ) -> list[Finding]:
        """Each introduction at its own place in its own commit's version; what is still in the working tree at
        its place there, naming the commit that introduced it only when that commit's version has it at the
        same line and column (otherwise both places are reported: where it came in, and where it is now)."""
        report: dict[tuple[object, ...], Finding] = {}
        placed: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
        """(secret, rule, path) -> the introductions there, newest first, each at its place in its commit."""
        for oid, intros in introductions.items():
            for intro in intros:
                change = intro.change
                for finding in by_blob[oid]:
                    if finding.secret in intro.secrets:
                        placed[(finding.secret, finding.rule_id, change.path)].append(
                            replace(finding, path=change.path, commit=change.commit)
                        )
        used: set[tuple[object, ...]] = set()
        tree_blobs = {oid: path for path, oid in self._tree.items()}
        for oid, path in tree_blobs.items():
            for finding in by_blob.get(oid, []):
                here = placed.get((finding.secret, finding.rule_id, path), [])
                # git log lists newest first: the latest introduction at this very place is the provenance
                origin = next((f for f in here if (f.line, f.column) == (finding.line, finding.column)), None)
                if origin is not None:
                    used.add(origin.identity)
                    finding = replace(finding, commit=origin.commit)
                report[finding.identity] = finding
        for introduced in placed.values():
            for finding in introduced:
                if finding.identity not in used:
                    report.setdefault(finding.identity, finding)

        # Findings in blobs that no commit introduces (reachable only through a tag to a blob, or past a
        # shallow boundary) are still reported, as they were found and without a commit.
        accounted = {f.identity for oid in {*tree_blobs, *introductions} for f in by_blob.get(oid, [])}
        for finding in findings:
            if finding.identity not in accounted:
                report[finding.identity] = finding
        return sorted(report.values(), key=lambda f: (f.path, f.line, f.column, f.rule_id, _date(f.commit)))


def _date(commit: Commit | None) -> str:
    return commit.date if commit is not None else ""


class UnscannedHistory:
    """Reads nothing; notes how many commits the repository around a folder holds that a folder scan leaves out."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._count = git_runner.commit_count_later(folder)
        """Counted beside the folder's scan: this source is read after it."""

    def read(self) -> Iterator[Item]:
        count = self._count()
        if count:
            yield Note(
                f"{count} commit{'s' if count != 1 else ''} in this repository's history were not scanned; "
                "add --history to include them"
            )

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings)
