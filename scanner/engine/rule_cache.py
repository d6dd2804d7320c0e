"""The bundled rules kept on disk, one entry per version of their files: the parsed TOML as JSON, and the compiled
rules as a pickle (per version of the code that compiles them too). Start-up reads one file instead of parsing
seventy TOML files and compiling 220 rules; a missing or damaged entry is made again, never fatal.

NOTE: the pickle lives in the user's own cache folder ($XDG_CACHE_HOME/keysweep), written by keysweep itself and
never by anything a scanned repository controls; unpickling it is as trusted as the user's home folder.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from msgspec.structs import replace

from scanner.disk_cache import default_cache_dir, key_hash, write_atomically
from scanner.engine.rule import Rule
from scanner.engine.ruleset import compile_rule_file, parse_rule_file, read_rule_bytes

_FORMAT = b"keysweep-rule-tables-1"
_COMPILED = b"keysweep-compiled-rules-1"
_CODE = ("rule.py", "rule_schema.py", "lazy_regex.py", "ruleset.py", "validators.py", "path_globs.py")
"""The modules whose code decides what a compiled rule is: a change to any of them misses the pickled rules."""


def bundled_rules(files: Sequence[Path], cache_dir: Path | None = None, *, examples: bool = True) -> list[Rule]:
    """The rules of `files` compiled (bundled rules: `user=False`), from the cache when these exact files were
    compiled before by this exact code. Without `examples` their `match` and `no_match` lists are left out: a scan
    never reads them, and they were two thirds of the entry a scan read."""
    raws = [read_rule_bytes(file) for file in files]
    digest = key_hash(_COMPILED)
    here = Path(__file__).parent
    for name in _CODE:
        digest.update(name.encode() + b"\0" + key_hash((here / name).read_bytes()).digest())
    for file, raw in zip(files, raws, strict=True):
        # NOTE: the whole path: a compiled rule names the file it came from (`rules list`, error messages), so a
        # second installation of the same rules has its own entry (the path as the rule names it: no resolve())
        digest.update(str(file.absolute()).encode() + b"\0" + key_hash(raw).digest())
    name = digest.hexdigest()[:32]
    entry = (cache_dir or default_cache_dir()) / "rules" / f"{name}.pickle"
    lean = entry.with_name(f"{name}.scan.pickle")
    if not examples and (rules := _read_rules(lean)) is not None:
        return rules
    rules = _read_rules(entry)
    if rules is None:
        parsed = parsed_rule_files(files, cache_dir)
        rules = [r for f, data in zip(files, parsed, strict=True) for r in compile_rule_file(f, data, user=False)]
        _write_rules(entry, rules)
    if examples:
        return rules
    rules = [replace(rule, match=(), no_match=()) for rule in rules]
    _write_rules(lean, rules)
    return rules


def _read_rules(entry: Path) -> list[Rule] | None:
    try:
        rules = pickle.loads(entry.read_bytes())
    except Exception:
        return None
    return rules if isinstance(rules, list) and all(isinstance(r, Rule) for r in rules) else None


def _write_rules(entry: Path, rules: list[Rule]) -> None:
    # NOTE: a rule that cannot be pickled is simply compiled each time
    with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError):
        write_atomically(entry, pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL))


def parsed_rule_files(files: Sequence[Path], cache_dir: Path | None = None) -> list[dict[str, Any]]:
    """Each of `files` parsed (as `read_rule_file` does), from the cache when these exact files were parsed before.

    The entry is keyed by every file's name and bytes, so an edited, added or removed rule file misses it.
    """
    raws = [read_rule_bytes(file) for file in files]
    digest = key_hash(_FORMAT)
    for file, raw in zip(files, raws, strict=True):
        digest.update(file.name.encode() + b"\0" + key_hash(raw).digest())
    entry = (cache_dir or default_cache_dir()) / "rules" / f"{digest.hexdigest()[:32]}.json"
    cached = _read(entry, len(files))
    if cached is not None:
        return cached
    parsed = [parse_rule_file(file, raw) for file, raw in zip(files, raws, strict=True)]
    import json  # NOTE: here and in _read: a start-up whose compiled rules are cached never comes this way

    try:
        encoded = json.dumps(parsed, ensure_ascii=False).encode()
    except (TypeError, ValueError):
        return parsed  # NOTE: a TOML date or time has no JSON form: such rule files are simply parsed each time
    write_atomically(entry, encoded)
    return parsed


def _read(entry: Path, count: int) -> list[dict[str, Any]] | None:
    import json

    try:
        data = json.loads(entry.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, list) or len(data) != count or not all(isinstance(d, dict) for d in data):
        return None
    return data
