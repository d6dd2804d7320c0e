"""`keysweep scan --org/--repos` end to end (a real LocalCluster started by the command), its usage errors, and
plain scans that never load Dask."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from repo_builders import TOKEN, build_bare, fake_key

from scanner.findings import secret_id
from tests.emulators.hosting import HostingEmulator, gitlab_project


def keysweep(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args], capture_output=True, text=True, env=env, cwd=cwd, check=False
    )


@pytest.mark.slow
def test_scan_org_on_a_gitlab_group_writes_one_json_report_and_fails_closed_on_a_broken_repository(
    org_env: dict[str, str], tmp_path: Path
) -> None:
    rng = random.Random(3)
    keys = {name: fake_key(rng) for name in ("acme/api", "acme/infra/ci")}
    for name, key in keys.items():
        build_bare(tmp_path / f"{name}.git", [{"README.md": "x\n"}, {".env": f"OPENAI_API_KEY={key}\n"}])
    with HostingEmulator(TOKEN) as hosting:
        hosting.groups["acme"] = [
            gitlab_project("acme/api", str(tmp_path / "acme/api.git")),
            gitlab_project("acme/gone", str(tmp_path / "acme/gone.git")),
            gitlab_project("acme/old", str(tmp_path / "acme/api.git"), archived=True),
        ]
        hosting.groups["acme/infra"] = [gitlab_project("acme/infra/ci", str(tmp_path / "acme/infra/ci.git"))]
        common = ["scan", "--org", "gitlab:acme", "--api-url", hosting.url + "/api/v4", "--workers", "2"]
        common += ["--cache-dir", str(tmp_path / "cache"), "--format", "json"]
        strict = keysweep(*common, "-o", str(tmp_path / "report.json"), env=org_env, cwd=tmp_path)
        allowed = keysweep(*common, "--allow-incomplete", env=org_env, cwd=tmp_path)

    assert strict.returncode == 2, strict.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    statuses = {r["name"]: r["status"] for r in report["repositories"]}
    assert statuses == {"acme/api": "scanned", "acme/gone": "failed", "acme/infra/ci": "scanned", "acme/old": "skipped"}
    assert {(f["repository"], f["secret_id"]) for f in report["findings"]} == {
        (name, secret_id(key)) for name, key in keys.items()
    }
    assert report["summary"]["incomplete"] is True and "Incomplete: 1 repositories" in strict.stderr
    assert allowed.returncode == 1, allowed.stderr
    again = json.loads(allowed.stdout)
    assert {r["name"]: r["incremental"] for r in again["repositories"] if r["status"] == "scanned"} == {
        "acme/api": True,
        "acme/infra/ci": True,
    }
    assert again["summary"]["blobs_scanned"] == 0 and len(again["findings"]) == 2


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--repos", "r.txt", "--org", "github:acme"], "choose one of --org and --repos"),
        (["--org", "github:acme", "--history"], "take no paths, --history"),
        (["--org", "github:acme", "src"], "take no paths"),
        (["--org", "github:acme", "--baseline", "b.json"], "do not take --baseline"),
        (["--org", "svn:acme"], "expected github:ORG"),
    ],
)
def test_org_usage_errors_are_one_line_and_exit_2(
    org_env: dict[str, str], tmp_path: Path, extra: list[str], words: str
) -> None:
    (tmp_path / "r.txt").write_text("/srv/x.git\n")

    done = keysweep("scan", *extra, env=org_env, cwd=tmp_path)

    assert done.returncode == 2 and words in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_plain_scans_never_import_dask_or_the_org_package(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    probe = (
        "import sys\nfrom scanner.cli import main\n"
        "for args in (['scan', sys.argv[1], '-q'], ['scan', '--history', sys.argv[1], '-q']):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "heavy = ('dask', 'distributed', 'scanner.org')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy[:2] or m.startswith(heavy[2])))\n"
    )
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)

    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
