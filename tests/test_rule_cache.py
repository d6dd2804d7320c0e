"""The bundled rule files are parsed once per version and read back from the user's cache after that; an edited
rule file is parsed again, and a damaged cache entry is rebuilt, never an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.engine import rule_cache
from scanner.engine.rule import Rule
from scanner.engine.ruleset import load_ruleset


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each rule file whose TOML is parsed."""
    seen: list[str] = []
    real = rule_cache.parse_rule_file

    def counted(path: Path, raw: bytes) -> dict[str, Any]:
        seen.append(path.name)
        return real(path, raw)

    monkeypatch.setattr(rule_cache, "parse_rule_file", counted)
    return seen


def _rules(folder: Path, **texts: str) -> list[Path]:
    folder.mkdir(exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.toml").write_text(text)
    return sorted(folder.glob("*.toml"))


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "rules").glob("*.json"))


def test_rule_files_parsed_once_are_read_from_the_cache(tmp_path: Path, parses: list[str]) -> None:
    files = _rules(tmp_path / "rules", a='x = "one"\n', b="[[rule]]\nid = 'b'\nwindow = 12\n")

    first = rule_cache.parsed_rule_files(files, tmp_path / "cache")
    second = rule_cache.parsed_rule_files(files, tmp_path / "cache")

    assert parses == ["a.toml", "b.toml"]
    assert first == second == [{"x": "one"}, {"rule": [{"id": "b", "window": 12}]}]
    assert len(_entries(tmp_path / "cache")) == 1


def test_an_edited_rule_file_is_parsed_again(tmp_path: Path, parses: list[str]) -> None:
    files = _rules(tmp_path / "rules", a='x = "one"\n', b='y = "two"\n')
    rule_cache.parsed_rule_files(files, tmp_path / "cache")

    files = _rules(tmp_path / "rules", b='y = "changed"\n')
    again = rule_cache.parsed_rule_files(files, tmp_path / "cache")

    assert again == [{"x": "one"}, {"y": "changed"}]
    assert parses == ["a.toml", "b.toml", "a.toml", "b.toml"]
    assert len(_entries(tmp_path / "cache")) == 2


@pytest.mark.parametrize("damage", [b"{not json", b"", b'[{"x": "one"}]', b'"a string"', b"[1, 2]"])
def test_a_damaged_cache_entry_is_parsed_again_and_rewritten(tmp_path: Path, parses: list[str], damage: bytes) -> None:
    files = _rules(tmp_path / "rules", a='x = "one"\n', b='y = "two"\n')
    rule_cache.parsed_rule_files(files, tmp_path / "cache")
    [entry] = _entries(tmp_path / "cache")
    good = entry.read_bytes()
    entry.write_bytes(damage)

    again = rule_cache.parsed_rule_files(files, tmp_path / "cache")

    assert again == [{"x": "one"}, {"y": "two"}]
    assert parses == ["a.toml", "b.toml", "a.toml", "b.toml"]
    assert entry.read_bytes() == good


def test_a_toml_date_has_no_json_form_so_that_file_set_is_parsed_each_time(tmp_path: Path, parses: list[str]) -> None:
    files = _rules(tmp_path / "rules", a="released = 2024-05-01\n")

    rule_cache.parsed_rule_files(files, tmp_path / "cache")
    rule_cache.parsed_rule_files(files, tmp_path / "cache")

    assert parses == ["a.toml", "a.toml"]
    assert _entries(tmp_path / "cache") == []


def test_the_bundled_rules_load_the_same_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    parsed = load_ruleset()
    cached = load_ruleset()

    assert len(_entries(tmp_path / "keysweep")) == 1
    assert [_fields(r) for r in cached.rules] == [_fields(r) for r in parsed.rules]


def _fields(rule: Rule) -> tuple[object, ...]:
    """A rule's every field (rules compare by identity)."""
    return tuple(getattr(rule, name) for name in rule.__struct_fields__)


