"""No file name breaks a report: JSON and SARIF stay valid UTF-8 and carry the name losslessly (SARIF URIs
percent-encoded per RFC 3986), and the text report escapes control characters, newlines and stray bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.report import json_text, printable

BAD = b"bad\xffname.env"
NEWLINE = b"two\nlines.env"


def keysweep(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=cwd, capture_output=True, timeout=120)


@pytest.fixture
def oddly_named(tmp_path: Path, make_key) -> Path:  # type: ignore[no-untyped-def]
    for name in (BAD, NEWLINE):
        with open(os.path.join(os.fsencode(tmp_path), name), "wb") as file:
            file.write(f"OPENAI_API_KEY={make_key()}\n".encode())
    return tmp_path


def test_json_on_stdout_and_in_a_file_is_valid_utf8_and_names_the_file_losslessly(oddly_named: Path) -> None:
    stdout = keysweep("scan", ".", "--format", "json", cwd=oddly_named)
    written = keysweep("scan", ".", "--format", "json", "--output", "report.json", cwd=oddly_named)

    assert (stdout.returncode, written.returncode) == (1, 1), written.stderr
    for raw in (stdout.stdout, (oddly_named / "report.json").read_bytes()):
        paths = {f["path"] for f in json.loads(raw.decode("utf-8"))["findings"]}  # strict UTF-8
        assert {os.fsencode(p) for p in paths} == {BAD, NEWLINE}


def test_sarif_is_valid_utf8_with_percent_encoded_uris(oddly_named: Path) -> None:
    run = keysweep("scan", ".", "--format", "sarif", "--output", "report.sarif", cwd=oddly_named)

    doc = json.loads((oddly_named / "report.sarif").read_bytes().decode("utf-8"))
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"])
    assert run.returncode == 1
    assert uris == ["bad%FFname.env", "two%0Alines.env"]


def test_the_text_report_keeps_each_place_on_one_line(oddly_named: Path) -> None:
    run = keysweep("scan", ".", cwd=oddly_named)

    text = run.stdout.decode("utf-8")
    assert "  bad\\xffname.env:1:16" in text.splitlines()
    assert "  two\\nlines.env:1:16" in text.splitlines()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("plain/path.py", "plain/path.py"),
        ("résumé.txt", "résumé.txt"),
        ("a\tb", "a\\tb"),
        ("esc\x1b[31m", "esc\\u001b[31m"),
        ("back\\slash", "back\\\\slash"),
        ("rtl\u202eexe.txt", "rtl\\u202eexe.txt"),
        ("bad\udcffbyte", "bad\\xffbyte"),
    ],
)
def test_printable_escapes_losslessly(name: str, shown: str) -> None:
    assert printable(name) == shown


def test_json_text_writes_a_stray_byte_as_its_escape() -> None:
    text = json_text({"path": "bad\udcffname"})

    assert text.encode("utf-8") and "\\udcff" in text
    assert json.loads(text)["path"] == "bad\udcffname"
