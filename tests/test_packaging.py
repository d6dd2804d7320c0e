"""An installed wheel carries its rules, and the scan path starts without heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "data" / "nexus-api-reference.txt"


@pytest.mark.slow
def test_wheel_finds_its_bundled_rules_away_from_the_repository(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path, ROOT],
        check=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("keysweep-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "scanner/_rules/openai.toml" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)  # the license pyproject names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import json, sys; from scanner.engine.ruleset import bundled_rules_dir, load_ruleset;"
        "from scanner.scan import scan_paths; from scanner.config import Settings;"
        f"r = scan_paths([{str(SEED)!r}], Settings());"
        f"own = scan_paths([{str(site)!r}], Settings(include_deps=True, include_ignored=True));"
        "print(json.dumps([str(bundled_rules_dir()), len(load_ruleset().rules), len(r.findings),"
        " [f.path for f in own.findings], [(s.path, s.reason) for s in own.skipped]]))"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {probe}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=True,
    )  # fmt: skip
    rules_dir, count, findings, own_findings, own_skipped = json.loads(run.stdout)
    assert Path(rules_dir) == site / "scanner" / "_rules"
    assert count >= 6 and findings == 19
    # a folder scan of wherever keysweep is installed never reports its own rule examples
    assert not any(path.startswith("scanner/_rules") for path in own_findings)
    assert ["scanner/_rules", "keysweep's own rule files"] in own_skipped


def test_scan_start_up_imports_no_git_http_or_vault_library(tmp_path: Path) -> None:
    clean = tmp_path / "clean.py"
    clean.write_text("print('hello')\n")
    code = (
        "import sys\nfrom scanner.cli import main\n"
        f"try:\n    main(['scan', {str(clean)!r}, '--quiet'])\nexcept SystemExit as e:\n    code = e.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'git', 'httpx', 'hvac', 'requests', "
        "'detect_secrets', 'ruamel', 'nacl'})\nprint(code, heavy)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.strip() == "0 []"
