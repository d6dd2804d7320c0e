"""`keysweep fix`: rewrite inline secrets into env or secret references (dry-run diff unless --apply)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from scanner.errors import UsageError


@click.command("fix")
@click.argument("path", default=".", type=click.Path(exists=True, path_type=Path))
@click.option("--apply", "apply_", is_flag=True, help="Write the changes (without it, print a redacted diff).")
@click.option("--branch", "branch", is_flag=True, help="Commit on keysweep/fix-<id> from the default branch and push.")
@click.option("--pr", "pr", is_flag=True, help="Like --branch, then open or update the pull request.")
@click.option("--base", help="The branch to start from and merge into (default: the remote's default branch).")
@click.option("--draft", is_flag=True, help="Open the pull request as a draft.")
@click.option("--set-ci-secrets", is_flag=True, help="Store each value a workflow now reads as a CI secret.")
@click.option("--hosting-kind", type=click.Choice(["github", "gitlab"]), help="Override the host detection.")
@click.option("--api-url", help="Hosting API base URL (GitHub Enterprise, self-hosted GitLab).")
@click.option("--repository", help="owner/repo on the host, when the remote URL does not say.")
@click.option("--remote", help="The git remote to push to (default: origin).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The keysweep config file (pyproject.toml or .keysweep.toml).",
)
def fix(
    path: Path,
    apply_: bool,
    branch: bool,
    pr: bool,
    base: str | None,
    draft: bool,
    set_ci_secrets: bool,
    hosting_kind: str | None,
    api_url: str | None,
    repository: str | None,
    remote: str | None,
    config_file: Path | None,
) -> int:
    """Scan PATH and replace each inline secret with a reference in its file's idiom.

    Without --apply nothing changes: the diff is printed with every value redacted. --apply edits the working
    tree (a tracked .env is untracked, .env.example and .gitignore updated); --branch/--pr build the change on
    a branch of the default branch instead, push it, and (--pr) open the pull request with the token from
    GITHUB_TOKEN / GH_TOKEN or GITLAB_TOKEN. Exit codes: 0 nothing left to do, 1 changes pending or manual
    items remain, 2 error.
    """
    from scanner.config import load_settings
    from scanner.rotation.rewrite.engine import plan_rewrites, redact_text, render_diff
    from scanner.scan import scan_paths

    if (branch or pr) and not path.is_dir():
        raise UsageError(f"{path}: --branch/--pr need the repository folder, not a file")
    settings = load_settings(path if path.is_dir() else path.parent, config_file)
    root = path if path.is_dir() else Path.cwd()
    findings = _not_ignored(root, [f for f in scan_paths([str(path)], settings).findings if f.commit is None])

    def rescan(paths: list[str]) -> list[Any]:
        return list(scan_paths(paths, settings).findings)

    plan = plan_rewrites(root, findings)
    if not apply_:
        click.echo(render_diff(plan, findings), nl=False)
        _summary(plan, redact_text)
        if branch or pr:
            click.echo("With --apply: push the branch keysweep/fix-… " + ("and open the pull request." if pr else "."))
        return 1 if plan.changes or plan.manual else 0

    if branch or pr:
        overrides = (hosting_kind, api_url, repository, remote)
        return _to_branch(
            path,
            findings,
            plan,
            settings,
            rescan,
            overrides,
            pr=pr,
            base=base,
            draft=draft,
            set_ci_secrets=set_ci_secrets,
        )
    return _in_place(root, plan, rescan)


def _in_place(root: Path, plan: Any, rescan: Any) -> int:
    from scanner.rotation.rewrite.engine import remaining_literals, write_plan

    write_plan(root, plan)
    untracked = _untrack(root, plan.untracked_paths)
    left = remaining_literals(root, plan, rescan)
    for change in plan.changes:
        if change.after is not None:
            click.echo(f"rewrote {change.path} ({change.kind})")
    for path in untracked:
        click.echo(f"untracked {path} (kept on disk, ignored by git)")
    _summary(plan, None)
    for item in left:
        click.echo(f"still present: {item.path}:{item.line} {item.rule_id} {item.redacted}", err=True)
    return 1 if plan.manual or left else 0


def _to_branch(
    path: Path,
    findings: list[Any],
    plan: Any,
    settings: Any,
    rescan: Any,
    overrides: tuple[str | None, ...],
    *,
    pr: bool,
    base: str | None,
    draft: bool,
    set_ci_secrets: bool,
) -> int:
    from dataclasses import replace

    from scanner.rotation.pull_request import parse_hosting_config
    from scanner.rotation.remediate import CISecret, RemediationContext, fix_id, open_remediation

    raw = dict(getattr(settings, "hosting", None) or {})
    source = str(getattr(settings, "config_file", None) or "<config>")
    hosting = parse_hosting_config(raw, source)
    kind, api_url, repository, remote = overrides
    hosting = replace(
        hosting,
        kind=kind or hosting.kind,  # type: ignore[arg-type]
        api_url=api_url or hosting.api_url,
        repository=repository or hosting.repository,
        remote=remote or hosting.remote,
    )
    secrets: tuple[CISecret, ...] = ()
    if set_ci_secrets:
        values = {plan.names[f.secret_id]: f.secret for f in plan.rewritten}
        wanted = dict.fromkeys(n.name for n in plan.needs if n.where == "ci-secret")
        secrets = tuple(CISecret(name, values[name]) for name in wanted if name in values)
    context = RemediationContext(
        rotation_id=f"fix-{fix_id(findings)}",
        hosting=hosting,
        rescan=rescan,
        ci_secrets=secrets,
        base_branch=base,
        branch_prefix="keysweep/fix-",
        draft=draft,
        open_pull_request=pr,
        env=os.environ,
    )
    result = open_remediation(path, findings, None, context)
    click.echo(result.message)
    for item in result.manual:
        click.echo(f"manual: {item.path}:{item.line} {item.rule_id} {item.redacted}: {item.reason}")
    return 1 if result.manual else 0


def _not_ignored(root: Path, findings: list[Any]) -> list[Any]:
    """Drop findings in files git ignores and does not track (a local `.env`): they never reach a commit."""
    paths = sorted({f.path for f in findings})
    if not paths:
        return findings
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return findings
    try:
        ignored = set(repo.git.check_ignore("--", *paths).splitlines())
    except git.GitCommandError:  # exit 1: nothing is ignored
        ignored = set()
    ignored -= set(repo.git.ls_files("--", *ignored).splitlines()) if ignored else set()
    return [f for f in findings if f.path not in ignored]


def _untrack(root: Path, paths: list[str]) -> list[str]:
    """`git rm --cached` each path git tracks; outside a repository there is nothing to untrack."""
    if not paths:
        return []
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return []
    top = Path(str(repo.working_tree_dir)).resolve()
    done = []
    for p in paths:
        rel = str((root / p).resolve().relative_to(top))
        if repo.git.ls_files("--", rel):
            repo.git.rm("--cached", "--quiet", "--", rel)
            done.append(p)
    return done


def _summary(plan: Any, redact: Any) -> None:
    for change in plan.changes:
        for note in change.notes:
            click.echo(f"note: {change.path}: {note}")
    seen = set()
    for need in plan.needs:
        if (need.name, need.where) not in seen:
            seen.add((need.name, need.where))
            click.echo(f"needs: {need.name} ({need.where}{': ' + need.detail if need.detail else ''})")
    for item in plan.manual:
        click.echo(f"manual: {item.path}:{item.line} {item.rule_id} {item.redacted}: {item.reason}")
