"""Hand-over from rotation to the code: rewrite literals on a branch of the default branch, push, open the PR.

`open_remediation` is the whole step; `PullRequestStep` adapts it to rotation's `RemediationStep` role.
Importing this module has no side effects and loads neither git nor httpx.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import HostingError, RotationError
from scanner.findings import Finding, Severity
from scanner.rotation.pull_request import (
    HostingConfig,
    PullRequest,
    compare_url,
    default_branch,
    hosting_api,
    push_branch,
    remote_branch_sha,
    resolve_hosting,
    safe_url,
    token_for,
)
from scanner.rotation.rewrite.engine import RewritePlan, plan_rewrites, remaining_literals, write_plan
from scanner.rotation.rewrite.kubernetes import DEFAULT_SECRET_NAME
from scanner.rotation.rewrite.rewriter import ManualItem

if TYPE_CHECKING:
    import git
    import httpx

    from scanner.rotation.journal import Journal
    from scanner.rotation.plan import Plan
    from scanner.rotation.remediation import PrResult

Rescan = Callable[[list[str]], list[Finding]]
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
    env: Mapping[str, str] | None = None
    """Where tokens are read from; None means os.environ."""
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

    def to_record(self) -> dict[str, Any]:
        pr = self.pull_request
        return {
            "branch": self.branch,
            "base": self.base,
            "commit": self.commit,
            "pushed": self.pushed,
            "pr_number": pr.number if pr else None,
            "pr_url": pr.url if pr else None,
            "compare_url": self.compare_url,
            "files": list(self.files),
            "manual": [f"{m.path}:{m.line} {m.rule_id} {m.redacted}: {m.reason}" for m in self.manual],
        }


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
    import git

    try:
        repo = git.Repo(repo_path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise RotationError(f"{repo_path} is not a git repository; use `keysweep fix --apply` instead") from None
    top = Path(str(repo.working_tree_dir)).resolve()
    prefix = Path(repo_path).resolve().relative_to(top)
    _refuse_dirty(repo)
    remote_name = context.hosting.remote
    try:
        remote = repo.remote(remote_name)
    except ValueError:
        raise HostingError(f"the repository has no remote {remote_name!r}; set hosting.remote") from None
    remote_url = next(iter(remote.urls))
    base = context.base_branch or default_branch(repo, remote_name)
    branch = branch_name(context.rotation_id, context.branch_prefix)
    _git(repo, "fetch", "--quiet", remote_name, f"+refs/heads/{base}:refs/remotes/{remote_name}/{base}")
    base_sha = _git(repo, "rev-parse", f"refs/remotes/{remote_name}/{base}^{{commit}}")

    worktree = Path(tempfile.mkdtemp(prefix="keysweep-branch-"))
    try:
        _git(repo, "worktree", "add", "--quiet", "--detach", str(worktree), base_sha)
        tree = git.Repo(worktree)
        root = worktree / prefix
        plan = plan_rewrites(root, findings, names, k8s_secret_name=context.k8s_secret_name)
        manual = plan.manual + _not_on_base(findings, plan, base)
        if plan.is_empty:
            commit = None
        else:
            write_plan(root, plan)
            untracked = [str(prefix / p) for p in plan.untracked_paths]
            tracked = [p for p in untracked if _git(tree, "ls-files", "--", p)]
            if tracked:
                _git(tree, "rm", "--cached", "--quiet", "--", *tracked)
            if context.rescan is not None:
                left = remaining_literals(root, plan, context.rescan)
                if left:
                    where = ", ".join(f"{m.path}:{m.line}" for m in left)
                    raise RotationError(f"literals remain after the rewrite at {where}; nothing was pushed")
            _git(tree, "add", "--", *[str(prefix / p) for p in plan.written_paths])
            message = commit_message(plan, context, findings)
            _guard(message, findings)
            _git(tree, *_identity(tree), "commit", "--quiet", "--no-verify", "-m", message)
            commit = _git(tree, "rev-parse", "HEAD")
    finally:
        _remove_worktree(repo, worktree)

    context = _with_ci_values(context, plan)
    title, body = describe(plan, manual, context, findings, base)
    _guard(title + body, findings)
    hosting = resolve_hosting(remote_url, context.hosting)
    existing = remote_branch_sha(repo, remote_name, branch)
    pushed = False
    if commit is not None:
        if existing and _same_tree(repo, remote_name, branch, existing, commit):
            commit = existing
        else:
            push_branch(repo, remote_name, commit, branch, existing)
            pushed = True
    elif existing is None:
        return RemediationResult(branch, base, None, False, None, None, (), (), manual, "nothing to rewrite")
    else:
        commit = existing

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
        kw = {"sleep": context.sleep} if context.sleep else {}
        api = hosting_api(hosting, token, client, **kw)
        for secret in context.ci_secrets:
            api.set_ci_secret(secret.name, secret.value)
        found = api.find_open(branch, base)
        pr = api.update(found, title, body) if found else api.open(branch, base, title, body, context.draft)
    finally:
        if own:
            client.close()
    verb = "opened" if pr.created else "updated"
    message = f"{verb} pull request #{pr.number} {pr.url} from {branch}"
    return RemediationResult(branch, base, commit, pushed, pr, None, files, untracked_files, manual, message)


def _with_ci_values(context: RemediationContext, plan: RewritePlan) -> RemediationContext:
    """`ci_values` become CI secrets where the rewritten workflows read them, and only there."""
    if not context.ci_values:
        return context
    wanted = {n.name for n in plan.needs if n.where == "ci-secret"}
    have = {s.name for s in context.ci_secrets}
    extra = tuple(CISecret(name, value) for name, value in sorted(context.ci_values.items()) if name in wanted - have)
    return replace(context, ci_secrets=context.ci_secrets + extra)


# -- what the reviewer reads -------------------------------------------------------------------------

_PLACES = 12
"""Places listed per secret in the PR body (GitHub caps bodies at 65536 characters)."""
_WHERE = {
    "ci-secret": "Set the CI secret `{name}` (GitHub Actions secret / GitLab CI/CD variable)",
    "env": "Provide the environment variable `{name}` where the code runs{detail}",
    "k8s-secret": "Create the Kubernetes Secret `{detail}` with the key `{name}`",
    "build-arg": "Pass `{name}` to the image build as a BuildKit secret (was ARG `{detail}`)",
    "tf-var": "Export `{detail}` from `{name}` where Terraform runs",
    "app-config": "Make the application read `{name}` ({detail})",
}


def describe(
    plan: RewritePlan,
    manual: Sequence[ManualItem],
    context: RemediationContext,
    findings: Sequence[Finding],
    base: str,
) -> tuple[str, str]:
    """The PR's title and body: what leaked, where the new values live, what to do before merging."""
    rewritten = plan.rewritten
    rules = sorted({f.rule_id for f in rewritten}) or sorted({m.rule_id for m in manual})
    secrets = {f.secret_id for f in rewritten}
    files = sorted({f.path for f in rewritten})
    title = (
        f"keysweep: replace {len(secrets)} leaked secret{'s' if len(secrets) != 1 else ''} with references "
        f"in {len(files)} file{'s' if len(files) != 1 else ''} ({', '.join(rules[:3])}"
        f"{', …' if len(rules) > 3 else ''})"
    )
    lines = [
        f"Rotation `{context.rotation_id}`: keysweep replaced inline secrets with references. "
        "No secret value, old or new, appears in this pull request's text.",
        "",
        "### What leaked",
        "",
        "| Fingerprint | Rule | Now read from | Where (file:line) |",
        "|---|---|---|---|",
    ]
    by_secret: dict[str, list[Finding]] = {}
    for f in sorted(rewritten, key=lambda f: (f.path, f.line, f.column)):
        by_secret.setdefault(f.secret_id, []).append(f)
    for sid, group in sorted(by_secret.items(), key=lambda kv: plan.names[kv[0]]):
        places = [f"`{f.path}:{f.line}`" for f in group]
        shown = ", ".join(places[:_PLACES]) + (f" and {len(places) - _PLACES} more" if len(places) > _PLACES else "")
        rule_ids = ", ".join(sorted({f"`{f.rule_id}`" for f in group}))
        lines.append(f"| `{group[0].redacted}` | {rule_ids} | `{plan.names[sid]}` | {shown} |")
    rotated = {sid: loc for sid, loc in context.vault.items() if sid in plan.names}
    lines += ["", "### Where the new values live", ""]
    if rotated:
        lines += ["| Variable | Vault path (version) |", "|---|---|"]
        lines += [f"| `{plan.names[sid]}` | `{loc}` |" for sid, loc in sorted(rotated.items(), key=lambda x: x[1].path)]
    kept = sorted(plan.names[sid] for sid in by_secret if sid not in rotated)
    if kept:
        lines += [
            "",
            "Not rotated in this run (the references need the current values): "
            + ", ".join(f"`{n}`" for n in kept)
            + ".",
        ]
    lines += ["", "### Before merging", ""]
    done = {s.name for s in context.ci_secrets}
    vault_by_name = {plan.names[sid]: loc for sid, loc in rotated.items()}
    grouped: dict[tuple[str, str], list[str]] = {}
    for need in plan.needs:
        details = grouped.setdefault((need.name, need.where), [])
        if need.detail and need.detail not in details:
            details.append(need.detail)
    for (name, where), details in grouped.items():
        if where == "env":
            item = _WHERE[where].format(name=name, detail=f" ({'; '.join(details)})" if details else "")
        else:
            item = _WHERE[where].format(name=name, detail=", ".join(details))
        if name in vault_by_name:
            item += f", from Vault `{vault_by_name[name]}`"
        ticked = where == "ci-secret" and name in done
        lines.append(f"- [{'x' if ticked else ' '}] {item}{' (done by keysweep)' if ticked else ''}")
    if any(c.path.startswith(".github/workflows/") or "/.github/workflows/" in c.path for c in plan.changes):
        lines.append("- [ ] Pushing changes under `.github/workflows/` needs a token with the `workflow` scope")
    for path in plan.untracked_paths:
        lines.append(f"- [ ] `{path}` leaves git: back up your local copy before pulling (git deletes it)")
    lines.append("- [ ] Review the diff: each literal is replaced, comments and layout are unchanged")
    notes = [(c.path, n) for c in plan.changes for n in c.notes]
    if notes:
        lines += ["", "### Notes", ""]
        lines += [f"- `{path}`: {note}" for path, note in notes]
    if manual or context.manual_steps:
        lines += ["", "### Manual items", ""]
        lines += [f"- [ ] {step}" for step in context.manual_steps]
        lines += [f"- [ ] `{m.path}:{m.line}` `{m.rule_id}` `{m.redacted}`: {m.reason}" for m in manual]
    lines += ["", f"Branch built from `{base}` by keysweep; a re-run updates this pull request."]
    return title, "\n".join(lines) + "\n"


