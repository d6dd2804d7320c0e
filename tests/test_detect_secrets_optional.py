"""detect-secrets is a test dependency, not a runtime one: keysweep scans, and honours and converts
`.secrets.baseline` files, with the package unimportable; the installed distribution does not require it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement

# Runs keysweep's CLI with `import detect_secrets` made to fail, as on a machine without the package.
_WITHOUT_DETECT_SECRETS = """
import sys
sys.modules["detect_secrets"] = None
from scanner.cli import main
sys.argv = ["keysweep", *sys.argv[1:]]
main()
"""


def keysweep_without_detect_secrets(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_DETECT_SECRETS, *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_keysweep_honours_and_converts_a_detect_secrets_baseline_without_the_package(tmp_path: Path) -> None:
    accepted, new = "Xk2vP9qR7sT4uW1yZ3aB5cD8eF0gH6jL", "Qm7nB2vC9xZ4aS1dF6gH3jK8lP0oI5uY"
    (tmp_path / "app.py").write_text(f'API_KEY = "{accepted}"\n')
    entry = {"type": "Secret Keyword", "filename": "app.py", "is_verified": False, "line_number": 1,
             "hashed_secret": hashlib.sha1(accepted.encode()).hexdigest()}  # fmt: skip
    (tmp_path / ".secrets.baseline").write_text(json.dumps({"version": "1.5.0", "results": {"app.py": [entry]}}))

    clean = keysweep_without_detect_secrets("scan", ".", "--baseline", ".secrets.baseline", cwd=tmp_path)
    (tmp_path / "new.py").write_text(f'API_KEY = "{new}"\n')
    dirty = keysweep_without_detect_secrets("scan", ".", "--baseline", ".secrets.baseline", cwd=tmp_path)
    converted = keysweep_without_detect_secrets(
        "baseline", "create", "--from", ".secrets.baseline", "--output", "kb.json", cwd=tmp_path
    )

    assert (clean.returncode, clean.stderr) == (0, "")
    assert dirty.returncode == 1 and "new.py" in dirty.stdout
    assert converted.returncode in (0, 1), converted.stderr
    assert [e["path"] for e in json.loads((tmp_path / "kb.json").read_text())["entries"]] == ["app.py"]


def test_the_distribution_needs_detect_secrets_only_for_its_tests() -> None:
    requirements = [Requirement(r) for r in requires("keysweep") or []]
    runtime = {r.name for r in requirements if r.marker is None or "extra" not in str(r.marker)}
    tests = {r.name for r in requirements if r.marker is not None and r.marker.evaluate({"extra": "test"})}
    assert "detect-secrets" not in runtime
    assert "detect-secrets" in tests
