"""Real-code noise benchmark: findings of keysweep, gitleaks and kingfisher on the sources of large real packages.

    .venv/bin/python bench/bench_noise.py [--packages boto3,django,ansible-core,google-api-python-client]
                                          [--keep-gzip] [--tools keysweep,gitleaks,kingfisher]   (or: make bench-noise)

A script, not a test. It installs the packages into the benchmark's own environment (bench/.env, never the
project's), copies their sources out of site-packages into bench/.work/noise/<package>/ (so that no path rule
such as a site-packages skip can hide them; `.json.gz` data files such as botocore's service models are
decompressed on the way unless --keep-gzip, because their documentation examples are where the look-alikes
live), scans each copy with every tool and prints, per package and tool, the findings inside private-key test
fixtures (PEM blocks) and outside them, the wall time, then keysweep's findings outside fixtures by rule id and
by file (values redacted) so that false positives can be chased. Issue 9's target for keysweep: at most 5
findings outside private-key test fixtures. Results also go to bench/.work/noise-results.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import REAL_PACKAGES, WORK, site_packages
from _tools import OPTIONAL_TOOLS, TOOLS, Reported, redact
from breadth.negatives import pem_block_lines

DEFAULT = ("boto3", "django", "ansible-core", "google-api-python-client")
SKIP_SUFFIXES = {".pyc", ".pyo"}


def copy_sources(package: str, source: Path, dest: Path, gunzip: bool) -> Path:
    """Copy the package's folders out of site-packages once (a marker file records how)."""
    marker = dest / f".copied-{'gunzip' if gunzip else 'gzip'}"
    if marker.exists():
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    for top in REAL_PACKAGES[package][1]:
        for path in sorted((source / top).rglob("*")):
            if "__pycache__" in path.parts or not path.is_file() or path.suffix in SKIP_SUFFIXES:
                continue
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if gunzip and path.name.endswith(".json.gz"):
                target.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
            else:
                shutil.copyfile(path, target)
    marker.write_text("")
    return dest


def tree_size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".copied-")]
    return len(files), sum(p.stat().st_size for p in files)


def split_fixtures(root: Path, findings: tuple[Reported, ...]) -> tuple[list[Reported], list[Reported]]:
    """(inside private-key test fixtures, outside them)."""
    ranges: dict[str, tuple[tuple[int, int], ...]] = {}
    inside, outside = [], []
    for f in findings:
        if f.path not in ranges:
            path = root / f.path
            ranges[f.path] = pem_block_lines(path.read_text(errors="replace")) if path.is_file() else ()
        (inside if any(a <= f.line <= b for a, b in ranges[f.path]) else outside).append(f)
    return inside, outside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--packages", default=",".join(DEFAULT), help="comma-separated subset of: " + ", ".join(REAL_PACKAGES)
    )
    parser.add_argument("--keep-gzip", action="store_true", help="copy .json.gz data files as they are")
    parser.add_argument("--tools", default=",".join(TOOLS), help="any of: " + ", ".join(TOOLS | OPTIONAL_TOOLS))
    args = parser.parse_args()
    if not (Path(sys.executable).parent / "keysweep").exists():
        sys.exit("run with the project's interpreter: .venv/bin/python bench/bench_noise.py")
    packages = args.packages.split(",")
    tools = args.tools.split(",")
    source = site_packages(packages)
    versions = {
        p.name.removesuffix(".dist-info").split("-")[0].lower(): p.name.removesuffix(".dist-info").split("-")[1]
        for p in source.glob("*.dist-info")
    }

    rows, listing, results = [], defaultdict(list), {}
    for package in packages:
        root = copy_sources(package, source, WORK / "noise" / package, gunzip=not args.keep_gzip)
        files, size = tree_size(root)
        version = versions.get(package.replace("-", "_"), "?")
        cells, results[package] = [], {"version": version, "files": files, "bytes": size, "tools": {}}
        for tool in tools:
            run = (TOOLS | OPTIONAL_TOOLS)[tool](root)
            inside, outside = split_fixtures(root, run.findings)
            cells.append(f"{len(outside)} ({len(inside)}) {run.seconds:.1f}s" + (" ERROR" if run.error else ""))
            results[package]["tools"][tool] = {
                "seconds": round(run.seconds, 2), "outside_fixtures": len(outside), "in_fixtures": len(inside),
                "error": run.error, "by_rule": Counter(f.rule for f in outside),
                "findings": [f"{f.path}:{f.line} {f.rule} {redact(f.value, 4)}" for f in outside],
            }  # fmt: skip
            if run.error:
                print(f"{tool} on {package}: {run.error}", file=sys.stderr)
            if tool == "keysweep":
                listing[package] = outside
        rows.append(f"| {package} {version} | {files} | {size / 1e6:.0f} MB | " + " | ".join(cells) + " |")

    print("Findings outside private-key test fixtures (inside them in brackets), and wall time:\n")
    print("| package | files | size | " + " | ".join(tools) + " |")
    print("|---|---|---|" + "---|" * len(tools))
    print("\n".join(rows))
    totals = {t: sum(results[p]["tools"][t]["outside_fixtures"] for p in packages) for t in tools}
    print("| **total** | | | " + " | ".join(f"**{totals[t]}**" for t in tools) + " |")
    for package, outside in listing.items():
        if not outside:
            continue
        print(f"\n### keysweep on {package}: {len(outside)} findings outside fixtures")
        for rule, count in Counter(f.rule for f in outside).most_common():
            print(f"- {rule}: {count}")
        for f in sorted(outside, key=lambda f: (f.rule, f.path, f.line)):
            print(f"  - {f.rule} {f.path}:{f.line} {redact(f.value, 4)}")
    out = WORK / "noise-results.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
