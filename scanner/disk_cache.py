"""The user's cache folder for what the engine derives from the rules (`$XDG_CACHE_HOME/keysweep`), and whole-file
writes into it: a reader sees an old entry or a complete new one, and a failed write only costs speed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def key_hash(data: bytes = b"") -> Any:
    """A hash object (`update`, `digest`, `hexdigest`) for naming cache entries: BLAKE2b from CPython's own
    module, without loading OpenSSL as `import hashlib` does (4 ms of every commit's wait); hashlib's where
    that module is not built."""
    try:
        from _blake2 import blake2b
    except ImportError:  # NOTE: an interpreter built without its own hashes
        from hashlib import blake2b
    return blake2b(data)


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
