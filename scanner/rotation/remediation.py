"""Remediation: rewrite every literal on a branch of the default branch, re-scan, push, open or update the PR.

`open_remediation` is the whole step, for `keysweep fix --pr` and for rotation (through
`pull_request_step.PullRequestStep`). Importing this module loads neither git nor httpx.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import RotationError
from scanner.findings import Finding
from scanner.rotation import pr_text
from scanner.rotation.branch import Repository, Worktree
from scanner.rotation.exposed import is_in_tree
from scanner.rotation.hosting import PullRequest, PullRequestChange, hosting_api
from scanner.rotation.hosting.config import HostingConfig, compare_url, resolve_hosting, safe_url, token_for
from scanner.rotation.rewrite.engine import Rescan, RewritePlan, plan_rewrites, remaining_literals, write_plan
from scanner.rotation.rewrite.kubernetes import DEFAULT_SECRET_NAME
from scanner.rotation.rewrite.rewriter import ManualItem
from scanner.user_config import UserConfig, nothing_confirmed

if TYPE_CHECKING:
    import httpx

BRANCH_PREFIX = "keysweep/rotate-"


@dataclass(frozen=True, slots=True)
class VaultLocation:
    """Where a rotated secret's new value lives (no value, only its address)."""

    mount: str
    path: str
    version: int | None = None

    def __str__(self) -> str:
        where = f"{self.mount.strip('/')}/{self.path.strip('/')}"
        return f"{where} (version {self.version})" if self.version is not None else where


@dataclass(frozen=True, slots=True)
class CISecret:
    """A value to store as a CI secret (Actions secret, GitLab CI/CD variable) before the PR opens."""

    name: str
    value: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class RemediationContext:
    """Everything the PR step needs besides the findings; none of it secret except `ci_secrets`' values."""

    rotation_id: str
    """Names the branch (`keysweep/rotate-<short id>`) and appears in the PR."""
    hosting: HostingConfig = field(default_factory=HostingConfig)
    vault: Mapping[str, VaultLocation] = field(default_factory=dict)
    """secret_id → where its new value lives."""
    rescan: Rescan | None = None
    """Scans files and returns findings; when given, the branch is re-scanned before anything is pushed."""
    ci_secrets: tuple[CISecret, ...] = ()
    ci_values: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Values by variable name, stored as CI secrets for each variable the rewrite makes a workflow read
    (rotation passes the new keys here; the others are never set)."""
    base_branch: str | None = None
    """The branch to start from and to merge into; by default the remote's default branch."""
    branch_prefix: str = BRANCH_PREFIX
    draft: bool = False
    open_pull_request: bool = True
    """False pushes the branch only (`keysweep fix --branch`)."""
    manual_steps: tuple[str, ...] = ()
    """Steps rotation could not do (a legacy key to revoke in the dashboard), listed in the PR."""
    k8s_secret_name: str = DEFAULT_SECRET_NAME
    baselines: tuple[str, ...] = ()
    """The configured baseline's path (relative to the folder), never rewritten like keysweep's own files."""
    env: Mapping[str, str] | None = None
    """Where tokens are read from; None means os.environ."""
    user: UserConfig = field(default_factory=nothing_confirmed)
    """What the user trusts: the hosting API gets the token only if its URL is trusted (scanner/trust.py)."""
    http: httpx.Client | None = field(default=None, repr=False)
    sleep: Callable[[float], None] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RemediationResult:
    """What the step did; safe to journal (no values)."""

    branch: str
    base: str
    commit: str | None
    """The branch's commit on the remote (None when there was nothing to change)."""
    pushed: bool
    """False when the remote branch already held exactly this change (a re-run)."""
    pull_request: PullRequest | None
    compare_url: str | None
    """For hosts without an API client: where to open the pull request by hand."""
    files: tuple[str, ...]
    untracked: tuple[str, ...]
    manual: tuple[ManualItem, ...]
    message: str

    @property
    def manual_lines(self) -> list[str]:
        return [f"{m.path}:{m.line} {m.rule_id} {m.redacted}: {m.reason}" for m in self.manual]


def branch_name(rotation_id: str, prefix: str = BRANCH_PREFIX) -> str:
    """`keysweep/rotate-<short id>`: the rotation id's random tail, so a re-run finds the same branch."""
    short = re.sub(r"[^A-Za-z0-9._-]+", "-", rotation_id.rsplit("-", 1)[-1]).strip("-.") or "x"
    return f"{prefix}{short[:16]}"


def fix_id(findings: Sequence[Finding]) -> str:
    """A stable id for a `keysweep fix` without rotation: the same secrets give the same branch."""
    ids = sorted({f.secret_id for f in findings})
    return hashlib.sha256(",".join(ids).encode()).hexdigest()[:8]


