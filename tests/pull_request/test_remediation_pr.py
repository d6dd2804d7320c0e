"""Done means: one PR with every literal in its file's idiom, a clean branch, a re-run changing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.rotation.hosting.config import HostingConfig
from scanner.rotation.pull_request_step import branch_event
from scanner.rotation.remediation import (
    CISecret,
    RemediationContext,
    VaultLocation,
    branch_name,
    open_remediation,
)
from tests.pull_request.conftest import REPOSITORY, TOKEN, trusting
from tests.rewrite.fakes import findings_for
from tests.rewrite.seed_page import CI, HOOK, LEGACY, ORG, ORG_INTERNAL, PROD, seed_findings, seed_text
from tests.rewrite.test_rewrite_docs import EXPECTED as EXPECTED_PAGE

ROTATION = "rot-20250102T030405Z-a1b2c3"
BRANCH = "keysweep/rotate-a1b2c3"
SECRETS = [PROD, CI, LEGACY, HOOK, ORG, ORG_INTERNAL]
PAGE = "docs/nexus-api-reference.txt"

COMPOSE = """\
# local stack
services:
  app:
    image: nexus-app:latest  # pinned in CI
    environment:
      - NEXUS_API_KEY={PROD}
      - NEXUS_ORG_ID={ORG}
      - LOG_LEVEL=info
"""
ENV = 'NEXUS_API_KEY="{PROD}"\nNEXUS_ORG_ID="{ORG}"\nNEXUS_BASE_URL="https://api.nexus.io/v1"\n'
WORKFLOW = """\
name: deploy
on: push
env:
  NEXUS_ORG_ID: {ORG}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Smoke test
        run: |
          curl -sf -H "Authorization: Bearer {PROD}" https://api.nexus.io/v1/models
# To bootstrap a new repo, set secret value to:
# {CI}
"""
PYTHON = """\
\"\"\"Nexus client for the app.\"\"\"

import json

from nexus_ai import NexusAI

client = NexusAI(
    api_key="{PROD}",  # prod-default
    organization="{ORG}",
)
"""
JS = """\
import NexusAI from 'nexus-ai';