def commit_message(plan: RewritePlan, context: RemediationContext, findings: Sequence[Finding]) -> str:
    by_secret: dict[str, Finding] = {}
    for f in plan.rewritten:
        by_secret.setdefault(f.secret_id, f)
    body = [
        f"Rotation: {context.rotation_id}",
        "",
        "Secrets (redacted) and the variables that now hold them:",
    ]
    body += [f"- {f.redacted} ({f.rule_id}) -> {plan.names[sid]}" for sid, f in sorted(by_secret.items())]
    body += ["", "Files:"]
    body += [f"- {c.path}{' (untracked)' if c.untrack else ''}" for c in plan.changes]
    return "keysweep: replace leaked secrets with references\n\n" + "\n".join(body) + "\n"


# -- the rotation hand-over ----------------------------------------------------------------------------


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
    read_stored: Callable[[str, str, int | None], str | None] | None = None
    """With `--set-ci-secrets`: reads a new value back from the secret store (mount, path, version), so the
    workflows the PR rewrites find their secrets set; None sets none."""

    def check(self) -> None:
        """Refuse before the rotation starts what would make the PR step fail after the keys were revoked: no
        repository, no such remote, a dirty tree, no token for a GitHub/GitLab remote."""
        import git

        try:
            repo = git.Repo(self.repo_path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise RotationError(f"{self.repo_path} is not inside a git repository") from None
        try:
            remote = repo.remote(self.hosting.remote)
        except ValueError:
            raise HostingError(
                f"the repository at {repo.working_tree_dir} has no remote {self.hosting.remote!r}; set hosting.remote"
            ) from None
        _refuse_dirty(repo)
        hosting = resolve_hosting(next(iter(remote.urls)), self.hosting)
        if hosting is not None:
            token_for(hosting.kind, os.environ if self.env is None else self.env)

    def run(self, plan: Plan, journal: Journal) -> PrResult:
        from scanner.rotation.remediation import PrResult

        findings = findings_from_plan(plan)
        vault: dict[str, VaultLocation] = {}
        for t in plan.targets:
            stored = journal.last("stored", t.secret_id)
            if stored is not None:
                vault[t.secret_id] = VaultLocation(stored["mount"], stored["path"], stored.get("version"))
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
        )
        names = {t.secret_id: t.env_name for t in plan.targets if t.env_name} | dict(self.names or {})
        context = replace(context, ci_values=self._ci_values(plan, journal, names))
        result = open_remediation(self.repo_path, findings, names or None, context)
        journal.append("pr-branch", **result.to_record())
        url = result.pull_request.url if result.pull_request else result.compare_url
        return PrResult(url=url, merged=False, message=result.message, state="open" if url else None)

    def _ci_values(self, plan: Plan, journal: Journal, names: Mapping[str, str]) -> dict[str, str]:
        """New values (read back from the store) of rotated secrets, and identifiers as they are."""
        if self.read_stored is None:
            return {}
        values: dict[str, str] = {}
        for t in plan.targets:
            name = names.get(t.secret_id)
            stored = journal.last("stored", t.secret_id)
            if name is None:
                continue
            if stored is not None:
                value = self.read_stored(stored["mount"], stored["path"], stored.get("version"))
            else:
                value = t.secret.value if t.secret.identifier else None  # a key not rotated keeps no CI copy
            if value:
                values[name] = value
        return values

    def status(self, plan: Plan, journal: Journal) -> PrResult | None:
        """Ask the hosting API whether the pull request this rotation opened is merged."""
        from scanner.rotation.remediation import PrResult

        record = journal.last("pr-branch")
        if record is None or record.get("pr_number") is None:
            return None  # no API pull request (compare link only): the explicit --resume is the signal
        import git

        repo = git.Repo(self.repo_path, search_parent_directories=True)
        hosting = resolve_hosting(next(iter(repo.remote(self.hosting.remote).urls)), self.hosting)
        if hosting is None:
            return None
        import httpx

        number, url = int(record["pr_number"]), record.get("pr_url")
        token = token_for(hosting.kind, os.environ if self.env is None else self.env)
        with httpx.Client(timeout=30.0) as client:
            state = hosting_api(hosting, token, client).merge_state(number)
        what = "pull request" if hosting.kind == "github" else "merge request"
        message = {
            "merged": f"{what} #{number} is merged",
            "open": f"{what} #{number} ({url}) is not merged yet: deploy the new keys, merge it, then resume",
            "closed": f"{what} #{number} ({url}) was closed without merging: reopen and merge it, or resume "
            "with --no-pr to revoke the exposed keys anyway",
        }[state]
        return PrResult(url=url, merged=state == "merged", message=message, state=state)


