"""`keysweep fix` without rotation: a redacted diff (dry run), the rewrite in place, or on a pushed branch and PR.

The command line hands in the request, the settings, the environment and a way to scan; `fix` answers what
to print and whether work is left (exit code 1). `--branch` and `--pr` never touch the working tree (the
branch is built in a temporary worktree), so they imply `--apply`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import UsageError
from scanner.findings import Finding
from scanner.naming import names_for
from scanner.rotation.exposed import is_in_tree
from scanner.rotation.rewrite.engine import Rescan, RewritePlan, plan_rewrites
from scanner.rotation.rewrite.own_files import baseline_under

if TYPE_CHECKING:
    from scanner.config import Settings
    from scanner.rotation.hosting.config import HostingKind


@dataclass(frozen=True, slots=True)
class FixRequest:
    """What `keysweep fix` was asked to do."""

    path: Path
    apply: bool = False
    branch: bool = False
    pr: bool = False
    base: str | None = None
    draft: bool = False
    set_ci_secrets: bool = False
    hosting_kind: HostingKind | None = None
    api_url: str | None = None
    repository: str | None = None
    remote: str | None = None
    trust_endpoints: tuple[str, ...] = ()
    """`--trust-endpoint`: hosting API URLs (named by the repository's config) confirmed for this run."""


@dataclass(frozen=True, slots=True)
class FixOutcome:
    """What to print, and whether anything is left to do (exit code 1)."""

    report: str = ""
    """For stdout: the dry run's diff, what was rewritten, what the reviewer must set, the manual items."""
    warnings: tuple[str, ...] = ()
    """For stderr, one line each."""
    pending: bool = False


def _text(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def fix(request: FixRequest, settings: Settings, env: Mapping[str, str], scan: Rescan) -> FixOutcome:
    """Scan the path and replace each inline secret with a reference in its file's idiom (see the module)."""
    path = request.path
    if (request.branch or request.pr) and not path.is_dir():
        raise UsageError(f"{path}: --branch/--pr need the repository folder, not a file")
    root = path if path.is_dir() else Path.cwd()
    found = [f for f in scan([str(path)]) if is_in_tree(f)]
    names = names_for(found)  # over every finding, as the scan's fix hint does
    findings = _not_ignored(root, found)
    baselines = baseline_under(settings.baseline, root)
    plan = plan_rewrites(root, findings, names, baselines=baselines)
    if request.branch or request.pr:
        return _to_branch(request, findings, names, plan, settings, env, scan)
    if not request.apply:
        from scanner.rotation.rewrite.engine import render_diff

        return FixOutcome(
            render_diff(plan, findings) + _text(_summary(plan)), pending=bool(plan.changes or plan.manual)
        )
    return _in_place(root, plan, scan)


def _in_place(root: Path, plan: RewritePlan, scan: Rescan) -> FixOutcome:
    from scanner.rotation.rewrite.engine import remaining_literals, write_plan

    write_plan(root, plan)
    untracked = _untrack(root, plan.untracked_paths)
    left = remaining_literals(root, plan, scan)
    lines = [f"rewrote {change.path} ({change.kind})" for change in plan.changes if change.after is not None]
    lines += [f"untracked {path} (kept on disk, ignored by git)" for path in untracked]
    lines += _summary(plan)
    warnings = tuple(f"still present: {item.path}:{item.line} {item.rule_id} {item.redacted}" for item in left)
    return FixOutcome(_text(lines), warnings, pending=bool(plan.manual or left))


def _to_branch(
    request: FixRequest,
    findings: list[Finding],
    names: Mapping[str, str],
    plan: RewritePlan,
    settings: Settings,
    env: Mapping[str, str],
    scan: Rescan,
) -> FixOutcome:
    from scanner.rotation.hosting.config import hosting_config
    from scanner.rotation.remediation import CISecret, RemediationContext, fix_id, open_remediation
    from scanner.user_config import load_user_config

    user = load_user_config(env).with_flags(request.trust_endpoints)
    flags = {
        "kind": request.hosting_kind,
        "api_url": request.api_url,
        "repository": request.repository,
        "remote": request.remote,
    }
    hosting = hosting_config(settings.hosting, str(settings.config_file or "<config>"), user, flags=flags)
    secrets: tuple[CISecret, ...] = ()
    if request.set_ci_secrets:
        values = {plan.names[f.secret_id]: f.secret for f in plan.rewritten}
        wanted = dict.fromkeys(n.name for n in plan.needs if n.where == "ci-secret")
        secrets = tuple(CISecret(name, values[name]) for name in wanted if name in values)
    context = RemediationContext(
        rotation_id=f"fix-{fix_id(findings)}",
        hosting=hosting,
        rescan=scan,
        ci_secrets=secrets,
        base_branch=request.base,
        branch_prefix="keysweep/fix-",
        draft=request.draft,
        open_pull_request=request.pr,
        env=env,
        user=user,
        baselines=baseline_under(settings.baseline, request.path),
    )
    result = open_remediation(request.path, findings, names, context)
    lines = [result.message, *(f"manual: {line}" for line in result.manual_lines)]
    return FixOutcome(_text(lines), pending=bool(result.manual))


def _not_ignored(root: Path, findings: list[Finding]) -> list[Finding]:
    """Drop findings in files git ignores and does not track (a local `.env`): they never reach a commit."""
    from scanner.rotation.branch import Repository

    paths = sorted({f.path for f in findings})
    repo = Repository.find(root) if paths else None
    if repo is None:
        return findings
    ignored = repo.ignored(paths)
    return [f for f in findings if f.path not in ignored]


def _untrack(root: Path, paths: Sequence[str]) -> list[str]:
    """`git rm --cached` each path git tracks; outside a repository there is nothing to untrack."""
    from scanner.rotation.branch import Repository

    repo = Repository.find(root) if paths else None
    return [] if repo is None else repo.untrack(root, paths)


def _summary(plan: RewritePlan) -> list[str]:
    lines = [f"note: {change.path}: {note}" for change in plan.changes for note in change.notes]
    seen = set()
    for need in plan.needs:
        if (need.name, need.where) not in seen:
            seen.add((need.name, need.where))
            lines.append(f"needs: {need.name} ({need.where}{': ' + need.detail if need.detail else ''})")
    lines += [f"manual: {m.path}:{m.line} {m.rule_id} {m.redacted}: {m.reason}" for m in plan.manual]
    return lines
