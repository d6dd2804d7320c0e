"""Baselines: accepted findings stay quiet by (secret, rule, path) — never by line — and go stale when fixed;
detect-secrets' and gitleaks' baselines are honoured so a team can switch without re-triaging."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.filters import ScanScope
from scanner.filters.baseline import (
    Baseline,
    BaselineFilter,
    GitleaksEntry,
    match_baseline,
    read_baseline,
)
from scanner.findings import Commit, Finding, Severity

DETECT_SECRETS = Path(sys.executable).parent / "detect-secrets"


def keysweep(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def scan_json(cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    run = keysweep("scan", ".", "--format", "json", *args, cwd=cwd)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)


def reported(doc: dict[str, Any]) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in doc["findings"]]


@pytest.fixture
def repo(tmp_path: Path, make_key: Callable[..., str]) -> tuple[Path, str]:
    """A project with one leaked key in config/settings.py, and that key."""
    key = make_key()
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.py").write_text(f'import os\n\nOPENAI_API_KEY = "{key}"\n')
    (tmp_path / "README.md").write_text("# demo\n")
    return tmp_path, key


def test_baseline_file_is_stable_sorted_json_without_values_lines_or_absolute_paths(
    repo: tuple[Path, str], make_key: Callable[..., str]
) -> None:
    root, key = repo
    (root / "a.env").write_text(f"B={make_key()}\nA={make_key()}\n")
    assert keysweep("baseline", "create", cwd=root).returncode == 0
    text = (root / ".keysweep-baseline.json").read_text()
    assert keysweep("baseline", "create", cwd=root).returncode == 0
    assert (root / ".keysweep-baseline.json").read_text() == text  # no timestamps: re-creating changes nothing
    doc = json.loads(text)
    assert text.endswith("}\n")
    assert text == json.dumps(doc, indent=2, sort_keys=True) + "\n"
    assert doc["version"] == 1
    entries = doc["entries"]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["rule_id"], e["secret_id"]))
    assert [e["path"] for e in entries] == ["a.env", "a.env", "config/settings.py"]
    assert all(set(e) == {"path", "rule_id", "secret_id"} for e in entries)  # no line numbers
    assert key not in text and key[8:20] not in text
    assert str(root) not in text


def test_baselined_finding_is_not_reported_and_does_not_fail_the_gate(repo: tuple[Path, str]) -> None:
    root, _ = repo
    assert scan_json(root)[0] == 1
    keysweep("baseline", "create", cwd=root)
    code, doc = scan_json(root, "--baseline", ".keysweep-baseline.json")
    assert (code, reported(doc)) == (0, [])


def test_baseline_survives_lines_inserted_above_the_finding(repo: tuple[Path, str]) -> None:
    root, _ = repo
    keysweep("baseline", "create", cwd=root)
    settings = root / "config" / "settings.py"
    settings.write_text("# a header\nimport sys\n\n\n" + settings.read_text().replace("= ", "=    "))
    code, doc = scan_json(root, "--baseline", ".keysweep-baseline.json")
    assert (code, reported(doc)) == (0, [])
    assert doc["summary"]["notes"] == []  # and the entry is not stale


def test_new_secret_on_a_baselined_line_is_reported(repo: tuple[Path, str], make_key: Callable[..., str]) -> None:
    root, key = repo
    keysweep("baseline", "create", cwd=root)
    settings = root / "config" / "settings.py"
    settings.write_text(settings.read_text().replace(key, make_key()))
    code, doc = scan_json(root, "--baseline", ".keysweep-baseline.json")
    assert (code, reported(doc)) == (1, [("config/settings.py", 3)])


def test_baselined_secret_copied_into_another_file_is_reported(repo: tuple[Path, str]) -> None:
    root, key = repo
    keysweep("baseline", "create", cwd=root)
    (root / "deploy.sh").write_text(f"export OPENAI_API_KEY={key}\n")
    _, doc = scan_json(root, "--baseline", ".keysweep-baseline.json")
    assert reported(doc) == [("deploy.sh", 1)]


def test_baseline_paths_are_relative_to_the_baseline_file_whichever_folder_is_scanned(
    repo: tuple[Path, str],
) -> None:
    root, _ = repo
    keysweep("baseline", "create", "config", "--output", ".keysweep-baseline.json", cwd=root)
    assert json.loads((root / ".keysweep-baseline.json").read_text())["entries"][0]["path"] == "config/settings.py"
    for target, cwd in ((".", root), ("config", root), (".", root / "config")):
        run = keysweep("scan", target, "--baseline", str(root / ".keysweep-baseline.json"), cwd=cwd)
        assert run.returncode == 0, (target, cwd, run.stdout)


def test_baseline_named_in_the_config_file_is_applied(repo: tuple[Path, str]) -> None:
    root, _ = repo
    (root / "ci").mkdir()
    keysweep("baseline", "create", "--output", "ci/accepted.json", cwd=root)
    (root / ".keysweep.toml").write_text('baseline = "ci/accepted.json"\n')
    code, doc = scan_json(root)
    assert (code, reported(doc)) == (0, [])


def test_entries_whose_secret_is_gone_are_reported_as_stale(repo: tuple[Path, str]) -> None:
    root, key = repo
    keysweep("baseline", "create", cwd=root)
    settings = root / "config" / "settings.py"
    settings.write_text(settings.read_text().replace(key, "os.environ['OPENAI_API_KEY']"))
    run = keysweep("scan", ".", "--baseline", ".keysweep-baseline.json", cwd=root)
    assert run.returncode == 0
    assert "note: 1 baseline entry no longer matches anything; run `keysweep baseline update" in run.stdout


def test_entries_outside_the_scanned_folder_are_not_stale(repo: tuple[Path, str]) -> None:
    root, _ = repo
    keysweep("baseline", "create", cwd=root)
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("nothing here\n")
    _, doc = scan_json(root / "docs", "--baseline", "../.keysweep-baseline.json")
    assert doc["summary"]["notes"] == []


def test_update_adds_new_findings_drops_fixed_ones_and_says_which(
    repo: tuple[Path, str], make_key: Callable[..., str]
) -> None:
    root, _ = repo
    keysweep("baseline", "create", cwd=root)
    (root / "config" / "settings.py").write_text("OPENAI_API_KEY = os.environ['OPENAI_API_KEY']\n")
    (root / "worker.py").write_text(f'KEY = "{make_key()}"\n')
    run = keysweep("baseline", "update", cwd=root)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("+ worker.py  openai-project-key  ")
    assert lines[1].startswith("- config/settings.py  openai-project-key  ")
    assert lines[2] == ".keysweep-baseline.json: 1 added, 1 removed, 0 unchanged"
    doc = json.loads((root / ".keysweep-baseline.json").read_text())
    assert [e["path"] for e in doc["entries"]] == ["worker.py"]
    assert scan_json(root, "--baseline", ".keysweep-baseline.json")[0] == 0
    again = keysweep("baseline", "update", cwd=root)
    assert again.stdout == ".keysweep-baseline.json: 0 added, 0 removed, 1 unchanged\n"


def test_update_of_a_subfolder_keeps_entries_elsewhere(repo: tuple[Path, str], make_key: Callable[..., str]) -> None:
    root, _ = repo
    keysweep("baseline", "create", cwd=root)
    (root / "docs").mkdir()
    (root / "docs" / "setup.md").write_text(f"export OPENAI_API_KEY={make_key()}\n")
    run = keysweep("baseline", "update", "docs", cwd=root)
    assert run.stdout.endswith(": 1 added, 0 removed, 1 unchanged\n"), run.stdout
    paths = [e["path"] for e in json.loads((root / ".keysweep-baseline.json").read_text())["entries"]]
    assert paths == ["config/settings.py", "docs/setup.md"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such baseline; create one with `keysweep baseline create"),
        ("{not json", "not valid JSON"),
        ('{"version": 9, "entries": []}', "written by a newer keysweep"),
        (
            '{"version": 1, "entries": [{"path": "a"}]}',
            "entry 1 needs string `path`, `rule_id` and `secret_id`",
        ),
        ("just some words\n", "not a gitleaks fingerprint"),
    ],
)
def test_unusable_baseline_is_a_one_line_error_with_exit_two(
    repo: tuple[Path, str], content: str | None, message: str
) -> None:
    root, _ = repo
    if content is not None:
        (root / "bl.json").write_text(content)
    run = keysweep("scan", ".", "--baseline", "bl.json", cwd=root)
    assert run.returncode == 2
    assert run.stderr.startswith("keysweep: error: bl.json") and message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


# --- migration: detect-secrets ---------------------------------------------------------------------------


def test_detect_secrets_baseline_made_by_detect_secrets_is_honoured(
    repo: tuple[Path, str], make_key: Callable[..., str]
) -> None:
    root, _ = repo
    made = subprocess.run(
        [str(DETECT_SECRETS), "scan", "--all-files", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    (root / ".secrets.baseline").write_text(made.stdout)
    assert json.loads(made.stdout)["results"]["config/settings.py"]  # detect-secrets did flag the key
    code, doc = scan_json(root, "--baseline", ".secrets.baseline")
    assert (code, reported(doc)) == (0, [])
    (root / "new.py").write_text(f'TOKEN = "{make_key()}"\n')
    code, doc = scan_json(root, "--baseline", ".secrets.baseline")
    assert (code, reported(doc)) == (1, [("new.py", 1)])


def test_detect_secrets_baseline_converts_into_a_keysweep_baseline(
    repo: tuple[Path, str], make_key: Callable[..., str]
) -> None:
    root, _ = repo
    from detect_secrets.core import baseline as ds_baseline
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    secrets = SecretsCollection(root=str(root))
    with default_settings():
        secrets.scan_file("config/settings.py")
    (root / ".secrets.baseline").write_text(json.dumps(ds_baseline.format_for_output(secrets)))
    (root / "untriaged.py").write_text(f'TOKEN = "{make_key()}"\n')
    run = keysweep("baseline", "create", "--from", ".secrets.baseline", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "1 finding not accepted by .secrets.baseline left out" in run.stdout
    doc = json.loads((root / ".keysweep-baseline.json").read_text())
    assert [e["path"] for e in doc["entries"]] == ["config/settings.py"]
    _, report = scan_json(root, "--baseline", ".keysweep-baseline.json")
    assert reported(report) == [("untriaged.py", 1)]


def test_update_refuses_to_overwrite_a_foreign_baseline(repo: tuple[Path, str]) -> None:
    root, _ = repo
    (root / ".secrets.baseline").write_text('{"version": "1.5.0", "results": {}}')
    run = keysweep("baseline", "update", "--baseline", ".secrets.baseline", cwd=root)
    assert run.returncode == 2
    assert "is a detect-secrets baseline; convert it once with `keysweep baseline create --from" in run.stderr


def test_create_refuses_to_overwrite_a_foreign_baseline_named_in_the_config(repo: tuple[Path, str]) -> None:
    root, _ = repo
    (root / ".secrets.baseline").write_text('{"version": "1.5.0", "results": {}}')
    (root / ".keysweep.toml").write_text('baseline = ".secrets.baseline"\n')
    run = keysweep("baseline", "create", cwd=root)
    assert run.returncode == 2
    assert "is a detect-secrets baseline and would be overwritten" in run.stderr
    assert json.loads((root / ".secrets.baseline").read_text())["results"] == {}


# --- migration: gitleaks ---------------------------------------------------------------------------------


def test_gitleaksignore_fingerprint_hides_the_mapped_rule_even_after_the_line_moved(
    repo: tuple[Path, str],
) -> None:
    root, _ = repo
    (root / ".gitleaksignore").write_text("# accepted 2024-05\nconfig/settings.py:openai-api-key:1\n")
    code, doc = scan_json(root, "--baseline", ".gitleaksignore")
    assert (code, reported(doc)) == (0, [])


def _finding(rule_id: str, path: str = "app.py", line: int = 3, commit: str | None = None) -> Finding:
    made_in = Commit(commit, "Ada", "ada@example.com", "2024-05-01T10:00:00+00:00") if commit else None
    return Finding(rule_id, Severity.HIGH, "s3cr3t-value-Kq8Zr2", path, line, 1, 10, commit=made_in)


@pytest.mark.parametrize(
    ("fingerprint", "finding", "should_hide"),
    [
        ("app.py:openai-api-key:9", _finding("openai-legacy-key"), True),
        ("app.py:openai-api-key:9", _finding("github-pat"), False),
        ("other.py:openai-api-key:3", _finding("openai-project-key"), False),
        ("app.py:generic-api-key:3", _finding("generic-api-key"), True),
        ("app.py:github-app-token:1", _finding("github-user-token"), True),
        ("app.py:stripe-access-token:1", _finding("stripe-restricted-key"), True),
        ("app.py:my-internal-token:3", _finding("slack-bot-token"), True),  # unknown id: the line decides
        ("app.py:my-internal-token:4", _finding("slack-bot-token"), False),
        ("app.py:my-internal-token:8", _finding("my-internal-token"), True),  # an imported gitleaks rule
        (
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6:app.py:openai-api-key:3",
            _finding("openai-legacy-key"),
            True,
        ),
        (
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6:app.py:openai-api-key:3",
            _finding("openai-legacy-key", commit="1111111111111111111111111111111111111111"),
            False,
        ),
        (
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6:app.py:openai-api-key:3",
            _finding("openai-legacy-key", commit="0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"),
            True,
        ),
    ],
)
def test_gitleaks_fingerprints_map_rule_ids_and_commits(
    tmp_path: Path, fingerprint: str, finding: Finding, should_hide: bool
) -> None:
    (tmp_path / ".gitleaksignore").write_text(fingerprint + "\n")
    baseline = read_baseline(tmp_path / ".gitleaksignore")
    assert baseline.format == "gitleaks"
    assert isinstance(baseline.entries[0], GitleaksEntry)
    match = match_baseline(baseline, [finding], str(tmp_path))
    assert bool(match.accepted) is should_hide


def test_partial_scans_do_not_call_unseen_entries_stale(repo: tuple[Path, str], make_key: Callable[..., str]) -> None:
    root, _ = repo
    keysweep("baseline", "create", cwd=root)
    baseline = BaselineFilter(root / ".keysweep-baseline.json")
    assert baseline.apply([], ScanScope(str(root), partial=True)).notes == ()
    assert baseline.apply([], ScanScope(str(root))).notes == (
        "1 baseline entry no longer matches anything; "
        f"run `keysweep baseline update --baseline {root / '.keysweep-baseline.json'}` to drop them",
    )
    assert isinstance(read_baseline(root / ".keysweep-baseline.json"), Baseline)
