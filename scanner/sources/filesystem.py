"""Files and folders on disk, and streams the user names (stdin, FIFOs, /dev/fd/N): what a path names is read,
links found while walking are not followed, and what is not read is listed with its reason."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from scanner.config import Settings
from scanner.findings import Finding, Skipped
from scanner.sources import ALLOWED, Item, too_large
from scanner.sources.content import CHUNK_SIZE, fragments_of_bytes, fragments_of_stream
from scanner.sources.walk import list_folder


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

        for item in list_folder(
            top,
            show,
            include_ignored=self.settings.include_ignored,
            include_deps=self.settings.include_deps,
            exclude=self.exclude,
        ):
            if isinstance(item, Skipped):
                yield item
            else:
                yield from self._read(top / item, show(item), named=False)

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
        try:
            info = path.stat() if named else path.lstat()
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
        if self._read_before is not None:
            real = os.path.realpath(path)
            if real in self._read_before:
                return
            self._read_before.add(real)
        limit = self.settings.max_file_size
        if not is_stream and limit is not None and info.st_size > limit:
            yield Skipped(shown, too_large(info.st_size, limit), incomplete=False)
            return
        try:
            if not is_stream and info.st_size <= CHUNK_SIZE:
                yield from fragments_of_bytes(shown, path.read_bytes())
                return
            with path.open("rb") as stream:
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
