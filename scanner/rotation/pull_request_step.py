"""Rotation's pull-request step: the `RemediationStep` role the Rotator calls, and `PullRequestStep`, which
plays it by handing the plan's findings to `remediation.open_remediation`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scanner.rotation.branch import Repository
from scanner.rotation.events import PrBranch, Stored
from scanner.rotation.hosting import MergeState, hosting_api
from scanner.rotation.hosting.config import HostingConfig, resolve_hosting, token_for
from scanner.rotation.remediation import RemediationContext, RemediationResult, VaultLocation, open_remediation
from scanner.rotation.rewrite.engine import Rescan
from scanner.trust import Endpoint
from scanner.user_config import UserConfig, nothing_confirmed

if TYPE_CHECKING:
    from scanner.rotation.journal import Journal
    from scanner.rotation.plan import Plan

StoredReader = Callable[[str, str, int | None], str | None]
"""(mount, path, version) → the value keysweep stored there."""


@dataclass(frozen=True, slots=True)
class PrResult:
    """What the PR step did: the pull request's URL, and whether it is merged."""

    url: str | None
    merged: bool = False
    message: str = ""
    state: MergeState | None = None
    """What the hosting API said; None: not known (no API pull request)."""


class RemediationStep(Protocol):
    """Rewrites the exposed references (Vault/env references instead of values) and opens a pull request.

    It receives the plan (Vault paths, env var names, the scan's findings when the values are at hand) and the
    journal, in which it may append its own events. It must be idempotent: a resumed rotation calls it again
    until it answers.
    """

    def run(self, plan: Plan, journal: Journal) -> PrResult: ...

    def status(self, plan: Plan, journal: Journal) -> PrResult | None:
        """Whether the pull request `run` opened is merged, asked of the hosting API (`--graceful` revokes
        only then); None when nothing can tell (no PR was opened, or the host has no API client)."""
        ...


