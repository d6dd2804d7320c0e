"""`keysweep report` end to end: it scans (history by default), or reads a saved scan report (plain or --org),
reads the rotation journals, writes Markdown or HTML, and exits 1 while a secret needs action."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.incident.conftest import scan_document
from tests.incident.history import Repo, fake_key

KEY = fake_key(11)
OLD = fake_key(12)


@pytest.fixture
def leaky(make_repo: Callable[[str], Repo]) -> Repo:
    repo = make_repo("app")
    repo.commit("config", {"config/app.env": f"NEXUS_API_KEY={KEY}\n", "old.env": f"OLD_KEY={OLD}\n"}, "Ada")
    repo.commit("drop the old key", {"old.env": None}, "Bob")
    return repo


def run(*args: str) -> tuple[int, str]:
    """`keysweep ARGS` in a child process: (exit code, stdout); stderr must then be empty or one line."""
    done = subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True, text=True, timeout=120)
    assert len(done.stderr.strip().splitlines()) <= 1, done.stderr
    return done.returncode, done.stdout + done.stderr


def test_report_scans_the_history_and_writes_markdown_without_values(leaky: Repo, tmp_path: Path) -> None:
    code, out = run("report", str(leaky.path), "--state-dir", str(tmp_path / "none"))

    assert code == 1, "a live key in HEAD needs action"
    assert "# Incident report:" in out and "introduced in config/app.env" in out
    assert "removed from old.env" in out and "only in history" in out, "the history scan found the old key"
    assert KEY not in out and OLD not in out


def test_reveal_shows_the_values_and_html_goes_to_the_output_file(leaky: Repo, tmp_path: Path) -> None:
    out_file = tmp_path / "incident.html"
    code, _ = run("report", str(leaky.path), "--reveal", "-o", str(out_file), "--state-dir", str(tmp_path / "none"))

    page = out_file.read_text()
    assert code == 1 and page.startswith("<!DOCTYPE html>")
    assert KEY in page and OLD in page and "handle this page as a secret" in page


def test_a_saved_scan_report_without_values_is_traced_in_the_repository_named(leaky: Repo, tmp_path: Path) -> None:
    saved = tmp_path / "scan.json"
    saved.write_text(json.dumps(scan_document(leaky.path, reveal=False)))
    code, out = run("report", "--report", str(saved), str(leaky.path), "--state-dir", str(tmp_path / "none"))

    assert code == 1 and "removed from old.env" in out and "Reachable from: branch main" in out
    assert KEY not in out


def test_verification_rows_give_liveness_and_an_org_report_lists_repositories(tmp_path: Path) -> None:
    verified = {"status": "revoked", "reason": "401", "provider": "openai-compatible"}
    rows = [
        {"secret_id": "a" * 16, "rule_id": "openai-project-key", "severity": "critical", "kind": "project-key",
         "provider": "openai-compatible", "redacted": "sk-proj-Ab…wxyz", "identifier": False, "path": "app.env",
         "line": 1, "column": 5, "end_column": 60, "commit": "1" * 40, "author": "Ada",
         "date": "2024-01-02T03:04:05+00:00", "repository": repo, "verification": verified}
        for repo in ("acme/api", "acme/web")
    ]  # fmt: skip
    repositories = [
        {"name": "acme/api", "status": "scanned"},
        {"name": "acme/old", "status": "failed", "reason": "clone timed out"},
    ]
    skipped = [{"path": "acme/web: assets/big.bin", "reason": "too large (12.0 MiB > 10.0 MiB)"}]
    saved = tmp_path / "org.json"
    document = {"version": 1, "findings": rows, "repositories": repositories, "summary": {"skipped": skipped}}
    saved.write_text(json.dumps(document))
    code, out = run("report", "--report", str(saved), "--state-dir", str(tmp_path / "none"))

    assert "Liveness: revoked (401), scan --verify" in out
    assert "Repositories: `acme/api`, `acme/web`" in out
    assert "### Exposure in `acme/api`" in out and "### Exposure in `acme/web`" in out
    assert "repository acme/old could not be scanned: clone timed out" in out
    assert "**Incomplete:** the scan could not read 1 item(s)" in out and "assets/big.bin" in out
    assert code == 1, "revoked but not known to be gone from the repositories"


def test_a_clean_folder_exits_0_and_a_bad_report_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "ok.md").write_text("nothing here\n")
    code, out = run("report", str(tmp_path / "docs"), "--state-dir", str(tmp_path / "none"))
    assert code == 0 and "No secrets found." in out

    (tmp_path / "bad.json").write_text("{}")
    code, out = run("report", "--report", str(tmp_path / "bad.json"))
    assert code == 2 and out.startswith("keysweep: error: ") and "not a keysweep JSON scan report" in out


def test_verify_without_the_scan_feature_says_so(leaky: Repo, tmp_path: Path) -> None:
    from scanner.cli.report_cmd import _scan_can_verify

    code, out = run("report", str(leaky.path), "--verify", "--state-dir", str(tmp_path / "none"))
    assert code == 1
    if not _scan_can_verify():
        assert "liveness not checked: this keysweep's `scan` has no --verify" in out
    else:
        assert "Liveness: verified by `keysweep scan --verify`" in out
