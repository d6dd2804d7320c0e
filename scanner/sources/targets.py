"""What a command asked to scan, as the sources of one scan: folders and files, stdin, a repository's history,
its staged changes or a commit range, or the files a pre-commit call names."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct

from scanner.config import Settings
from scanner.sources import Item, Source

if TYPE_CHECKING:
    from scanner.findings import Finding, Skipped


class Target(Struct, frozen=True):
    """The sources of one scan, and what the filter stage needs to know about them."""

    sources: tuple[Source, ...]
    root: str
    """The folder (or file) the findings' paths are relative to; baseline entries outside it are out of scope."""
    partial: bool = False
    """True when the sources read only part of what `root` holds (the lines a commit or a range adds, the files
    a hook is given): a baseline entry they do not meet may still be there, so it is not reported stale."""
    description: str = ""
    """What the scan reads, as the end of a sentence: `this commit adds`, `the files checked hold`."""


def on_disk(
    paths: Sequence[str | Path],
    settings: Settings,
    *,
    note_history: bool = False,
    display_root: str | None = None,
    exclude: Sequence[Path] = (),
) -> Target:
    """Files and folders on disk, `-` for stdin; `note_history` adds how many commits a lone folder leaves out.

    Paths are shown relative to a lone folder argument, else as given (or relative to `display_root`);
    `exclude` names folders never read (keysweep's own rule files).
    """
    from scanner.sources.filesystem import FilesystemSource, StreamSource

    sources: list[Source] = []
    named = list(dict.fromkeys(str(p) for p in paths))
    on_disk = [p for p in named if p != "-"]
    if on_disk:
        sources.append(FilesystemSource(on_disk, settings, display_root=display_root, exclude=exclude))
    if "-" in named:
        # NOTE: stdin is named `-` and, like every path, is not read when `allow_paths` exempts it.
        if settings.is_allowed_path("-"):
            from scanner.findings import Skipped
            from scanner.sources import ALLOWED

            sources.append(_Listed(Skipped("-", ALLOWED, incomplete=False)))
        else:
            sources.append(StreamSource("-", sys.stdin.buffer, settings))
    if note_history and len(named) == 1 and on_disk and Path(on_disk[0]).is_dir():
        from scanner.sources.git_history import UnscannedHistory

        sources.append(UnscannedHistory(Path(on_disk[0])))
    root = display_root or (on_disk[0] if len(on_disk) == 1 else ".")
    return Target(tuple(sources), root)


class _Listed:
    """A source that reads nothing and lists one skip."""

    def __init__(self, skipped: Skipped) -> None:
        self.skipped = skipped

    def read(self) -> Iterator[Item]:
        yield self.skipped

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings)


def in_repository(
    repo: Path,
    settings: Settings,
    *,
    history: bool = False,
    staged: bool = False,
    rev_range: str | None = None,
    covered: Sequence[str] = (),
) -> Target:
    """One of a repository's git modes: its whole history, its staged changes, or the commits of `rev_range`.

    `covered` (history only): commits an earlier scan already covered; what they reach is not read again.
    """
    source: Source
    if history:
        from scanner.sources.git_history import HistorySource

        source = HistorySource(repo, settings, covered)
    elif staged:
        from scanner.sources.staged import StagedSource

        source = StagedSource(repo, settings)
    elif rev_range is not None:
        from scanner.sources.commit_range import RangeSource

        source = RangeSource(repo, rev_range, settings)
    else:
        raise ValueError("in_repository needs history, staged or rev_range")
    return Target((source,), str(repo), partial=not history or bool(covered))


def for_hook(repo: Path, files: Sequence[str], settings: Settings, environ: Mapping[str, str]) -> Target:
    """What a pre-commit (or pre-push) call asks the hook to check.

    No files: the staged changes. Files that are exactly staged ones (`git commit` under pre-commit): their
    staged changes. Other files (`pre-commit run --all-files` or `--files`): those files, whole. Under
    pre-push (PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF): the lines the pushed commits add. `repo` is the top of
    the repository (`git_runner.toplevel`).
    """
    from scanner.sources import git_runner
    from scanner.sources.staged import StagedSource

    from_ref, to_ref = environ.get("PRE_COMMIT_FROM_REF"), environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        from scanner.sources.commit_range import RangeSource

        pushed = RangeSource(repo, f"{from_ref}..{to_ref}", settings)
        return Target((pushed,), str(repo), partial=True, description="the pushed commits add")
    if not files:
        whole_commit = StagedSource(repo, settings, at_top=True)
        return Target((whole_commit,), str(repo), partial=True, description="this commit adds")
    names = [_relative(repo, f) for f in files]
    changes = git_runner.staged_changes(repo, names)
    # NOTE: on `git commit` pre-commit passes exactly the staged files. Anything else (--all-files,
    # --files, a file with no staged change) means "check these files", so they are scanned whole: a hook
    # that diffed them against the index would find nothing and silently pass.
    if set(names) <= {c.path for c in changes}:
        these = StagedSource(repo, settings, names, at_top=True, changes=changes)
        return Target((these,), str(repo), partial=True, description="this commit adds")
    from scanner.sources.filesystem import FilesystemSource

    # The hook checks some files of the repository, never all of it: silence about the rest means nothing.
    whole = FilesystemSource(list(files), settings)
    return Target((whole,), str(repo), partial=True, description="the files checked hold")


def _relative(repo: Path, name: str) -> str:
    """`name` (relative to the current folder, as pre-commit gives it) relative to the repository root."""
    return Path(os.path.relpath(Path(name).absolute(), repo)).as_posix()
