"""The per-repository mirror: a bare `--mirror` clone in the cache folder, fetched again on later runs.

A token reaches git only through the environment of the one git process that needs it (`GIT_CONFIG_*`, read
as `-c http.extraHeader=…` would be, but invisible in the process list), so it is never written to a URL,
`config`, a log or the state.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from scanner.org.repositories import HostKind, Repository, has_credentials, safe_url

_POLL = 0.2


class TaskLimit(Exception):
    """A repository went past a per-task limit (time or size), or git could not get it; `str()` is the reason."""


def mirror_path(cache: Path, repo: Repository) -> Path:
    """Where `repo`'s mirror lives in the cache: a readable name plus a hash of its (credential-free) URL."""
    digest = hashlib.sha256(safe_url(repo.clone_url).encode()).hexdigest()[:12]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", repo.name).strip("-.")[-60:] or "repo"
    return cache / f"{readable}-{digest}.git"


def update_mirror(
    repo: Repository, cache: Path, environ: Mapping[str, str], *, token: str | None, deadline: float, max_bytes: int
) -> tuple[Path, bool]:
    """Clone `repo` into the cache, or fetch into the mirror already there; (mirror path, whether it was fetched).

    Raises TaskLimit past `deadline` (a `time.monotonic()` value) or once the mirror grows past `max_bytes`.
    """
    if has_credentials(repo.clone_url):
        raise TaskLimit("the clone URL holds credentials; keysweep will not write them to disk")
    cache.mkdir(parents=True, exist_ok=True)
    path = mirror_path(cache, repo)
    env = _git_environment(environ, repo.host, repo.clone_url, token)
    with _locked(path.with_name(path.name + ".lock")):
        if _is_mirror(path, env):
            fetch = ["git", "--git-dir", str(path), "fetch", "--prune", "--quiet", "origin"]
            _run(fetch, env, path, deadline, max_bytes)
            return path, True
        shutil.rmtree(path, ignore_errors=True)
        partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            clone = ["git", "clone", "--mirror", "--quiet", repo.clone_url, str(partial)]
            _run(clone, env, partial, deadline, max_bytes)
            partial.rename(path)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return path, False


def ref_tips(path: Path) -> list[str]:
    """The distinct objects the mirror's refs point at, sorted: what a scan of it covers."""
    done = subprocess.run(
        ["git", "--git-dir", str(path), "for-each-ref", "--format=%(objectname)"],
        capture_output=True,
        check=False,
        env=_git_environment(os.environ, "file", "", None),
    )
    if done.returncode != 0:
        raise TaskLimit(f"cannot list the mirror's refs: {_complaint(done.stderr)}")
    return sorted(set(done.stdout.decode().split()))


def present(path: Path, oids: list[str]) -> list[str]:
    """The commits of `oids` the mirror still has (a force-push and gc can drop what an earlier scan saw)."""
    if not oids:
        return []
    done = subprocess.run(
        ["git", "--git-dir", str(path), "cat-file", "--batch-check=%(objectname) %(objecttype)"],
        input="".join(f"{o}\n" for o in oids).encode(),
        capture_output=True,
        check=False,
        env=_git_environment(os.environ, "file", "", None),
    )
    found = (line.split() for line in done.stdout.decode().splitlines())
    return [parts[0] for parts in found if len(parts) == 2 and parts[1] in ("commit", "tag")]


def auth_header(host: HostKind, token: str) -> str:
    """The HTTP header git sends: basic auth with the user each host documents for tokens."""
    user = "oauth2" if host == "gitlab" else "x-access-token"
    return "Authorization: Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def _git_environment(environ: Mapping[str, str], host: HostKind, url: str, token: str | None) -> dict[str, str]:
    # NOTE: our settings replace any `GIT_CONFIG_COUNT` list of the caller's (GIT_CONFIG_GLOBAL etc. stay).
    env = {k: v for k, v in environ.items() if not re.fullmatch(r"GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS)", k)}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", SSH_ASKPASS="", LC_ALL="C", LANGUAGE="C")
    settings = [("credential.helper", ""), ("core.askPass", "")]
    # NOTE: the token goes to https hosts only (plain http to loopback for emulators), never to a local path.
    if token and host in ("github", "gitlab") and _is_token_safe(url):
        settings.append(("http.extraHeader", auth_header(host, token)))
    env["GIT_CONFIG_COUNT"] = str(len(settings))
    for n, (key, value) in enumerate(settings):
        env[f"GIT_CONFIG_KEY_{n}"] = key
        env[f"GIT_CONFIG_VALUE_{n}"] = value
    return env


def _is_token_safe(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"))


def _is_mirror(path: Path, env: dict[str, str]) -> bool:
    if not (path / "HEAD").is_file():
        return False
    done = subprocess.run(
        ["git", "--git-dir", str(path), "rev-parse", "--is-bare-repository"], capture_output=True, env=env, check=False
    )
    return done.returncode == 0 and done.stdout.strip() == b"true"


def _run(args: list[str], env: dict[str, str], watched: Path, deadline: float, max_bytes: int) -> None:
    """Run git, killing it past the deadline or once `watched` holds more than `max_bytes`."""
    verb = args[1] if args[1] != "--git-dir" else args[3]
    with subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env) as proc:
        checked = 0.0
        while True:
            try:
                proc.wait(timeout=_POLL)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if now > deadline:
                proc.kill()
                raise TaskLimit(f"time limit: git {verb} did not finish in the task's time (--task-timeout)")
            if now - checked > 1.0:
                checked = now
                size = disk_usage(watched)
                if size > max_bytes:
                    proc.kill()
                    raise TaskLimit(f"size limit: git {verb} grew past {max_bytes / 2**20:.0f} MiB (--max-repo-size)")
        stderr = proc.stderr.read() if proc.stderr else b""
    if proc.returncode != 0:
        raise TaskLimit(f"git {verb} failed: {_complaint(stderr)}")
    if disk_usage(watched) > max_bytes:
        raise TaskLimit(f"size limit: the mirror is over {max_bytes / 2**20:.0f} MiB (--max-repo-size)")


def disk_usage(path: Path) -> int:
    """Bytes of the files under `path` (0 when it does not exist yet)."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def _complaint(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    said = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), lines[-1] if lines else "no message")
    return said.removeprefix("fatal: ").removeprefix("error: ")


@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    """One task at a time per mirror on a machine (a retried task may meet a slow predecessor's files)."""
    import fcntl

    with open(lock, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