@dataclass(slots=True)
class PullRequestStep:
    """Rotation's `RemediationStep`: turns the plan's targets (with values re-attached) into the PR step.

    The variable names are the plan's (`Target.env_name`, chosen once while planning) unless `names` overrides
    them; the base branch is `base_branch`, else the plan's, else the remote's default branch.
    """

    repo_path: Path
    hosting: HostingConfig = field(default_factory=HostingConfig)
    rescan: Rescan | None = None
    names: Mapping[str, str] | None = None
    base_branch: str | None = None
    env: Mapping[str, str] | None = None
    read_stored: StoredReader | None = None
    """With `--set-ci-secrets`: reads a new value back from the secret store, so the workflows the PR
    rewrites find their secrets set; None sets none."""
    user: UserConfig = field(default_factory=nothing_confirmed)
    """What the user trusts: the hosting API gets the token only if its URL is trusted."""
    baselines: tuple[str, ...] = ()
    """The configured baseline (relative to `repo_path`): never rewritten."""

    def endpoint(self) -> Endpoint | None:
        """The hosting API the step will send the token to, checked against the user's trust (a TrustError
        otherwise); None when the remote is neither GitHub nor GitLab (push and compare link only)."""
        hosting = resolve_hosting(Repository.open(self.repo_path).require_remote(self.hosting.remote), self.hosting)
        return None if hosting is None else hosting.endpoint(self.user)

    def check(self) -> None:
        """Refuse before the rotation starts what would make the PR step fail after the keys were revoked: no
        repository, no such remote, a dirty tree, an untrusted hosting API, no token for a GitHub/GitLab remote."""
        repo = Repository.open(self.repo_path)
        remote_url = repo.require_remote(self.hosting.remote)
        repo.refuse_dirty()
        hosting = resolve_hosting(remote_url, self.hosting)
        if hosting is not None:
            hosting.endpoint(self.user)
            token_for(hosting.kind, self._env)

    def run(self, plan: Plan, journal: Journal) -> PrResult:
        findings = [f for t in plan.targets for f in t.secret.tree_findings]
        vault: dict[str, VaultLocation] = {}
        for t in plan.targets:
            stored = journal.last(Stored, t.secret_id)
            if stored is not None:
                vault[t.secret_id] = VaultLocation(stored.mount, stored.path, stored.version)
            elif t.vault_mount and t.vault_path:
                vault[t.secret_id] = VaultLocation(t.vault_mount, t.vault_path, None)
        manual_steps = tuple(f"{t.secret.redacted}: {' '.join(t.instructions)}" for t in plan.targets if t.instructions)
        context = RemediationContext(
            rotation_id=plan.rotation_id,
            hosting=self.hosting,
            vault=vault,
            rescan=self.rescan,
            base_branch=self.base_branch or plan.base_branch,
            manual_steps=manual_steps,
            env=self.env,
            user=self.user,
            baselines=self.baselines,
        )
        names = {t.secret_id: t.env_name for t in plan.targets if t.env_name} | dict(self.names or {})
        context = replace(context, ci_values=self._ci_values(plan, journal, names))
        result = open_remediation(self.repo_path, findings, names or None, context)
        journal.append(branch_event(result))
        url = result.pull_request.url if result.pull_request else result.compare_url
        return PrResult(url=url, merged=False, message=result.message, state=MergeState.OPEN if url else None)

    def status(self, plan: Plan, journal: Journal) -> PrResult | None:
        """Ask the hosting API whether the pull request this rotation opened is merged."""
        record = journal.last(PrBranch)
        if record is None or record.pr_number is None:
            return None  # no API pull request (compare link only): the explicit --resume is the signal
        repo = Repository.open(self.repo_path)
        hosting = resolve_hosting(repo.require_remote(self.hosting.remote), self.hosting)
        if hosting is None:
            return None
        hosting.endpoint(self.user)
        import httpx

        number, url = record.pr_number, record.pr_url
        token = token_for(hosting.kind, self._env)
        with httpx.Client(timeout=30.0) as client:
            state = hosting_api(hosting, token, client).merge_state(number)
        what = "pull request" if hosting.kind == "github" else "merge request"
        message = {
            MergeState.MERGED: f"{what} #{number} is merged",
            MergeState.OPEN: f"{what} #{number} ({url}) is not merged yet: deploy the new keys, merge it, then resume",
            MergeState.CLOSED: f"{what} #{number} ({url}) was closed without merging: reopen and merge it, or "
            "resume with --no-pr to revoke the exposed keys anyway",
        }[state]
        return PrResult(url=url, merged=state is MergeState.MERGED, message=message, state=state)

    @property
    def _env(self) -> Mapping[str, str]:
        return os.environ if self.env is None else self.env

    def _ci_values(self, plan: Plan, journal: Journal, names: Mapping[str, str]) -> dict[str, str]:
        """New values (read back from the store) of rotated secrets, and identifiers as they are."""
        if self.read_stored is None:
            return {}
        values: dict[str, str] = {}
        for t in plan.targets:
            name = names.get(t.secret_id)
            stored = journal.last(Stored, t.secret_id)
            if name is None:
                continue
            if stored is not None:
                value = self.read_stored(stored.mount, stored.path, stored.version)
            else:
                value = t.secret.value if t.secret.identifier else None  # a key not rotated keeps no CI copy
            if value:
                values[name] = value
        return values


def branch_event(result: RemediationResult) -> PrBranch:
    """What the journal records of the step: branch, commit, PR number and URL, files; never a value."""
    pr = result.pull_request
    return PrBranch(
        branch=result.branch,
        base=result.base,
        commit=result.commit,
        pushed=result.pushed,
        pr_number=pr.number if pr else None,
        pr_url=pr.url if pr else None,
        compare_url=result.compare_url,
        files=result.files,
        manual=tuple(result.manual_lines),
    )