def choose_names(root: Path | str, findings: Sequence[Finding]) -> dict[str, str]:
    """The variable name the PR step will give each secret (the code's own, else the rule's), worked out from
    the files under `root` exactly as the rewrite does; rotation records them in its plan."""
    return dict(plan_rewrites(Path(root), [f for f in findings if f.commit is None]).names)


def findings_from_plan(plan: Plan) -> list[Finding]:
    """Working-tree findings rebuilt from the plan's occurrences; targets without a value are skipped."""
    findings = []
    for t in plan.targets:
        s = t.secret
        if not s.value:
            continue
        for occ in s.occurrences:
            if occ.commit is not None:
                continue
            findings.append(
                Finding(
                    rule_id=occ.rule_id,
                    severity=Severity.INFO if s.identifier else Severity.HIGH,
                    secret=s.value,
                    path=occ.path,
                    line=occ.line,
                    column=occ.column,
                    end_column=occ.column + len(s.value),
                    prefix=s.prefix,
                    identifier=s.identifier,
                    kind=s.kind,
                    provider=s.family,
                    env_var=s.env_var,
                    labels=s.labels,
                    related=s.related,
                )
            )
    return findings


# -- git plumbing -------------------------------------------------------------------------------------


def _git(repo: git.Repo, *args: str) -> str:
    from git.exc import GitCommandError

    try:
        return str(repo.git.execute(["git", *args])).strip()
    except GitCommandError as exc:
        reason = (exc.stderr or str(exc)).strip().splitlines()
        raise HostingError(f"git {args[0]} failed: {safe_url(reason[-1] if reason else 'unknown error')}") from None


