"""`keysweep rotate PATH --apply` on a real repository: keys rotated into Vault, one pull request, nothing leaked.

A bare remote and a clone (fixed authors and dates, isolated git config) hold the sample docs page, a compose
file, a tracked `.env`, a workflow, a Python and a JS file, all with keys made fresh for each run. The provider
emulator knows those keys, OpenBao is real, and the hosting emulator plays GitHub.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.config import load_settings
from scanner.scan import scan_paths
from tests.emulators.hosting import HostingEmulator
from tests.emulators.provider import fake_key
from tests.pull_request.conftest import REPOSITORY, TOKEN, Checkout, trusting
from tests.pull_request.test_remediation_pr import COMPOSE, ENV, JS, PYTHON, WORKFLOW
from tests.rewrite.seed_page import TEMPLATE as PAGE_TEMPLATE
from tests.rewrite.test_rewrite_docs import EXPECTED as EXPECTED_PAGE
from tests.rotation.conftest import World

pytestmark = pytest.mark.slow
PAGE = "docs/nexus-api-reference.txt"


@dataclass
class Leak:
    """Fresh keys for one test, and the ids the provider emulator gave them."""

    prod: str
    ci: str
    legacy: str
    hook: str
    prod_key_id: str = ""
    ci_account_id: str = ""

    @property
    def secrets(self) -> list[str]:
        return [self.prod, self.ci, self.legacy, self.hook]

    def files(self) -> dict[str, str]:
        values = {"PROD": self.prod, "CI": self.ci, "HOOK": self.hook, "ORG": "org-NexusProd01"}
        page = PAGE_TEMPLATE.format(
            **values, LEGACY=self.legacy, ORG_INTERNAL="org-NexusInternal",
            PROD_MASK=self.prod[8:10], CI_MASK=self.ci[8:10],
        )  # fmt: skip
        return {
            PAGE: page,
            "docker-compose.yml": COMPOSE.format(**values),
            ".env": ENV.format(**values),
            ".github/workflows/deploy.yml": WORKFLOW.format(**values),
            "app/client.py": PYTHON.format(**values),
            "web/client.js": JS.format(**values),
        }


@dataclass
class Scene:
    world: World
    repo: Checkout
    hosting: HostingEmulator
    leak: Leak
    config: Path
    state: Path

    def rotate(self, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        """`keysweep rotate …` in this process, through the CLI entry point."""
        from scanner.cli import main

        try:
            main(["rotate", *args, "--config", str(self.config), "--state-dir", str(self.state)])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    def rotate_process(self, *args: str, crash: str | None = None) -> subprocess.CompletedProcess[str]:
        """The same in a child process (a crash point SIGKILLs it)."""
        env = dict(os.environ)
        if crash:
            env["KEYSWEEP_CRASH_AFTER"] = crash
        return subprocess.run(
            [sys.executable, "-m", "scanner", "rotate", *args, "--config", str(self.config),
             "--state-dir", str(self.state)],
            env=env, text=True, capture_output=True, timeout=60, cwd=self.repo.path,
        )  # fmt: skip

    def journal(self) -> tuple[str, list[dict[str, object]]]:
        [path] = self.state.glob("rot-*.jsonl")
        return path.stem, [json.loads(line) for line in path.read_text().splitlines()]

    def vault_value(self, name: str) -> str:
        stored = self.world.store.read("secret", f"{self.world.prefix}/nexus/{name}")
        assert stored is not None, f"nothing in Vault at {self.world.prefix}/nexus/{name}"
        return stored.data["value"]

    def branch(self) -> str:
        [pr] = self.hosting.repos[REPOSITORY].pulls
        return str(pr["head"]["ref"])


@pytest.fixture
def scene(world: World, checkout: Checkout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    em = world.emulator
    leak = Leak(
        prod=fake_key("sk-proj-"),
        ci=fake_key("sk-proj-"),
        legacy=fake_key("sk-"),
        hook="whsec_" + fake_key("sk-proj-", 24),
    )
    leak.prod_key_id = em.add_user_key(world.seeded.default_project, "prod-default", leak.prod)
    leak.ci_account_id, _, _ = em.add_service_account(world.seeded.ci_project, "ci-pipeline", leak.ci)
    em.legacy_keys.add(leak.legacy)
    em.add_webhook("https://hooks.example.test/app", leak.hook)
    checkout.commit_all(leak.files(), "the app, with keys")

    with HostingEmulator(TOKEN, {REPOSITORY: checkout.remote}) as hosting:
        config = tmp_path / "config" / "pyproject.toml"
        config.parent.mkdir()
        config.write_text(
            world.config_toml()
            + f'[tool.keysweep.hosting]\nkind = "github"\napi_url = "{hosting.url}"\nrepository = "{REPOSITORY}"\n'
        )
        trusted = f"{world.env['KEYSWEEP_TRUSTED_ENDPOINTS']} {hosting.url}"
        scene_env = {
            "GITHUB_TOKEN": TOKEN,
            "XDG_STATE_HOME": str(tmp_path / "xdg"),
            "KEYSWEEP_TRUSTED_ENDPOINTS": trusted,
        }
        for name, value in {**world.env, **scene_env}.items():
            monkeypatch.setenv(name, value)
        yield Scene(world, checkout, hosting, leak, config, tmp_path / "state")


def branch_tree(scene: Scene) -> dict[str, str]:
    branch = scene.branch()
    return {path: scene.repo.branch_file(branch, path) for path in scene.repo.branch_files(branch)}


def test_rotate_apply_rotates_into_vault_and_opens_one_pr_with_every_literal_replaced(
    scene: Scene, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    leak, em, repo = scene.leak, scene.world.emulator, scene.repo
    folder = str(repo.path)

    code, plan_out, plan_err = scene.rotate(folder, capsys=capsys)
    assert code == 0, plan_err
    assert "variable: NEXUS_API_KEY (" in plan_out and "variable: NEXUS_API_KEY_CI_PIPELINE (" in plan_out
    assert f"secret/{scene.world.prefix}/nexus/NEXUS_API_KEY_CI_PIPELINE" in plan_out
    assert "pull request from keysweep/rotate-" in plan_out
    assert not scene.state.exists() and not scene.hosting.requests and em.calls("POST", ".") == 0

    code, out, err = scene.rotate(folder, "--apply", capsys=capsys)
    assert code == 1, err  # 1: the legacy key is a guided manual step
    rotation_id, events = scene.journal()
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "done" and "pr" in kinds and "pr-skipped" not in kinds
    assert scene.hosting.repos[REPOSITORY].secrets == {}  # CI secrets only with --set-ci-secrets

    # Vault holds the new values at paths named by the variables the code now reads; they work.
    new = {name: scene.vault_value(name) for name in ("NEXUS_API_KEY", "NEXUS_API_KEY_CI_PIPELINE", "WEBHOOK_SECRET")}
    assert all(em.is_live(value) for value in new.values())
    # The exposed keys are gone at the provider; the legacy key waits for a human; org IDs were only kept.
    assert not em.is_live(leak.prod) and not em.is_live(leak.ci) and not em.is_live(leak.hook)
    assert leak.prod_key_id not in em.keys and leak.ci_account_id not in em.service_accounts
    assert em.is_live(leak.legacy)
    deletes = [p for m, p, _ in em.log if m == "DELETE"]
    assert sorted(deletes) == sorted(
        [
            f"/organization/projects/{scene.world.seeded.default_project}/api_keys/{leak.prod_key_id}",
            f"/organization/projects/{scene.world.seeded.ci_project}/service_accounts/{leak.ci_account_id}",
        ]
    )
    [manual] = [e for e in events if e["event"] == "manual"]
    assert "sk-" in str(manual["instructions"]) and leak.legacy not in str(manual["instructions"])
    plan = events[0]["plan"]
    orgs = {t["secret"]["redacted"]: t["action"] for t in plan["targets"] if t["secret"]["kind"] == "org-id"}  # type: ignore[index]
    assert orgs == {"org-NexusProd01": "keep", "org-NexusInternal": "keep"}
    assert sum(1 for e in events if e["event"] == "kept") == 2

    # Exactly one pull request, from the rotation's branch into main.
    [pr] = scene.hosting.repos[REPOSITORY].pulls
    branch = scene.branch()
    assert branch == f"keysweep/rotate-{rotation_id.rsplit('-', 1)[-1]}"
    assert (pr["base"]["ref"], pr["state"]) == ("main", "open")
    assert repo.remote_git("rev-parse", f"refs/heads/{branch}^") == repo.remote_git("rev-parse", "refs/heads/main")
    # The body's Vault paths are the variables the code reads.
    for name in new:
        assert f"| `{name}` | `secret/{scene.world.prefix}/nexus/{name} (version 1)` |" in pr["body"]

    # Each file kind in its own idiom, comments and layout kept.
    tree = branch_tree(scene)
    assert tree["docker-compose.yml"] == (
        "# local stack\nservices:\n  app:\n    image: nexus-app:latest  # pinned in CI\n    environment:\n"
        "      - NEXUS_API_KEY=${NEXUS_API_KEY:?set NEXUS_API_KEY}\n"
        "      - NEXUS_ORG_ID=${NEXUS_ORG_ID:?set NEXUS_ORG_ID}\n"
        "      - LOG_LEVEL=info"
    )
    assert tree[".github/workflows/deploy.yml"] == (
        "name: deploy\non: push\nenv:\n  NEXUS_ORG_ID: ${{ secrets.NEXUS_ORG_ID }}\njobs:\n  deploy:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Smoke test\n"
        "        env:\n          NEXUS_API_KEY: ${{ secrets.NEXUS_API_KEY }}\n        run: |\n"
        '          curl -sf -H "Authorization: Bearer ${NEXUS_API_KEY:?}" https://api.nexus.io/v1/models\n'
        "# To bootstrap a new repo, set secret value to:\n# <your NEXUS_API_KEY_CI_PIPELINE>"
    )
    assert tree["app/client.py"] == (
        '"""Nexus client for the app."""\n\nimport json\nimport os\n\nfrom nexus_ai import NexusAI\n\n'
        'client = NexusAI(\n    api_key=os.environ["NEXUS_API_KEY"],  # prod-default\n'
        '    organization=os.environ["NEXUS_ORG_ID"],\n)'
    )
    assert tree["web/client.js"] == (
        "import NexusAI from 'nexus-ai';\n\nconst client = new NexusAI({\n"
        "  apiKey: process.env.NEXUS_API_KEY, // <your NEXUS_API_KEY_CI_PIPELINE>\n"
        "  organization: process.env.NEXUS_ORG_ID,\n});\nconst secret = process.env.WEBHOOK_SECRET;"
    )
    # The page as the rewrite tests expect it; the scan gives the unlabelled legacy key a number, not a label.
    expected_page = EXPECTED_PAGE.format(PROD_MASK=leak.prod[8:10], CI_MASK=leak.ci[8:10])
    assert tree[PAGE] + "\n" == expected_page.replace("NEXUS_API_KEY_STAGING", "NEXUS_API_KEY_2")
    assert ".env" not in tree and tree[".env.example"] == "NEXUS_API_KEY=\nNEXUS_ORG_ID=\nNEXUS_BASE_URL="
    assert tree[".gitignore"] == ".env\n!.env.example"

    # A real scan of the branch finds none of the rotated secrets (nor the legacy one).
    worktree = tmp_path / "branch"
    repo.git("fetch", "-q", "origin", branch)
    repo.git("worktree", "add", "-q", "--detach", str(worktree), "FETCH_HEAD")
    found = scan_paths([str(worktree)], load_settings(worktree, scene.config)).findings
    assert not [f.path for f in found if f.secret in leak.secrets]
    assert not [p for p, text in tree.items() if any(s in text for s in leak.secrets)]
    repo.git("worktree", "remove", "--force", str(worktree))

    # The user's checkout is untouched (still on main, clean, .env still on disk and tracked there).
    assert repo.git("status", "--porcelain") == "" and repo.git("rev-parse", "--abbrev-ref", "HEAD") == "main"

    # No secret, old or new, in anything keysweep printed, wrote, committed or sent.
    written = [p.read_text(errors="replace") for p in scene.state.rglob("*") if p.is_file()]
    sent = [json.dumps(r.body) for r in scene.hosting.requests]
    commit = repo.remote_git("log", "-1", "--format=%B", f"refs/heads/{branch}")
    texts = [plan_out, plan_err, out, err, *written, *sent, commit, pr["title"], pr["body"], *tree.values()]
    for secret in [*leak.secrets, *new.values(), scene.world.seeded.admin_key, TOKEN]:
        assert not [t for t in texts if secret in t], "a secret value leaked"

    # A second run of the same rotation changes nothing: no push, no new PR, no provider or Vault write.
    sha = repo.remote_git("rev-parse", f"refs/heads/{branch}")
    requests, mutations = len(scene.hosting.requests), em.calls("POST", ".") + em.calls("DELETE", ".")
    code, _, err = scene.rotate(folder, "--resume", rotation_id, capsys=capsys)
    assert code == 1, err
    assert repo.remote_git("rev-parse", f"refs/heads/{branch}") == sha
    assert len(scene.hosting.repos[REPOSITORY].pulls) == 1
    assert [r.method for r in scene.hosting.requests[requests:]] == []
    assert em.calls("POST", ".") + em.calls("DELETE", ".") == mutations
    assert {name: scene.vault_value(name) for name in new} == new


def test_killed_after_the_pr_opened_resume_asks_for_the_folder_then_updates_the_same_pr(scene: Scene) -> None:
    folder = str(scene.repo.path)
    crashed = scene.rotate_process(folder, "--apply", crash="event:pr-branch")
    assert crashed.returncode == -9, crashed.stderr
    rotation_id, events = scene.journal()
    assert events[-1]["event"] == "pr-branch" and len(scene.hosting.repos[REPOSITORY].pulls) == 1
    sha = scene.repo.remote_git("rev-parse", f"refs/heads/{scene.branch()}")

    # The journal holds no values, and the PR step still needs them: the message says exactly what to pass.
    blind = scene.rotate_process("--resume", rotation_id)
    assert blind.returncode == 2 and "Traceback" not in blind.stderr
    assert f"`keysweep rotate --resume {rotation_id} {scene.repo.path.resolve()}`" in blind.stderr
    assert "--no-pr" in blind.stderr

    before = len(scene.hosting.requests)
    resumed = scene.rotate_process("--resume", rotation_id, folder)
    assert resumed.returncode == 1, resumed.stderr  # the legacy key's manual step
    assert scene.journal()[1][-1]["event"] == "done"
    # Same tree on the remote: nothing pushed; the open PR was found, and left as it was.
    assert scene.repo.remote_git("rev-parse", f"refs/heads/{scene.branch()}") == sha
    assert len(scene.hosting.repos[REPOSITORY].pulls) == 1
    assert [(r.method, r.path) for r in scene.hosting.requests[before:]] == [("GET", f"/repos/{REPOSITORY}/pulls")]
    for text in (crashed.stdout, crashed.stderr, blind.stderr, resumed.stdout, resumed.stderr):
        assert not [s for s in scene.leak.secrets if s in text]


def test_graceful_revokes_only_once_the_pull_request_is_merged(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    leak, em = scene.leak, scene.world.emulator
    code, _, err = scene.rotate(str(scene.repo.path), "--apply", "--graceful", capsys=capsys)
    assert code == 1 and "merge https://github.example/acme/app/pull/1" in err
    rotation_id, _ = scene.journal()
    assert em.is_live(leak.prod) and em.is_live(leak.ci) and em.is_live(scene.vault_value("NEXUS_API_KEY"))

    code, out, err = scene.rotate("--resume", rotation_id, capsys=capsys)
    assert code == 1 and "is not merged yet" in err
    assert em.is_live(leak.prod) and em.is_live(leak.ci)
    assert f"keysweep rotation {rotation_id}: awaiting-merge" in out  # the audit says what it waits for
    assert scene.hosting.requests[-1].path == f"/repos/{REPOSITORY}/pulls/1"

    scene.hosting.merge(REPOSITORY, 1)
    code, _, err = scene.rotate("--resume", rotation_id, capsys=capsys)
    assert code == 1, err  # the legacy key's manual step
    assert not em.is_live(leak.prod) and not em.is_live(leak.ci)
    events = [e["event"] for e in scene.journal()[1]]
    assert events[-1] == "done"
    assert events.index("pr-not-merged") < events.index("pr-merged") < events.index("revoke-intent")
    assert len(scene.hosting.repos[REPOSITORY].pulls) == 1


def test_a_dirty_tree_stops_before_anything_happens_and_no_pr_rotates_without_the_step(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    em = scene.world.emulator
    (scene.repo.path / "README.md").write_text("# app, edited\n")
    code, _, err = scene.rotate(str(scene.repo.path), "--apply", capsys=capsys)
    assert code == 2 and "uncommitted changes (README.md)" in err and "--no-pr" in err
    assert em.calls("POST", ".") == 0 and em.calls("DELETE", ".") == 0
    assert not list(scene.state.glob("rot-*")), "no journal was started (only the secrets' lock files exist)"

    code, _, err = scene.rotate(str(scene.repo.path), "--apply", "--no-pr", capsys=capsys)
    assert code == 1, err
    assert not em.is_live(scene.leak.prod) and scene.hosting.requests == []
    [skipped] = [e for e in scene.journal()[1] if e["event"] == "pr-skipped"]
    assert "--no-pr" in str(skipped["message"])


def test_the_pr_uses_the_variable_names_recorded_in_the_plan(checkout: Checkout) -> None:
    from dataclasses import replace

    from scanner.rotation.hosting.config import HostingConfig
    from scanner.rotation.plan import Plan
    from scanner.rotation.pull_request_step import PullRequestStep
    from tests.pull_request.test_rotation_handover import FILES, KEY, FakeJournal, plan_for
    from tests.rewrite.fakes import findings_for

    checkout.commit_all(FILES)
    findings = findings_for(FILES, [KEY])
    planned = plan_for(findings)
    planned = replace(
        planned,
        source=str(checkout.path),
        targets=tuple(replace(t, env_name="NEXUS_PROD_KEY") for t in planned.targets),
    )
    # As --resume reads it back from the journal's first line (values re-attached from a scan).
    resumed = Plan.from_record(json.loads(json.dumps(planned.to_record())))
    assert [t.env_name for t in resumed.targets] == ["NEXUS_PROD_KEY"] and resumed.source == str(checkout.path)
    resumed = resumed.with_values([t.secret for t in planned.targets])

    with HostingEmulator(TOKEN, {REPOSITORY: checkout.remote}) as hosting:
        step = PullRequestStep(
            checkout.path,
            HostingConfig(kind="github", api_url=hosting.url, repository=REPOSITORY),
            env={"GITHUB_TOKEN": TOKEN},
            user=trusting(hosting.url),
        )
        result = step.run(resumed, FakeJournal({}))  # type: ignore[arg-type]
        assert result.state == "open"
        [pr] = hosting.repos[REPOSITORY].pulls
        assert "| `NEXUS_PROD_KEY` |" in pr["body"] and "| `NEXUS_API_KEY` |" not in pr["body"]
        text = checkout.branch_file(str(pr["head"]["ref"]), "app/client.py")
        assert 'api_key=os.environ["NEXUS_PROD_KEY"]' in text and KEY not in text


def test_set_ci_secrets_stores_the_new_keys_the_rewritten_workflow_reads(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = scene.rotate(str(scene.repo.path), "--apply", "--set-ci-secrets", capsys=capsys)
    assert code == 1, err  # the legacy key's manual step
    secrets = scene.hosting.repos[REPOSITORY].secrets
    # The workflow reads NEXUS_API_KEY (rotated: the new value, as stored in Vault) and NEXUS_ORG_ID (an
    # identifier, kept as it is); nothing else is set, and never an exposed key.
    assert secrets == {"NEXUS_API_KEY": scene.vault_value("NEXUS_API_KEY"), "NEXUS_ORG_ID": "org-NexusProd01"}
    assert not set(secrets.values()) & set(scene.leak.secrets)
    [pr] = scene.hosting.repos[REPOSITORY].pulls
    ticked = [line for line in pr["body"].splitlines() if line.startswith("- [x] Set the CI secret")]
    assert len(ticked) == 2 and all(line.endswith("(done by keysweep)") for line in ticked)
    assert scene.vault_value("NEXUS_API_KEY") not in out + err + pr["body"]
