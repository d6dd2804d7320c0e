"""A discrete-event simulation of an org scan's task graph, to check docs/scale.md's projection.

    .venv/bin/python bench/simulate_org.py [--repos 10000] [--workers 1 8 32 128 256] [--figures FILE]

A script, not a test. Each repository is one task: a clone (bytes over a link shared by every clone running at
once, each clone also capped by its own throughput), then a scan (CPU on its worker), then its outcome goes
through the one scheduler (a fixed cost per task, serialised) to the client's merge (a fixed cost per
outcome, serialised). Per-repository fixed costs and rates come from bench_org.py's measurements
(`--figures`, default bench/.work/org-results.json) and the size distribution from the flags; the output is
the makespan per worker count, next to the closed-form bound docs/scale.md uses, and which resource was busy.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Costs:
    clone_fixed: float
    """Seconds a clone costs beyond moving its bytes (connection, negotiation, pack indexing)."""
    scan_fixed: float
    """Seconds a scan costs beyond reading its bytes (listing objects, attribution, task start)."""
    scan_rate: float
    """Bytes of blob content one worker scans per second."""
    expansion: float
    """Blob content scanned per byte of pack cloned."""
    scheduler: float
    """Scheduler seconds per task (dispatch plus result)."""
    merge: float
    """Client seconds per outcome (state append plus merge)."""
    link: float
    """Bytes per second the hosting side and the network give all clones together."""
    per_clone: float
    """Bytes per second one clone can reach on its own."""


def sizes(count: int, median_mib: float, sigma: float, cap_mib: float, seed: int = 1) -> list[float]:
    """Pack sizes in bytes: log-normal (most repositories small, a few huge), capped by --max-repo-size."""
    rng = random.Random(seed)
    return [min(rng.lognormvariate(math.log(median_mib), sigma), cap_mib) * 2**20 for _ in range(count)]


def simulate(packs: list[float], workers: int, c: Costs, max_clones: int = 0) -> dict[str, float]:
    """Makespan and busy time of the link, the workers, the scheduler and the merge."""
    queue = sorted(packs)  # NOTE: pop() takes the largest first, as run.py asks Dask to (the tail is big repos)
    now = 0.0
    free = workers
    cloning: dict[int, float] = {}  # task id -> bytes left
    events: list[tuple[float, int, str]] = []  # (time, task, kind) for scan ends
    scheduler_free = merge_free = 0.0
    busy_link = busy_cpu = 0.0
    next_id = 0
    pack_of: dict[int, float] = {}
    waiting: list[int] = []  # tasks holding a worker, waiting for a clone slot (--max-clones)
    holding = 0  # tasks holding a clone slot (connecting or moving bytes)
    done = 0
    while done < len(packs):
        while free and queue:
            free -= 1
            pack = queue.pop()
            pack_of[next_id] = pack
            waiting.append(next_id)
            next_id += 1
        while waiting and (not max_clones or holding < max_clones):
            task = waiting.pop(0)
            holding += 1
            # NOTE: the fixed part of a clone (processes, negotiation, indexing) takes time, not link.
            heapq.heappush(events, (now + c.clone_fixed, task, "connected"))
        rate = min(c.per_clone, c.link / len(cloning)) if cloning else 0.0
        clone_end = min(cloning.values()) / rate + now if cloning else math.inf
        scan_end = events[0][0] if events else math.inf
        step = min(clone_end, scan_end)
        if cloning:
            moved = (step - now) * rate
            busy_link += (step - now) * min(1.0, rate * len(cloning) / c.link)
            for task in cloning:
                cloning[task] -= moved
        now = step
        for task in [t for t, left in cloning.items() if left <= 1.0]:  # a byte: float time has no finer grain
            del cloning[task]
            holding -= 1
            scan = c.scan_fixed + pack_of[task] * c.expansion / c.scan_rate
            busy_cpu += scan
            heapq.heappush(events, (now + scan, task, "scan"))
        while events and events[0][0] <= now + 1e-12:
            _, task, kind = heapq.heappop(events)
            if kind == "connected":
                cloning[task] = max(pack_of[task], 2.0)
                continue
            if kind == "scan":
                # NOTE: the one scheduler handles each task's result and the next dispatch in turn; the
                # worker takes its next task only then.
                scheduler_free = max(scheduler_free, now) + c.scheduler
                heapq.heappush(events, (scheduler_free, task, "free"))
                continue
            merge_free = max(merge_free, now) + c.merge
            free += 1
            done += 1
    end = max(now, scheduler_free, merge_free)
    return {
        "makespan": end,
        "link_busy": busy_link / end,
        "cpu_busy": busy_cpu / (end * workers),
        "scheduler_busy": len(packs) * c.scheduler / end,
        "merge_busy": len(packs) * c.merge / end,
    }


def bound(packs: list[float], workers: int, c: Costs) -> tuple[float, str]:
    """docs/scale.md's closed form: the slowest of the four resources, plus the largest task as a tail."""
    work = sum(c.clone_fixed + p / c.per_clone + c.scan_fixed + p * c.expansion / c.scan_rate for p in packs)
    limits = {
        "worker CPU": work / workers,
        "clone bandwidth": sum(packs) / c.link,
        "scheduler": len(packs) * c.scheduler,
        "merge": len(packs) * c.merge,
    }
    name = max(limits, key=lambda k: limits[k])
    tail = max(c.clone_fixed + p / c.per_clone + c.scan_fixed + p * c.expansion / c.scan_rate for p in packs)
    return max(limits[name], tail), name


