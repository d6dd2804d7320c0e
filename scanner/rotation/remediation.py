"""The hand-over point to the pull-request step: the `RemediationStep` role and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scanner.rotation.journal import Journal
    from scanner.rotation.plan import Plan


@dataclass(frozen=True, slots=True)
class PrResult:
    """What the PR step did: the pull request's URL, and whether it is merged."""

    url: str | None
    merged: bool = False
    message: str = ""
    state: str | None = None
    """`open`, `closed` (without merging) or `merged` when the hosting API was asked; None: not known."""


class RemediationStep(Protocol):
    """Rewrites the exposed references (Vault/env references instead of values) and opens a pull request.

    It receives the plan (Vault paths, env var names, occurrences; no secret values) and the journal, in which
    it may append its own events. It must be idempotent: a resumed rotation calls it again until it answers.
    """

    def run(self, plan: Plan, journal: Journal) -> PrResult: ...

    def status(self, plan: Plan, journal: Journal) -> PrResult | None:
        """Whether the pull request `run` opened is merged, asked of the hosting API (`--graceful` revokes
        only then); None when nothing can tell (no PR was opened, or the host has no API client)."""
        ...
