"""The hyperscan database is compiled once per keyword set and read from the user's cache after that; a changed
rule set compiles its own, and a damaged cache file is rebuilt, never an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine import matcher

pytest.importorskip("hyperscan")

KEYWORDS = ["sk-proj-", "whsec_", "ghp_"]


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Each keyword set hyperscan compiles."""
    seen: list[tuple[str, ...]] = []
    real = matcher.compile_database

    def counted(keywords: list[str], gates: tuple[bytes, ...] = ()) -> object:
        seen.append(tuple(keywords))
        return real(keywords, gates)

    monkeypatch.setattr(matcher, "compile_database", counted)
    return seen


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "hyperscan").glob("*.db"))


def test_the_second_matcher_for_a_keyword_set_reads_the_cache(tmp_path: Path, compiles: list[tuple[str, ...]]) -> None:
    first = matcher.HyperscanMatcher(KEYWORDS, tmp_path)
    second = matcher.HyperscanMatcher(KEYWORDS, tmp_path)

    assert compiles == [tuple(KEYWORDS)]
    assert len(_entries(tmp_path)) == 1
    text = b"x = 'WHSEC_abc' # and GHP_ too"
    assert first.present(text) == second.present(text) == frozenset({1, 2})


def test_a_changed_keyword_set_compiles_its_own_database(tmp_path: Path, compiles: list[tuple[str, ...]]) -> None:
    matcher.HyperscanMatcher(KEYWORDS, tmp_path)
    changed = matcher.HyperscanMatcher([*KEYWORDS, "xoxb-"], tmp_path)

    assert compiles == [tuple(KEYWORDS), (*KEYWORDS, "xoxb-")]
    assert len(_entries(tmp_path)) == 2
    assert changed.present(b"token: xoxb-123") == frozenset({3})


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty"])
def test_a_damaged_cache_file_is_rebuilt_and_the_matcher_still_finds_keywords(
    tmp_path: Path, compiles: list[tuple[str, ...]], damage: str
) -> None:
    matcher.HyperscanMatcher(KEYWORDS, tmp_path)
    [entry] = _entries(tmp_path)
    good = entry.read_bytes()
    broken = {
        "garbage": b"not a database" * 100,
        "truncated": good[: len(good) // 2],
        "flipped": good[:200] + bytes([good[200] ^ 0xFF]) + good[201:],
        "empty": b"",
    }[damage]
    entry.write_bytes(broken)

    rebuilt = matcher.HyperscanMatcher(KEYWORDS, tmp_path)

    assert rebuilt.present(b"key = sk-proj-abc") == frozenset({0})
    assert compiles == [tuple(KEYWORDS), tuple(KEYWORDS)]
    assert entry.read_bytes() == good


def test_an_unwritable_cache_folder_only_costs_a_compile(tmp_path: Path, compiles: list[tuple[str, ...]]) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would go")

    found = matcher.HyperscanMatcher(KEYWORDS, blocked).present(b"ghp_x")

    assert found == frozenset({2})
    assert compiles == [tuple(KEYWORDS)]


def test_the_cache_lives_under_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    matcher.make_matcher(KEYWORDS, "hyperscan")

    assert len(_entries(tmp_path / "keysweep")) == 1
