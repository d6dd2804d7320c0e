"""Rotation's RemediationStep: the plan's targets (values re-attached) become one PR naming Vault versions."""

from __future__ import annotations

from scanner.rotation.events import EventData, PrBranch, Stored
from scanner.rotation.exposed import group_findings
from scanner.rotation.hosting.config import HostingConfig
from scanner.rotation.plan import Action, Plan, Target
from scanner.rotation.pull_request_step import PullRequestStep
from tests.pull_request.conftest import REPOSITORY, TOKEN, trusting
from tests.rewrite.fakes import findings_for, org_id, project_key

KEY = project_key(41)
ORG = org_id()
FILES = {"app/client.py": f'client = Client(api_key="{KEY}", organization="{ORG}")\n'}


class FakeJournal:
    """The two Journal methods the step uses."""

    def __init__(self, stored: dict[str, Stored]) -> None:
        self.stored = stored
        self.events: list[EventData] = []

    def last(self, kind: type[EventData], target: str | None = None) -> EventData | None:
        return self.stored.get(target or "") if kind is Stored else None

    def append(self, data: EventData, target: str | None = None) -> None:
        self.events.append(data)


def plan_for(findings) -> Plan:  # type: ignore[no-untyped-def]
    exposed = group_findings(findings)
    targets = tuple(
        Target(
            secret=e,
            action=Action.KEEP if e.identifier else Action.ROTATE_KEY,
            vault_mount=None if e.identifier else "secret",
            vault_path=None if e.identifier else "keysweep/nexus/NEXUS_API_KEY",
        )
        for e in exposed
    )
    return Plan(rotation_id="rot-20250102T030405Z-d4e5f6", created_at="2025-01-02T03:04:05Z", graceful=False,
                targets=targets)  # fmt: skip


def test_the_plan_carries_the_scans_own_findings_to_the_pr_step():
    findings = findings_for(FILES, [KEY, ORG])
    carried = [f for t in plan_for(findings).targets for f in t.secret.tree_findings]
    assert sorted(carried, key=lambda f: f.secret_id) == sorted(findings, key=lambda f: f.secret_id)
    assert all(c is f for c, f in zip(sorted(carried, key=id), sorted(findings, key=id), strict=True))


def test_step_opens_the_pr_and_journals_branch_and_commit_without_values(checkout, emulator):
    checkout.commit_all(FILES)
    findings = findings_for(FILES, [KEY, ORG])
    plan = plan_for(findings)
    key_id = next(f.secret_id for f in findings if f.secret == KEY)
    journal = FakeJournal({key_id: Stored(mount="secret", path="keysweep/nexus/NEXUS_API_KEY", version=7)})
    step = PullRequestStep(
        checkout.path,
        HostingConfig(kind="github", api_url=emulator.url, repository=REPOSITORY),
        env={"GITHUB_TOKEN": TOKEN},
        user=trusting(emulator.url),
    )
    result = step.run(plan, journal)  # type: ignore[arg-type]
    [pr] = emulator.repos[REPOSITORY].pulls
    assert result.url == pr["html_url"] and not result.merged
    assert pr["head"]["ref"] == "keysweep/rotate-d4e5f6"
    assert "`secret/keysweep/nexus/NEXUS_API_KEY (version 7)`" in pr["body"]
    [branch] = journal.events
    assert isinstance(branch, PrBranch) and branch.branch == "keysweep/rotate-d4e5f6"
    assert branch.commit == checkout.remote_git("rev-parse", "refs/heads/keysweep/rotate-d4e5f6")
    assert KEY not in repr(journal.events)
    assert checkout.branch_file("keysweep/rotate-d4e5f6", "app/client.py") == (
        'import os\nclient = Client(api_key=os.environ["NEXUS_API_KEY"], organization=os.environ["NEXUS_ORG_ID"])'
    )
