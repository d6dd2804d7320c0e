"""keysweep's own regexes are built from the programs `re` made of them in an earlier run: the same patterns (`==`
compares the programs `_sre` runs), a damaged or foreign cache compiled again, a worker's regexes kept too, and
nothing of what a scan reads ever written there."""

from __future__ import annotations

import marshal
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from scanner import re_cache
from scanner.engine import decoders, glue, inline, placeholders
from scanner.engine.detector import Detector
from scanner.engine.lazy_regex import LazyPattern
from scanner.engine.ruleset import load_ruleset
from scanner.scan import scan_bytes


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh process's view: an empty cache folder, nothing read from it yet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(re_cache, "_state", {})
    return tmp_path / "keysweep" / "regex"


def _next_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the next run sees: the file, read afresh."""
    monkeypatch.setattr(re_cache, "_state", {})


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every pattern `re`'s parser is asked to parse from here on (a kept program needs none)."""
    parsed: list[Any] = []
    real = re_cache._program

    def counted(pattern: Any, flags: int) -> tuple[Any, ...]:
        parsed.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(re_cache, "_program", counted)
    return parsed


def _kept(cache: Path) -> dict[tuple[Any, int], Any]:
    (entry,) = cache.glob("*.marshal")
    kept: dict[tuple[Any, int], Any] = marshal.loads(entry.read_bytes())
    return kept


def _bundled_sources() -> list[bytes | str]:
    sources = [r.regex.pattern for r in load_ruleset().rules if isinstance(r.regex, LazyPattern)]
    assert len(sources) > 200
    return sources


def test_every_bundled_rule_regex_is_the_same_pattern_from_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _bundled_sources()
    first = [re_cache.compile(s) for s in sources]
    re_cache.save()
    _next_process(monkeypatch)
    parsed = _no_compiling(monkeypatch)

    again = [re_cache.compile(s) for s in sources]

    assert parsed == []
    # NOTE: Pattern == compares the flags and the program itself, not just the source
    assert first == again == [re.compile(s) for s in sources]
    assert len(_kept(cache)) == len(set(sources))


@pytest.mark.parametrize(
    ("module", "name"),
    [(placeholders, "_WORDS"), (placeholders, "_OWN_KIND"), (inline, "_KEYSWEEP"), (decoders, "_SECRET_KIND")],
)
def test_module_regexes_with_flags_and_groups_come_back_whole(
    cache: Path, monkeypatch: pytest.MonkeyPatch, module: Any, name: str
) -> None:
    real: re.Pattern[Any] = getattr(module, name)
    re_cache.compile(real.pattern, real.flags & ~re.UNICODE)
    re_cache.save()
    _next_process(monkeypatch)
    parsed = _no_compiling(monkeypatch)

    again = re_cache.compile(real.pattern, real.flags & ~re.UNICODE)

    assert parsed == []
    assert again == real
    assert (again.flags, again.groups, again.groupindex) == (real.flags, real.groups, real.groupindex)


