"""Breadth benchmark: recall and false positives per credential family, keysweep beside gitleaks and kingfisher.

    .venv/bin/python bench/bench_breadth.py [--seed 2024] [--real-code 400] [--contexts 3]   (or: make bench-breadth)

A script, not a test. It generates a labelled corpus at run time under bench/.work/breadth/corpus (seeded, so
every run builds the same files; no fake key is committed): every documented provider format of issue 9 in a
few realistic contexts (.env, YAML, JSON, TOML, INI, properties, XML, PHP, Go, JS/TS, Python, Ruby, Java,
Kotlin, C#, shell, Makefile, Dockerfile, compose, curl in markdown, …), whole-file formats (PEM, OpenSSH, PuTTY,
PGP, JWT, credentials in URLs, .netrc/.pgpass/.git-credentials/.docker/config.json/.npmrc/.pypirc/.s3cfg/FileZilla,
framework secrets, password hashes) and the generic idioms; near-misses of every format and look-alikes from
real code as negatives; and source files copied from large packages installed into bench/.env (every finding
there is false unless it sits in a private-key test fixture). The formats and their citations are in
bench/breadth/ (importable, for tests).

Then it scans the one folder with keysweep (`keysweep scan DIR --format json --reveal`), gitleaks 8.30.1
(`dir`) and kingfisher 2.14.0 (no validation, no de-duplication) and matches every finding to the labels by
file, value and line (never by rule id, so the figures stay right as rules are added):
- recall = positive samples found / positive samples (a sample is found when a finding's value overlaps the
  labelled value, or sits on its lines; a companion such as an AWS key ID counts only where noted);
- FP = false findings (distinct file and line); FP rate = files with a false finding / files in the family.
It prints a markdown table, keysweep's misses and false positives (values redacted), and writes everything to
bench/.work/breadth-results.json. Target for keysweep: recall >= 95% with FP rate <= 0.5%, above both peers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import WORK, site_packages
from _tools import OPTIONAL_TOOLS, TOOLS, Reported, Run, redact
from breadth import Sample, build_corpus, write_labels
from breadth.corpus import REAL_CODE_PACKAGES

PACKAGES = ("boto3", "django", "ansible-core", "google-api-python-client", "requests", "jinja2")


@dataclass(slots=True)
class Score:
    """One tool's counts on one family."""

    positives: int = 0
    negatives: int = 0
    found: int = 0
    false_findings: int = 0
    false_files: int = 0
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return self.positives + self.negatives

    @property
    def recall(self) -> float | None:
        return self.found / self.positives if self.positives else None

    @property
    def fp_rate(self) -> float:
        return self.false_files / self.files if self.files else 0.0


def _clean(value: str) -> str:
    return value.strip().strip("\"'`,;")


def _overlaps(found: str, label: str) -> bool:
    found = _clean(found)
    return len(found) >= 6 and (found in label or label in found)


def classify(finding: Reported, sample: Sample) -> str:
    """`hit`, `neutral` (a companion, an identifier, a private-key test fixture) or `false`."""
    value = _clean(finding.value)
    if sample.positive:
        if _overlaps(value, sample.secret):
            return "hit"
        on_lines = sample.line <= finding.line <= sample.end_line
        # A value that is not in the file was decoded (base64, URL-encoding): its line is the evidence.
        if on_lines and (not value or value not in sample.text or "\n" in sample.secret):
            return "hit"
    for companion in sample.companions:
        if _overlaps(value, companion.value):
            return "hit" if sample.positive and companion.counts else "neutral"
    if finding.identifier:
        return "neutral"
    if any(start <= finding.line <= end for start, end in sample.fixture_lines):
        return "neutral"
    return "false"


def score(run: Run, placed: list[tuple[str, Sample]]) -> dict[str, Score]:
    by_file: dict[str, list[Reported]] = defaultdict(list)
    for finding in run.findings:
        by_file[finding.path].append(finding)
    scores: dict[str, Score] = defaultdict(Score)
    for folder, sample in placed:
        path = f"{folder}/{sample.path}"
        s = scores[sample.family]
        verdicts = [(classify(f, sample), f) for f in by_file.pop(path, [])]
        false_lines = {f.line for verdict, f in verdicts if verdict == "false"}
        if sample.positive:
            s.positives += 1
            if any(verdict == "hit" for verdict, _ in verdicts):
                s.found += 1
            else:
                s.missed.append(
                    f"{sample.name} in {sample.context} ({path}:{sample.line}, {redact(sample.secret, 10)})"
                )
        else:
            s.negatives += 1
        s.false_findings += len(false_lines)
        s.false_files += bool(false_lines)
        keep = 4 if sample.family == "real-code" else 10
        s.false += [
            f"{sample.name}: {path}:{f.line} {f.rule} {redact(f.value, keep)}" for v, f in verdicts if v == "false"
        ]
    for path, stray in by_file.items():  # findings in files the corpus does not know: a bug, shown as false
        scores["unknown"].false_findings += len(stray)
        scores["unknown"].false += [f"{path}:{f.line} {f.rule}" for f in stray]
    return scores