_RULE = """[[rule]]
id = "acme-token"
description = "Acme token"
keywords = ["acme_"]
regex = '''acme_[a-z0-9]{12}'''
match = ["t = acme_0123456789ab"]
no_match = ["acme_short"]
"""


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each rule file whose rules are compiled."""
    seen: list[str] = []
    real = rule_cache.compile_rule_file

    def counted(path: Path, data: dict[str, Any], *, user: bool = True) -> list[Rule]:
        seen.append(path.name)
        return real(path, data, user=user)

    monkeypatch.setattr(rule_cache, "compile_rule_file", counted)
    return seen


def test_compiled_rules_are_read_back_without_compiling_or_counting_groups(
    tmp_path: Path, compiles: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _rules(tmp_path / "rules", a=_RULE)
    [first] = rule_cache.bundled_rules(files, tmp_path / "cache")
    monkeypatch.setattr("scanner.engine.lazy_regex.count_groups", lambda pattern: pytest.fail("counted again"))

    [again] = rule_cache.bundled_rules(files, tmp_path / "cache")

    assert compiles == ["a.toml"]
    assert (again.id, again.keywords, again.regex.groups) == (first.id, first.keywords, 0)
    assert again.regex.search(b"x acme_0123456789ab y").group() == b"acme_0123456789ab"
    assert again.match[0].text == "t = acme_0123456789ab"


@pytest.mark.parametrize("damage", [b"", b"\x80not a pickle", b"\x80\x05K\x01."])  # the last: a pickled int
def test_a_damaged_compiled_entry_is_compiled_again(tmp_path: Path, compiles: list[str], damage: bytes) -> None:
    files = _rules(tmp_path / "rules", a=_RULE)
    rule_cache.bundled_rules(files, tmp_path / "cache")
    [entry] = (tmp_path / "cache" / "rules").glob("*.pickle")
    entry.write_bytes(damage)

    [rule] = rule_cache.bundled_rules(files, tmp_path / "cache")

    assert (rule.id, compiles) == ("acme-token", ["a.toml", "a.toml"])
    assert entry.read_bytes() != damage


def test_an_edited_rule_file_or_compiling_code_misses_the_compiled_entry(
    tmp_path: Path, compiles: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _rules(tmp_path / "rules", a=_RULE)
    rule_cache.bundled_rules(files, tmp_path / "cache")
    _rules(tmp_path / "rules", a=_RULE.replace("Acme token", "Acme API token"))
    [edited] = rule_cache.bundled_rules(files, tmp_path / "cache")
    monkeypatch.setattr(rule_cache, "_CODE", (*rule_cache._CODE, "matcher.py"))
    rule_cache.bundled_rules(files, tmp_path / "cache")

    assert edited.description == "Acme API token"
    assert compiles == ["a.toml", "a.toml", "a.toml"]


def test_the_same_rules_in_another_folder_name_that_folder(tmp_path: Path, compiles: list[str]) -> None:
    here = _rules(tmp_path / "one", a=_RULE)
    there = _rules(tmp_path / "two", a=_RULE)
    [first] = rule_cache.bundled_rules(here, tmp_path / "cache")

    [second] = rule_cache.bundled_rules(there, tmp_path / "cache")

    assert (first.source, second.source) == (str(here[0]), str(there[0]))
    assert compiles == ["a.toml", "a.toml"]


def test_cache_keys_are_the_same_blake2b_without_cpythons_own_module(monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib
    import sys

    from scanner.disk_cache import key_hash

    own = key_hash(b"rules").hexdigest()
    monkeypatch.setitem(sys.modules, "_blake2", None)  # NOTE: `import _blake2` now raises ImportError

    assert key_hash(b"rules").hexdigest() == own == hashlib.blake2b(b"rules").hexdigest()
    assert key_hash(b"rules!").hexdigest() != own


def test_a_scan_reads_the_rules_without_their_examples_from_an_entry_of_its_own(
    tmp_path: Path, compiles: list[str]
) -> None:
    files = _rules(tmp_path / "rules", a=_RULE)
    [full] = rule_cache.bundled_rules(files, tmp_path / "cache")
    [lean] = rule_cache.bundled_rules(files, tmp_path / "cache", examples=False)
    (tmp_path / "cache" / "rules" / f"{_full_entry(tmp_path).stem}.pickle").unlink()  # the full entry is gone...

    [again] = rule_cache.bundled_rules(files, tmp_path / "cache", examples=False)  # ...and not needed

    assert (full.match[0].text, full.no_match[0].text) == ("t = acme_0123456789ab", "acme_short")
    # NOTE: rules compare by identity (eq=False): compare what they hold
    fields = [f for f in full.__struct_fields__ if f not in ("match", "no_match")]
    assert (
        [getattr(lean, f) for f in fields] == [getattr(again, f) for f in fields] == [getattr(full, f) for f in fields]
    )
    assert (lean.match, lean.no_match, again.match, again.no_match) == ((), (), (), ())
    assert again.regex.search(b"x acme_0123456789ab y").group() == b"acme_0123456789ab"
    assert compiles == ["a.toml"]


def test_a_damaged_scan_entry_is_made_again_from_the_full_one(tmp_path: Path, compiles: list[str]) -> None:
    files = _rules(tmp_path / "rules", a=_RULE)
    rule_cache.bundled_rules(files, tmp_path / "cache", examples=False)
    [scan_entry] = (tmp_path / "cache" / "rules").glob("*.scan.pickle")
    scan_entry.write_bytes(b"\x80\x05K\x01.")  # a pickled int

    [rule] = rule_cache.bundled_rules(files, tmp_path / "cache", examples=False)
    [with_examples] = rule_cache.bundled_rules(files, tmp_path / "cache")

    assert (rule.id, rule.match, rule.no_match) == ("acme-token", (), ())
    assert len(with_examples.match) == len(with_examples.no_match) == 1  # the full entry keeps them
    assert compiles == ["a.toml"]
    assert scan_entry.read_bytes() != b"\x80\x05K\x01."


def _full_entry(tmp_path: Path) -> Path:
    [entry] = [p for p in (tmp_path / "cache" / "rules").glob("*.pickle") if not p.name.endswith(".scan.pickle")]
    return entry
