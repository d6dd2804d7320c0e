"""Rotation status comes from the journals in the state folder: written with the journal API here, and produced
by a real rotation against the provider emulator and OpenBao (slow)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from scanner.config import Settings
from scanner.findings import Finding, secret_id
from scanner.incident import markdown
from scanner.incident.build import ReportRequest, build_report
from scanner.incident.inputs import parse_scan_document
from scanner.incident.model import IncidentReport, SecretReport, Urgency
from scanner.rotation.events import (
    AwaitingRevoke,
    Done,
    EventData,
    Manual,
    Minted,
    MintIntent,
    OldDead,
    Planned,
    PrBranch,
    PrNotMerged,
    PrOpened,
    PrSkipped,
    Revoked,
    RevokeIntent,
    Run,
    Stored,
    StoreIntent,
    Verified,
)
from scanner.rotation.exposed import group_findings
from scanner.rotation.journal import Journal
from scanner.rotation.plan import Action, Plan, Target
from scanner.scan import scan_target
from scanner.sources.targets import in_repository
from tests.incident.conftest import GENERATED_AT
from tests.incident.history import Repo, fake_key
from tests.rotation.conftest import World, run_rotation
from tests.rotation.seed import LEGACY_STAGING, ORG_PROD, PROD_DEFAULT, WEBHOOK, seed_findings

KEY = fake_key(7)
ROTATION = "rot-20240301T100000Z-a1b2c3"
PR_URL = "https://github.example/acme/app/pull/4"


@pytest.fixture
def leaked(make_repo: Callable[[str], Repo]) -> tuple[Repo, list[Finding]]:
    repo = make_repo("app")
    repo.commit("config", {"config/app.env": f"NEXUS_API_KEY={KEY}\n"})
    settings = Settings(reveal=True)
    return repo, scan_target(in_repository(repo.path, settings, history=True), settings).findings


def journal(state: Path, findings: Sequence[Finding], events: Sequence[EventData], rotation: str = ROTATION) -> Path:
    """A journal as `keysweep rotate --apply` writes it: the plan, then `events` about the key."""
    [exposed] = group_findings(findings)
    target = Target(
        exposed, Action.ROTATE_KEY, provider="nexus", key_id="key_old", vault_mount="secret",
        vault_path="keysweep/nexus/NEXUS_API_KEY", env_name="NEXUS_API_KEY",
    )  # fmt: skip
    plan = Plan(rotation, "2024-03-01T10:00:00+00:00", True, (target,))
    j = Journal.create(state, rotation)
    try:
        j.append(Planned(plan=plan.to_record()))
        for data in events:
            j.append(
                data,
                None
                if isinstance(data, Run | PrBranch | PrOpened | PrSkipped | AwaitingRevoke | PrNotMerged | Done)
                else exposed.secret_id,
            )
    finally:
        j.close()
    return j.path


def report(repo: Repo, findings: Sequence[Finding], state: Path) -> tuple[IncidentReport, SecretReport]:
    rows = [f.to_dict(reveal=True) for f in findings]
    scan = parse_scan_document({"version": 1, "findings": rows, "summary": {}})
    built = build_report(scan, ReportRequest("app", repository=repo.path, state_dir=state, generated_at=GENERATED_AT))
    [secret] = built.keys
    return built, secret


SECURED: list[EventData] = [
    Run(resumed=False, graceful=True),
    MintIntent(project_id="proj_1", name="keysweep-a1b2c3-x"),
    Minted(service_account_id="sa_new", key_id="key_new"),
    StoreIntent(mount="secret", path="keysweep/nexus/NEXUS_API_KEY", cas=2),
    Stored(mount="secret", path="keysweep/nexus/NEXUS_API_KEY", version=3, key_id="key_new"),
    Verified(vault_version=3, key_id="key_new", liveness="live"),
]


def test_a_graceful_rotation_waiting_for_its_pull_request_says_merge_it(
    leaked: tuple[Repo, list[Finding]], tmp_path: Path
) -> None:
    repo, findings = leaked
    journal(tmp_path / "state", findings, [
        *SECURED,
        PrBranch(branch="keysweep/rotate-a1b2c3", base="main", pr_number=4, pr_url=PR_URL, pushed=True),
        PrOpened(url=PR_URL),
        AwaitingRevoke(message="deploy, then resume"),
        Run(resumed=True, graceful=True),
        PrNotMerged(url=PR_URL, state="open", message="pull request #4 is not merged yet"),
    ])  # fmt: skip
    built, secret = report(repo, findings, tmp_path / "state")

    [rotation] = secret.rotations
    assert (rotation.status, rotation.minted_key_id) == ("awaiting-merge", "key_new")
    assert (rotation.vault_path, rotation.vault_version, rotation.verified, rotation.revoked) == (
        "secret/keysweep/nexus/NEXUS_API_KEY", 3, True, False,
    )  # fmt: skip
    assert rotation.pull_request is not None
    assert (rotation.pull_request.number, rotation.pull_request.url, rotation.pull_request.state) == (4, PR_URL, "open")
    assert secret.next_action.urgency is Urgency.NOW
    assert "PR #4 open" in secret.next_action.text and f"--resume {ROTATION}" in secret.next_action.text
    text = markdown.render(built)
    for needle in ("stored: Vault secret/keysweep/nexus/NEXUS_API_KEY version 3", "minted: new key key_new", PR_URL):
        assert needle in text
    assert built.rotations_read == 1


def test_a_rotation_that_stopped_after_the_mint_says_resume_it(
    leaked: tuple[Repo, list[Finding]], tmp_path: Path
) -> None:
    repo, findings = leaked
    path = journal(tmp_path / "state", findings, SECURED[:3])
    with path.open("a") as torn:
        torn.write('{"seq": 9, "event": "stor')  # the process died mid-line
    _, secret = report(repo, findings, tmp_path / "state")

    [rotation] = secret.rotations
    assert (rotation.status, rotation.state, rotation.minted_key_id) == ("incomplete", "minted", "key_new")
    assert f"stopped at `minted`: continue it with `keysweep rotate --resume {ROTATION} .`" in secret.next_action.text


def test_a_finished_rotation_of_a_key_still_reachable_from_a_tag_suggests_a_history_purge(
    leaked: tuple[Repo, list[Finding]], tmp_path: Path
) -> None:
    repo, findings = leaked
    repo.tag("v1.2")
    repo.commit("drop the literal", {"config/app.env": "NEXUS_API_KEY=${NEXUS_API_KEY}\n"})
    journal(tmp_path / "state", findings, [
        *SECURED,
        RevokeIntent(how="delete-key", object_id="key_old"),
        Revoked(object_id="key_old"),
        OldDead(confirmed_by="401 from GET /models"),
        PrSkipped(message="skipped with --no-pr"),
        Done(),
    ])  # fmt: skip
    _, secret = report(repo, findings, tmp_path / "state")

    assert secret.liveness.status == "revoked" and ROTATION in secret.liveness.source
    assert secret.next_action.urgency is Urgency.CONSIDER
    assert secret.next_action.text.startswith("Revoked but still reachable from tag v1.2")
    assert [e.what for e in secret.rotations[0].events][-4:] == ["revoke-intent", "revoked", "old-dead", "done"]


def test_an_audit_without_its_journal_is_read_too(leaked: tuple[Repo, list[Finding]], tmp_path: Path) -> None:
    repo, findings = leaked
    state = tmp_path / "state"
    path = journal(state, findings, [*SECURED, Manual(instructions=("1. roll it by hand",))])
    from scanner.rotation.audit import summarize, write_audit
    from scanner.rotation.journal import read_entries

    entries = list(read_entries(path))
    first = entries[0].data
    assert isinstance(first, Planned)
    write_audit(state, summarize(Plan.from_record(first.plan), entries))
    path.unlink()
    _, secret = report(repo, findings, state)

    [rotation] = secret.rotations
    assert (rotation.rotation_id, rotation.minted_key_id, rotation.vault_version) == (ROTATION, "key_new", 3)
    assert rotation.manual_steps == ("1. roll it by hand",)


@pytest.mark.slow
def test_a_real_rotation_against_the_emulators_shows_in_the_report(world: World) -> None:
    findings = seed_findings()
    plan, outcome, _events = run_rotation(world, findings)
    assert outcome.status == "done"
    rows = [f.to_dict(reveal=True) for f in findings]
    scan = parse_scan_document({"version": 1, "findings": rows, "summary": {}})
    built = build_report(
        scan, ReportRequest("docs", target="docs", state_dir=world.state_dir, generated_at=GENERATED_AT)
    )
    by_id = {s.secret_id: s for s in built.secrets}

    prod = by_id[secret_id(PROD_DEFAULT)]
    [rotation] = prod.rotations
    stored = world.store.read("secret", f"{world.prefix}/nexus/NEXUS_API_KEY")
    assert stored is not None
    assert (rotation.rotation_id, rotation.status, rotation.action) == (plan.rotation_id, "done", "rotate-key")
    assert rotation.minted_key_id == stored.data["key_id"]
    vault_path = f"secret/{world.prefix}/nexus/NEXUS_API_KEY"
    assert (rotation.vault_path, rotation.vault_version) == (vault_path, stored.version)
    assert rotation.verified and rotation.revoked and rotation.old_key_dead
    assert prod.liveness.status == "revoked"
    assert prod.next_action.urgency is Urgency.SOON and "keysweep fix docs --pr" in prod.next_action.text
    legacy = by_id[secret_id(LEGACY_STAGING)]
    assert legacy.next_action.urgency is Urgency.NOW and "Manual steps outstanding" in legacy.next_action.text
    assert any("legacy" in step for step in legacy.next_action.more)
    hook = by_id[secret_id(WEBHOOK)]
    assert hook.rotations[0].action == "rotate-webhook" and hook.next_action.urgency is Urgency.SOON
    assert by_id[secret_id(ORG_PROD)].identifier
    text = markdown.render(built)
    assert PROD_DEFAULT not in text and LEGACY_STAGING not in text and WEBHOOK not in text
    assert f"`{plan.rotation_id}`: done" in text