def as_json(s: Score) -> dict[str, object]:
    return {"positives": s.positives, "negatives": s.negatives, "found": s.found, "recall": s.recall,
            "false_findings": s.false_findings, "false_files": s.false_files, "fp_rate": s.fp_rate,
            "missed": s.missed, "false": s.false}  # fmt: skip


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def table(results: dict[str, dict[str, Score]], families: list[str]) -> str:
    tools = list(results)
    head = ["family", "pos", "neg"] + [f"{t} recall" for t in tools] + [f"{t} FP (rate)" for t in tools]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    total = {t: Score() for t in tools}
    for family in families:
        first = results[tools[0]][family]
        row = [family, str(first.positives), str(first.negatives)]
        row += [_pct(results[t][family].recall) for t in tools]
        row += [f"{results[t][family].false_findings} ({_pct(results[t][family].fp_rate)})" for t in tools]
        lines.append("| " + " | ".join(row) + " |")
        for t in tools:
            s, agg = results[t][family], total[t]
            agg.positives, agg.negatives, agg.found = (
                agg.positives + s.positives,
                agg.negatives + s.negatives,
                agg.found + s.found,
            )
            agg.false_findings, agg.false_files = agg.false_findings + s.false_findings, agg.false_files + s.false_files
    first = total[tools[0]]
    row = ["**total**", str(first.positives), str(first.negatives)]
    row += [f"**{_pct(total[t].recall)}**" for t in tools] + [
        f"**{total[t].false_findings} ({_pct(total[t].fp_rate)})**" for t in tools
    ]
    lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--real-code", type=int, default=400, help="real source files among the negatives (0: none)")
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help="comma-separated subset of: " + ", ".join(TOOLS | OPTIONAL_TOOLS)
    )
    parser.add_argument("--by-rule", metavar="TOOL", help="also score each rule (plugin) of TOOL on its own")
    args = parser.parse_args()
    if not (Path(sys.executable).parent / "keysweep").exists():
        sys.exit("run with the project's interpreter: .venv/bin/python bench/bench_breadth.py")
    root = WORK / "breadth" / "corpus"
    packages = site_packages(PACKAGES) if args.real_code else None
    placed = build_corpus(
        root, args.seed, site_packages=packages, real_code=args.real_code, packages=REAL_CODE_PACKAGES
    )
    write_labels(placed, WORK / "breadth" / "labels.json")
    families = sorted(Counter(s.family for _, s in placed), key=lambda f: (f == "real-code", f))
    print(
        f"corpus: {len(placed)} files under {root} (seed {args.seed}); labels in {WORK / 'breadth' / 'labels.json'}\n"
    )

    runs = {name: (TOOLS | OPTIONAL_TOOLS)[name](root) for name in args.tools.split(",")}
    results = {name: score(run, placed) for name, run in runs.items()}
    print(table(results, families))
    print()
    for name, run in runs.items():
        print(
            f"- {name}: {run.seconds:.2f} s, {len(run.findings)} findings"
            + (f"; ERROR {run.error}" if run.error else "")
        )
    if "keysweep" in results:
        ks = results["keysweep"]
        print("\n### keysweep misses by family (values redacted)")
        for family in families:
            if ks[family].missed:
                names = Counter(m.split(" in ")[0] for m in ks[family].missed)
                print(
                    f"- **{family}** ({len(ks[family].missed)}): "
                    + ", ".join(f"{n} ×{c}" for n, c in sorted(names.items()))
                )
        print("\n### keysweep false positives")
        for family in [*families, "unknown"]:
            for line in ks[family].false if family in ks else []:
                print(f"- {family}: {line}")
    if args.by_rule in runs:
        print(f"\n### {args.by_rule} by rule: found / positives (false findings), per family")
        run = runs[args.by_rule]
        for rule in sorted({f.rule for f in run.findings}):
            alone = score(Run(run.tool, run.seconds, tuple(f for f in run.findings if f.rule == rule)), placed)
            cells = [
                f"{family} {alone[family].found}/{alone[family].positives} ({alone[family].false_findings})"
                for family in families
                if alone[family].found or alone[family].false_findings
            ]
            print(f"- {rule}: " + ", ".join(cells))
    out = WORK / "breadth-results.json"
    out.write_text(json.dumps({"seed": args.seed, "files": len(placed), "tools": {
        name: {"seconds": round(run.seconds, 3), "findings": len(run.findings), "error": run.error,
               "families": {family: as_json(s) for family, s in results[name].items()}}
        for name, run in runs.items()}}, indent=1) + "\n")  # fmt: skip
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
