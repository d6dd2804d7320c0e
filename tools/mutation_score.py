"""Prints the mutation score of a `mutmut run` (mutants/*.meta), per module and in total, for `make mutants`.

score = caught / (caught + survived + no tests), where caught is killed, timed out or crashed (a mutant that
hangs the tests is caught by them). Mutants not yet run are counted apart and left out of the score.

    python tools/mutation_score.py [module prefix ...]    # e.g. scanner/engine/detector scanner/filters
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

# NOTE: mutmut 3's exit codes, as mutmut.stats.status_by_exit_code reads them (mirrored: importing mutmut loads
# its configuration); anything else is suspicious.
_STATUS: dict[int | None, str] = {
    None: "not run",
    0: "survived",
    1: "killed",
    3: "killed",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    37: "killed",  # caught by the type checker
    -11: "segfault",
    -9: "segfault",
}


def status(code: int | None) -> str:
    return _STATUS.get(code, "suspicious")


def main(prefixes: list[str]) -> int:
    root = Path("mutants")
    metas = sorted(root.glob("scanner/**/*.py.meta"))
    if not metas:
        print("no mutants/ results: run `make mutants` first", file=sys.stderr)
        return 2
    total: Counter[str] = Counter()
    for meta in metas:
        module = meta.relative_to(root).as_posix().removesuffix(".py.meta")
        if prefixes and not any(module.startswith(p) for p in prefixes):
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"].values()
        counts = Counter(status(c) for c in codes)
        if not counts:
            continue
        total.update(counts)
        print(f"{module:40} {_line(counts)}")
    print(f"{'TOTAL':40} {_line(total)}")
    return 0


def _line(counts: Counter[str]) -> str:
    caught = counts["killed"] + counts["timeout"] + counts["segfault"]
    judged = caught + counts["survived"] + counts["no tests"] + counts["suspicious"]
    score = f"{100 * caught / judged:5.1f}%" if judged else "  n/a "
    parts = " ".join(
        f"{k}={counts[k]}"
        for k in ("killed", "timeout", "segfault", "survived", "no tests", "suspicious", "not run")
        if counts[k]
    )
    return f"score {score}  {parts}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