def test_named_groups_survive_the_round_trip(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    re_cache.compile(r"(?P<key>[a-z]+)=(?P<value>\d+)(x)?")
    re_cache.save()
    _next_process(monkeypatch)

    again = re_cache.compile(r"(?P<key>[a-z]+)=(?P<value>\d+)(x)?")

    assert again.groupindex == {"key": 1, "value": 2}
    match = again.fullmatch("port=8080x")
    assert match is not None and match.group("key", "value", 3) == ("port", "8080", "x")
    named_last = again.match("port=8080")
    assert named_last is not None and named_last.lastgroup == "value"  # the index-to-name table came back too


def test_verbose_regexes_are_parsed_with_their_flags(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = r"""
        (?P<user> [a-z]+ )   # a name
        @ example \. com     # and the domain
    """
    first = re_cache.compile(source, re.VERBOSE)
    re_cache.save()
    _next_process(monkeypatch)

    again = re_cache.compile(source, re.VERBOSE)

    assert first == again == re.compile(source, re.VERBOSE)
    assert again.fullmatch("ops@example.com") is not None


def test_a_pattern_compiled_twice_in_one_process_is_parsed_once(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _no_compiling(monkeypatch)

    one, two = re_cache.compile(rb"ab+c"), re_cache.compile(rb"ab+c")

    assert parsed == [rb"ab+c"]
    assert one == two == re.compile(rb"ab+c")


def test_flags_are_part_of_the_key(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    re_cache.compile("abc")
    re_cache.save()
    _next_process(monkeypatch)
    parsed = _no_compiling(monkeypatch)

    caseless = re_cache.compile("abc", re.IGNORECASE)

    assert parsed == ["abc"]
    assert caseless.match("ABC") and caseless == re.compile("abc", re.IGNORECASE)


def test_a_process_saves_at_exit_once_it_has_compiled_something_new(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import atexit

    registered: list[Callable[[], None]] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    re_cache.compile("kept-before")
    re_cache.save()
    registered.clear()
    _next_process(monkeypatch)

    re_cache.compile("kept-before")
    assert registered == []  # nothing new: nothing to save
    re_cache.compile("new-one")
    assert registered == [re_cache.save]
    re_cache.compile("new-two")
    assert registered == [re_cache.save]  # once a process


def test_nothing_is_written_before_something_new_is_compiled(cache: Path) -> None:
    re_cache.save()
    assert not cache.exists()


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", marshal.dumps(["not", "a", "dict"]), b"\xe9" * 100])
def test_a_damaged_file_costs_a_compile_and_is_rewritten(
    cache: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes
) -> None:
    re_cache.compile(r"\d{3}-\d{4}")
    re_cache.save()
    (entry,) = cache.glob("*.marshal")
    entry.write_bytes(damage)
    _next_process(monkeypatch)

    again = re_cache.compile(r"\d{3}-\d{4}")
    re_cache.save()

    assert again == re.compile(r"\d{3}-\d{4}")
    assert list(_kept(cache)) == [(r"\d{3}-\d{4}", 0)]


def test_a_damaged_program_is_refused_by_sre_and_compiled_again(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    re_cache.compile(r"a(b|c)*d")
    re_cache.save()
    (entry,) = cache.glob("*.marshal")
    kept = _kept(cache)
    flags, code, *rest = kept[(r"a(b|c)*d", 0)]
    assert len(code) > 12  # the program's second and third words are overwritten
    kept[(r"a(b|c)*d", 0)] = (flags, code[:4] + b"\xff" * 8 + code[12:], *rest)
    entry.write_bytes(marshal.dumps(kept))
    _next_process(monkeypatch)
    parsed = _no_compiling(monkeypatch)

    again = re_cache.compile(r"a(b|c)*d")
    re_cache.save()

    assert parsed == [r"a(b|c)*d"]
    assert again == re.compile(r"a(b|c)*d")
    assert _kept(cache)[(r"a(b|c)*d", 0)][1] == code


def test_another_interpreter_build_keeps_its_own_file(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    re_cache.compile("abc")
    re_cache.save()
    _next_process(monkeypatch)
    monkeypatch.setattr(re_cache.sys, "version", re_cache.sys.version + " (another build)")
    parsed = _no_compiling(monkeypatch)

    re_cache.compile("abc")
    re_cache.save()

    assert parsed == ["abc"]
    assert len(list(cache.glob("*.marshal"))) == 2


def test_a_save_adds_to_what_other_processes_wrote_since(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    re_cache.compile("one")
    re_cache.save()
    _next_process(monkeypatch)
    re_cache.compile("two")  # this process read the file holding `one`...
    (entry,) = cache.glob("*.marshal")
    kept = _kept(cache)
    kept[("three", 0)] = re_cache._program("three", 0)  # ...and another process added `three` since
    entry.write_bytes(marshal.dumps(kept))

    re_cache.save()

    assert set(_kept(cache)) == {("one", 0), ("two", 0), ("three", 0)}


def test_what_was_saved_is_not_saved_again(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    re_cache.compile("one")
    re_cache.save()
    (entry,) = cache.glob("*.marshal")
    entry.unlink()

    re_cache.save()

    assert not entry.exists()


@pytest.mark.parametrize(("kept", "starts_again"), [(2, False), (3, True)])
def test_the_file_starts_again_past_its_most_programs(
    cache: Path, monkeypatch: pytest.MonkeyPatch, kept: int, starts_again: bool
) -> None:
    monkeypatch.setattr(re_cache, "_MOST", 3)
    for n in range(kept):
        re_cache.compile(f"old{n}")
    re_cache.save()
    _next_process(monkeypatch)

    re_cache.compile("new")
    re_cache.save()

    expected = {("new", 0)} if starts_again else {("new", 0), *((f"old{n}", 0) for n in range(kept))}
    assert set(_kept(cache)) == expected


def test_a_bad_regex_fails_as_re_fails_and_is_not_kept(cache: Path) -> None:
    with pytest.raises(re.error, match="missing \\), unterminated subpattern"):
        re_cache.compile("(abc")
    re_cache.save()
    assert not cache.exists()


def test_an_interpreter_whose_re_is_made_otherwise_compiles_as_re_does(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def elsewhere(pattern: Any, flags: int) -> tuple[Any, ...]:
        raise AttributeError("module 're' has no attribute '_compiler'")

    monkeypatch.setattr(re_cache, "_program", elsewhere)

    compiled = re_cache.compile(r"x+y", re.IGNORECASE)
    re_cache.save()

    assert compiled == re.compile(r"x+y", re.IGNORECASE)
    assert not cache.exists()


def _compile_in_worker(pattern: str) -> bool:
    return re_cache.compile(pattern).fullmatch("worker-42") is not None


@pytest.mark.parametrize("save_in_worker", [True, False])
def test_a_worker_keeps_what_it_compiled_when_its_pool_stops_it(
    cache: Path, monkeypatch: pytest.MonkeyPatch, save_in_worker: bool
) -> None:
    import multiprocessing

    from scanner.engine import workers

    detector = Detector(load_ruleset())
    initializer: Callable[..., None] = workers._adopt
    if not save_in_worker:  # the control: without the worker's own save, its exit keeps nothing
        initializer = lambda _detector: None  # noqa: E731
    pool = ProcessPoolExecutor(1, multiprocessing.get_context("fork"), initializer=initializer, initargs=(detector,))
    with pool:
        assert pool.submit(_compile_in_worker, r"worker-\d+").result()

    assert cache.exists() == save_in_worker
    if save_in_worker:
        assert list(_kept(cache)) == [(r"worker-\d+", 0)]


def test_nothing_a_scan_reads_reaches_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # NOTE: the sample page glues a heading onto a key (`…Kj3XDocker / Compose`): the glue reader looks that
    # heading up with a regex made of the page's own text, which must stay out of the cache
    page = (Path(__file__).parent / "data" / "nexus-api-reference.txt").read_bytes()
    looked_up: list[Any] = []
    real = glue.re.compile

    def heading_regex(pattern: Any, flags: int = 0) -> re.Pattern[Any]:
        looked_up.append(pattern)
        return real(pattern, flags)

    with monkeypatch.context() as patched:
        patched.setattr(glue.re, "compile", heading_regex)
        findings = scan_bytes(page, load_ruleset(), path="docs/nexus.md")
    re_cache.save()

    assert any(isinstance(p, bytes) and b"Docker" in p for p in looked_up), "the glued heading was looked up"
    assert len({f.secret_id for f in findings}) >= 5
    written = b"".join(p.read_bytes() for p in cache.glob("*.marshal"))
    assert written, "the scan compiled keysweep's own regexes and kept them"
    assert b"Docker" not in written and b"Compose" not in written
    for finding in findings:
        assert finding.secret.encode() not in written
