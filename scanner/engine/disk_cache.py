"""The user's cache folder for what the engine derives from the rules (`$XDG_CACHE_HOME/keysweep`), and whole-file
writes into it: a reader sees an old entry or a complete new one, and a failed write only costs speed."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/keysweep (~/.cache/keysweep when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "keysweep"


def write_atomically(entry: Path, data: bytes) -> None:
    """`data` into `entry` whole or not at all; a read-only or full disk is not an error (the cache is optional)."""
    import tempfile

    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, entry)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
