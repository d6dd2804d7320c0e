"""Runs keysweep and the peers on one folder and reads each report into the same shape: (path, line, value)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import clean_env, no_config, peer_bin


@dataclass(frozen=True, slots=True)
class Reported:
    """One finding of one tool, its path relative to the scanned folder."""

    path: str
    line: int
    value: str = field(repr=False)
    rule: str
    identifier: bool = False
    """keysweep marks identifiers (org IDs) that it reports but never counts as secrets."""


@dataclass(frozen=True, slots=True)
class Run:
    tool: str
    seconds: float
    findings: tuple[Reported, ...]
    error: str = ""


def _relative(path: str, root: Path) -> str:
    p = Path(path)
    return (p.relative_to(root) if p.is_absolute() else p).as_posix()


def run_keysweep(root: Path) -> Run:
    """`keysweep scan ROOT --format json --reveal` with the project's own interpreter."""
    exe = Path(sys.executable).parent / "keysweep"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [str(exe), "scan", str(root), "--format", "json", "--reveal", "-q", "-o", str(out), *no_config()]
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=clean_env())
        seconds = time.perf_counter() - started
        if not out.exists():
            return Run("keysweep", seconds, (), f"exit {done.returncode}: {done.stderr.strip()[:300]}")
        report = json.loads(out.read_text())
    found = tuple(
        Reported(_relative(f["path"], root), f["line"], f.get("secret") or "", f["rule_id"], bool(f.get("identifier")))
        for f in report["findings"]
    )
    error = f"exit {done.returncode}: {done.stderr.strip()[:300]}" if done.returncode not in (0, 1) else ""
    return Run("keysweep", seconds, found, error)


def run_gitleaks(root: Path) -> Run:
    """`gitleaks dir ROOT` (8.30.1), JSON report with the secrets."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [str(peer_bin("gitleaks")), "dir", str(root), "--no-banner", "--log-level", "error", "--exit-code", "0",
               "-f", "json", "-r", str(out)]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=clean_env())
        seconds = time.perf_counter() - started
        rows = json.loads(out.read_text()) if out.exists() else []
    found = tuple(Reported(_relative(f["File"], root), f["StartLine"], f["Secret"], f["RuleID"]) for f in rows)
    return Run(
        "gitleaks", seconds, found, "" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr[:300]}"
    )


def run_kingfisher(root: Path) -> Run:
    """`kingfisher scan ROOT` (2.14.0): no validation (no network), no de-duplication, JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [str(peer_bin("kingfisher")), "scan", str(root), "--no-update-check", "--no-validate", "--no-dedup",
               "--format", "json", "-o", str(out)]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=clean_env())
        seconds = time.perf_counter() - started
        report = json.loads(out.read_text()) if out.exists() else {"findings": []}
    found = tuple(
        Reported(_relative(f["finding"]["path"], root), int(f["finding"]["line"]), f["finding"].get("snippet", ""),
                 f["rule"]["id"])
        for f in report["findings"]
    )  # fmt: skip
    # NOTE: kingfisher exits 200 when it reports findings; anything else non-zero is a failure.
    ok = done.returncode in (0, 200) or out.exists()
    return Run("kingfisher", seconds, found, "" if ok else f"exit {done.returncode}: {done.stderr[:300]}")


def run_detect_secrets(root: Path) -> Run:
    """`detect-secrets scan --all-files -n .` (1.5.0, every plugin, no network verification) run inside ROOT.

    Its report holds only a SHA-1 of each value, never the value: a finding is matched to the labels by its line,
    and its `rule` is the plugin's name (`Secret Keyword`, `Hex High Entropy String`, …).
    """
    cmd = [str(peer_bin("detect-secrets")), "scan", "--all-files", "-n", "."]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), cwd=root)
    seconds = time.perf_counter() - started
    try:
        results = json.loads(done.stdout)["results"]
    except (ValueError, KeyError):
        return Run("detect-secrets", seconds, (), f"exit {done.returncode}: {done.stderr.strip()[:300]}")
    found = tuple(
        Reported(_relative(path, root), int(row["line_number"]), "", row["type"])
        for path, rows in results.items()
        for row in rows
    )
    return Run("detect-secrets", seconds, found, "" if done.returncode == 0 else f"exit {done.returncode}")


TOOLS = {"keysweep": run_keysweep, "gitleaks": run_gitleaks, "kingfisher": run_kingfisher}
OPTIONAL_TOOLS = {"detect-secrets": run_detect_secrets}
"""Run only when asked (`--tools keysweep,detect-secrets`): detect-secrets is slow on large trees, and it is the
measure behind keysweep's choice not to run its plugins (docs/adopting.md, Migrating from detect-secrets)."""


def redact(value: str, keep: int = 6) -> str:
    """Enough of a value to recognise it, never enough to use it."""
    value = value.replace("\n", "\\n")
    return f"{value[:keep]}…({len(value)} chars)" if len(value) > keep else "…"
