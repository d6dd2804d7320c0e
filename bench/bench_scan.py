"""Folder-scan benchmark: keysweep next to gitleaks `dir` and kingfisher on the same tree, in one run.

    .venv/bin/python bench/bench_scan.py [--files 4000] [--runs 3] [--with-detect-secrets]

A script, not a test: it prints wall times, throughput and ratios against gitleaks measured in this run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import WORK, best_of, clean_env, fake_secrets, no_config, peer_bin, source_tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--with-detect-secrets", action="store_true")
    parser.add_argument("--config", type=Path, help="keysweep config file for the scans")
    args = parser.parse_args()
    try:
        import scanner  # noqa: F401
    except ImportError:
        sys.exit("run with the project's interpreter: .venv/bin/python bench/bench_scan.py")

    tree = source_tree(WORK / f"corpus-{args.files}", args.files)
    planted = fake_secrets(40)
    for i, secret in enumerate(planted):
        (tree / f"planted_{i}.py").write_text(f'# config\nCLIENT = make_client(token="{secret}")\n')
    files = [p for p in tree.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(f"tree: {len(files)} files, {size / 1e6:.1f} MB (Python stdlib sources + {len(planted)} planted keys)")

    gitleaks, kingfisher = peer_bin("gitleaks"), peer_bin("kingfisher")
    out = Path(tempfile.mkdtemp())
    commands = {
        "keysweep": [sys.executable, "-m", "scanner", "scan", str(tree), "-q", "--format", "json",
                     "-o", str(out / "ks.json"), *no_config()],
        "keysweep (pure-Python engine)": [sys.executable, "-m", "scanner", "scan", str(tree), "-q",
                                          "--engine", "python", "--format", "json", "-o", str(out / "ksp.json"),
                                          *no_config()],
        "gitleaks 8.30.1 dir": [str(gitleaks), "dir", str(tree), "--no-banner", "--exit-code", "0",
                                "-f", "json", "-r", str(out / "gl.json")],
        "kingfisher 2.14.0": [str(kingfisher), "scan", str(tree), "--no-update-check", "--format", "json",
                              "-o", str(out / "kf.json")],
    }  # fmt: skip
    for name in ("keysweep", "keysweep (pure-Python engine)"):
        commands[name] += ["--config", str(args.config)] if args.config else []
    if args.with_detect_secrets:
        commands["detect-secrets 1.5.0"] = [str(peer_bin("detect-secrets")), "scan", "--all-files", str(tree)]
    check = subprocess.run(commands["keysweep"], capture_output=True, text=True)
    if check.returncode not in (0, 1):
        sys.exit(f"keysweep failed: {check.stderr.strip()}")
    times = {name: best_of(args.runs, cmd, env=clean_env()) for name, cmd in commands.items()}
    base = times["gitleaks 8.30.1 dir"]
    print(f"{'tool':32} {'seconds':>8} {'MB/s':>8} {'vs gitleaks':>12}")
    for name, seconds in times.items():
        print(f"{name:32} {seconds:8.2f} {size / 1e6 / seconds:8.1f} {base / seconds:11.1f}x")
    report = json.loads((out / "ks.json").read_text()) if (out / "ks.json").exists() else {"findings": []}
    found = {f["secret_id"] for f in report["findings"]}
    from hashlib import sha256

    missing = [s for s in planted if sha256(s.encode()).hexdigest()[:16] not in found]
    print(f"keysweep found {len(planted) - len(missing)}/{len(planted)} planted keys")
    subprocess.run(["rm", "-rf", str(out)], check=False)


if __name__ == "__main__":
    main()
