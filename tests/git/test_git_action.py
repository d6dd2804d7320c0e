"""action.yml: a composite action whose shell steps, run here as GitHub runs them, gate a PR range."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gitrepo import Repo, fake_key
from ruamel.yaml import YAML

ACTION = Path(__file__).resolve().parents[2] / "action.yml"
KEY = fake_key(61)
OLD = fake_key(62)


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(ACTION.read_text())
    return loaded


def step(name: str) -> dict[str, Any]:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == name)


def run_step(name: str, repo: Repo, tmp_path: Path, env: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """Run one `run:` step with bash the way the runner does: inputs as env, outputs via $GITHUB_OUTPUT."""
    output = tmp_path / f"output-{name.replace(' ', '-')}"
    output.write_text("")
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "keysweep").exists():
        pytest.skip("no keysweep console script beside this interpreter")
    full = {
        **repo.env,
        **env,
        "GITHUB_OUTPUT": str(output),
        "PATH": f"{bin_dir}{os.pathsep}{repo.env['PATH']}",
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step(name)["run"]], cwd=repo.path, env=full, capture_output=True, text=True
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return done.returncode, outputs, done.stdout + done.stderr


def test_the_action_is_composite_installs_keysweep_and_uploads_sarif() -> None:
    steps = action()["runs"]["steps"]

    assert action()["runs"]["using"] == "composite"
    assert any('pip" install' in s.get("run", "") and "GITHUB_ACTION_PATH" in s["run"] for s in steps)
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"


def test_pull_request_range_with_a_leak_writes_sarif_and_exits_one(repo: Repo, tmp_path: Path) -> None:
    base = repo.commit("base", {"old.py": f'k = "{OLD}"\n'})
    head = repo.commit("pr", {"new.py": f'k = "{KEY}"\n'})

    _, chosen, _ = run_step("Choose the commit range", repo, tmp_path, {"PR_BASE": base, "PR_HEAD": head})
    code, outputs, log = run_step(
        "Scan", repo, tmp_path, {"RANGE": chosen["range"], "FAIL_ON": "low", "SARIF": "out.sarif"}
    )

    assert chosen["range"] == f"{base}..{head}"
    # The step itself passes so that SARIF is uploaded; the action's last step fails the job on exit code 1.
    assert code == 0 and outputs["exit-code"] == "1"
    assert step("Fail on findings")["if"] == "${{ steps.scan.outputs.exit-code == '1' }}"
    [result] = json.loads((repo.path / "out.sarif").read_text())["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "new.py"
    assert "new.py:1:6" in log and KEY not in log


def test_a_clean_push_passes_and_a_new_branch_scans_up_to_its_tip(repo: Repo, tmp_path: Path) -> None:
    tip = repo.commit("clean", {"a.py": "a = 1\n"})

    _, chosen, _ = run_step("Choose the commit range", repo, tmp_path, {"PUSH_BEFORE": "0" * 40, "PUSH_AFTER": tip})
    code, outputs, _ = run_step(
        "Scan", repo, tmp_path, {"RANGE": chosen["range"], "FAIL_ON": "low", "SARIF": "out.sarif"}
    )

    assert (code, outputs["exit-code"]) == (0, "0")
    assert json.loads((repo.path / "out.sarif").read_text())["runs"][0]["results"] == []


def test_a_bad_range_is_exit_two_and_fails_the_step(repo: Repo, tmp_path: Path) -> None:
    repo.commit("one", {"a.py": "a\n"})

    code, outputs, log = run_step(
        "Scan", repo, tmp_path, {"RANGE": "nope..HEAD", "FAIL_ON": "low", "SARIF": "out.sarif"}
    )

    assert code != 0 and outputs["exit-code"] == "2"
    assert "unknown revision 'nope'" in log


def test_an_incomplete_range_fails_the_step_says_why_and_still_uploads_its_sarif(repo: Repo, tmp_path: Path) -> None:
    repo.commit("one", {"a.py": "a = 1\n"})
    repo.commit("two", {"a.py": "a = 2\n"})
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)], check=True, env=repo.env)
    shallow = Repo(clone, repo.env)

    code, outputs, log = run_step("Scan", shallow, tmp_path, {"RANGE": "HEAD", "FAIL_ON": "low", "SARIF": "out.sarif"})

    assert code != 0 and outputs["exit-code"] == "2" and outputs["sarif-written"] == "true"
    assert "INCOMPLETE" in log and "shallow clone" in log
    assert step("Upload SARIF")["if"] == (
        "${{ always() && inputs.upload-sarif == 'true' && steps.scan.outputs.sarif-written == 'true' }}"
    )
