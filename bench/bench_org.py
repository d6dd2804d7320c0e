"""Org-scan benchmark: generated bare repositories scanned in one process without Dask, then on a LocalCluster
of 1 and of 2 workers; throughput, Dask's overhead, the per-repository costs (clone, scan, merge) that
docs/scale.md and bench/simulate_org.py project from.

    .venv/bin/python bench/bench_org.py [--repos 200] [--commits 12] [--runs 3] [--json bench/.work/org-results.json]

A script, not a test. Repositories are built once (cached under bench/.work) from real source files (this
Python's standard library), a dozen commits each, keys planted in one in four at run time. Clones go through
file:// URLs, so git packs and sends objects as it would over a network (a plain path would hard-link them).
Each mode runs `--runs` times, interleaved, and its best run counts: on a shared machine the best run is the
one least disturbed. The single-process run also reports its CPU seconds (keysweep and git together).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import WORK, fake_secrets, source_tree

from scanner.config import Settings
from scanner.org.merge import merge
from scanner.org.report import render
from scanner.org.repositories import Repository
from scanner.org.run import OrgOptions, run_org_scan
from scanner.org.state import StateFile, settings_fingerprint, state_path
from scanner.org.task import RepositoryTask, scan_repository

EPOCH = 1_600_000_000


def build(root: Path, count: int, commits: int, seed: int = 1) -> list[Repository]:
    """`count` bare repositories under `root` (reused when already there)."""
    pool = [p for p in source_tree(WORK / "stdlib").rglob("*.py") if 2_000 < p.stat().st_size < 40_000]
    rng = random.Random(seed)
    keys = fake_secrets(count // 4 + 1, seed=seed)
    repos = []
    for n in range(count):
        path = root / f"r{n:03d}.git"
        repos.append(Repository(f"bench/r{n:03d}", path.as_uri()))
        files = rng.sample(pool, 8)
        if (path / "HEAD").exists():
            continue
        subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
        stream = bytearray()
        for c in range(1, commits + 1):
            when = EPOCH + n * 86_400 + c * 3600
            stream += f"commit refs/heads/main\nmark :{c}\n".encode()
            stream += (
                f"author Bench <b@example.com> {when} +0000\ncommitter Bench <b@example.com> {when} +0000\n".encode()
            )
            stream += b"data 6\ncommit\n" + (f"from :{c - 1}\n".encode() if c > 1 else b"")
            for source in rng.sample(files, 2):
                text = source.read_bytes() + f"\n# revision {c}\n".encode()
                if n % 4 == 0 and c == commits // 2:
                    text += f'\nAPI_KEY = "{keys[n // 4]}"\n'.encode()
                name = f"src/{source.name}"
                stream += f"M 100644 inline {name}\ndata {len(text)}\n".encode() + text + b"\n"
        subprocess.run(["git", "--git-dir", str(path), "fast-import", "--quiet"], input=bytes(stream), check=True)
    return repos


def _cpu() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def scan_rate(root: Path, settings: Settings) -> dict[str, Any]:
    """One larger repository (about 200 commits): the byte rate of clone and scan, apart from fixed costs."""
    big = build(root, 1, 200, seed=9)[0]
    with tempfile.TemporaryDirectory() as cache:
        outcome = scan_repository(RepositoryTask(big, settings, cache_dir=cache))
    return {
        "bytes": outcome["bytes_scanned"],
        "blobs": outcome["blobs_scanned"],
        "clone_seconds": outcome["clone_seconds"],
        "scan_seconds": outcome["scan_seconds"],
        "bytes_per_second": outcome["bytes_scanned"] / max(outcome["scan_seconds"], 1e-9),
    }


def single_process(repos: list[Repository], cache: Path, settings: Settings) -> dict[str, Any]:
    cpu = _cpu()
    started = time.perf_counter()
    outcomes = [scan_repository(RepositoryTask(r, settings, cache_dir=str(cache))) for r in repos]
    wall = time.perf_counter() - started
    cpu = _cpu() - cpu
    merge_started = time.perf_counter()
    report = merge("bench", outcomes)
    render("json", report)
    merged = time.perf_counter() - merge_started
    again = _cpu()
    began = time.perf_counter()
    for repo, outcome in zip(repos, outcomes, strict=True):
        scan_repository(RepositoryTask(repo, settings, covered=tuple(outcome["tips"]), cache_dir=str(cache)))
    rerun, rerun_cpu = time.perf_counter() - began, _cpu() - again
    return {
        "rerun_seconds": rerun,
        "rerun_cpu_seconds": rerun_cpu,
        "seconds": wall,
        "cpu_seconds": cpu,
        "clone_seconds": sum(o["clone_seconds"] for o in outcomes),
        "scan_seconds": sum(o["scan_seconds"] for o in outcomes),
        "merge_seconds": merged,
        "blobs": sum(o["blobs_scanned"] for o in outcomes),
        "bytes": sum(o["bytes_scanned"] for o in outcomes),
        "findings": len(report.findings),
        "failed": sum(o["status"] != "scanned" for o in outcomes),
    }


def on_dask(repos: list[Repository], work: Path, settings: Settings, workers: int) -> dict[str, Any]:
    from scanner.org.cluster import connect

    cpu = _cpu()
    started = time.perf_counter()
    with connect(None, workers=workers) as client:
        client.wait_for_workers(workers)
        startup = time.perf_counter() - started
        runs = []
        for label in ("cold", "re-run"):
            state = StateFile(state_path(work / "state", "bench"), "bench", settings_fingerprint(settings))
            began = time.perf_counter()
            report = run_org_scan(client, "bench", repos, settings, state, OrgOptions(mirrors=work / "mirrors"))
            runs.append((label, time.perf_counter() - began, report))
    # NOTE: the worker processes are this process's children: their CPU (and their git's) is counted once the
    # cluster has shut down and reaped them. It covers start-up, both runs and the shutdown.
    cpu = _cpu() - cpu
    cold, rerun = runs[0][1], runs[1][1]
    return {
        "cpu_seconds": cpu,
        "workers": workers,
        "startup_seconds": startup,
        "seconds": cold,
        "rerun_seconds": rerun,
        "findings": len(runs[0][2].findings),
        "failed": len(runs[0][2].incomplete),
        "rerun_blobs": sum(r.get("blobs_scanned", 0) for r in runs[1][2].repositories),
    }


def merge_at_scale(outcome_count: int, findings_per_repo: float) -> dict[str, Any]:
    """Merge and render synthetic outcomes for `outcome_count` repositories: time and peak memory."""
    rng = random.Random(3)
    outcomes = []
    for n in range(outcome_count):
        rows = []
        for k in range(int(findings_per_repo) + (rng.random() < findings_per_repo % 1)):
            secret = f"{rng.randrange(outcome_count):016x}"
            rows.append({
                "repository": f"org/r{n}", "rule_id": "openai-project-key", "severity": "critical",
                "kind": "project-key", "provider": "openai-compatible", "env_var": "OPENAI_API_KEY",
                "secret_id": secret, "redacted": "sk-proj-Ab…wxyz", "prefix": "sk-proj-", "identifier": False,
                "path": f"src/f{k}.py", "line": k + 1, "column": 5, "end_column": 61, "commit": "a" * 40,
                "author": "Ada", "email": "ada@example.com", "date": "2024-01-01T00:00:00+00:00", "labels": [],
                "related": [], "decoded": None,
            })  # fmt: skip
        outcomes.append({"repository": f"org/r{n}", "url": f"https://h/org/r{n}.git", "status": "scanned",
                         "findings": rows, "tips": ["b" * 40], "blobs_scanned": 100})  # fmt: skip
    started = time.perf_counter()
    report = merge("org", outcomes)
    merged = time.perf_counter() - started
    text = render("json", report)
    rendered = time.perf_counter() - started - merged
    tracemalloc.start()  # a second pass for memory: tracing slows the first one's clock
    render("json", merge("org", outcomes))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"repositories": outcome_count, "findings": len(report.findings), "merge_seconds": merged,
            "render_seconds": rendered, "peak_mib": peak / 2**20, "report_mib": len(text) / 2**20}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--commits", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=WORK / "org-results.json")
    args = parser.parse_args()
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    repos = build(WORK / f"org-{args.repos}x{args.commits}", args.repos, args.commits)
    settings = Settings()
    scan_repository(RepositoryTask(repos[0], settings, cache_dir=tempfile.mkdtemp()))  # warm imports
    results: dict[str, Any] = {"repositories": args.repos, "commits": args.commits, "load": os.getloadavg()}
    results["rate"] = min(
        (scan_rate(WORK / "org-rate", settings) for _ in range(args.runs)), key=lambda r: r["scan_seconds"]
    )
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            run = {"single": single_process(repos, Path(tmp) / "single", settings)}
            for workers in (1, 2):
                run[f"dask{workers}"] = on_dask(repos, Path(tmp) / f"dask{workers}", settings, workers)
                shutil.rmtree(Path(tmp) / f"dask{workers}", ignore_errors=True)
        for mode, figures in run.items():
            if mode not in results or figures["seconds"] < results[mode]["seconds"]:
                results[mode] = figures
    single = results["single"]
    results["merge_10k"] = merge_at_scale(10_000, single["findings"] / args.repos)
    n = args.repos
    print(f"{n} repositories, {single['blobs']} blobs, {single['bytes'] / 1e6:.1f} MB, {single['findings']} findings;"
          f" best of {args.runs}; load average at start {results['load'][0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"  one process, no Dask : {single['seconds']:6.1f} s  {n / single['seconds']:5.1f} repos/s"
          f"  (clone {single['clone_seconds'] / n * 1000:.0f} ms, scan {single['scan_seconds'] / n * 1000:.0f} ms"
          f" per repo; merge {single['merge_seconds'] * 1000:.0f} ms; CPU {single['cpu_seconds'] / n * 1000:.0f} ms"
          f" per repo; re-run with nothing new {single['rerun_seconds']:.1f} s, CPU of both runs "
          f"{single['cpu_seconds'] + single['rerun_cpu_seconds']:.1f} s)")  # fmt: skip
    for workers in (1, 2):
        d = results[f"dask{workers}"]
        print(f"  Dask, {workers} worker{'s' if workers > 1 else ' '}       : {d['seconds']:6.1f} s  "
              f"{n / d['seconds']:5.1f} repos/s  (cluster start {d['startup_seconds']:.1f} s; re-run with nothing "
              f"new {d['rerun_seconds']:.1f} s, {d['rerun_blobs']} blobs; CPU of start, both runs and shutdown "
              f"{d['cpu_seconds']:.1f} s)")  # fmt: skip
    d1, d2 = results["dask1"], results["dask2"]
    print(f"  overhead of Dask (1 worker vs one process): {(d1['seconds'] / single['seconds'] - 1) * 100:+.0f}%"
          f" ({(d1['seconds'] - single['seconds']) / n * 1000:+.0f} ms per repository)")  # fmt: skip
    print(f"  2 workers vs 1: {d1['seconds'] / d2['seconds']:.2f}x")
    r = results["rate"]
    print(f"  one larger repository: {r['blobs']} blobs, {r['bytes'] / 1e6:.1f} MB scanned in {r['scan_seconds']:.2f} s"
          f" ({r['bytes_per_second'] / 1e6:.1f} MB/s), cloned in {r['clone_seconds']:.2f} s")  # fmt: skip
    m = results["merge_10k"]
    print(f"  merge of 10,000 repositories ({m['findings']} findings): {m['merge_seconds']:.2f} s, JSON rendering "
          f"{m['render_seconds']:.2f} s, peak {m['peak_mib']:.0f} MiB, report {m['report_mib']:.1f} MiB")  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"figures: {args.json}")


if __name__ == "__main__":
    main()