const client = new NexusAI({{
  apiKey: process.env.NEXUS_API_KEY, // {CI}
  organization: '{ORG}',
}});
const secret = "{HOOK}";
"""


def fill(template: str) -> str:
    return template.format(PROD=PROD, CI=CI, ORG=ORG, HOOK=HOOK)


def repo_files() -> dict[str, str]:
    return {
        PAGE: seed_text(),
        "docker-compose.yml": fill(COMPOSE),
        ".env": fill(ENV),
        ".github/workflows/deploy.yml": fill(WORKFLOW),
        "app/client.py": fill(PYTHON),
        "web/client.js": fill(JS),
    }


def scan(files: dict[str, str]):  # type: ignore[no-untyped-def]
    """What the scanner reports on these files (the page with its key-table labels)."""
    others = {p: t for p, t in files.items() if p != PAGE}
    return seed_findings(PAGE, files[PAGE]) + findings_for(others, SECRETS)


def rescan(paths: list[str]):  # type: ignore[no-untyped-def]
    """A stand-in for `scan_paths`: every literal of the known secrets in the given files."""
    texts = {p: Path(p).read_text(encoding="utf-8") for p in paths}
    return findings_for(texts, [s for s in SECRETS if any(s in t for t in texts.values())])


def context(emulator, **kw) -> RemediationContext:  # type: ignore[no-untyped-def]
    from tests.rewrite.fakes import findings_in

    prod_id = findings_in("x", PROD, PROD)[0].secret_id
    hook_id = findings_in("x", HOOK, HOOK)[0].secret_id
    return RemediationContext(
        rotation_id=ROTATION,
        hosting=HostingConfig(kind="github", api_url=emulator.url, repository=REPOSITORY),
        vault={
            prod_id: VaultLocation("secret", "keysweep/nexus/NEXUS_API_KEY", 3),
            hook_id: VaultLocation("secret", "keysweep/nexus/WEBHOOK_SECRET", 1),
        },
        rescan=rescan,
        env={"GITHUB_TOKEN": TOKEN},
        user=trusting(emulator.url),
        **kw,
    )


def test_one_pr_replaces_every_literal_in_each_files_idiom_and_a_rerun_changes_nothing(checkout, emulator):
    files = repo_files()
    checkout.commit_all(files)
    findings = scan(files)

    result = open_remediation(checkout.path, findings, None, context(emulator))

    assert result.branch == BRANCH == branch_name(ROTATION)
    assert result.pushed and result.pull_request is not None and result.pull_request.created
    assert result.manual == ()
    # The branch on the real remote: every literal replaced by a reference in the file's idiom.
    assert checkout.branch_file(BRANCH, "docker-compose.yml") == (
        "# local stack\n"
        "services:\n"
        "  app:\n"
        "    image: nexus-app:latest  # pinned in CI\n"
        "    environment:\n"
        "      - NEXUS_API_KEY=${NEXUS_API_KEY:?set NEXUS_API_KEY}\n"
        "      - NEXUS_ORG_ID=${NEXUS_ORG_ID:?set NEXUS_ORG_ID}\n"
        "      - LOG_LEVEL=info"
    )
    assert checkout.branch_file(BRANCH, ".github/workflows/deploy.yml") == (
        "name: deploy\n"
        "on: push\n"
        "env:\n"
        "  NEXUS_ORG_ID: ${{ secrets.NEXUS_ORG_ID }}\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - name: Smoke test\n"
        "        env:\n"
        "          NEXUS_API_KEY: ${{ secrets.NEXUS_API_KEY }}\n"
        "        run: |\n"
        '          curl -sf -H "Authorization: Bearer ${NEXUS_API_KEY:?}" https://api.nexus.io/v1/models\n'
        "# To bootstrap a new repo, set secret value to:\n"
        "# <your NEXUS_API_KEY_CI_PIPELINE>"
    )
    assert checkout.branch_file(BRANCH, "app/client.py") == (
        '"""Nexus client for the app."""\n'
        "\n"
        "import json\n"
        "import os\n"
        "\n"
        "from nexus_ai import NexusAI\n"
        "\n"
        "client = NexusAI(\n"
        '    api_key=os.environ["NEXUS_API_KEY"],  # prod-default\n'
        '    organization=os.environ["NEXUS_ORG_ID"],\n'
        ")"
    )
    assert checkout.branch_file(BRANCH, "web/client.js") == (
        "import NexusAI from 'nexus-ai';\n"
        "\n"
        "const client = new NexusAI({\n"
        "  apiKey: process.env.NEXUS_API_KEY, // <your NEXUS_API_KEY_CI_PIPELINE>\n"
        "  organization: process.env.NEXUS_ORG_ID,\n"
        "});\n"
        "const secret = process.env.WEBHOOK_SECRET;"
    )
    from tests.rewrite.seed_page import CI as CI_KEY

    assert checkout.branch_file(BRANCH, PAGE) + "\n" == EXPECTED_PAGE.format(PROD_MASK=PROD[8:10], CI_MASK=CI_KEY[8:10])
    # .env leaves git; its example and the ignore rules arrive.
    tree = checkout.branch_files(BRANCH)
    assert ".env" not in tree
    assert checkout.branch_file(BRANCH, ".env.example") == "NEXUS_API_KEY=\nNEXUS_ORG_ID=\nNEXUS_BASE_URL="
    assert checkout.branch_file(BRANCH, ".gitignore") == ".env\n!.env.example"
    # A re-scan of the branch is clean: no literal of any secret anywhere in its tree.
    for path in tree:
        text = checkout.branch_file(BRANCH, path)
        assert not [s for s in SECRETS if s in text], path
    # The branch is one commit on top of main, and the user's checkout was not touched.
    main = checkout.remote_git("rev-parse", "refs/heads/main")
    assert checkout.remote_git("rev-parse", f"refs/heads/{BRANCH}^") == main
    assert checkout.git("status", "--porcelain") == ""
    assert checkout.git("rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert (checkout.path / ".env").read_text() == files[".env"]

    # Exactly one PR, from the branch into main, with headers exactly as the contract says.
    [pr] = emulator.repos[REPOSITORY].pulls
    assert (pr["head"]["ref"], pr["base"]["ref"], pr["state"]) == (BRANCH, "main", "open")
    post = emulator.calls("POST")[0]
    assert post.path == f"/repos/{REPOSITORY}/pulls"
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.headers["accept"] == "application/vnd.github+json"
    assert post.headers["x-github-api-version"] == "2022-11-28"
    assert set(post.body) == {"title", "head", "base", "body", "draft"}
    get = emulator.calls("GET")[0]
    assert get.query == {"head": f"acme:{BRANCH}", "state": "open"}

    # Title and body: rule, file, line, fingerprint, Vault path and version, checklist, never a value.
    title, body = pr["title"], pr["body"]
    for secret in (PROD, CI, LEGACY, HOOK):
        assert secret not in title + body
        assert secret[8:-4] not in title + body
    assert title.startswith("keysweep: replace 6 leaked secrets with references in 6 files")
    redacted_prod = f"sk-proj-{PROD[8:10]}…{PROD[-4:]}"
    assert f"| `{redacted_prod}` | `openai-project-key` | `NEXUS_API_KEY` | `.env:1`, " in body
    assert "`app/client.py:8`" in body
    assert "| `NEXUS_API_KEY` | `secret/keysweep/nexus/NEXUS_API_KEY (version 3)` |" in body
    assert "- [ ] Set the CI secret `NEXUS_API_KEY` (GitHub Actions secret / GitLab CI/CD variable), from Vault" in body
    assert "`NEXUS_API_KEY_CI_PIPELINE`, `NEXUS_API_KEY_STAGING`" in body  # not rotated: named as such
    assert "- [ ] `.env` leaves git: back up your local copy" in body
    assert "`workflow` scope" in body

    # Second run: same tree already on the remote, same PR: nothing pushed, nothing opened or edited.
    remote_sha = checkout.remote_git("rev-parse", f"refs/heads/{BRANCH}")
    before = len(emulator.requests)
    again = open_remediation(checkout.path, scan(files), None, context(emulator))
    assert not again.pushed and again.commit == remote_sha
    assert again.pull_request is not None and not again.pull_request.created
    assert again.pull_request.number == pr["number"]
    assert checkout.remote_git("rev-parse", f"refs/heads/{BRANCH}") == remote_sha
    assert [r.method for r in emulator.requests[before:]] == ["GET"]
    assert len(emulator.repos[REPOSITORY].pulls) == 1


def test_actions_secret_is_sealed_to_the_repository_key_and_never_printed(checkout, emulator, capsys):
    files = {"app/client.py": fill(PYTHON)}
    checkout.commit_all(files)
    new_value = "sk-proj-" + "N" * 4 + PROD[12:]
    ctx = context(emulator, ci_secrets=(CISecret("NEXUS_API_KEY", new_value),))
    result = open_remediation(checkout.path, scan_plain(files), None, ctx)
    assert emulator.repos[REPOSITORY].secrets == {"NEXUS_API_KEY": new_value}
    put = next(r for r in emulator.requests if r.method == "PUT")
    assert put.path == f"/repos/{REPOSITORY}/actions/secrets/NEXUS_API_KEY"
    assert set(put.body) == {"encrypted_value", "key_id"} and new_value not in str(put.body)
    out = capsys.readouterr()
    assert new_value not in out.out + out.err + repr(ctx) + repr(result) + str(branch_event(result))
    assert new_value not in emulator.repos[REPOSITORY].pulls[0]["body"]


def scan_plain(files: dict[str, str]):  # type: ignore[no-untyped-def]
    return findings_for(files, SECRETS)


def test_gitlab_merge_request_and_ci_variable(checkout, emulator):
    files = {"docker-compose.yml": fill(COMPOSE)}
    checkout.commit_all(files)
    ctx = RemediationContext(
        rotation_id=ROTATION,
        hosting=HostingConfig(kind="gitlab", api_url=emulator.url + "/api/v4", repository=REPOSITORY),
        rescan=rescan,
        env={"GITLAB_TOKEN": TOKEN},
        ci_secrets=(CISecret("NEXUS_ORG_ID", ORG),),
        user=trusting(emulator.url),
    )
    result = open_remediation(checkout.path, scan_plain(files), None, ctx)
    [mr] = emulator.repos[REPOSITORY].pulls
    assert (mr["source_branch"], mr["target_branch"], mr["state"]) == (BRANCH, "main", "opened")
    assert mr["remove_source_branch"] is True
    assert result.pull_request is not None and result.pull_request.url == mr["web_url"]
    post = next(r for r in emulator.requests if r.method == "POST" and r.path.endswith("/merge_requests"))
    assert post.path == "/api/v4/projects/acme%2Fapp/merge_requests"
    assert post.headers["private-token"] == TOKEN
    assert emulator.repos[REPOSITORY].secrets == {"NEXUS_ORG_ID": ORG}
    # A re-run finds the open MR (GET with both branches and state) instead of opening another.
    open_remediation(checkout.path, scan_plain(files), None, ctx)
    assert len(emulator.repos[REPOSITORY].pulls) == 1
    gets = [r for r in emulator.requests if r.method == "GET"]
    assert gets[-1].query == {"source_branch": BRANCH, "target_branch": "main", "state": "opened"}


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_already_exists_answer_finds_and_updates_the_open_pr(checkout, emulator, kind):
    files = {"app/client.py": fill(PYTHON)}
    checkout.commit_all(files)
    env = {"GITHUB_TOKEN": TOKEN} if kind == "github" else {"GITLAB_TOKEN": TOKEN}
    ctx = RemediationContext(
        rotation_id=ROTATION,
        hosting=HostingConfig(kind=kind, api_url=emulator.url, repository=REPOSITORY),  # type: ignore[arg-type]
        env=env,
        user=trusting(emulator.url),
    )
    open_remediation(checkout.path, scan_plain(files), None, ctx)
    emulator.repos[REPOSITORY].pulls[0]["title"] = "edited by a human"
    # The lookup races with another run and misses the open PR: the create answers 422 / 409.
    emulator.fail("GET", r"/(pulls|merge_requests)$", 200, body=[])
    result = open_remediation(checkout.path, scan_plain(files), None, ctx)
    statuses = [r.method for r in emulator.requests[-4:]]
    assert statuses == ["GET", "POST", "GET", "PATCH" if kind == "github" else "PUT"]
    assert len(emulator.repos[REPOSITORY].pulls) == 1
    assert emulator.repos[REPOSITORY].pulls[0]["title"].startswith("keysweep: replace")
    assert result.pull_request is not None and not result.pull_request.created
