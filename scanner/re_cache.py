"""keysweep's own regexes built from programs kept on disk: `re` parses and compiles a regex in Python, and the ~130
a folder scan compiles (its modules' and its bundled rules') took ~27 ms of every run, the hook's ~50 about 7 ms.

`compile` is `re.compile` for regexes keysweep writes itself. The first process to compile one keeps what `re`'s
compiler made of it (the program `_sre` runs, its flags and groups) in `$XDG_CACHE_HOME/keysweep/regex/`, one
file per interpreter build; later processes hand that program to `_sre.compile` as `re` itself does, and get the
same pattern (`==` compares the programs; the suite checks every bundled one). `_sre` checks each program it is
given: a damaged or foreign entry raises there and the regex is compiled, never used wrong.

NOTE: never a regex built from scanned content (a heading's text) or from a user's configuration (path globs): the
cache would keep what it was made from on disk, and grow with every repository and config.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import re
import sys
from array import array
from typing import TYPE_CHECKING, Any, AnyStr, overload

from scanner.disk_cache import default_cache_dir, key_hash, write_atomically

if TYPE_CHECKING:
    from pathlib import Path

_WORD = next((t for t in "IL" if array(t).itemsize == _sre.CODESIZE), "")
"""The array type of one `_sre` code word (4 bytes where CPython is built as usual; none: nothing is kept)."""
_FORMAT = "keysweep-regex-programs-2"
"""What the file holds: another format names another file, so an old one is never read as this one."""
_MOST = 4096
"""Programs kept at most: past this, a save starts the file again from what its process compiled."""
_state: dict[str, Any] = {}
"""`programs` (read from disk on first use: a forked worker inherits its parent's), `learned` (compiled here since
the last save) and `entry` (the file), per process."""


@overload
def compile(pattern: str, flags: int = 0) -> re.Pattern[str]: ...
@overload
def compile(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]: ...
@overload
def compile(pattern: str | bytes, flags: int = 0) -> re.Pattern[Any]: ...
def compile(pattern: Any, flags: int = 0) -> re.Pattern[Any]:
    """`re.compile(pattern, flags)`, from the program kept on disk when there is one."""
    flags = int(flags)
    programs = _programs()
    kept = programs.get((pattern, flags))
    if kept is not None:
        try:
            return _build(pattern, kept)
        except Exception:  # a damaged entry (`_sre` refused its program): compile it again
            del programs[(pattern, flags)]
    try:
        program = _program(pattern, flags)
        compiled = _build(pattern, program)
    except re.error:
        raise
    except Exception:  # NOTE: an interpreter whose `re` is made otherwise: it compiles, as it always does
        return re.compile(pattern, flags)
    programs[(pattern, flags)] = program
    if not _state["learned"]:
        import atexit

        atexit.register(save)
    _state["learned"][(pattern, flags)] = program
    return compiled


def save() -> None:
    """Add what this process compiled to the file (merged with what others wrote since it was read). The parent
    saves at exit; a worker process, whose exit skips `atexit`, when its pool stops it (`engine.workers`)."""
    learned = _state.get("learned")
    if not learned:
        return
    import marshal

    entry = _state["entry"]
    kept = _read(entry)
    kept = {} if len(kept) + len(learned) > _MOST else kept
    kept.update(learned)
    learned.clear()
    write_atomically(entry, marshal.dumps(kept))


def _programs() -> dict[tuple[Any, int], tuple[Any, ...]]:
    if "programs" not in _state:
        import marshal

        build = f"{_FORMAT}\0{sys.implementation.cache_tag}\0{sys.version}\0{_sre.MAGIC}\0{marshal.version}"
        entry = default_cache_dir() / "regex" / f"{key_hash(build.encode()).hexdigest()[:32]}.marshal"
        _state.update(programs=_read(entry), learned={}, entry=entry)
    programs: dict[tuple[Any, int], tuple[Any, ...]] = _state["programs"]
    return programs


def _read(entry: Path) -> dict[tuple[Any, int], tuple[Any, ...]]:
    import marshal

    try:
        kept = marshal.loads(entry.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return kept if isinstance(kept, dict) else {}


def _program(pattern: AnyStr, flags: int) -> tuple[Any, ...]:
    """What `re._compiler.compile` hands to `_sre.compile` after the pattern: its flags, program and groups."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    # NOTE: the program as bytes of `_sre`'s code words: a file of 550 programs read as lists of ints took 1.6 ms
    code = array(_WORD, _compiler._code(parsed, flags)).tobytes()
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))


def _build(pattern: AnyStr, program: tuple[Any, ...]) -> re.Pattern[AnyStr]:
    flags, code, groups, groupindex, indexgroup = program
    words = array(_WORD)
    words.frombytes(code)
    compiled: re.Pattern[AnyStr] = _sre.compile(pattern, flags, words.tolist(), groups, groupindex, indexgroup)
    return compiled
