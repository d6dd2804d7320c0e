"""Plan and apply against the provider emulator and a real OpenBao: the end states the issue asks for."""

from __future__ import annotations

import pytest

from scanner.findings import secret_id
from scanner.rotation.exposed import group_findings
from scanner.rotation.plan import Action, new_rotation_id, service_account_name
from tests.rotation.conftest import World, make_planner, run_rotation
from tests.rotation.seed import CI_PIPELINE, LEGACY_STAGING, ORG_PROD, PROD_DEFAULT, WEBHOOK, seed_findings

pytestmark = pytest.mark.slow


def test_plan_changes_nothing_and_names_every_secret_step_and_vault_path(world: World) -> None:
    from scanner.rotation.render import describe_plan

    planner, _ = make_planner(world)
    plan = planner.plan(group_findings(seed_findings()), rotation_id=new_rotation_id())
    text = describe_plan(plan, {"nexus": world.base_url}, state_dir="/state")

    assert world.emulator.calls("POST", ".") == 0 and world.emulator.calls("DELETE", ".") == 0
    by_id = {t.secret_id: t for t in plan.targets}
    prod = by_id[secret_id(PROD_DEFAULT)]
    assert (prod.action, prod.key_id, prod.org) == (Action.ROTATE_KEY, world.seeded.prod_key_id, ORG_PROD)
    assert len(prod.secret.occurrences) == 5 and prod.liveness == "live"
    ci = by_id[secret_id(CI_PIPELINE)]
    assert ci.old_service_account_id == world.seeded.ci_sa_id
    assert ci.collateral == (world.seeded.ci_backup_key_id,)
    assert by_id[secret_id(WEBHOOK)].key_id == world.seeded.webhook_id
    assert by_id[secret_id(LEGACY_STAGING)].action is Action.MANUAL
    assert by_id[secret_id(ORG_PROD)].action is Action.KEEP
    for needle in (
        f"DELETE /organization/projects/{world.seeded.default_project}/api_keys/{world.seeded.prod_key_id}",
        f"also dies with it: {world.seeded.ci_backup_key_id}",
        f"secret/{world.prefix}/nexus/NEXUS_API_KEY (",  # one variable per secret names its Vault path
        f"secret/{world.prefix}/nexus/NEXUS_API_KEY_CI_PIPELINE (",
        "rotate_secret",
        "legacy user key",
        "never revoked",
        service_account_name(plan.rotation_id, prod.secret_id),
    ):
        assert needle in text
    assert PROD_DEFAULT not in text and CI_PIPELINE not in text and WEBHOOK not in text


def test_apply_leaves_new_keys_in_vault_old_keys_dead_webhook_rotated_and_org_ids_untouched(
    world: World,
) -> None:
    em = world.emulator
    plan, outcome, events = run_rotation(world, seed_findings())

    assert outcome.status == "done" and outcome.manual_steps == 1
    assert [e["event"] for e in events][-1] == "done"
    for old, name in ((PROD_DEFAULT, "NEXUS_API_KEY"), (CI_PIPELINE, "NEXUS_API_KEY_CI_PIPELINE")):
        stored = world.store.read("secret", f"{world.prefix}/nexus/{name}")
        assert stored is not None
        assert stored.data["old_fingerprint"] == secret_id(old)
        assert stored.data["rotation_id"] == plan.rotation_id
        assert stored.custom_metadata["managed-by"] == "keysweep"
        assert em.is_live(stored.data["value"]), "the stored replacement works"
        assert not em.is_live(old), "the exposed key is revoked"
        accounts = em.accounts_named(service_account_name(plan.rotation_id, secret_id(old)))
        assert len(accounts) == 1 and em.keys_of(accounts[0]["id"])[0].value == stored.data["value"]
    assert world.seeded.ci_backup_key_id not in em.keys, "the planned collateral died with its service account"
    assert world.seeded.lookalike_key_id in em.keys, "a key sharing the visible prefix is untouched"
    hook = world.store.read("secret", f"{world.prefix}/nexus/NEXUS_WEBHOOK_SECRET")
    assert hook is not None and hook.data["value"] == em.webhooks[world.seeded.webhook_id]["secret"]
    assert not em.is_live(WEBHOOK)
    assert em.is_live(LEGACY_STAGING), "a legacy key is a manual step, never touched"
    manual = [e for e in events if e["event"] == "manual"]
    assert len(manual) == 1 and "legacy" in manual[0]["instructions"][0]
    kept = {e["target"] for e in events if e["event"] == "kept"}
    assert secret_id(ORG_PROD) in kept
    assert em.calls("POST", "service_accounts$") == 2, "one mint per rotated key"