def costs_from(figures: Path, args: argparse.Namespace) -> Costs:
    """Per-repository costs from bench_org.py's figures (or the defaults measured when docs/scale.md was written)."""
    clone_fixed, scan_fixed, scan_rate, scheduler, merge = 0.040, 0.060, 12e6, 0.004, 0.0005
    if figures.exists():
        f = json.loads(figures.read_text())
        n, single = f["repositories"], f["single"]
        scan_rate = f["rate"]["bytes_per_second"]
        clone_fixed = single["clone_seconds"] / n
        scan_fixed = max(single["scan_seconds"] / n - single["bytes"] / n / scan_rate, 0.0)
        scheduler = max((f["dask1"]["seconds"] - single["seconds"]) / n, 0.001)
        m = f["merge_10k"]
        merge = (m["merge_seconds"] + m["render_seconds"]) / m["repositories"]
        if args.rerun:  # a nightly re-run: a fetch with little or nothing new, nothing much to scan
            clone_fixed, scan_fixed = single["rerun_seconds"] / n, 0.0
    scheduler = args.scheduler_ms / 1000 if args.scheduler_ms is not None else scheduler
    return Costs(clone_fixed, scan_fixed, scan_rate, args.expansion, scheduler, merge,
                 args.link_mbps * 1e6 / 8, args.per_clone_mbps * 1e6 / 8)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8, 32, 64, 128, 256, 512])
    parser.add_argument("--median-mib", type=float, default=8.0, help="median pack size")
    parser.add_argument("--sigma", type=float, default=1.6, help="log-normal spread of pack sizes")
    parser.add_argument("--cap-mib", type=float, default=4096.0, help="--max-repo-size")
    parser.add_argument("--expansion", type=float, default=3.0, help="blob bytes scanned per pack byte")
    parser.add_argument("--link-mbps", type=float, default=1000.0, help="link shared by all clones, Mbit/s")
    parser.add_argument("--per-clone-mbps", type=float, default=200.0, help="one clone's own limit, Mbit/s")
    parser.add_argument(
        "--rerun", action="store_true", help="a nightly re-run: fetch costs, little new (see --median-mib)"
    )
    parser.add_argument("--scheduler-ms", type=float, help="scheduler cost per task (default: measured)")
    parser.add_argument("--max-clones", type=int, default=0, help="clone slots across the cluster (0: no limit)")
    parser.add_argument("--figures", type=Path, default=Path(__file__).parent / ".work" / "org-results.json")
    args = parser.parse_args()
    costs = costs_from(args.figures, args)
    packs = sizes(args.repos, args.median_mib, args.sigma, args.cap_mib)
    print(f"{args.repos} repositories, {sum(packs) / 2**30:.0f} GiB of packs (median {args.median_mib} MiB, "
          f"largest {max(packs) / 2**20:.0f} MiB); link {args.link_mbps:.0f} Mbit/s; {costs}")  # fmt: skip
    print(f"{'workers':>7} {'simulated':>10} {'closed form':>11} {'limit':>16}  link  cpu  sched merge")
    for workers in args.workers:
        sim = simulate(packs, workers, costs, args.max_clones)
        estimate, limit = bound(packs, workers, costs)
        print(
            f"{workers:7d} {sim['makespan'] / 3600:9.2f}h {estimate / 3600:10.2f}h {limit:>16}  "
            f"{sim['link_busy']:4.0%} {sim['cpu_busy']:4.0%} {sim['scheduler_busy']:5.0%} {sim['merge_busy']:5.0%}"
        )


if __name__ == "__main__":
    main()
