"""The cores this process may run on: one answer for the scan's workers and the attribution log's gits."""

from __future__ import annotations

import os


def cpu_count() -> int:
    """The cores this process may run on (its affinity: `taskset`, a container's CPUs), not the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