def open_remediation(
    repo_path: Path | str,
    findings: Sequence[Finding],
    names: Mapping[str, str] | None,
    context: RemediationContext,
) -> RemediationResult:
    """Rewrite every literal on a fresh branch of the default branch, re-scan, push, open or update the PR.

    The user's checkout is never switched: the branch is built in a temporary worktree. Idempotent: a
    re-run rebuilds the same tree, finds it already on the remote, and updates the same pull request.
    """
    repo = Repository.open(repo_path, "; use `keysweep fix --apply` instead")
    repo.refuse_dirty()
    remote_name = context.hosting.remote
    remote_url = repo.require_remote(remote_name)
    hosting = resolve_hosting(remote_url, context.hosting)
    if hosting is not None and context.open_pull_request:
        hosting.endpoint(context.user)  # an untrusted API stops the step before anything is built or pushed
    base = context.base_branch or repo.default_branch(remote_name)
    branch = branch_name(context.rotation_id, context.branch_prefix)
    base_sha = repo.fetch_base(remote_name, base)

    with repo.worktree(base_sha) as tree:
        plan = plan_rewrites(
            tree.root, findings, names, k8s_secret_name=context.k8s_secret_name, baselines=context.baselines
        )
        manual = plan.manual + _not_on_base(findings, plan, base)
        commit = None if plan.is_empty else _commit(tree, plan, context, findings)

    context = _with_ci_values(context, plan)
    title, body = pr_text.describe(
        plan,
        manual,
        rotation_id=context.rotation_id,
        base=base,
        vault=context.vault,
        names=names,
        ci_secrets_set={s.name for s in context.ci_secrets},
        manual_steps=context.manual_steps,
    )
    pr_text.guard(title + body, findings)
    existing = repo.remote_branch_sha(remote_name, branch)
    pushed = False
    if commit is not None:
        if existing and repo.same_tree(remote_name, branch, existing, commit):
            commit = existing
        else:
            repo.push(remote_name, commit, branch, existing)
            pushed = True
    elif existing is None:
        return RemediationResult(branch, base, None, False, None, None, (), (), manual, "nothing to rewrite")
    else:
        commit = existing

    prefix = repo.prefix
    files = tuple(str(prefix / c.path) for c in plan.changes if c.after is not None)
    untracked_files = tuple(str(prefix / p) for p in plan.untracked_paths)
    if hosting is None or not context.open_pull_request:
        link = compare_url(remote_url, base, branch, context.hosting)
        where = link or f"{safe_url(remote_url)} (open the pull request by hand)"
        why = f"; {remote_name} is not GitHub or GitLab" if hosting is None else ""
        done = "pushed" if pushed else "already up to date:"
        message = f"{done} {branch}{why}; open the pull request at {where}"
        return RemediationResult(branch, base, commit, pushed, None, link, files, untracked_files, manual, message)

    env = os.environ if context.env is None else context.env
    token = token_for(hosting.kind, env)
    client, own = _client(context)
    try:
        api = hosting_api(hosting, token, client, sleep=context.sleep)
        for secret in context.ci_secrets:
            api.set_ci_secret(secret.name, secret.value)
        found = api.find_open(branch, base)
        pr = api.update(found, title, body) if found else api.open(branch, base, title, body, context.draft)
    finally:
        if own:
            client.close()
    message = _pr_message(pr, branch, pushed)
    return RemediationResult(branch, base, commit, pushed, pr, None, files, untracked_files, manual, message)


def _commit(tree: Worktree, plan: RewritePlan, context: RemediationContext, findings: Sequence[Finding]) -> str:
    write_plan(tree.root, plan)
    tree.untrack(plan.untracked_paths)
    if context.rescan is not None:
        left = remaining_literals(tree.root, plan, context.rescan)
        if left:
            where = ", ".join(f"{m.path}:{m.line}" for m in left)
            raise RotationError(f"literals remain after the rewrite at {where}; nothing was pushed")
    message = pr_text.commit_message(plan, context.rotation_id)
    pr_text.guard(message, findings)
    return tree.commit(plan.written_paths, message)


def _pr_message(pr: PullRequest, branch: str, pushed: bool) -> str:
    """What happened to the pull request, and only that: an unchanged one is not called updated."""
    what = f"pull request #{pr.number} {pr.url}"
    if pr.change is PullRequestChange.OPENED:
        return f"opened {what} from {branch}"
    if pr.change is PullRequestChange.UPDATED:
        return f"updated {what} from {branch}" + (" (new commit pushed)" if pushed else "")
    if pushed:
        return f"pushed a new commit to {branch}; {what} shows it (title and body unchanged)"
    return f"{what} is up to date: nothing was pushed or sent"


def _with_ci_values(context: RemediationContext, plan: RewritePlan) -> RemediationContext:
    """`ci_values` become CI secrets where the rewritten workflows read them, and only there."""
    if not context.ci_values:
        return context
    wanted = {n.name for n in plan.needs if n.where == "ci-secret"}
    have = {s.name for s in context.ci_secrets}
    extra = tuple(CISecret(name, value) for name, value in sorted(context.ci_values.items()) if name in wanted - have)
    return replace(context, ci_secrets=context.ci_secrets + extra)


def _client(context: RemediationContext) -> tuple[httpx.Client, bool]:
    if context.http is not None:
        return context.http, False
    import httpx

    return httpx.Client(timeout=30.0), True


def _not_on_base(findings: Sequence[Finding], plan: RewritePlan, base: str) -> tuple[ManualItem, ...]:
    """Working-tree findings the base branch does not have at that place (the leak is on another branch)."""
    rewritten = {(f.path, f.line, f.secret_id) for f in plan.rewritten}
    left = {(m.path, m.line) for m in plan.manual}
    items = []
    for f in findings:
        if is_in_tree(f) and (f.path, f.line, f.secret_id) not in rewritten and (f.path, f.line) not in left:
            items.append(ManualItem(f.path, f.line, f.rule_id, f.redacted, f"not found on {base}; fix it there"))
    return tuple(items)
