"""Which files a folder scan reads: git's own list inside a work tree (tracked, plus untracked but not ignored),
else an iterative walk that follows no links; dependency folders and keysweep's own rule files are passed over
and listed."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from scanner.findings import Skipped
from scanner.sources import git_runner

DEPENDENCY_FOLDERS = frozenset({"node_modules", "site-packages", "dist-packages", "vendor", "bower_components"})
"""Folders of third-party code, by name; a folder holding `pyvenv.cfg` (a virtualenv) is one too."""
DEPENDENCY = "dependency folder (--include-deps scans it)"
OWN_RULES = "keysweep's own rule files"
_VCS = frozenset({".git", ".hg", ".svn"})


def list_folder(
    top: Path,
    show: Callable[[str], str],
    *,
    include_ignored: bool = False,
    include_deps: bool = False,
    exclude: Sequence[Path] = (),
) -> Iterator[str | Skipped]:
    """The files to read under `top`, as POSIX paths relative to it, and what is passed over (paths through
    `show`). Inside a git work tree git's list is used (unless `include_ignored`), else the folder is walked.

    Folders the user named are read whatever their name; dependency folders found inside are listed, not read
    (unless `include_deps`). Nested repositories and submodules are listed by their own git.
    """
    own = _excluded(top, exclude)
    if "" in own:
        yield Skipped(show("."), OWN_RULES, incomplete=False)
        return
    queue = [""]
    root = os.fspath(top)
    while queue:
        prefix = queue.pop(0)
        folder = top / prefix if prefix else top
        files = None if include_ignored else git_runner.work_tree_files(folder)
        if files is None:
            # NOTE: a repository met while walking is listed by its own git, like the top one.
            nested: list[str] | None = None if include_ignored else queue
            yield from _walk(top, prefix, show, own, nested, include_deps=include_deps)
            continue
        venvs = {name.rpartition("/")[0] for name in files if name.rpartition("/")[2] == "pyvenv.cfg"}
        passed: set[str] = set()
        for name in sorted(files):
            relative = f"{prefix}/{name}" if prefix else name
            reason = None if include_deps else _dependency(name, venvs)
            skip = reason or next((x for x in own if _is_under(relative, x)), None)
            if skip is not None:
                where = f"{prefix}/{skip}" if prefix and reason else skip
                if where not in passed:
                    passed.add(where)
                    yield Skipped(show(where), DEPENDENCY if reason else OWN_RULES, incomplete=False)
                continue
            if name.endswith("/") or _is_folder(os.path.join(root, relative)):
                queue.append(relative.rstrip("/"))  # a nested repository or a submodule: its own git lists it
                continue
            yield relative


def _walk(
    top: Path,
    start: str,
    show: Callable[[str], str],
    own: set[str],
    repositories: list[str] | None,
    *,
    include_deps: bool,
) -> Iterator[str | Skipped]:
    """Every entry under `top/start`, depth first in name order, without recursion (any depth) or links; a
    folder below `start` holding `.git` is added to `repositories` (when given) instead of being walked."""
    stack = [start]
    while stack:
        prefix = stack.pop()
        folder = top / prefix if prefix else top
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield Skipped(show(prefix or "."), f"unreadable: {exc.strerror}", incomplete=True)
            continue
        if prefix != start and not include_deps and any(e.name == "pyvenv.cfg" for e in entries):
            yield Skipped(show(prefix), DEPENDENCY, incomplete=False)
            continue
        if prefix != start and repositories is not None and any(e.name == ".git" for e in entries):
            repositories.append(prefix)
            continue
        folders = []
        for entry in entries:
            relative = f"{prefix}/{entry.name}" if prefix else entry.name
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            if not is_folder:
                yield relative
            elif entry.name in _VCS:
                continue
            elif relative in own:
                yield Skipped(show(relative), OWN_RULES, incomplete=False)
            elif not include_deps and entry.name in DEPENDENCY_FOLDERS:
                yield Skipped(show(relative), DEPENDENCY, incomplete=False)
            else:
                folders.append(relative)
        stack.extend(reversed(folders))


def _excluded(top: Path, exclude: Sequence[Path]) -> set[str]:
    """The folders of `exclude` that lie under `top`, relative to it ("" for `top` itself)."""
    base = os.path.realpath(top)
    out = set()
    for folder in exclude:
        relative = os.path.relpath(os.path.realpath(folder), base)
        if relative == ".":
            out.add("")
        elif not relative.startswith(".." + os.sep) and relative != "..":
            out.add(Path(relative).as_posix())
    return out


def _dependency(name: str, venvs: set[str]) -> str | None:
    """The dependency folder `name` lies in (relative to the listing), if any."""
    parts = name.split("/")[:-1]
    for depth, part in enumerate(parts, start=1):
        folder = "/".join(parts[:depth])
        if part in DEPENDENCY_FOLDERS or folder in venvs:
            return folder
    return None


def _is_folder(path: str) -> bool:
    """A folder itself, not a link to one (one `lstat`, no pathlib: it runs for every file git lists)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:  # listed by git but deleted from the working tree
        return False


def _is_under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")