def _refuse_dirty(repo: git.Repo) -> None:
    if not repo.is_dirty(index=True, working_tree=True, untracked_files=False):
        return
    changed = sorted({d.a_path or d.b_path or "" for d in repo.index.diff(None)} | _staged(repo))
    shown = ", ".join(changed[:5]) + (", …" if len(changed) > 5 else "")
    raise RotationError(
        f"the working tree has uncommitted changes ({shown}); commit or stash them first: the findings must "
        "match committed content, because keysweep builds its branch from the default branch"
    )


def _staged(repo: git.Repo) -> set[str]:
    try:
        return {d.a_path or d.b_path or "" for d in repo.index.diff("HEAD")}
    except Exception:  # no HEAD yet
        return set()


def _identity(repo: git.Repo) -> list[str]:
    """Use the user's git identity; fall back to a keysweep one so a bare CI box can still commit."""
    from git.exc import GitCommandError

    try:
        repo.git.var("GIT_COMMITTER_IDENT")
        repo.git.var("GIT_AUTHOR_IDENT")
        return []
    except GitCommandError:
        return ["-c", "user.name=keysweep", "-c", "user.email=keysweep@users.noreply.localhost"]


def _same_tree(repo: git.Repo, remote: str, branch: str, remote_sha: str, commit: str) -> bool:
    _git(repo, "fetch", "--quiet", remote, f"refs/heads/{branch}")
    ours = _git(repo, "rev-parse", f"{commit}^{{tree}}")
    theirs = _git(repo, "rev-parse", f"{remote_sha}^{{tree}}")
    parents = _git(repo, "rev-list", "--parents", "-n", "1", remote_sha).split()[1:]
    ours_parents = _git(repo, "rev-list", "--parents", "-n", "1", commit).split()[1:]
    return ours == theirs and parents == ours_parents


