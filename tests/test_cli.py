"""The scan command as users meet it: exit codes, formats, redaction, stdin, output files, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED

J1 = "sk-proj-J1j0Gr9GIjHsK1CFqJDV9xFRMYXd0EqjDesAVE9gwACx3uyw"


def keysweep(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_clean_folder_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("API_KEY = os.environ['NEXUS_API_KEY']\n")
    run = keysweep("scan", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "no secrets found" in run.stdout


def test_findings_exit_one_and_text_never_shows_the_secret() -> None:
    run = keysweep("scan", str(SEED))
    assert run.returncode == 1
    assert J1 not in run.stdout + run.stderr
    assert "sk-proj-J1…3uyw  (5 places)  [prod-default]" in run.stdout
    assert "nexus-api-reference.txt:7:27" in run.stdout


def test_only_info_findings_pass_the_default_gate(tmp_path: Path) -> None:
    (tmp_path / "cfg.yml").write_text("organization: org-NexusProd01\n")
    run = keysweep("scan", str(tmp_path))
    assert run.returncode == 0
    assert "org-NexusProd01" in run.stdout  # identifiers are shown in full: they are not secrets


def test_fail_on_raises_the_threshold() -> None:
    assert keysweep("scan", str(SEED), "--fail-on", "critical").returncode == 1
    run = keysweep("scan", str(SEED), "--fail-on", "critical", "--format", "json")
    doc = json.loads(run.stdout)
    assert doc["summary"]["failing"] == 8  # 5 + 2 project key lines + 1 legacy; whsec is high


def test_json_report_is_stable_and_documented_shape(tmp_path: Path) -> None:
    run = keysweep("scan", str(SEED.parent), "--format", "json")
    doc = json.loads(run.stdout)
    assert doc["version"] == 1
    first = doc["findings"][1]
    assert set(first) >= {
        "rule_id", "severity", "secret_id", "redacted", "path", "line", "column", "end_column",
        "commit", "author", "date", "labels", "related",
    }  # fmt: skip
    assert "secret" not in first
    assert first["path"] == "nexus-api-reference.txt"  # relative to the scanned root
    assert doc["summary"]["findings"] == 19
    again = json.loads(keysweep("scan", str(SEED.parent), "--format", "json").stdout)
    doc["summary"].pop("seconds"), again["summary"].pop("seconds")
    assert doc == again


def test_reveal_includes_values_only_when_asked() -> None:
    doc = json.loads(keysweep("scan", str(SEED), "--format", "json", "--reveal").stdout)
    assert {f["secret"] for f in doc["findings"] if f["rule_id"] == "openai-project-key"} >= {J1}


def test_stdin_is_scanned_as_dash() -> None:
    run = keysweep("scan", "-", "--format", "json", stdin=f"token: {J1}\n".encode())
    doc = json.loads(run.stdout)
    assert [(f["path"], f["line"], f["column"]) for f in doc["findings"]] == [("-", 1, 8)]
    assert run.returncode == 1


def test_output_file_gets_the_report_and_stderr_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    run = keysweep("scan", str(SEED), "--format", "json", "--output", str(out))
    assert json.loads(out.read_text())["summary"]["findings"] == 19
    assert run.stdout == ""
    assert "19 findings" in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "/nonexistent/path"], "no such file or folder"),
        (["scan", ".", "--staged", "--history"], "choose one of"),
    ],
)
def test_errors_are_one_line_and_exit_two(args: list[str], message: str) -> None:
    run = keysweep(*args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_bad_config_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / ".keysweep.toml").write_text('fail_on = "sometimes"\n')
    run = keysweep("scan", str(tmp_path))
    assert run.returncode == 2
    assert ".keysweep.toml" in run.stderr and "fail_on" in run.stderr


def test_unknown_config_key_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.keysweep]\nfail-on = 'high'\n")
    run = keysweep("scan", str(tmp_path))
    assert run.returncode == 2
    assert "pyproject.toml" in run.stderr and "fail-on" in run.stderr and "unknown key" in run.stderr


def test_config_allow_values_and_paths_silence_findings(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key()
    (tmp_path / "a.env").write_text(f"A={key}\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text(f"B={make_key()}\n")
    (tmp_path / ".keysweep.toml").write_text(f"allow_values = ['{key[-6:]}$']\nallow_paths = ['docs/*']\n")
    run = keysweep("scan", str(tmp_path))
    assert run.returncode == 0, run.stdout


def test_scanning_a_folder_inside_a_repository_says_how_much_history_was_left_out(tmp_path: Path) -> None:
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("a\n")
    for args in (["init", "-q"], ["add", "-A"], [*ident, "commit", "-qm", "one"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True)
    (tmp_path / "sub" / "a.txt").write_text("b\n")
    subprocess.run(["git", *ident, "commit", "-qam", "two"], cwd=tmp_path, env=env, check=True)
    run = keysweep("scan", str(tmp_path / "sub"))
    assert "2 commits in this repository's history were not scanned; add --history" in run.stdout


def test_binary_on_stdin_is_skipped_and_said() -> None:
    run = keysweep("scan", "-", "--format", "json", stdin=b"\x00\x01" + J1.encode())
    doc = json.loads(run.stdout)
    assert (doc["findings"], doc["summary"]["skipped"]) == (
        [],
        [{"path": "-", "reason": "binary", "incomplete": False}],
    )


def test_history_progress_bar_fills_as_blobs_are_read() -> None:
    from scanner.cli.scan_cmd import _Progress
    from scanner.findings import Fragment

    progress = _Progress()
    progress(Fragment(path="a", data=b""), 1000)  # a worker's fragment comes back without its bytes
    assert progress.line() == "scanning: 1 files and blobs, 0.0 MB"  # total not known yet
    progress.source = type("Listed", (), {"expected": 4})()
    progress(Fragment(path="b", data=b""), 1)
    assert progress.line().startswith("scanning [###############               ]  50%")


def test_a_bad_fail_on_is_a_usage_error_for_scan_and_hook_alike(tmp_path: Path) -> None:
    for command in ("scan", "hook"):
        run = keysweep(command, "--fail-on", "severe", cwd=tmp_path)
        assert run.returncode == 2, (command, run.stderr)
        assert "Invalid value for '--fail-on'" in run.stderr
        assert "Traceback" not in run.stderr
