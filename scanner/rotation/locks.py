"""One lock per exposed secret, taken before anything is checked or minted, so two `rotate` runs over the
same secrets cannot interleave: the second stops at once and says so.

The locks are files in the state directory (`locks/<secret id>.lock`) held with the operating system's own
file locking (`filelock`: fcntl on POSIX, msvcrt on Windows), so a process that dies, even by SIGKILL, releases
them. Locks are taken in sorted order and never waited for: a run that finds one held releases what it took.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from scanner.errors import RotationError


@contextlib.contextmanager
def secrets_locked(state_dir: Path, secret_ids: Iterable[str], *, what: str) -> Iterator[None]:
    """Hold the lock of every secret in `secret_ids` (a repository's secret set) for the duration.

    `what` names the run for the message the other process gets (`keysweep rotate --apply`).
    """
    from filelock import FileLock, Timeout

    folder = state_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.ExitStack() as held:
        for secret_id in sorted(set(secret_ids)):
            lock = FileLock(folder / f"{secret_id}.lock", timeout=0)
            try:
                held.enter_context(lock)
            except Timeout:
                raise RotationError(
                    f"another keysweep process is rotating secret {secret_id} right now (lock "
                    f"{lock.lock_file}): this {what} stopped before asking anything of the provider or Vault; "
                    "wait for the other run to finish, then run again (it will point at its journal)"
                ) from None
        yield
