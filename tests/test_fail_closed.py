"""The rule: a scan that could not read part of what it was asked to scan says so in every format and exits 2,
unless the user opted out; what is passed over by design (binary, a limit or allow-list the user set) is
listed but leaves the scan complete; a JSON or SARIF report is always written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def keysweep(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def every_format(*args: str, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], dict, dict]:  # type: ignore[type-arg]
    text = keysweep(*args, cwd=cwd)
    doc = json.loads(keysweep(*args, "--format", "json", cwd=cwd).stdout)
    sarif = json.loads(keysweep(*args, "--format", "sarif", cwd=cwd).stdout)
    return text, doc, sarif


def test_an_unreadable_path_is_incomplete_in_text_json_and_sarif_and_exits_2(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ok.env").write_text(f"KEY={make_key()}\n")
    (tmp_path / "loop").symlink_to("loop")  # a link to itself: the user names it, nothing can read it

    text, doc, sarif = every_format("scan", "ok.env", "loop", cwd=tmp_path)

    assert text.returncode == 2
    assert "INCOMPLETE: 1 thing keysweep was asked to scan could not be read" in text.stdout
    assert "  loop: unreadable: Too many levels of symbolic links" in text.stdout
    assert "ok.env:1:5" in text.stdout  # what could be read is still reported
    assert doc["summary"]["complete"] is False and doc["summary"]["incomplete_allowed"] is False
    assert doc["summary"]["incomplete"] == [{"path": "loop", "reason": "unreadable: Too many levels of symbolic links"}]
    [invocation] = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [error] = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert error["message"]["text"] == "not read: loop: unreadable: Too many levels of symbolic links"
    jsonschema.validate(sarif, SARIF_SCHEMA, cls=jsonschema.Draft4Validator)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_in_a_folder_is_incomplete(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.env"
    secret.write_text(f"KEY={make_key()}\n")
    secret.chmod(0)

    run = keysweep("scan", str(tmp_path))

    assert run.returncode == 2 and "secret.env: unreadable: Permission denied" in run.stdout


def test_the_opt_out_is_explicit_a_flag_or_a_config_key(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "gone").symlink_to("nowhere")

    flagged = keysweep("scan", "app.py", "gone", "--allow-incomplete", cwd=tmp_path)
    (tmp_path / ".keysweep.toml").write_text("allow_incomplete = true\n")
    configured = keysweep("scan", "app.py", "gone", "--format", "json", cwd=tmp_path)
    (tmp_path / ".keysweep.toml").write_text('allow_incomplete = "yes"\n')
    malformed = keysweep("scan", "app.py", cwd=tmp_path)

    assert flagged.returncode == 0
    assert "allowed (allow_incomplete): the exit code reflects the findings only" in flagged.stdout
    assert configured.returncode == 0
    assert json.loads(configured.stdout)["summary"]["incomplete_allowed"] is True
    assert malformed.returncode == 2 and "`allow_incomplete`: must be true or false" in malformed.stderr


def test_incomplete_wins_over_findings_in_the_exit_code(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.env").write_text(f"KEY={make_key()}\n")
    (tmp_path / "gone").symlink_to("nowhere")

    assert keysweep("scan", "a.env", "gone", cwd=tmp_path).returncode == 2
    assert keysweep("scan", "a.env", "gone", "--allow-incomplete", cwd=tmp_path).returncode == 1


def test_binary_files_and_the_users_limits_are_listed_but_leave_the_scan_complete(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (tmp_path / "big.log").write_text("x" * 5000)
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "keys.txt").write_text("nothing\n")
    (tmp_path / ".keysweep.toml").write_text('allow_paths = ["fixtures/*"]\n')

    run = keysweep("scan", ".", "--max-file-size", "4096", "--format", "json", cwd=tmp_path)

    summary = json.loads(run.stdout)["summary"]
    assert run.returncode == 0 and summary["complete"] is True and summary["incomplete"] == []
    assert summary["skipped"] == [
        {"path": "big.log", "reason": "too large (5000 bytes > 4096 bytes)", "incomplete": False},
        {"path": "fixtures/keys.txt", "reason": "allowed by allow_paths", "incomplete": False},
        {"path": "logo.png", "reason": "binary", "incomplete": False},
    ]


@pytest.mark.parametrize("value", ["-1", "0", "-5000"])
def test_a_size_limit_below_one_byte_is_a_usage_error(tmp_path: Path, value: str) -> None:
    run = keysweep("scan", ".", "--max-file-size", value, cwd=tmp_path)

    assert run.returncode == 2
    assert "Invalid value for '--max-file-size'" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_clean_quiet_scan_still_writes_its_report(fmt: str) -> None:
    run = keysweep("scan", "-", "-q", "--format", fmt, stdin=b"nothing to see here\n")

    doc = json.loads(run.stdout)
    assert run.returncode == 0
    if fmt == "json":
        assert doc["findings"] == [] and doc["summary"]["findings"] == 0
    else:
        assert doc["runs"][0]["results"] == []


def test_a_clean_quiet_text_scan_prints_nothing_but_an_incomplete_one_says_so(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "gone").symlink_to("nowhere")

    assert keysweep("scan", "-q", "app.py", cwd=tmp_path).stdout == ""
    assert "INCOMPLETE" in keysweep("scan", "-q", "app.py", "gone", cwd=tmp_path).stdout


def test_the_hook_blocks_on_an_unreadable_file_it_is_given(tmp_path: Path) -> None:
    isolated = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, env=isolated)
    (tmp_path / "loop").symlink_to("loop")

    run = keysweep("hook", "loop", cwd=tmp_path)

    assert run.returncode == 2 and "loop: unreadable" in run.stderr
