"""Text in any Unicode encoding is text: UTF-16 and UTF-32 (by BOM, or UTF-16 by its NUL pattern) are decoded,
a UTF-8 BOM shifts no column, CR-only line ends are line ends; lines and columns are the text's own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.sources.content import as_text, sniff

TEXT = "# déploiement\r\n$région = 'eu'\r\n$env:OPENAI_API_KEY = '{key}'\r\n"
WHERE = (3, 24)


def keysweep(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args], cwd=cwd, input=stdin, capture_output=True, timeout=120
    )


def places(run: subprocess.CompletedProcess[bytes]) -> list[tuple[int, int, str]]:
    return [(f["line"], f["column"], f["secret"]) for f in json.loads(run.stdout)["findings"]]


ENCODED = {
    "utf-16-le with BOM": lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
    "utf-16-be with BOM": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
    "utf-16-le without BOM": lambda t: t.encode("utf-16-le"),
    "utf-16-be without BOM": lambda t: t.encode("utf-16-be"),
    "utf-32-le with BOM": lambda t: b"\xff\xfe\0\0" + t.encode("utf-32-le"),
    "utf-32-be with BOM": lambda t: b"\0\0\xfe\xff" + t.encode("utf-32-be"),
    "utf-8 with BOM": lambda t: b"\xef\xbb\xbf" + t.encode(),
    "utf-8 with CR-only line ends": lambda t: t.replace("\r\n", "\r").encode(),
}


@pytest.mark.parametrize("encoding", list(ENCODED))
def test_a_key_in_any_unicode_encoding_is_found_at_its_line_and_column(tmp_path: Path, make_key, encoding: str) -> None:  # type: ignore[no-untyped-def]
    key = make_key()
    data = ENCODED[encoding](TEXT.format(key=key))
    (tmp_path / "deploy.ps1").write_bytes(data)

    from_file = keysweep("scan", "deploy.ps1", "--format", "json", "--reveal", cwd=tmp_path)
    from_stdin = keysweep("scan", "-", "--format", "json", "--reveal", cwd=tmp_path, stdin=data)

    assert places(from_file) == [(*WHERE, key)]
    assert places(from_stdin) == [(*WHERE, key)]


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b"\xff\xfe"])
def test_a_bom_shifts_no_column_of_the_first_line(tmp_path: Path, make_key, bom: bytes) -> None:  # type: ignore[no-untyped-def]
    key = make_key()
    text = f"KEY={key}\n"
    (tmp_path / "a.env").write_bytes(bom + (text.encode() if bom[0] == 0xEF else text.encode("utf-16-le")))

    run = keysweep("scan", "a.env", "--format", "json", "--reveal", cwd=tmp_path)

    assert places(run) == [(1, 5, key)]


def test_cr_only_line_ends_count_lines_like_any_other(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    keys = [make_key() for _ in range(3)]
    data = f"a\r\rb = '{keys[0]}'\rc\r\n\r\nd = '{keys[1]}'\n\re = '{keys[2]}'\r".encode()
    (tmp_path / "mac.txt").write_bytes(data)

    run = keysweep("scan", "mac.txt", "--format", "json", "--reveal", cwd=tmp_path)

    assert sorted(places(run)) == [(3, 6, keys[0]), (6, 6, keys[1]), (8, 6, keys[2])]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"plain text", ("utf-8", 0)),
        (b"\xef\xbb\xbfbom", ("utf-8", 3)),
        (b"\xff\xfeh\0i\0", ("utf-16-le", 2)),
        ("text".encode("utf-16-le"), ("utf-16-le", 0)),
        ("text".encode("utf-16-be"), ("utf-16-be", 0)),
        (b"\xff\xfe\0\0h\0\0\0", ("utf-32-le", 4)),
        (b"\0b", None),  # too short to be UTF-16 text by its NUL pattern
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", None),
        (b"\xff\xfe\0\0\0\0\0\0", None),  # a BOM before NUL characters: binary
        ("te\0t".encode("utf-16-le"), None),  # a NUL character
    ],
)
def test_the_encoding_is_told_from_the_head(head: bytes, expected: tuple[str, int] | None) -> None:
    assert sniff(head) == expected


def test_whole_content_becomes_utf8_with_lf_line_ends() -> None:
    assert as_text(b"\xff\xfe" + "a\rb\r\nc".encode("utf-16-le")) == b"a\nb\r\nc"
    assert as_text(b"\0\x01\x02") is None
