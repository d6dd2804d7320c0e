"""Real-repository history benchmark: `keysweep scan --history` beside gitleaks and kingfisher, and git's floor.

    .venv/bin/python bench/bench_repos.py [--repo flask=URL_OR_PATH] [--repo sympy=URL_OR_PATH] [--runs 1]

A script, not a test. Each repository is cloned bare once into bench/.work/<name>.git (branches and tags, as
a user's clone has them). For each it prints the floor (`git cat-file --batch` of every blob, in pack order),
then the wall time and peak RSS of keysweep (all cores, and `--jobs 1`), gitleaks 8.30.1 and kingfisher 2.14.0,
each measured in this run, with keysweep's ratios to them and to the floor.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import WORK, peer_bin
from bench_history import measure

DEFAULT_REPOS = {"flask": "https://github.com/pallets/flask", "sympy": "https://github.com/sympy/sympy"}


def bare_clone(name: str, source: str) -> Path:
    dest = WORK / f"{name}.git"
    if not (dest / "HEAD").exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--bare", "--no-local", source, str(dest)], check=True)
    return dest


def blob_listing(repo: Path) -> tuple[int, list[str], int]:
    """Commits, blob ids in pack order, and total blob bytes."""
    commits = int(subprocess.run(["git", "rev-list", "--all", "--count"], cwd=repo, capture_output=True,
                                 text=True, check=True).stdout)  # fmt: skip
    listing = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--unordered", "--batch-check=%(objectname) %(objecttype) "
         "%(objectsize)"], cwd=repo, capture_output=True, text=True, check=True,
    ).stdout.split("\n")  # fmt: skip
    blobs = [line.split() for line in listing if line.endswith(tuple("0123456789")) and " blob " in line]
    return commits, [b[0] for b in blobs], sum(int(b[2]) for b in blobs)


def floor(repo: Path, oids: list[str]) -> float:
    """Seconds git takes to inflate every blob, in pack order, into a pipe nobody reads slowly."""
    with tempfile.TemporaryFile() as feed:
        feed.write(("\n".join(oids) + "\n").encode())
        feed.seek(0)
        started = time.perf_counter()
        subprocess.run(["git", "cat-file", "--batch"], cwd=repo, stdin=feed, stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", action="append", default=[], metavar="NAME=SOURCE")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-jobs-1", action="store_true", help="skip the one-process keysweep run")
    args = parser.parse_args()
    repos = dict(r.split("=", 1) for r in args.repo) if args.repo else DEFAULT_REPOS
    gitleaks, kingfisher = peer_bin("gitleaks"), peer_bin("kingfisher")
    out = Path(tempfile.mkdtemp())
    for name, source in repos.items():
        repo = bare_clone(name, source)
        commits, oids, size = blob_listing(repo)
        base = floor(repo, oids)
        shape = f"{commits} commits, {len(oids)} blobs, {size / 1e9:.2f} GB"
        print(f"\n{name}: {shape}; floor {base:.2f} s (cat-file --batch)")
        keysweep = [sys.executable, "-m", "scanner", "scan", "--history", str(repo), "-q", "--format", "json",
                    "-o", str(out / "ks.json")]  # fmt: skip
        commands = {
            "keysweep --history": keysweep,
            "keysweep --history --jobs 1": [*keysweep, "--jobs", "1"],
            "gitleaks 8.30.1 git": [str(gitleaks), "git", str(repo), "--no-banner", "--exit-code", "0",
                                    "-f", "json", "-r", str(out / "gl.json")],
            "kingfisher 2.14.0": [str(kingfisher), "scan", str(repo), "--git-history", "full", "--no-validate",
                                  "--no-update-check", "--format", "json", "-o", str(out / "kf.json")],
        }  # fmt: skip
        if args.no_jobs_1:
            del commands["keysweep --history --jobs 1"]
        results: dict[str, tuple[float, int]] = {}
        for tool, command in commands.items():
            runs = [measure(command) for _ in range(args.runs)]
            results[tool] = (min(r[0] for r in runs), max(r[1] for r in runs))
        gl, kf = results["gitleaks 8.30.1 git"][0], results["kingfisher 2.14.0"][0]
        print(f"{'tool':30} {'seconds':>8} {'peak RSS':>10} {'vs gitleaks':>12} {'vs kingfisher':>14} {'/ floor':>8}")
        for tool, (seconds, rss) in results.items():
            print(f"{tool:30} {seconds:8.2f} {rss / 1e6:7.0f} MB {gl / seconds:11.2f}x {kf / seconds:13.2f}x "
                  f"{seconds / base:7.2f}x")  # fmt: skip
    subprocess.run(["rm", "-rf", str(out)], check=False)


if __name__ == "__main__":
    main()
