"""The Dask client: a LocalCluster sized to the machine by default, or an existing scheduler when given."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from scanner.errors import UsageError

if TYPE_CHECKING:
    from distributed import Client


def scheduler_address(given: str | None, environ: Mapping[str, str]) -> str | None:
    """`--scheduler`, else DASK_SCHEDULER_ADDRESS, else None (start a LocalCluster)."""
    return given or environ.get("DASK_SCHEDULER_ADDRESS") or None


@contextlib.contextmanager
def connect(address: str | None, *, workers: int | None = None, dashboard: bool = False) -> Iterator[Client]:
    """A client on the scheduler at `address`, or on a LocalCluster of `workers` single-threaded processes
    (default: one per CPU) that is shut down on exit; no dashboard unless asked."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("org scans run on Dask: pip install 'keysweep[org]'") from None
    if address:
        try:
            client = Client(address, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            client.wait_for_workers(1, timeout=120)
            check_workers(client)
            yield client
        except TimeoutError:
            raise UsageError(f"the Dask scheduler at {address} has no workers: start `dask worker {address}`") from None
        finally:
            client.close()
        return
    # NOTE: one thread per worker process: the scan is CPU-bound Python, so threads would share one GIL.
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":8787" if dashboard else None,
        silence_logs=logging.ERROR,
    )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def check_workers(client: Client) -> None:
    """Every worker must run the same keysweep as the client: the same rules find the same secrets."""
    from scanner import __version__

    try:
        versions = client.run(worker_version)
    except Exception as exc:  # NOTE: a worker without keysweep cannot unpickle the function at all
        raise UsageError(
            f"the Dask workers cannot run keysweep ({type(exc).__name__}: {exc}); install it on every worker: "
            "pip install 'keysweep[org]'"
        ) from None
    wrong = {addr: v for addr, v in versions.items() if v != __version__}
    if wrong:
        addr, version = next(iter(wrong.items()))
        raise UsageError(
            f"{len(wrong)} Dask worker(s) run keysweep {version} (e.g. {addr}), this client {__version__}; "
            "install the same version everywhere"
        )


def worker_version() -> str:
    from scanner import __version__

    return __version__
