"""`keysweep fix`: rewrite inline secrets into env or secret references (dry-run diff unless --apply)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

if TYPE_CHECKING:
    from scanner.findings import Finding
    from scanner.rotation.hosting.config import HostingKind


@click.command("fix")
@click.argument("path", default=".", type=click.Path(exists=True, path_type=Path))
@click.option("--apply", "apply_", is_flag=True, help="Write the changes (without it, print a redacted diff).")
@click.option(
    "--branch",
    "branch",
    is_flag=True,
    help="Commit on keysweep/fix-<id> from the default branch and push (implies --apply; your checkout is untouched).",
)
@click.option("--pr", "pr", is_flag=True, help="Like --branch, then open or update the pull request (implies --apply).")
@click.option("--base", help="The branch to start from and merge into (default: the remote's default branch).")
@click.option("--draft", is_flag=True, help="Open the pull request as a draft.")
@click.option("--set-ci-secrets", is_flag=True, help="Store each value a workflow now reads as a CI secret.")
@click.option("--hosting-kind", type=click.Choice(["github", "gitlab"]), help="Override the host detection.")
@click.option("--api-url", help="Hosting API base URL (GitHub Enterprise, self-hosted GitLab).")
@click.option("--repository", help="owner/repo on the host, when the remote URL does not say.")
@click.option("--remote", help="The git remote to push to (default: origin).")
@click.option(
    "--trust-endpoint",
    "trust_endpoints",
    multiple=True,
    metavar="URL",
    help="Trust this hosting API URL, named by the repository's config, with the token for this run.",
)
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
    trust_endpoints: tuple[str, ...] = (),
) -> int:
    """Scan PATH and replace each inline secret with a reference in its file's idiom.

    Alone, nothing changes: the diff is printed with every value redacted. --apply edits the working tree (a
    tracked .env is untracked, .env.example and .gitignore updated). --branch and --pr apply the change on a
    branch of the default branch instead (your checkout is untouched), push it, and (--pr) open the pull
    request with the token from GITHUB_TOKEN / GH_TOKEN or GITLAB_TOKEN. Exit codes: 0 nothing left to do,
    1 changes pending or manual items remain, 2 error.
    """
    from scanner.config import load_settings
    from scanner.rotation.fix import FixRequest
    from scanner.rotation.fix import fix as run_fix
    from scanner.scan import scan_paths

    settings = load_settings(path if path.is_dir() else path.parent, config_file)

    def scan(paths: list[str]) -> list[Finding]:
        return list(scan_paths(paths, settings).findings)

    request = FixRequest(
        path=path,
        apply=apply_,
        branch=branch,
        pr=pr,
        base=base,
        draft=draft,
        set_ci_secrets=set_ci_secrets,
        hosting_kind=cast("HostingKind | None", hosting_kind),  # click.Choice holds it to github / gitlab
        api_url=api_url,
        repository=repository,
        remote=remote,
        trust_endpoints=trust_endpoints,
    )
    outcome = run_fix(request, settings, dict(os.environ), scan)
    click.echo(outcome.report, nl=False)
    for line in outcome.warnings:
        click.echo(line, err=True)
    return 1 if outcome.pending else 0
