"""Hook start-up benchmark: `keysweep hook` beside `gitleaks git --pre-commit --staged` on a small commit.

    .venv/bin/python bench/bench_hook.py [--runs 15] [--files 4]

A script, not a test. It makes a repository of real source files (this Python's standard library), stages
edits to a few of them, and prints the median and best wall time of each hook over `--runs` runs, clean and
with one staged key, and its median CPU time, plus the bare interpreter start-up for reference. The target is 100 ms
for keysweep (issue 12).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import WORK, clean_env, fake_secrets, peer_bin, source_tree

TARGET_MS = 100


def make_repo(dest: Path, files: int) -> Path:
    """A one-commit repository over real files (rebuilt each run, it takes a second)."""
    subprocess.run(["rm", "-rf", str(dest)], check=True)
    corpus = source_tree(WORK / "corpus-600", 600)
    subprocess.run(["cp", "-r", str(corpus), str(dest)], check=True)
    env = git_env()
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "import"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=env)
    return dest


def git_env() -> dict[str, str]:
    return {
        **clean_env(),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }


def stage_edits(repo: Path, count: int, secret: str | None) -> None:
    """Append a few lines to `count` tracked .py files (one of them a key, if given) and stage them."""
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=repo, check=True, env=git_env())
    names = sorted(p for p in repo.glob("*.py"))[:count]
    for n, path in enumerate(names):
        extra = f"\n# tuning\nRETRIES_{n} = {n + 3}\n"
        if secret is not None and n == 0:
            extra += f'CLIENT_TOKEN = "{secret}"\n'
        path.write_text(path.read_text() + extra)
    subprocess.run(["git", "add", *map(str, names)], cwd=repo, check=True, env=git_env())


def timings(runs: int, command: Sequence[str], cwd: Path) -> tuple[float, float, float, int]:
    """(median ms, best ms, median CPU ms, exit code) of `runs` runs, after one warm-up run (which fills
    keysweep's rule cache, as every commit after the first finds it filled)."""
    env = git_env()
    first = subprocess.run(command, cwd=cwd, env=env, capture_output=True)
    values, cpu = [], []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        values.append((time.perf_counter() - started) * 1000)
        cpu.append((usage.ru_utime + usage.ru_stime) * 1000)
    return statistics.median(values), min(values), statistics.median(cpu), first.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--files", type=int, default=4)
    args = parser.parse_args()
    keysweep = Path(sys.executable).parent / "keysweep"
    if not keysweep.exists():
        sys.exit("run with the project's interpreter (its bin/ must hold the keysweep script)")
    gitleaks = peer_bin("gitleaks")
    repo = make_repo(WORK / "hook-repo", args.files)
    [secret] = fake_secrets(1, seed=7)
    commands = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "keysweep hook": [str(keysweep), "hook"],
        "gitleaks git --pre-commit --staged": [str(gitleaks), "git", "--pre-commit", "--staged",
                                               "--no-banner", "--redact", "."],
    }  # fmt: skip
    print(f"commit of {args.files} edited files in a repository of 600 real source files; {args.runs} runs each")
    print(f"{'case':10} {'tool':36} {'median ms':>10} {'best ms':>8} {'CPU ms':>7} {'exit':>5} {'vs gitleaks':>12}")
    for case, key in (("clean", None), ("one key", secret)):
        stage_edits(repo, args.files, key)
        measured = {name: timings(args.runs, command, repo) for name, command in commands.items()}
        base = measured["gitleaks git --pre-commit --staged"][0]
        for name, (median, best, cpu, code) in measured.items():
            print(f"{case:10} {name:36} {median:10.0f} {best:8.0f} {cpu:7.0f} {code:5} {base / median:11.2f}x")
    median = measured["keysweep hook"][0]
    print(f"keysweep hook median {median:.0f} ms against a target of {TARGET_MS} ms")


if __name__ == "__main__":
    main()
