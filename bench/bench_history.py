"""History benchmark: `keysweep scan --history` beside `gitleaks git` and kingfisher, one repository, one run.

    .venv/bin/python bench/bench_history.py [--commits 4000] [--files 1500] [--runs 2]

A script, not a test. It builds (once, cached under bench/.work) a repository of thousands of commits replayed
over real source files (this Python's standard library): small edits to one to three files per commit, files
added and deleted, side branches merged and one left unmerged, and keys planted at run time (some later
removed, one only on the unmerged branch, one in a file later deleted). Then it prints wall time and peak RSS
of each tool, its ratio to gitleaks and kingfisher measured in the same run, and the planted keys it found.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from hashlib import sha256
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import WORK, clean_env, fake_secrets, peer_bin, source_tree

EPOCH = 1_600_000_000


def build_repo(dest: Path, commits: int, files: int, planted: Sequence[str], seed: int = 7) -> Path:
    """A repository of `commits` commits over real files, written with one `git fast-import` stream."""
    if (dest / ".git" / "keysweep-bench-done").exists():
        return dest
    subprocess.run(["rm", "-rf", str(dest)], check=True)
    dest.mkdir(parents=True)
    corpus = source_tree(WORK / f"corpus-{files}", files)
    contents = {p.relative_to(corpus).as_posix(): p.read_bytes() for p in sorted(corpus.rglob("*")) if p.is_file()}
    contents = {k: v for k, v in contents.items() if b"\0" not in v[:8000]}
    env = {**clean_env(), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True, env=env)
    rng = random.Random(seed)
    pool = [line for text in list(contents.values())[:200] for line in text.splitlines(keepends=True) if line.strip()]
    state = dict(contents)
    stream: list[bytes] = []
    mark = 0
    plan = _plant_plan(commits, planted, rng)

    def commit(branch: str, message: str, changes: dict[str, bytes | None], parents: Sequence[int] = ()) -> int:
        nonlocal mark
        mark += 1
        when = EPOCH + mark * 600
        who = rng.choice(["Ada <ada@example.com>", "Linus <linus@example.com>", "Grace <grace@example.com>"])
        body = message.encode()
        stream.append(f"commit refs/heads/{branch}\nmark :{mark}\n".encode())
        stream.append(f"author {who} {when} +0000\ncommitter {who} {when} +0000\n".encode())
        stream.append(b"data %d\n%s\n" % (len(body), body))
        for n, parent in enumerate(parents):
            stream.append(f"{'from' if n == 0 else 'merge'} :{parent}\n".encode())
        for path, data in changes.items():
            if data is None:
                stream.append(f"D {path}\n".encode())
            else:
                stream.append(f"M 100644 inline {path}\n".encode() + b"data %d\n" % len(data) + data + b"\n")
        return mark

    def edit(path: str) -> bytes:
        lines = state[path].splitlines(keepends=True) or [b"\n"]
        at = rng.randrange(len(lines) + 1)
        roll = rng.random()
        if roll < 0.6:
            lines[at:at] = [rng.choice(pool) for _ in range(rng.randint(1, 4))]
        elif roll < 0.85 and len(lines) > 2:
            del lines[min(at, len(lines) - 1)]
        else:
            lines[min(at, len(lines) - 1)] = rng.choice(pool)
        return b"".join(lines)

    head = commit("main", "import", dict(state))
    for n in range(1, commits):
        changes: dict[str, bytes | None] = {}
        for path in rng.sample(sorted(state), rng.randint(1, 3)):
            changes[path] = edit(path)
        if rng.random() < 0.01:
            source = rng.choice(sorted(state))
            changes[f"added/{n}_{source.rsplit('/', 1)[-1]}"] = state[source]
        if rng.random() < 0.005 and len(state) > 100:
            changes[rng.choice(sorted(state))] = None
        for path, text in plan.get(n, {}).items():
            changes[path] = None if text is None else (state.get(path, b"") + text.encode())
        if n % 700 == 0:  # a side branch of ten commits, merged back
            side = head
            for k in range(10):
                path = rng.choice(sorted(state))
                data = edit(path)
                state[path] = data
                side = commit(f"topic-{n}", f"topic {n}.{k}", {path: data}, parents=[side])
            head = commit("main", f"merge topic-{n}", {}, parents=[head, side])
        for path, data in changes.items():
            if data is None:
                state.pop(path, None)
            else:
                state[path] = data
        head = commit("main", f"change {n}", changes, parents=[head])
    # A branch that is never merged, carrying the last planted key.
    unmerged = {"experiment/client.py": f'TOKEN = "{planted[-1]}"\n'.encode()}
    commit("unmerged-experiment", "try the new client", unmerged, parents=[head - 5])
    subprocess.run(["git", "fast-import", "--quiet"], cwd=dest, input=b"".join(stream), check=True, env=env)
    # Repositories people clone are packed by their server; so is this one.
    subprocess.run(["git", "repack", "-adq"], cwd=dest, check=True, env=env)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=dest, check=True, env=env)
    (dest / ".git" / "keysweep-bench-done").write_text("ok\n")
    return dest


def _plant_plan(commits: int, planted: Sequence[str], rng: random.Random) -> dict[int, dict[str, str | None]]:
    """Which commit adds (and which later removes) each planted key, except the last (unmerged branch)."""
    plan: dict[int, dict[str, str | None]] = {}
    for i, secret in enumerate(planted[:-1]):
        at = rng.randrange(10, commits - 10)
        path = f"config/settings_{i}.py"
        plan.setdefault(at, {})[path] = f'API_KEY = "{secret}"\n'
        if i % 2 == 0:  # removed later: only history has it
            plan.setdefault(rng.randrange(at + 1, commits), {})[path] = None
    return plan


def measure(command: Sequence[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one run of `command` and its children."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_env())
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    # NOTE: kingfisher exits 200 when it found something (205 when validated); 0/1 for the others.
    if os.waitstatus_to_exitcode(status) not in (0, 1, 200, 205):
        sys.exit(f"{command[0]} failed with {os.waitstatus_to_exitcode(status)}: {' '.join(command)}")
    return seconds, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=4000)
    parser.add_argument("--files", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        import scanner  # noqa: F401
    except ImportError:
        sys.exit("run with the project's interpreter: .venv/bin/python bench/bench_history.py")

    planted = fake_secrets(9, seed=99)
    started = time.perf_counter()
    repo = WORK / f"history-{args.commits}-{args.files}"
    if args.build_only:
        build_repo(repo, args.commits, args.files, planted)
        return
    # NOTE: built in a child process, so that this one stays small: a child's peak RSS as reported by
    # wait4 starts from its parent's size at fork.
    build = [sys.executable, __file__, "--build-only", f"--commits={args.commits}", f"--files={args.files}"]
    subprocess.run(build, check=True)
    count = subprocess.run(["git", "rev-list", "--count", "--all"], cwd=repo, capture_output=True, text=True)
    blobs = subprocess.run(
        "git rev-list --objects --all | git cat-file --batch-check='%(objecttype) %(objectsize) %(rest)'"
        " | grep ^blob",
        shell=True, cwd=repo, capture_output=True, text=True,
    )  # fmt: skip
    sizes = [int(line.split()[1]) for line in blobs.stdout.splitlines()]
    print(
        f"repository: {count.stdout.strip()} commits, {len(sizes)} unique blobs, "
        f"{sum(sizes) / 1e6:.0f} MB of blob content, {len(planted)} planted keys "
        f"(built or reused in {time.perf_counter() - started:.1f} s)"
    )

    gitleaks, kingfisher = peer_bin("gitleaks"), peer_bin("kingfisher")
    out = Path(tempfile.mkdtemp())
    commands = {
        "keysweep --history": [sys.executable, "-m", "scanner", "scan", "--history", str(repo), "-q",
                               "--format", "json", "-o", str(out / "ks.json")],
        "gitleaks 8.30.1 git": [str(gitleaks), "git", str(repo), "--no-banner", "--exit-code", "0",
                                "-f", "json", "-r", str(out / "gl.json")],
        "kingfisher 2.14.0": [str(kingfisher), "scan", str(repo), "--git-history", "full", "--no-validate",
                              "--no-update-check", "--format", "json", "-o", str(out / "kf.json")],
    }  # fmt: skip
    results: dict[str, tuple[float, int]] = {}
    for name, command in commands.items():
        runs = [measure(command) for _ in range(args.runs)]
        results[name] = (min(r[0] for r in runs), max(r[1] for r in runs))

    found = _found(out, planted)
    gl, kf = results["gitleaks 8.30.1 git"][0], results["kingfisher 2.14.0"][0]
    print(f"{'tool':22} {'seconds':>8} {'peak RSS':>10} {'vs gitleaks':>12} {'vs kingfisher':>14} {'planted':>8}")
    for name, (seconds, rss) in results.items():
        print(
            f"{name:22} {seconds:8.2f} {rss / 1e6:8.0f} MB {gl / seconds:11.2f}x {kf / seconds:13.2f}x "
            f"{found[name]:>5}/{len(planted)}"
        )
    subprocess.run(["rm", "-rf", str(out)], check=False)


def _found(out: Path, planted: Sequence[str]) -> dict[str, int]:
    ks = json.loads((out / "ks.json").read_text())["findings"] if (out / "ks.json").exists() else []
    ids = {f["secret_id"] for f in ks}
    texts = {name: (out / f).read_text() if (out / f).exists() else "" for name, f in
             (("gitleaks 8.30.1 git", "gl.json"), ("kingfisher 2.14.0", "kf.json"))}  # fmt: skip
    found = {"keysweep --history": sum(sha256(s.encode()).hexdigest()[:16] in ids for s in planted)}
    for name, text in texts.items():
        found[name] = sum(s in text for s in planted)
    return found


if __name__ == "__main__":
    main()
