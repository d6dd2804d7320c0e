"""Real-repository history benchmark: `keysweep scan --history` beside gitleaks and kingfisher, and git's floor.

    .venv/bin/python bench/bench_repos.py [--repo flask=URL_OR_PATH] [--repo sympy=URL_OR_PATH] [--runs 1]

A script, not a test. Each repository is cloned bare once into bench/.work/<name>.git (branches and tags, as
a user's clone has them). For each it prints the floor (`git cat-file --batch` of every blob, in pack order),
then the wall time and peak RSS of keysweep (all cores, and `--jobs 1`), gitleaks 8.30.1 and kingfisher 2.14.0,
each measured in this run, with keysweep's ratios to them and to the floor.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import WORK, clean_env, peer_bin

DEFAULT_REPOS = {"flask": "https://github.com/pallets/flask", "sympy": "https://github.com/sympy/sympy"}


def bare_clone(name: str, source: str) -> Path:
    dest = WORK / f"{name}.git"
    if not (dest / "HEAD").exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--bare", "--no-local", source, str(dest)], check=True)
    return dest


def blob_listing(repo: Path) -> tuple[int, dict[str, str], int]:
    """Commits, the blobs reachable from any ref (as a scan reads them) in pack order with a path each (the first
    `rev-list` gives), and their total bytes."""

    def git(*args: str, feed: str | None = None) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, input=feed, capture_output=True, check=True,
            encoding="utf-8", errors="surrogateescape",
        ).stdout  # fmt: skip

    commits = int(git("rev-list", "--all", "--count"))
    paths: dict[str, str] = {}
    for line in git("rev-list", "--objects", "--all").splitlines():
        paths.setdefault(line[:40], line[41:])
    sizes = {}
    feed = "".join(oid + "\n" for oid in paths)
    for line in git("cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)", feed=feed).splitlines():
        oid, kind, size = line.split()
        if kind == "blob":
            sizes[oid] = int(size)
    # NOTE: `--batch-all-objects --unordered` lists objects in pack order, the order git inflates fastest.
    packed = git("cat-file", "--batch-all-objects", "--unordered", "--batch-check=%(objectname)").split()
    return commits, {oid: paths[oid] for oid in packed if oid in sizes}, sum(sizes.values())


def floor(repo: Path, oids: list[str]) -> float:
    """Seconds git takes to inflate every blob, in pack order, into a pipe nobody reads slowly."""
    with tempfile.TemporaryFile() as feed:
        feed.write(("\n".join(oids) + "\n").encode())
        feed.seek(0)
        started = time.perf_counter()
        subprocess.run(["git", "cat-file", "--batch"], cwd=repo, stdin=feed, stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - started


def measure(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, children included) and peak RSS (bytes) of one run.

    NOTE: CPU time is quoted beside wall time because the benchmark machine is shared: on a loaded machine
    wall time says how busy the neighbours were, CPU time what the tool cost.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_env())
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    # NOTE: kingfisher exits 200 when it found something (205 when validated); 0/1 for the others.
    if os.waitstatus_to_exitcode(status) not in (0, 1, 200, 205):
        sys.exit(f"{command[0]} failed with {os.waitstatus_to_exitcode(status)}: {' '.join(command)}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def peer_commands(repo: Path, out: Path) -> dict[str, list[str]]:
    """gitleaks' and kingfisher's history scans of `repo`, reports written under `out`."""
    gitleaks, kingfisher = peer_bin("gitleaks"), peer_bin("kingfisher")
    return {
        "gitleaks 8.30.1 git": [str(gitleaks), "git", str(repo), "--no-banner", "--exit-code", "0",
                                "-f", "json", "-r", str(out / "gl.json")],
        "kingfisher 2.14.0": [str(kingfisher), "scan", str(repo), "--git-history", "full", "--no-validate",
                              "--no-update-check", "--format", "json", "-o", str(out / "kf.json")],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", action="append", default=[], metavar="NAME=SOURCE")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-jobs-1", action="store_true", help="skip the one-process keysweep run")
    parser.add_argument("--config", type=Path, help="keysweep config file for the scans")
    args = parser.parse_args()
    repos = dict(r.split("=", 1) for r in args.repo) if args.repo else DEFAULT_REPOS
    out = Path(tempfile.mkdtemp())
    # NOTE: the clones live under bench/.work, inside keysweep's own repository, whose .keysweep.toml (allowing
    # tests/ and examples/) would apply to them: an empty config file keeps every path in the measured work.
    config = args.config or out / "empty.toml"
    config.touch()
    for name, source in repos.items():
        repo = bare_clone(name, source)
        commits, blobs, size = blob_listing(repo)
        oids = list(blobs)
        base = floor(repo, oids)
        shape = f"{commits} commits, {len(oids)} blobs, {size / 1e9:.2f} GB"
        print(f"\n{name}: {shape}; floor {base:.2f} s (cat-file --batch)")
        keysweep = [sys.executable, "-m", "scanner", "scan", "--history", str(repo), "-q", "--format", "json",
                    "-o", str(out / "ks.json"), "--config", str(config)]  # fmt: skip
        commands = {
            "keysweep --history": keysweep,
            "keysweep --history --jobs 1": [*keysweep, "--jobs", "1"],
            **peer_commands(repo, out),
        }  # fmt: skip
        if args.no_jobs_1:
            del commands["keysweep --history --jobs 1"]
        results: dict[str, tuple[float, float, int]] = {}
        for tool, command in commands.items():
            runs = [measure(command) for _ in range(args.runs)]
            best = min(runs)
            results[tool] = (best[0], best[1], max(r[2] for r in runs))
        gl, kf = results["gitleaks 8.30.1 git"][0], results["kingfisher 2.14.0"][0]
        print(f"{'tool':30} {'wall s':>7} {'CPU s':>7} {'peak RSS':>9} {'vs gitleaks':>12} {'vs kingfisher':>14} "
              f"{'/ floor':>8}")  # fmt: skip
        for tool, (seconds, cpu, rss) in results.items():
            ratios = f"{gl / seconds:11.2f}x {kf / seconds:13.2f}x {seconds / base:7.2f}x"
            print(f"{tool:30} {seconds:7.2f} {cpu:7.2f} {rss / 1e6:6.0f} MB {ratios}")
        print(f"load average after {name}: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    subprocess.run(["rm", "-rf", str(out)], check=False)


if __name__ == "__main__":
    main()
