"""Files and folders on disk, and streams the user names (stdin, FIFOs, /dev/fd/N): what a path names is read,
links found while walking are not followed, and what is not read is listed with its reason."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from msgspec import Struct

from scanner.config import Settings
from scanner.findings import Finding, Fragment, Note, Skipped
from scanner.sources import ALLOWED, Item, too_large
from scanner.sources.content import CHUNK_SIZE, fragments_of_bytes, fragments_of_stream
from scanner.sources.walk import list_folder

BATCH_FILES = 64
"""Files of a folder in one batch: enough that handing it to a worker costs little beside reading it."""


class FilesystemSource:
    """Every file under the given paths, each read once.

    A path the user names is followed even when it is a symbolic link, and read as a stream when it is a FIFO
    or a character device (`keysweep scan <(cat a.env)`). Inside folders, links are listed, not followed.
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        settings: Settings,
        *,
        display_root: str | Path | None = None,
        exclude: Sequence[Path] = (),
    ) -> None:
        self.paths = list(dict.fromkeys(Path(p) for p in paths))
        self.settings = settings
        self.exclude = tuple(exclude)
        """Folders never read wherever they appear (keysweep's own rule files)."""
        if display_root is None and len(self.paths) == 1 and self.paths[0].is_dir():
            display_root = self.paths[0]
        self.root = Path(display_root) if display_root is not None else None
        """Paths are shown relative to this folder (a lone folder argument), else as given."""
        self._read_before: set[str] | None = set() if len(self.paths) > 1 else None
        """Real paths already read, when several paths might name the same file twice."""

    def read(self) -> Iterator[Item]:
        for path in self.paths:
            if not os.path.lexists(path):
                from scanner.errors import SourceError

                raise SourceError(f"{path}: no such file or folder")
            try:
                info = path.stat()
            except OSError as exc:
                yield Skipped(self._display(path), f"unreadable: {exc.strerror}", incomplete=True)
                continue
            if stat.S_ISDIR(info.st_mode):
                yield from self._folder(path)
            else:
                yield from self._read(path, self._display(path), named=True)

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings)

    def _folder(self, top: Path) -> Iterator[Item]:
        base = self._display(top)

        def show(relative: str) -> str:
            if relative == ".":
                return base
            return relative if base == "." else f"{base.rstrip('/')}/{relative}"

        # NOTE: the files of a folder go out in batches, read where they are scanned (a worker, past the first
        # few hundred), unless several paths were given: one file must then be read once whichever names it.
        batch: list[tuple[str, str] | Skipped] = []
        lane = 0
        root = os.fspath(top)  # NOTE: paths joined as strings: a Path for each of thousands of files cost ~10 ms
        for item in list_folder(
            top,
            show,
            include_ignored=self.settings.include_ignored,
            include_deps=self.settings.include_deps,
            exclude=self.exclude,
        ):
            if self._read_before is not None:
                yield from [item] if isinstance(item, Skipped) else self._read(top / item, show(item), named=False)
                continue
            if isinstance(item, Skipped):
                batch.append(item)  # said in its place, as each file is
            elif self.settings.is_allowed_path(shown := show(item)):
                batch.append(Skipped(shown, ALLOWED, incomplete=False))
            else:
                batch.append((os.path.join(root, item), shown))
            if len(batch) >= BATCH_FILES:
                yield FileBatch(lane, tuple(batch), self.settings.max_file_size)
                batch, lane = [], lane + 1
        if batch:
            yield FileBatch(lane, tuple(batch), self.settings.max_file_size)

    def _display(self, path: Path) -> str:
        if self.root is not None:
            try:
                shown = path.relative_to(self.root).as_posix()
                return "." if shown == "." else shown
            except ValueError:
                pass
        return path.as_posix()

    def _read(self, path: Path, shown: str, *, named: bool) -> Iterator[Item]:
        """One file: `named` when the user gave it (links and streams are followed), else met in a folder."""
        if self.settings.is_allowed_path(shown):
            yield Skipped(shown, ALLOWED, incomplete=False)
            return
        yield from read_file(path, shown, named=named, limit=self.settings.max_file_size, seen=self._read_before)


class FileBatch(Struct, frozen=True):
    """Files met in a folder, read in the process that scans them (see `Deferred`)."""

    lane: int
    files: tuple[tuple[str, str] | Skipped, ...]
    """(path, path as shown) of each file, or why one was passed over, in the order the folder was listed."""
    limit: int | None

    @property
    def pieces(self) -> int:
        return len(self.files)

    def read(self) -> Iterator[Fragment | Skipped | Note]:
        for entry in self.files:
            if isinstance(entry, Skipped):
                yield entry
            else:
                yield from read_file(entry[0], entry[1], named=False, limit=self.limit)


def read_file(
    path: Path | str, shown: str, *, named: bool, limit: int | None, seen: set[str] | None = None
) -> Iterator[Fragment | Skipped]:
    """One file as fragments, or why it was not read: `named` when the user gave it (links and streams are
    followed), else met in a folder; `seen` holds the real paths read before, when several paths might name the
    same file twice."""
    # NOTE: os on the path's string, not pathlib: a folder of 2,400 files spent ~10% of its scan in pathlib's
    # objects and buffered readers around the same system calls
    path = os.fspath(path)
    try:
        info = os.stat(path) if named else os.lstat(path)
    except FileNotFoundError:
        return  # listed by git but deleted from the working tree
    except OSError as exc:
        yield Skipped(shown, f"unreadable: {exc.strerror}", incomplete=True)
        return
    if stat.S_ISLNK(info.st_mode):
        yield Skipped(shown, "symbolic link (not followed)", incomplete=False)
        return
    is_stream = stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode) or stat.S_ISSOCK(info.st_mode)
    if not stat.S_ISREG(info.st_mode) and not (named and is_stream):
        yield Skipped(shown, "not a regular file", incomplete=False)
        return
    if seen is not None:
        real = os.path.realpath(path)
        if real in seen:
            return
        seen.add(real)
    if not is_stream and limit is not None and info.st_size > limit:
        yield Skipped(shown, too_large(info.st_size, limit), incomplete=False)
        return
    try:
        if not is_stream and info.st_size <= CHUNK_SIZE:
            with open(path, "rb", buffering=0) as file:
                data = file.read()
            yield from fragments_of_bytes(shown, data)
            return
        with open(path, "rb") as stream:
            yield from fragments_of_stream(shown, stream.read, limit=limit if is_stream else None)
    except OSError as exc:
        yield Skipped(shown, f"unreadable: {exc.strerror}", incomplete=True)


class BufferSource:
    """One in-memory buffer: rule examples, tests."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data

    def read(self) -> Iterator[Item]:
        yield from fragments_of_bytes(self.path, self.data)

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings)


class StreamSource:
    """Standard input (path `-`), read in bounded pieces; `max_file_size`, when set, applies to it too."""

    def __init__(self, path: str, stream: BinaryIO, settings: Settings) -> None:
        self.path = path
        self.stream = stream
        self.settings = settings

    def read(self) -> Iterator[Item]:
        try:
            yield from fragments_of_stream(self.path, self.stream.read, limit=self.settings.max_file_size)
        except OSError as exc:
            yield Skipped(self.path, f"unreadable: {exc.strerror}", incomplete=True)

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings)
