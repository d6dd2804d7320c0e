"""Bad input gets a clear line in the summary, never a crash, and never hides the secrets around it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.config import Settings
from scanner.engine.ruleset import load_rule_file
from scanner.errors import RuleError
from scanner.scan import scan_paths


def test_binary_files_are_skipped_with_a_reason(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01" + make_key().encode())
    result = scan_paths([tmp_path], Settings())
    assert result.findings == []
    assert [(s.path, s.reason) for s in result.skipped] == [("blob.bin", "binary")]


def test_files_over_the_size_limit_are_skipped_and_said(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "big.txt").write_text(make_key() + "\n" + "a" * 2000)
    result = scan_paths([tmp_path], Settings(max_file_size=1000))
    assert result.findings == []
    assert result.skipped[0].reason.startswith("too large")


def test_invalid_utf8_does_not_hide_a_key_or_shift_its_column(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key()
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9 \xff\xfe " + key.encode() + b"\n")
    [finding] = scan_paths([tmp_path], Settings()).findings
    assert finding.secret == key
    assert (finding.line, finding.column) == (1, 9)  # each bad byte counts as one character


def test_symlink_loops_and_dangling_links_are_not_followed(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "loop").symlink_to(tmp_path)
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    (tmp_path / "real.txt").write_text(make_key())
    result = scan_paths([tmp_path], Settings())
    assert [f.path for f in result.findings] == ["real.txt"]
    assert {s.path for s in result.skipped} == {"loop", "dangling"}


def test_unreadable_file_is_reported_not_fatal(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # not a regular file: must be passed over without blocking
    (tmp_path / "ok.txt").write_text(make_key())
    result = scan_paths([tmp_path], Settings())
    assert [f.path for f in result.findings] == ["ok.txt"]


def test_malformed_rule_file_names_the_file_and_rule(tmp_path: Path) -> None:
    bad = tmp_path / "custom.toml"
    bad.write_text('[[rule]]\nid = "my-rule"\ndescription = "x"\nkeywords = ["x"]\nregex = "(unclosed"\n')
    with pytest.raises(RuleError, match=r"custom.toml: rule 'my-rule': `regex` does not compile"):
        load_rule_file(bad)


def test_rule_file_that_is_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("[[rule]\nid=")
    with pytest.raises(RuleError, match=r"broken\.toml: not valid TOML"):
        load_rule_file(bad)


def test_very_long_minified_line_is_scanned(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key()
    line = "var a=" + ";".join(f"x{i}={i}" for i in range(100_000)) + f';k="{key}";'
    (tmp_path / "bundle.min.js").write_text(line)
    [finding] = scan_paths([tmp_path], Settings()).findings
    assert finding.secret == key and finding.column == len(line) - len(key) - 1
