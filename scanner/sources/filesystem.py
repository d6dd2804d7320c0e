"""Files and folders on disk, walked without following links, binaries and huge files skipped with a reason;
and in-memory buffers (stdin)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from scanner.config import Settings
from scanner.errors import SourceError
from scanner.findings import Finding, Fragment, Skipped
from scanner.sources import Item, is_binary, too_large

_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})


class FilesystemSource:
    """Every regular file under the given paths."""

    def __init__(self, paths: Sequence[str | Path], settings: Settings) -> None:
        self.paths = [Path(p) for p in paths]
        self.settings = settings
        self.root = self.paths[0] if len(self.paths) == 1 and self.paths[0].is_dir() else None

    def read(self) -> Iterator[Item]:
        for path in self.paths:
            if not os.path.lexists(path):
                raise SourceError(f"{path}: no such file or folder")
            if path.is_dir() and not path.is_symlink():
                yield from self._walk(path)
            else:
                yield from self._read(path, self._display(path))

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings)

    def _walk(self, top: Path) -> Iterator[Item]:
        errors: list[Skipped] = []

        def on_error(exc: OSError) -> None:
            errors.append(Skipped(self._display(Path(exc.filename or top)), f"unreadable: {exc.strerror}"))

        for folder, dirs, files in os.walk(top, onerror=on_error):
            yield from errors
            errors.clear()
            for name in dirs:
                if os.path.islink(os.path.join(folder, name)):
                    yield Skipped(self._display(Path(folder, name)), "symbolic link (not followed)")
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not os.path.islink(os.path.join(folder, d)))
            for name in sorted(files):
                full = Path(folder, name)
                yield from self._read(full, self._display(full))
        yield from errors

    def _display(self, path: Path) -> str:
        if self.root is not None:
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return path.as_posix()

    def _read(self, path: Path, shown: str) -> Iterator[Item]:
        if self.settings.is_allowed_path(shown):
            return
        try:
            info = path.lstat()
        except OSError as exc:
            yield Skipped(shown, f"unreadable: {exc.strerror}")
            return
        if path.is_symlink():
            yield Skipped(shown, "symbolic link (not followed)")
            return
        if not path.is_file():
            return
        limit = self.settings.max_file_size
        if info.st_size > limit:
            yield Skipped(shown, too_large(info.st_size, limit))
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield Skipped(shown, f"unreadable: {exc.strerror}")
            return
        yield Skipped(shown, "binary") if is_binary(data) else Fragment(path=shown, data=data)


class BufferSource:
    """One in-memory buffer: standard input (path `-`), rule examples, tests."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data

    def read(self) -> Iterator[Item]:
        yield Skipped(self.path, "binary") if is_binary(self.data) else Fragment(path=self.path, data=self.data)

    def attribute(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings)
