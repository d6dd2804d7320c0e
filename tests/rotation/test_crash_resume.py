"""SIGKILL the process after every step and every external call, resume, check the end state."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from scanner.findings import secret_id
from scanner.rotation.journal import CrashHook
from scanner.rotation.plan import service_account_name
from tests.rotation.conftest import World, run_rotation
from tests.rotation.seed import CI_PIPELINE, PROD_DEFAULT, WEBHOOK, seed_findings, write_report
from tests.rotation.test_cli import keysweep

pytestmark = pytest.mark.slow

EVENTS = [
    "plan",
    "run",
    "mint-intent",
    "minted",
    "store-intent",
    "stored",
    "verified",
    "webhook-rotate-intent",
    "webhook-rotated",
    "manual",
    "kept",
    "revoke-intent",
    "revoked",
    "old-dead",
    "pr-skipped",
    "done",
]
CALLS = ["mint", "vault-write", "verify-live", "webhook-rotate", "revoke", "old-dead-poll"]
POINTS = [f"event:{e}" for e in EVENTS] + [f"call:{c}" for c in CALLS]
SECOND_KEY = ["call:mint@2", "event:minted@2", "call:vault-write@2", "call:revoke@2", "event:revoked@2"]
LOSES_THE_MINTED_VALUE = {"call:mint", "event:minted", "event:store-intent", "call:mint@2", "event:minted@2"}


def test_the_crash_point_list_covers_every_point_a_rotation_passes(world: World) -> None:
    hook = CrashHook()
    run_rotation(world, seed_findings(), crash=hook)
    assert set(hook.hits) == set(POINTS)
    assert all(hook.hits[p.partition("@")[0]] >= 2 for p in SECOND_KEY)


def assert_end_state(world: World, state: Path) -> None:
    em = world.emulator
    [journal] = state.glob("rot-*.jsonl")
    rotation_id = journal.stem
    events = [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]
    assert events[-1]["event"] == "done"
    managed = [sa for sa in em.service_accounts.values() if sa["name"].startswith("keysweep-")]
    assert len(managed) == 2, "exactly one new service account per rotated key, no orphan left"
    for old, name in ((PROD_DEFAULT, "NEXUS_API_KEY"), (CI_PIPELINE, "NEXUS_API_KEY_CI_PIPELINE")):
        [account] = em.accounts_named(service_account_name(rotation_id, secret_id(old)))
        [key] = em.keys_of(account["id"])
        stored = world.store.read("secret", f"{world.prefix}/nexus/{name}")
        assert stored is not None and stored.data["value"] == key.value and em.is_live(key.value)
        assert stored.data["rotation_id"] == rotation_id
        assert not em.is_live(old)
        sid = secret_id(old)
        assert {"verified", "revoked", "old-dead"} <= {e["event"] for e in events if e["target"] == sid}
    hook = world.store.read("secret", f"{world.prefix}/nexus/NEXUS_WEBHOOK_SECRET")
    assert hook is not None and hook.data["value"] == em.webhooks[world.seeded.webhook_id]["secret"]
    assert not em.is_live(WEBHOOK)
    text = journal.read_text()
    for value in (PROD_DEFAULT, CI_PIPELINE, WEBHOOK, hook.data["value"]):
        assert value not in text


@pytest.mark.parametrize("point", POINTS + SECOND_KEY)
def test_killed_after_any_point_a_resume_finishes_with_one_live_new_key_in_vault_and_old_keys_dead(
    world: World, tmp_path: Path, point: str
) -> None:
    report = write_report(tmp_path / "report.json", seed_findings())
    config = tmp_path / "pyproject.toml"
    config.write_text(world.config_toml())
    state = tmp_path / "state"
    common = ["--report", str(report), "--config", str(config), "--state-dir", str(state)]

    crashed = keysweep(world, *common, "--apply", crash=point, cwd=tmp_path)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    [journal] = state.glob("rot-*.jsonl")
    if point in LOSES_THE_MINTED_VALUE:
        assert (
            len(
                world.emulator.accounts_named(
                    service_account_name(journal.stem, secret_id(PROD_DEFAULT if "@2" not in point else CI_PIPELINE))
                )
            )
            == 1
        ), "the killed run did mint"

    # Running --apply again (the 2 a.m. reflex) never starts a second rotation: it names the --resume command,
    # whatever point the first one died at (after a webhook secret was rotated, all verified, revoke sent, …).
    mints = world.emulator.calls("POST", "service_accounts$")
    again = keysweep(world, *common, "--apply", cwd=tmp_path)
    assert again.returncode == 2, again.stderr
    assert f"keysweep rotate --resume {journal.stem}" in again.stderr and "Traceback" not in again.stderr
    assert world.emulator.calls("POST", "service_accounts$") == mints, "nothing minted twice"
    assert [p.name for p in state.glob("rot-*.jsonl")] == [journal.name], "no second rotation started"

    resumed = keysweep(world, *common[:2], *common[4:], "--resume", journal.stem, cwd=tmp_path)
    assert resumed.returncode == 1, resumed.stderr  # 1: the legacy key is a manual step
    assert_end_state(world, state)
    events = [json.loads(line)["event"] for line in journal.read_text().splitlines()]
    if point in LOSES_THE_MINTED_VALUE:
        assert "orphan-revoked" in events, "a minted key whose value never reached Vault is revoked, not kept"
    else:
        assert "orphan-revoked" not in events
    assert world.emulator.calls("POST", "service_accounts$") == 2 + (point in LOSES_THE_MINTED_VALUE)