def _remove_worktree(repo: git.Repo, path: Path) -> None:
    from git.exc import GitCommandError

    try:
        repo.git.worktree("remove", "--force", str(path))
    except GitCommandError:
        shutil.rmtree(path, ignore_errors=True)
        repo.git.worktree("prune")


def _client(context: RemediationContext) -> tuple[httpx.Client, bool]:
    if context.http is not None:
        return context.http, False
    import httpx

    return httpx.Client(timeout=30.0), True


def _guard(text: str, findings: Sequence[Finding]) -> None:
    """Last line of defence: no secret value may reach a commit message, PR title or body."""
    if any(not f.identifier and f.secret and f.secret in text for f in findings):
        raise RotationError("refusing to publish text that contains a secret value; this is a bug in keysweep")


def _not_on_base(findings: Sequence[Finding], plan: RewritePlan, base: str) -> tuple[ManualItem, ...]:
    """Working-tree findings the base branch does not have at that place (the leak is on another branch)."""
    rewritten = {(f.path, f.line, f.secret_id) for f in plan.rewritten}
    left = {(m.path, m.line) for m in plan.manual}
    items = []
    for f in findings:
        if f.commit is None and (f.path, f.line, f.secret_id) not in rewritten and (f.path, f.line) not in left:
            items.append(ManualItem(f.path, f.line, f.rule_id, f.redacted, f"not found on {base}; fix it there"))
    return tuple(items)
