"""A rule's `paths`: gitignore-style globs over the fragment's path, compiled once per scan into one regex.

`*` and `?` stay inside one path segment, `**` spans segments, a glob without `/` matches the file name in any
folder (`.netrc`, `*.pgpass`), and one with `/` matches from the scan root (`**/.docker/config.json`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def compile_globs(globs: Sequence[str]) -> re.Pattern[str]:
    """One regex that fullmatches the paths any of `globs` selects."""
    return re.compile("|".join(f"(?:{_glob(g)})" for g in globs))


def _glob(glob: str) -> str:
    anchored = "/" in glob.rstrip("/")
    body = glob.strip("/")
    out = [] if anchored else ["(?:.*/)?"]
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    return "".join(out)
