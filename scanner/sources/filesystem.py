"""Files and folders on disk, walked without following links, binaries and huge files skipped with a reason."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from scanner.config import Settings
from scanner.findings import Finding, Fragment
from scanner.sources import Skipped

_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
_SNIFF = 8192


class FilesystemSource:
    """Every regular file under the given paths."""

    def __init__(self, paths: Sequence[str | Path], settings: Settings) -> None:
        self.paths = [Path(p) for p in paths]
        self.settings = settings
        self.skipped: list[Skipped] = []
        self.notes: list[str] = []
        self.root = self.paths[0] if len(self.paths) == 1 and self.paths[0].is_dir() else None

    def fragments(self) -> Iterator[Fragment]:
        for path in self.paths:
            if not os.path.lexists(path):
                from scanner.errors import SourceError

                raise SourceError(f"{path}: no such file or folder")
            if path.is_dir() and not path.is_symlink():
                yield from self._walk(path)
            else:
                fragment = self._read(path, self._display(path))
                if fragment is not None:
                    yield fragment

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings)

    def _walk(self, top: Path) -> Iterator[Fragment]:
        def on_error(exc: OSError) -> None:
            self.skipped.append(Skipped(self._display(Path(exc.filename or top)), f"unreadable: {exc.strerror}"))

        for folder, dirs, files in os.walk(top, onerror=on_error):
            for name in dirs:
                if os.path.islink(os.path.join(folder, name)):
                    self.skipped.append(Skipped(self._display(Path(folder, name)), "symbolic link (not followed)"))
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not os.path.islink(os.path.join(folder, d)))
            for name in sorted(files):
                full = Path(folder, name)
                fragment = self._read(full, self._display(full))
                if fragment is not None:
                    yield fragment

    def _display(self, path: Path) -> str:
        if self.root is not None:
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return path.as_posix()

    def _read(self, path: Path, shown: str) -> Fragment | None:
        if self.settings.allow_paths and any(fnmatch.fnmatch(shown, g) for g in self.settings.allow_paths):
            return None
        try:
            info = path.lstat()
        except OSError as exc:
            self.skipped.append(Skipped(shown, f"unreadable: {exc.strerror}"))
            return None
        if path.is_symlink():
            self.skipped.append(Skipped(shown, "symbolic link (not followed)"))
            return None
        if not path.is_file():
            return None
        limit = self.settings.max_file_size
        if info.st_size > limit:
            self.skipped.append(Skipped(shown, f"too large ({_mb(info.st_size)} > {_mb(limit)})"))
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.skipped.append(Skipped(shown, f"unreadable: {exc.strerror}"))
            return None
        if b"\0" in data[:_SNIFF]:
            self.skipped.append(Skipped(shown, "binary"))
            return None
        return Fragment(path=shown, data=data)


class BufferSource:
    """One in-memory buffer: standard input (path `-`), rule examples, tests."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data
        self.skipped: list[Skipped] = []
        self.notes: list[str] = []

    def fragments(self) -> Iterator[Fragment]:
        if b"\0" in self.data[:_SNIFF]:
            self.skipped.append(Skipped(self.path, "binary"))
            return
        yield Fragment(path=self.path, data=self.data)

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
