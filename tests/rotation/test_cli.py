"""`keysweep rotate` end to end: the real scan of the sample page, the emulator, a real OpenBao."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rotation.conftest import World
from tests.rotation.seed import (
    CI_PIPELINE,
    LEGACY_STAGING,
    PROD_DEFAULT,
    WEBHOOK,
    seed_findings,
    write_report,
)

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).parents[1] / "data" / "nexus-api-reference.txt"


def keysweep(world: World, *args: str, crash: str | None = None, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(cwd),
        "XDG_STATE_HOME": str(cwd / "xdg"),
        **world.env,
    }
    if crash:
        env["KEYSWEEP_CRASH_AFTER"] = crash
    return subprocess.run(
        [sys.executable, "-m", "scanner", "rotate", *args],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
    )


def make_repo(world: World, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    shutil.copy(SAMPLE, repo / "docs" / "nexus-api-reference.txt")
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\n\n' + world.config_toml())
    return repo


def every_file_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def test_rotate_path_plans_then_applies_and_no_secret_lands_in_any_output(world: World, tmp_path: Path) -> None:
    if not SAMPLE.exists():
        pytest.skip("the sample page is not in tests/data")
    repo = make_repo(world, tmp_path)
    state = tmp_path / "state"

    plan = keysweep(world, "docs", "--state-dir", str(state), cwd=repo)
    assert plan.returncode == 0, plan.stderr
    assert "nothing happens without --apply" in plan.stdout and "rotate_secret" in plan.stdout
    assert not state.exists(), "a plan writes nothing"
    assert world.emulator.calls("POST", ".") == 0 and world.emulator.calls("DELETE", ".") == 0

    applied = keysweep(world, "docs", "--state-dir", str(state), "--apply", cwd=repo)
    assert applied.returncode == 1, applied.stderr  # 1: the legacy key needs a human
    em = world.emulator
    assert not em.is_live(PROD_DEFAULT) and not em.is_live(CI_PIPELINE) and not em.is_live(WEBHOOK)
    assert em.is_live(LEGACY_STAGING)
    journals = list(state.glob("rot-*.jsonl"))
    assert len(journals) == 1
    events = [json.loads(line) for line in journals[0].read_text().splitlines()]
    assert events[-1]["event"] == "done"
    summary = json.loads(journals[0].with_suffix(".audit.json").read_text())
    assert summary["status"] == "done"
    new_values = []
    for row in summary["targets"]:
        if row["action"] in ("rotate-key", "rotate-webhook"):
            mount, _, path = row["vault_path"].partition("/")
            stored = world.store.read(mount, path)
            assert stored is not None and em.is_live(stored.data["value"])
            new_values.append(stored.data["value"])
    assert len(new_values) == 3

    secrets = [PROD_DEFAULT, CI_PIPELINE, WEBHOOK, LEGACY_STAGING, world.seeded.admin_key, *new_values]
    outputs = [plan.stdout, plan.stderr, applied.stdout, applied.stderr]
    outputs += [p.read_text(errors="replace") for p in every_file_under(state, repo / "xdg", repo / ".keysweep")]
    for secret in secrets:
        assert all(secret not in text for text in outputs), "a secret value leaked into output or state"


def test_report_without_values_plans_by_redacted_prefix_and_says_what_it_cannot_check(
    world: World, tmp_path: Path
) -> None:
    findings = [f for f in seed_findings() if f.secret in (PROD_DEFAULT,) or f.identifier]
    report = write_report(tmp_path / "report.json", findings, reveal=False)
    config = tmp_path / "pyproject.toml"
    config.write_text(world.config_toml())
    # The emulator shows 10 characters, the report 10 too (sk-proj-J1…3uyw): the lookalike shares the prefix
    # but not the suffix, so the match is unique.
    result = keysweep(world, "--report", str(report), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert world.seeded.prod_key_id in result.stdout
    assert "without secret values" in result.stdout and "liveness: unknown" in result.stdout


def test_credentials_are_read_from_the_environment_only(world: World, tmp_path: Path) -> None:
    report = write_report(tmp_path / "report.json", seed_findings())
    config = tmp_path / "pyproject.toml"
    config.write_text(world.config_toml())
    world.env.pop("NEXUS_ADMIN_KEY")
    result = keysweep(world, "--report", str(report), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "NEXUS_ADMIN_KEY" in result.stderr and "Traceback" not in result.stderr


def test_a_clean_folder_has_nothing_to_rotate_and_touches_nothing(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import os\nKEY = os.environ['NEXUS_API_KEY']\n")
    state = tmp_path / "state"
    run = subprocess.run(
        [sys.executable, "-m", "scanner", "rotate", str(tmp_path), "--apply", "--state-dir", str(state)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "VAULT_ADDR": "http://127.0.0.1:9"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Nothing to rotate" in run.stdout
    assert not state.exists()
