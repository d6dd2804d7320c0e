"""What every source shares: the binary rule, the size wording, the one allowed-paths check, and skips and
notes that arrive in the stream, in the order they were met."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.config import Settings
from scanner.findings import Fragment, Skipped
from scanner.sources import BINARY_SNIFF, MIB, expand, is_binary, too_large
from scanner.sources.filesystem import BufferSource, FilesystemSource


@pytest.mark.parametrize(("nul_at", "binary"), [(0, True), (BINARY_SNIFF - 1, True), (BINARY_SNIFF, False)])
def test_a_nul_byte_makes_content_binary_only_within_the_first_8000_bytes(nul_at: int, binary: bool) -> None:
    assert BINARY_SNIFF == 8000  # git's own rule
    assert is_binary(b"a" * nul_at + b"\0" + b"a" * 10) is binary


def test_too_large_says_mib_and_means_it() -> None:
    assert too_large(12 * MIB + MIB // 2, 10 * MIB) == "too large (12.5 MiB > 10.0 MiB)"
    assert too_large(None, 10 * MIB) == "too large (> 10.0 MiB)"  # a stream is not read past the limit
    assert MIB == 1_048_576


@pytest.mark.parametrize(("size", "read"), [(999, True), (1000, True), (1001, False)])
def test_a_file_is_read_up_to_the_size_limit_inclusive(tmp_path: Path, size: int, read: bool) -> None:
    (tmp_path / "f.txt").write_bytes(b"x" * size)

    [item] = expand(FilesystemSource([tmp_path], Settings(max_file_size=1000)).read())

    assert isinstance(item, Fragment) is read
    if not read:
        assert item == Skipped("f.txt", "too large (1001 bytes > 1000 bytes)", incomplete=False)


def test_allowed_paths_are_one_check_on_the_path_relative_to_the_root() -> None:
    settings = Settings(allow_paths=("docs/*", "*.lock", "-"))

    assert [settings.is_allowed_path(p) for p in ("docs/a.md", "src/docs/a.md", "yarn.lock", "-", "a.py")] == [
        True,
        False,
        True,
        True,
        False,
    ]


def test_skips_come_in_the_stream_where_they_were_met(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "b.bin").write_bytes(b"\0b")
    (tmp_path / "c.txt").write_text("c\n")
    (tmp_path / "d.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "skip.txt").write_text("never read\n")

    items = list(expand(FilesystemSource([tmp_path], Settings(allow_paths=("skip.*",))).read()))

    assert [(type(i).__name__, getattr(i, "path", None)) for i in items] == [
        ("Fragment", "a.txt"),
        ("Skipped", "b.bin"),
        ("Fragment", "c.txt"),
        ("Skipped", "d.txt"),
        ("Skipped", "skip.txt"),  # listed, never read: the user's allow_paths exempts it
    ]
    assert list(BufferSource("-", b"\0x").read()) == [Skipped("-", "binary", incomplete=False)]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.text(alphabet="ab/.*?[]!-", max_size=8), max_size=4),
    st.lists(st.text(alphabet="ab/.-[]!", max_size=10), min_size=1, max_size=6),
)
def test_allowed_paths_read_each_glob_as_fnmatch_does(globs: list[str], paths: list[str]) -> None:
    """The globs are matched as one regex; each path's answer is still what `fnmatch` says of some glob."""
    config = Settings(allow_paths=tuple(globs))

    for path in paths:
        assert config.is_allowed_path(path) == any(fnmatch.fnmatch(path, glob) for glob in globs), (path, globs)
