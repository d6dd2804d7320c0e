"""Rotation's RemediationStep: the plan's targets (values re-attached) become one PR naming Vault versions."""

from __future__ import annotations

from typing import Any

from scanner.rotation.exposed import group_findings
from scanner.rotation.plan import Action, Plan, Target
from scanner.rotation.pull_request import HostingConfig
from scanner.rotation.remediate import PullRequestStep, findings_from_plan
from tests.pull_request.conftest import REPOSITORY, TOKEN
from tests.rewrite.fakes import findings_for, org_id, project_key

KEY = project_key(41)
ORG = org_id()
FILES = {"app/client.py": f'client = Client(api_key="{KEY}", organization="{ORG}")\n'}


class FakeJournal:
    """The two Journal methods the step uses."""

    def __init__(self, stored: dict[str, dict[str, Any]]) -> None:
        self.stored = stored
        self.events: list[tuple[str, dict[str, Any]]] = []

    def last(self, event: str, target: str | None = None) -> dict[str, Any] | None:
        return self.stored.get(target or "") if event == "stored" else None

    def append(self, event: str, target: str | None = None, **fields: Any) -> dict[str, Any]:
        self.events.append((event, fields))
        return fields


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


def test_findings_rebuilt_from_the_plan_match_the_scan():
    findings = findings_for(FILES, [KEY, ORG])
    rebuilt = findings_from_plan(plan_for(findings))
    key = lambda f: (f.path, f.line, f.column, f.end_column, f.secret_id, f.rule_id)  # noqa: E731
    assert sorted(map(key, rebuilt)) == sorted(map(key, findings))


def test_step_opens_the_pr_and_journals_branch_and_commit_without_values(checkout, emulator):
    checkout.commit_all(FILES)
    findings = findings_for(FILES, [KEY, ORG])
    plan = plan_for(findings)
    key_id = next(f.secret_id for f in findings if f.secret == KEY)
    journal = FakeJournal({key_id: {"mount": "secret", "path": "keysweep/nexus/NEXUS_API_KEY", "version": 7}})
    step = PullRequestStep(
        checkout.path,
        HostingConfig(kind="github", api_url=emulator.url, repository=REPOSITORY),
        env={"GITHUB_TOKEN": TOKEN},
    )
    result = step.run(plan, journal)  # type: ignore[arg-type]
    [pr] = emulator.repos[REPOSITORY].pulls
    assert result.url == pr["html_url"] and not result.merged
    assert pr["head"]["ref"] == "keysweep/rotate-d4e5f6"
    assert "`secret/keysweep/nexus/NEXUS_API_KEY (version 7)`" in pr["body"]
    [(event, fields)] = journal.events
    assert event == "pr-branch" and fields["branch"] == "keysweep/rotate-d4e5f6"
    assert fields["commit"] == checkout.remote_git("rev-parse", "refs/heads/keysweep/rotate-d4e5f6")
    assert KEY not in repr(journal.events)
    assert checkout.branch_file("keysweep/rotate-d4e5f6", "app/client.py") == (
        'import os\nclient = Client(api_key=os.environ["NEXUS_API_KEY"], organization=os.environ["NEXUS_ORG_ID"])'
    )
