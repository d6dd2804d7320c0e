"""The bundled rule files' parsed TOML kept on disk as JSON, one entry per version of those files: start-up reads
one JSON file instead of parsing seventy TOML files; a missing or damaged entry is parsed again, never fatal."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.engine.disk_cache import default_cache_dir, write_atomically
from scanner.engine.ruleset import parse_rule_file, read_rule_bytes

_FORMAT = b"keysweep-rule-tables-1"


def parsed_rule_files(files: Sequence[Path], cache_dir: Path | None = None) -> list[dict[str, Any]]:
    """Each of `files` parsed (as `read_rule_file` does), from the cache when these exact files were parsed before.

    The entry is keyed by every file's name and bytes, so an edited, added or removed rule file misses it.
    """
    raws = [read_rule_bytes(file) for file in files]
    digest = hashlib.sha256(_FORMAT)
    for file, raw in zip(files, raws, strict=True):
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(raw).digest())
    entry = (cache_dir or default_cache_dir()) / "rules" / f"{digest.hexdigest()[:32]}.json"
    cached = _read(entry, len(files))
    if cached is not None:
        return cached
    parsed = [parse_rule_file(file, raw) for file, raw in zip(files, raws, strict=True)]
    try:
        encoded = json.dumps(parsed, ensure_ascii=False).encode()
    except (TypeError, ValueError):
        return parsed  # NOTE: a TOML date or time has no JSON form: such rule files are simply parsed each time
    write_atomically(entry, encoded)
    return parsed


def _read(entry: Path, count: int) -> list[dict[str, Any]] | None:
    try:
        data = json.loads(entry.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, list) or len(data) != count or not all(isinstance(d, dict) for d in data):
        return None
    return data
