"""How a `keysweep rotate` run ended: the status the command maps to its output and exit code."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class OutcomeStatus(enum.StrEnum):
    """Where a `keysweep rotate` run ended."""

    DONE = "done"
    AWAITING_REVOKE = "awaiting-revoke"
    """`--graceful` holds revocation until `--resume`."""
    AWAITING_MERGE = "awaiting-merge"
    """A resumed `--graceful` rotation finds its pull request not merged yet."""
    PLANNED = "planned"
    """The plan was printed; nothing was done (no `--apply`)."""
    NOTHING_TO_ROTATE = "nothing-to-rotate"
    """The scan found no exposed secret."""


@dataclass(frozen=True, slots=True)
class Outcome:
    rotation_id: str | None
    status: OutcomeStatus
    manual_steps: int = 0
    """Secrets that need a human (guided manual steps); non-zero means exit code 1."""
    message: str = ""
    """What the user must do next (waiting for the merge, or for `--resume`)."""
