"""What a history scan cannot skip, part by part: the lower bound of any scan of a repository on this machine.

    .venv/bin/python bench/bench_bound.py [--repo sympy=URL_OR_PATH] [--peers]

A script, not a test. For each repository (cloned bare into bench/.work as `bench_repos.py` does) it measures, each
part alone and on one core, the CPU seconds of the work a `scan --history` must do however it is built, as long as
git reads the history:

- start-up: keysweep scanning an empty folder (the interpreter, its imports, the rules);
- listing: `git rev-list --objects --all` (blobs only, as the scan asks);
- inflating: one `git cat-file --batch` of every blob in pack order, writing them into a pipe (its wall time into
  /dev/null is git's floor, printed too);
- reading: this process reading them out of that pipe, and nothing else;
- hyperscan: keysweep's keyword and gate passes over every blob (`Detector.matcher.present`), reading excluded;
- rules: the rest of keysweep's work on each blob (`locate`: keyword lines, rule regexes, decoders), hyperscan
  and reading excluded;
- attribution: the `git log --raw -c` of every commit, which a history with a finding needs.

No scan on N cores can end before the sum of the parts it needs divided by N, nor before the floor's wall time:
the script prints that bound, the bound of a scan that would list its blobs from the attribution's log (no
`rev-list`; a clean history would then pay for the log), the bound without `rules` (a scanner with no per-blob work
past hyperscan), and with `--peers` the wall time each target of issue 12 asks for, from gitleaks and kingfisher run
in the same session.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_repos import DEFAULT_REPOS, bare_clone, blob_listing, floor, measure, peer_commands

_LOG = ["log", "--raw", "-c", "-z", "--root", "--no-abbrev", "--no-renames", "--no-color",
        "--format=%x01%H%x1f%an%x1f%ae%x1f%aI", "--all", "--"]  # fmt: skip
"""The attribution's log, as `scanner.sources.git_runner` runs it (one git here; the scan splits it between
cores, which adds no work)."""

_TARGETS = {"sympy": {"gitleaks": 3.5, "kingfisher": 2.5}, "flask": {"gitleaks": 3.0}}
"""Issue 12's ratios: how many times keysweep's wall time each peer's must be."""
_FLOOR_TARGETS = {"sympy": 1.5}
"""And how close to git's floor keysweep must come."""


def git_cpu(repo: Path, args: list[str]) -> float:
    """CPU seconds of one git, its output thrown away unread."""
    proc = subprocess.Popen(["git", *args], cwd=repo, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"git {args[0]} failed in {repo}")
    return usage.ru_utime + usage.ru_stime


def listing_cpu(repo: Path) -> float:
    """CPU seconds of the listing the scan runs (blobs only; its output thrown away)."""
    args = ["rev-list", "--objects", "--all", "--missing=print", "--filter=object:type=blob"]
    return git_cpu(repo, args)


def stream(repo: Path, order: list[str], each: Callable[[str, bytes], object]) -> tuple[float, float]:
    """`each(oid, data)` for every blob git inflates in pack order: this process's CPU seconds, and git's."""
    import fcntl

    with tempfile.TemporaryFile() as feed:
        feed.write("".join(oid + "\n" for oid in order).encode())
        feed.seek(0)
        cpu = time.process_time()
        proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo, stdin=feed, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        fcntl.fcntl(proc.stdout.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
        out = proc.stdout
        for _ in order:
            oid, _, size = out.readline().split()
            data = out.read(int(size) + 1)[:-1]
            each(oid.decode(), data)
        out.close()
        _, _, usage = os.wait4(proc.pid, 0)
        return time.process_time() - cpu, usage.ru_utime + usage.ru_stime


def parts(repo: Path) -> dict[str, float]:
    from scanner.engine.detector import Detector
    from scanner.engine.locate import locate
    from scanner.engine.ruleset import load_ruleset
    from scanner.findings import Fragment
    from scanner.sources.content import fragments_of_bytes

    with tempfile.TemporaryDirectory() as empty:
        config = Path(empty) / "empty.toml"
        config.touch()
        started = measure([sys.executable, "-m", "scanner", "scan", empty, "-q", "--config", str(config)])[1]
    detector = Detector(load_ruleset(examples=False))
    listed = listing_cpu(repo)
    paths = blob_listing(repo)[1]
    order = list(paths)
    base = floor(repo, order)
    reading, inflating = stream(repo, order, lambda oid, data: None)

    def hyperscan(oid: str, data: bytes) -> None:
        path = paths[oid]
        detector.matcher.present(data, lambda found: detector._wants_later(found, path))

    def rules(oid: str, data: bytes) -> None:
        for item in fragments_of_bytes(paths[oid], data, blob=oid, unit="blob"):
            if isinstance(item, Fragment):
                locate(detector, item)

    scanned = stream(repo, order, hyperscan)[0]
    detected = stream(repo, order, rules)[0]
    logged = git_cpu(repo, _LOG)
    return {
        "floor wall": base,
        "start-up": started,
        "listing": listed,
        "inflating": inflating,
        "reading": reading,
        "hyperscan": max(scanned - reading, 0.0),
        "rules": max(detected - scanned, 0.0),
        "attribution": logged,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", action="append", default=[], metavar="NAME=SOURCE")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--peers", action="store_true", help="also run gitleaks and kingfisher for the targets")
    args = parser.parse_args()
    repos = dict(r.split("=", 1) for r in args.repo) if args.repo else DEFAULT_REPOS
    out = Path(tempfile.mkdtemp())
    for name, source in repos.items():
        repo = bare_clone(name, source)
        measured = parts(repo)
        base = measured.pop("floor wall")
        print(f"\n{name}: CPU seconds of each part, measured alone (floor: {base:.2f} s wall)")
        for part, seconds in measured.items():
            print(f"  {part:12} {seconds:6.2f}")
        needed = sum(measured.values())
        bounds = {
            "with a finding": needed,
            "clean": needed - measured["attribution"],
            "listing from the log, with a finding": needed - measured["listing"],
            "no per-blob work past hyperscan, with a finding": needed - measured["rules"],
        }
        for label, cpu in bounds.items():
            print(f"  bound on {args.cores} cores, {label}: {max(base, cpu / args.cores):.2f} s")
        if name in _FLOOR_TARGETS:
            print(f"  issue 12's floor target ({_FLOOR_TARGETS[name]}x the floor) asks for "
                  f"{_FLOOR_TARGETS[name] * base:.2f} s")  # fmt: skip
        if args.peers:
            for tool, command in peer_commands(repo, out).items():
                wall = measure(command)[0]
                ratio = _TARGETS.get(name, {}).get(tool.split()[0])
                asks = f"; issue 12's target ({ratio}x) asks for {wall / ratio:.2f} s" if ratio else ""
                print(f"  {tool}: {wall:.2f} s{asks}")
    subprocess.run(["rm", "-rf", str(out)], check=False)


if __name__ == "__main__":
    main()
