"""Pathological-input benchmark: near-miss floods of every rule prefix, as a file and on stdin.

    .venv/bin/python bench/bench_pathological.py [--file-mb 10] [--stdin-mb 50] [--prefixes sk-,ghp_]
                                                 [--stdin-prefixes sk-,mixed] [--peers] [--runs 3]

A script, not a test. Each flood is one rule prefix repeated (`sk-sk-sk-…`: every repetition is a keyword hit
that the engine must look at and reject), plus `mixed` (every prefix in turn) and `escaped-json` (a minified JSON
line of escaped URLs beside a keyword). For each, keysweep scans a `--file-mb` file and, for `--stdin-prefixes`,
`--stdin-mb` on stdin; the script prints the throughput (MB/s)
and the peak resident memory (VmHWM of the keysweep process itself), against the budget: at least 20 MB/s,
and peak memory at most 2x the input + 100 MB. `--peers` also times gitleaks 8.30.1 and kingfisher 2.14.0 on
the same files (installed into bench/.env), for ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import clean_env, peer_bin

MB = 1_000_000
TARGET_MBPS = 20.0
_PEAK = """
import atexit, sys
def peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("peak-kib " + status.split("VmHWM:")[1].split()[0] + "\\n")
atexit.register(peak)
from scanner.cli import entry
entry()
"""


@dataclass(frozen=True, slots=True)
class Measured:
    """One keysweep run on one flood."""

    flood: str
    how: str
    megabytes: float
    seconds: float
    peak_mib: float
    exit_code: int

    @property
    def mbps(self) -> float:
        return self.megabytes / self.seconds if self.seconds else 0.0

    @property
    def rss_ok(self) -> bool:
        return self.peak_mib * (1 << 20) <= 2 * self.megabytes * MB + 100 * MB

    def row(self) -> str:
        verdict = ("ok" if self.mbps >= TARGET_MBPS else "SLOW") + " / " + ("ok" if self.rss_ok else "OVER")
        return (
            f"{self.flood:<26} {self.how:<6} {self.megabytes:6.1f} MB {self.seconds:8.2f} s {self.mbps:8.2f} MB/s"
            f" {self.peak_mib:8.0f} MiB  exit {self.exit_code}  speed/memory: {verdict}"
        )


def prefixes() -> list[str]:
    """Every literal prefix the bundled rules anchor a secret on, longest first."""
    from scanner.engine.ruleset import load_ruleset

    return sorted({r.prefix for r in load_ruleset().rules if r.prefix}, key=lambda p: (-len(p), p))


ESCAPED_JSON = b'{"url":"https:\\/\\/cdn.example.com\\/assets\\/app.js","token_name":"session","n":12},'
"""`escaped-json`: one line of minified JSON whose URLs escape every slash, beside a keyword (`token`): each escape
on the line is undone and mapped back (the decoders)."""


def flood(prefix: str, size: int, every: list[str]) -> bytes:
    """`size` bytes of near-misses: the prefix repeated, every prefix in turn for `mixed`, or `escaped-json`."""
    if prefix == "escaped-json":
        unit = ESCAPED_JSON
    else:
        unit = "".join(every).encode() if prefix == "mixed" else prefix.encode()
    return (unit * (size // len(unit) + 1))[:size]


def run_keysweep(args: list[str], stdin: Path | None, timeout: float) -> tuple[float, float, int]:
    """Wall seconds, peak MiB and exit code of `keysweep ARGS` (the peak of keysweep's own process)."""
    with (stdin or Path(os.devnull)).open("rb") as feed:
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-c", _PEAK, *args],
                stdin=feed,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=timeout,
                env=clean_env(),
            )
        except subprocess.TimeoutExpired:
            return timeout, float("nan"), -1
        seconds = time.perf_counter() - started
    peak = next((ln.split()[1] for ln in done.stderr.splitlines() if ln.startswith("peak-kib ")), "nan")
    return seconds, float(peak) / 1024, done.returncode


def best_run(args: list[str], stdin: Path | None, timeout: float, runs: int) -> tuple[float, float, int]:
    """The fastest of `runs` runs of `keysweep ARGS`, with the highest peak memory and the last exit code: a shared
    VM's neighbours slow single runs by a third at times, never speed them up."""
    measured = [run_keysweep(args, stdin, timeout) for _ in range(max(1, runs))]
    return min(m[0] for m in measured), max(m[1] for m in measured), measured[-1][2]


def time_peer(command: list[str], timeout: float) -> float:
    started = time.perf_counter()
    try:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return float("inf")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file-mb", type=float, default=10)
    parser.add_argument("--stdin-mb", type=float, default=50)
    parser.add_argument(
        "--prefixes", help="comma-separated prefixes (default: every rule prefix, mixed and escaped-json)"
    )
    parser.add_argument("--stdin-prefixes", default="sk-,mixed", help="floods also piped on stdin")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--peers", action="store_true", help="also time gitleaks and kingfisher on each file")
    parser.add_argument(
        "--runs", type=int, default=1, help="keysweep runs per flood; the fastest counts (peak memory: the highest)"
    )
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        sys.exit("reads peak memory from Linux's /proc/self/status")
    every = prefixes()
    chosen = args.prefixes.split(",") if args.prefixes else [*every, "mixed", "escaped-json"]
    on_stdin = set(args.stdin_prefixes.split(",")) if args.stdin_prefixes else set()
    peers = {"gitleaks": peer_bin("gitleaks"), "kingfisher": peer_bin("kingfisher")} if args.peers else {}
    print(f"{len(chosen)} floods; budget: >= {TARGET_MBPS:.0f} MB/s, peak RSS <= 2x input + 100 MB")
    results: list[Measured] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for prefix in chosen:
            name = prefix.replace("/", "_").replace(":", "_")
            file = work / f"flood-{name}.txt"
            file.write_bytes(flood(prefix, int(args.file_mb * MB), every))
            seconds, peak, code = best_run(["scan", str(file), "-q"], None, args.timeout, args.runs)
            results.append(Measured(prefix, "file", args.file_mb, seconds, peak, code))
            print(results[-1].row(), flush=True)
            for peer, exe in peers.items():
                command = (
                    [str(exe), "dir", str(file), "--no-banner", "--exit-code", "0"]
                    if peer == "gitleaks"
                    else [str(exe), "scan", str(file), "--no-update-check"]
                )
                peer_seconds = time_peer(command, args.timeout)
                ratio = peer_seconds / seconds if seconds else float("nan")
                print(f"{'':<26} {peer:<10} {peer_seconds:8.2f} s  (keysweep takes {1 / ratio:.2f}x its time)")
            file.unlink()
            if prefix in on_stdin:
                piped = work / "stdin.txt"
                piped.write_bytes(flood(prefix, int(args.stdin_mb * MB), every))
                seconds, peak, code = best_run(["scan", "-", "-q"], piped, args.timeout, args.runs)
                results.append(Measured(prefix, "stdin", args.stdin_mb, seconds, peak, code))
                print(results[-1].row(), flush=True)
                piped.unlink()
    slow = [r for r in results if r.mbps < TARGET_MBPS]
    over = [r for r in results if not r.rss_ok]
    worst = min(results, key=lambda r: r.mbps)
    print(
        f"\n{len(results)} runs: {len(slow)} below {TARGET_MBPS:.0f} MB/s (slowest {worst.flood} {worst.how}: "
        f"{worst.mbps:.2f} MB/s), {len(over)} over the memory budget "
        f"(highest peak {max(r.peak_mib for r in results):.0f} MiB)"
    )


if __name__ == "__main__":
    main()
