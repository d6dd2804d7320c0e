"""What a plain clone of this repository gives a newcomer: README's first command works and finds the sample's
19 findings, the sample is allowed in keysweep's own self-scan, the LICENSE pyproject names, docs that pin
only revisions that exist."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import SEED

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
"""SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt, the standard text."""


def _readme_first_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.*?)\n```", text, flags=re.S)[0].strip()


def _keysweep_args(command: str) -> list[str]:
    """The arguments of the keysweep invocation at the end of a README command."""
    last = command.split("&&")[-1]
    words = shlex.split(last)
    assert Path(words[0]).name == "keysweep", command
    return words[1:]


def test_readme_first_command_installs_from_here_and_scans_a_folder_of_this_repository() -> None:
    command = _readme_first_command()

    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -q . && "), command
    args = _keysweep_args(command)
    assert args[0] == "scan"
    for path in args[1:]:
        assert (ROOT / path).exists(), f"README's first command scans {path}, which a clone does not have"


def test_readme_first_command_finds_the_sample_pages_19_findings_and_exits_1() -> None:
    args = _keysweep_args(_readme_first_command())

    run = subprocess.run(
        [sys.executable, "-m", "scanner", *args, "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 1, run.stderr
    summary = json.loads(run.stdout)["summary"]
    assert (summary["findings"], summary["unique_secrets"], summary["identifiers"]) == (19, 4, 2)
    assert "10 key occurrences (4 unique secrets) and 9 org IDs" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_shipped_sample_is_the_page_the_tests_pin() -> None:
    assert (EXAMPLES / "nexus-api-reference.txt").read_bytes() == SEED.read_bytes()


def test_keysweeps_own_config_allows_the_examples_folder_and_nothing_else_there(tmp_path: Path) -> None:
    config = tomllib.loads((ROOT / ".keysweep.toml").read_text(encoding="utf-8"))
    assert "examples/*" in config["allow_paths"]
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    (tmp_path / "app.env").write_text(SEED.read_text(encoding="utf-8"))  # the same keys outside examples/

    def findings_by_path() -> dict[str, int]:
        run = subprocess.run(
            [sys.executable, "-m", "scanner", "scan", str(tmp_path), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        paths = [f["path"] for f in json.loads(run.stdout)["findings"]]
        return {p: paths.count(p) for p in sorted(set(paths))}

    assert findings_by_path() == {"app.env": 19, "examples/nexus-api-reference.txt": 19}
    shutil.copy(ROOT / ".keysweep.toml", tmp_path / ".keysweep.toml")
    assert findings_by_path() == {"app.env": 19}


@pytest.mark.slow
def test_readme_first_command_runs_verbatim_on_a_copy_of_what_a_clone_holds(tmp_path: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    clone = tmp_path / "clone"
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            (clone / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name.decode())

    run = subprocess.run(["sh", "-c", _readme_first_command()], cwd=clone, capture_output=True, text=True, timeout=900)

    assert run.returncode == 1, run.stderr[-2000:]
    assert "19 findings: 4 unique secrets, 2 identifiers" in run.stdout


def test_the_license_file_pyproject_names_is_the_standard_apache_2_0_text() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

    assert pyproject["project"]["license"] == "Apache-2.0"
    assert hashlib.sha256((ROOT / "LICENSE").read_bytes()).hexdigest() == APACHE_2_0_SHA256


def test_docs_pin_pre_commit_and_the_action_only_to_revisions_that_exist() -> None:
    tags = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    pinned = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        pinned += [(doc.name, rev) for rev in re.findall(r"^\s*rev:\s*(\S+)", text, flags=re.M)]
        pinned += [(doc.name, rev) for rev in re.findall(r"uses:\s*\S*/keysweep@(\S+)", text)]
    assert pinned, "the pre-commit snippets were not found"
    for doc, rev in pinned:
        assert rev == "TAG-OR-COMMIT" or rev in tags, f"{doc} pins {rev}, which is not a tag of this repository"
