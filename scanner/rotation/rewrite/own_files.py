"""keysweep's own files, which no rewrite touches: its config (`.keysweep.toml`, the `[tool.keysweep]` tables of
`pyproject.toml`) and its baselines. An org ID there is what keysweep itself reads (rewriting it breaks the next
rotation); a baseline holds fingerprints, not references."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection
from pathlib import Path

BASELINES = frozenset({".keysweep-baseline.json", ".secrets.baseline", ".gitleaksignore"})
_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def own_file_reason(path: str, text: str, line: int, baselines: Collection[str] = ()) -> str | None:
    """Why the literal at `line` of `path` belongs to keysweep itself, or None when it does not.

    `baselines`: more baseline paths (relative to the root, like `path`), the one the config names.
    """
    name = posixpath.basename(path)
    if name == ".keysweep.toml":
        return "keysweep's own config"
    if name in BASELINES or path in baselines:
        return "a keysweep baseline"
    if name == "pyproject.toml" and _table_at(text, line).split(".")[:2] == ["tool", "keysweep"]:
        return "keysweep's own config ([tool.keysweep] in pyproject.toml)"
    return None


def baseline_under(baseline: Path | None, root: Path | str) -> tuple[str, ...]:
    """The configured baseline as a path relative to `root`, when it lies inside it (for `baselines`)."""
    if baseline is None:
        return ()
    try:
        return (Path(baseline).resolve().relative_to(Path(root).resolve()).as_posix(),)
    except ValueError:
        return ()


def _table_at(text: str, line: int) -> str:
    """The TOML table header that `line` (1-based) sits under; '' before the first one."""
    table = ""
    for number, content in enumerate(text.split("\n"), start=1):
        if number > line:
            break
        m = _TABLE.match(content)
        if m:
            table = re.sub(r"\s*\.\s*", ".", m.group(1)).replace('"', "")
    return table
