"""Configuration: `[tool.keysweep]` or `.keysweep.toml`, found by walking up from the scanned path (`--config`
overrides), and every setting doing what it says; mistakes are one-line errors naming the file and key."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.config import find_config, load_settings
from scanner.errors import ConfigError
from scanner.findings import Severity


def keysweep(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def scan_json(cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    run = keysweep("scan", ".", "--format", "json", *args, cwd=cwd)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository root (the walk up stops at `.git`) with a nested source folder."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "src" / "app").mkdir(parents=True)
    return tmp_path


# --- discovery ---------------------------------------------------------------------------------------------


def test_tool_keysweep_in_pyproject_is_found_walking_up_from_the_scanned_path(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.keysweep]\nfail_on = "high"\n')
    settings = load_settings(project / "src" / "app")
    assert settings.config_file == project / "pyproject.toml"
    assert settings.fail_on is Severity.HIGH


def test_keysweep_toml_is_found_walking_up_and_the_nearest_config_wins(project: Path) -> None:
    (project / ".keysweep.toml").write_text('fail_on = "critical"\n')
    (project / "src" / ".keysweep.toml").write_text('fail_on = "medium"\n')
    assert load_settings(project / "src" / "app").fail_on is Severity.MEDIUM
    assert load_settings(project).fail_on is Severity.CRITICAL


def test_keysweep_toml_wins_over_pyproject_in_the_same_folder(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.keysweep]\nfail_on = "high"\n')
    (project / ".keysweep.toml").write_text('fail_on = "info"\n')
    assert find_config(project) == project / ".keysweep.toml"


def test_pyproject_without_a_keysweep_table_is_passed_over(project: Path) -> None:
    (project / "src" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    (project / ".keysweep.toml").write_text('fail_on = "high"\n')
    assert find_config(project / "src" / "app") == project / ".keysweep.toml"


def test_the_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".keysweep.toml").write_text('fail_on = "high"\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert find_config(tmp_path / "repo") is None


def test_the_walk_stops_at_a_bare_repository_kept_inside_another_project(tmp_path: Path) -> None:
    # A bare clone inside another project's tree (a benchmark's, a mirror cache) is a repository of its own: the
    # other project's allow_paths once hid tests/ and examples/ of every history scanned from there.
    (tmp_path / ".keysweep.toml").write_text('allow_paths = ["tests/*"]\n')
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "work" / "other.git")], check=True)
    assert find_config(tmp_path / "work" / "other.git") is None
    assert find_config(tmp_path / "work") == tmp_path / ".keysweep.toml"


@pytest.mark.parametrize("missing", ["HEAD", "objects", "refs"])
def test_a_folder_with_only_part_of_a_git_directory_s_layout_is_walked_past(tmp_path: Path, missing: str) -> None:
    (tmp_path / ".keysweep.toml").write_text('fail_on = "high"\n')
    folder = tmp_path / "looks-like-git"
    folder.mkdir()
    for name in ("HEAD", "objects", "refs"):
        if name != missing:
            (folder / name).write_text("ref: refs/heads/main\n") if name == "HEAD" else (folder / name).mkdir()
    assert find_config(folder) == tmp_path / ".keysweep.toml"


def test_config_flag_overrides_the_discovered_file(project: Path, make_key: Callable[..., str]) -> None:
    (project / "src" / "app" / "hooks.py").write_text(f'SECRET = "{make_key("whsec_", 32)}"\n')  # severity high
    (project / ".keysweep.toml").write_text('fail_on = "critical"\n')
    (project / "ci.toml").write_text('fail_on = "high"\n')
    assert scan_json(project)[0] == 0
    assert scan_json(project, "--config", "ci.toml")[0] == 1
    assert scan_json(project, "--config", "ci.toml", "--fail-on", "critical")[0] == 0  # flags beat files


# --- every setting -----------------------------------------------------------------------------------------


CUSTOM_RULE = """
[[rule]]
id = "acme-deploy-token"
description = "ACME deploy token"
severity = "high"
prefix = "acmedt_"
keywords = ["acmedt_"]
regex = '''acmedt_[A-Za-z0-9]{32}'''
entropy = 3.0
"""


@pytest.mark.parametrize("listed", ["security/acme.toml", "security"])
def test_extra_rule_files_or_folders_are_read_relative_to_the_config(
    project: Path, make_key: Callable[..., str], listed: str
) -> None:
    (project / "security").mkdir()
    (project / "security" / "acme.toml").write_text(CUSTOM_RULE)
    (project / ".keysweep.toml").write_text(f'rules = ["{listed}"]\n')
    (project / "src" / "app" / "deploy.sh").write_text(f"TOKEN={make_key('acmedt_', 32)}\n")
    code, doc = scan_json(project / "src")
    assert code == 1
    assert [(f["rule_id"], f["path"]) for f in doc["findings"]] == [("acme-deploy-token", "app/deploy.sh")]


def test_disabled_rule_ids_are_not_run(project: Path, make_key: Callable[..., str]) -> None:
    (project / "app.py").write_text(f'A = "{make_key()}"\nB = "{make_key("ghp_", 36)}"\n')
    (project / ".keysweep.toml").write_text('disable = ["openai-project-key"]\n')
    _, doc = scan_json(project)
    assert [f["rule_id"] for f in doc["findings"]] == ["github-pat"]


def test_disabling_an_unknown_rule_id_is_a_clear_error(project: Path) -> None:
    (project / ".keysweep.toml").write_text('disable = ["openai-projekt-key"]\n')
    run = keysweep("scan", ".", cwd=project)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "keysweep: error: disabled rule id(s) not found: openai-projekt-key (see `keysweep rules list`)"
    ]


def test_path_allowlist_globs_skip_matching_files(project: Path, make_key: Callable[..., str]) -> None:
    for name in ("tests/fixtures/keys.txt", "docs/example.md", "src/app/settings.py"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(f"key: {make_key()}\n")
    (project / ".keysweep.toml").write_text('allow_paths = ["tests/fixtures/*", "*.md"]\n')
    _, doc = scan_json(project)
    assert [f["path"] for f in doc["findings"]] == ["src/app/settings.py"]


def test_value_allowlist_hides_matching_secrets(project: Path, make_key: Callable[..., str]) -> None:
    demo, real = make_key(), make_key()
    (project / "app.py").write_text(f'DEMO = "{demo}"\nREAL = "{real}"\n')
    (project / ".keysweep.toml").write_text(f'allow_values = ["^{demo[:20]}"]\n')
    _, doc = scan_json(project)
    assert [f["line"] for f in doc["findings"]] == [2]


def test_fail_on_sets_the_severity_that_fails_the_gate(project: Path, make_key: Callable[..., str]) -> None:
    (project / "hooks.py").write_text(f'SECRET = "{make_key("whsec_", 32)}"\n')  # severity high
    (project / ".keysweep.toml").write_text('fail_on = "critical"\n')
    code, doc = scan_json(project)
    assert (code, len(doc["findings"])) == (0, 1)  # still reported, no longer failing
    (project / ".keysweep.toml").write_text('fail_on = "high"\n')
    assert scan_json(project)[0] == 1


@pytest.mark.parametrize(
    ("line", "severity", "fails"),
    [
        ("STRIPE_KEY={stripe_test}", "low", False),  # a test-mode key: reported, never blocks by default
        ("OPENAI_ORG_ID={org}", "info", False),  # an identifier
        ("password: hunter2-{word}", "medium", True),  # a plain configuration password
        ("OPENAI_API_KEY={project_key}", "critical", True),
    ],
)
def test_the_default_gate_fails_from_medium_up(
    project: Path, make_key: Callable[..., str], line: str, severity: str, fails: bool
) -> None:
    values = {
        "stripe_test": make_key("sk_test_", 24),
        "org": make_key("org-", 24),
        "word": "prod7",
        "project_key": make_key("sk-proj-", 48),
    }
    (project / "settings.env").write_text(line.format(**values) + "\n")
    code, doc = scan_json(project)
    assert [f["severity"] for f in doc["findings"]] == [severity]
    assert (code, doc["summary"]["fail_on"]) == (int(fails), "medium")


def test_the_default_failing_severity_is_medium() -> None:
    assert load_settings(Path("/nonexistent-folder-for-defaults")).fail_on is Severity.MEDIUM


def test_max_file_size_skips_larger_files_and_says_so(project: Path, make_key: Callable[..., str]) -> None:
    (project / "small.env").write_text(f"K={make_key()}\n")
    (project / "big.env").write_text(f"K={make_key()}\n" + "# padding\n" * 200)
    (project / ".keysweep.toml").write_text("max_file_size = 1000\n")
    _, doc = scan_json(project)
    assert [f["path"] for f in doc["findings"]] == ["small.env"]
    assert [s["path"] for s in doc["summary"]["skipped"]] == ["big.env"]


# --- mistakes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('fail-on = "high"\n', "`fail-on`: unknown key (known keys: rules, disable,"),
        ('rules = "extra.toml"\n', "`rules`: must be a list of strings"),
        ("disable = [1]\n", "`disable`: must be a list of strings"),
        ('allow_paths = "*.md"\n', "`allow_paths`: must be a list of strings"),
        ('allow_values = ["(unclosed"]\n', "`allow_values`: '(unclosed' does not compile"),
        ('fail_on = "severe"\n', "`fail_on`: unknown severity 'severe' (expected one of info, low,"),
        ('max_file_size = "10MB"\n', "`max_file_size`: must be a positive number of bytes"),
        ("max_file_size = 0\n", "`max_file_size`: must be a positive number of bytes"),
        ("baseline = 3\n", "`baseline`: must be a path"),
        ('rotation = "vault"\n', "`rotation`: must be a table"),
    ],
)
def test_unknown_keys_and_bad_values_are_errors_naming_file_and_key(project: Path, toml: str, message: str) -> None:
    config = project / ".keysweep.toml"
    config.write_text(toml)
    with pytest.raises(ConfigError) as error:
        load_settings(project)
    assert str(error.value).startswith(f"{config}: {message}")


def test_bad_key_in_pyproject_names_the_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.keysweep]\nfail_on = "severe"\n')
    run = keysweep("scan", ".", cwd=project)
    assert run.returncode == 2
    assert run.stderr.startswith("keysweep: error: ") and "pyproject.toml: `fail_on`: unknown severity" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_config_that_is_not_toml_is_a_clear_error(project: Path) -> None:
    (project / ".keysweep.toml").write_text("fail_on = \n")
    with pytest.raises(ConfigError, match=r"\.keysweep\.toml: not valid TOML"):
        load_settings(project)
