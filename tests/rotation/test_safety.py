"""What rotation refuses to do, and how it recovers: orphans, ambiguity, graceful order, Vault failures."""

from __future__ import annotations

import subprocess
from pathlib import Path

import hvac
import pytest

from scanner.errors import AmbiguousKeyError, ConfigError, RotationError, VaultConflictError, VaultError
from scanner.findings import secret_id
from scanner.rotation.apply import Rotator
from scanner.rotation.config import parse_rotation_config
from scanner.rotation.events import Kept, Revoked
from scanner.rotation.exposed import group_findings
from scanner.rotation.journal import Journal
from scanner.rotation.plan import Plan, new_rotation_id, service_account_name
from scanner.rotation.pull_request_step import PrResult
from scanner.rotation.vault import VaultSecretStore
from tests.emulators.provider import fake_key
from tests.rotation.conftest import World, make_planner, run_rotation, start_bao
from tests.rotation.seed import CI_PIPELINE, PROD_DEFAULT, WEBHOOK, seed_findings

pytestmark = pytest.mark.slow


def only(*values: str):  # type: ignore[no-untyped-def]
    return [f for f in seed_findings() if f.secret in values or f.identifier]


def test_a_mint_that_failed_after_the_provider_acted_leaves_no_orphan(world: World) -> None:
    world.emulator.fail("POST", "service_accounts$", 502, after_effect=True)
    plan, outcome, events = run_rotation(world, only(PROD_DEFAULT))
    assert outcome.status == "done"
    names = [e["event"] for e in events]
    assert "mint-failed" in names and "orphan-revoked" in names
    [account] = world.emulator.accounts_named(service_account_name(plan.rotation_id, secret_id(PROD_DEFAULT)))
    stored = world.vault_read("NEXUS_API_KEY")
    assert stored is not None and stored["service_account_id"] == account["id"]


def test_two_keys_matching_the_redacted_value_stop_the_plan_until_a_key_id_is_given(world: World) -> None:
    em = world.emulator
    twin = em.add_user_key(
        world.seeded.default_project, "twin", PROD_DEFAULT[:10] + fake_key("", 30) + PROD_DEFAULT[-4:]
    )
    with pytest.raises(AmbiguousKeyError, match=f"--key-id {secret_id(PROD_DEFAULT)[:8]}=") as caught:
        run_rotation(world, only(PROD_DEFAULT))
    assert twin in str(caught.value) and world.seeded.prod_key_id in str(caught.value)
    assert em.calls("POST", ".") == 0

    _, outcome, _ = run_rotation(
        world, only(PROD_DEFAULT), key_ids={secret_id(PROD_DEFAULT)[:8]: world.seeded.prod_key_id}
    )
    assert outcome.status == "done" and twin in em.keys and not em.is_live(PROD_DEFAULT)


def test_graceful_keeps_the_old_key_alive_until_resume(world: World) -> None:
    plan, outcome, _ = run_rotation(world, only(PROD_DEFAULT), graceful=True)
    assert outcome.status == "awaiting-revoke"
    assert world.emulator.is_live(PROD_DEFAULT)
    assert world.vault_read("NEXUS_API_KEY") is not None

    journal = Journal.open(world.state_dir, plan.rotation_id)
    assert journal.plan is not None
    resumed = Plan.from_record(journal.plan.plan).with_values(group_findings(only(PROD_DEFAULT)))
    planner, _ = make_planner(world)
    out = Rotator(
        resumed,
        journal,
        lambda n: planner.provider_for(world.config.providers[0]),
        world.store,
        world.env,
        sleep=lambda s: None,
    ).run()
    journal.close()
    assert out.status == "done" and not world.emulator.is_live(PROD_DEFAULT)


def test_the_pr_step_is_handed_the_plan_and_recorded(world: World) -> None:
    seen = []

    class FakePr:
        def run(self, plan: Plan, journal: Journal) -> PrResult:
            seen.append([t.vault_path for t in plan.targets if t.vault_path])
            return PrResult(url="https://git.example.test/pr/7", merged=False)

    _, outcome, events = run_rotation(world, only(PROD_DEFAULT), remediation=FakePr())
    assert outcome.status == "done" and seen and seen[0][0].endswith("NEXUS_API_KEY")
    assert [e["url"] for e in events if e["event"] == "pr"] == ["https://git.example.test/pr/7"]


def test_a_key_deleted_by_someone_else_meanwhile_counts_as_revoked(world: World) -> None:
    planner, _ = make_planner(world)
    plan = planner.plan(group_findings(only(PROD_DEFAULT)), rotation_id=new_rotation_id())
    del world.emulator.keys[world.seeded.prod_key_id]
    journal = Journal.create(world.state_dir, plan.rotation_id)
    Rotator(
        plan,
        journal,
        lambda n: planner.provider_for(world.config.providers[0]),
        world.store,
        world.env,
        sleep=lambda s: None,
    ).run()
    [revoked] = [e.data for e in journal.entries if isinstance(e.data, Revoked)]
    assert revoked.already_gone is True and journal.entries[-1].event == "done"


def test_a_vault_write_by_someone_else_since_the_plan_stops_before_minting(world: World) -> None:
    planner, _ = make_planner(world)
    plan = planner.plan(group_findings(only(PROD_DEFAULT)), rotation_id=new_rotation_id())
    [target] = [t for t in plan.targets if t.vault_path]
    world.store.write("secret", target.vault_path or "", {"value": "someone else"}, cas=0, custom_metadata={})
    journal = Journal.create(world.state_dir, plan.rotation_id)
    with pytest.raises(VaultConflictError, match="somebody else wrote it"):
        Rotator(
            plan,
            journal,
            lambda n: planner.provider_for(world.config.providers[0]),
            world.store,
            world.env,
            sleep=lambda s: None,
        ).run()
    assert world.emulator.is_live(PROD_DEFAULT) and world.emulator.calls("POST", ".") == 0


def test_a_lost_check_and_set_race_is_a_conflict_error(world: World) -> None:
    world.store.write("secret", f"{world.prefix}/race", {"value": "a"}, cas=0, custom_metadata={})
    with pytest.raises(VaultConflictError, match="check-and-set"):
        world.store.write("secret", f"{world.prefix}/race", {"value": "b"}, cas=0, custom_metadata={})


def test_vault_policy_denial_explains_which_paths_need_which_rights(world: World) -> None:
    root = world.bao.client()
    root.sys.create_or_update_policy("read-only", 'path "secret/*" { capabilities = ["read", "list"] }')
    token = root.auth.token.create(policies=["read-only"], ttl="10m")["auth"]["client_token"]
    store = VaultSecretStore.from_env({"VAULT_ADDR": world.bao.addr, "VAULT_TOKEN": token})
    with pytest.raises(VaultError, match=r"permission denied.*secret/data/"):
        store.write("secret", f"{world.prefix}/denied", {"value": "x"}, cas=0, custom_metadata={})


def test_a_wrong_vault_token_is_a_clear_error(world: World) -> None:
    store = VaultSecretStore.from_env({"VAULT_ADDR": world.bao.addr, "VAULT_TOKEN": "not-a-token"})
    with pytest.raises(VaultError, match="VAULT_TOKEN is invalid"):
        store.current_version("secret", "anything")


def test_unreachable_vault_is_a_clear_error() -> None:
    store = VaultSecretStore.from_env({"VAULT_ADDR": "http://127.0.0.1:9", "VAULT_TOKEN": "t"})
    with pytest.raises(VaultError, match=r"unreachable.*VAULT_ADDR"):
        store.current_version("secret", "anything")


def test_missing_vault_settings_name_the_variable() -> None:
    with pytest.raises(VaultError, match="VAULT_ADDR"):
        VaultSecretStore.from_env({"HOME": "/nonexistent"})
    with pytest.raises(VaultError, match="VAULT_TOKEN"):
        VaultSecretStore.from_env({"VAULT_ADDR": "http://127.0.0.1:9", "HOME": "/nonexistent"})


def test_namespace_and_ca_bundle_are_mapped_from_the_environment(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not really a CA")
    store = VaultSecretStore.from_env(
        {
            "VAULT_ADDR": "https://vault.example.test",
            "VAULT_TOKEN": "t",
            "VAULT_NAMESPACE": "team-a",
            "VAULT_CACERT": str(ca),
        }
    )
    adapter = store._client.adapter
    assert adapter.namespace == "team-a" and adapter._kwargs.get("verify") == str(ca)


def test_a_sealed_vault_is_a_clear_error(tmp_path: Path) -> None:
    bao = start_bao(tmp_path)
    try:
        hvac.Client(url=bao.addr, token=bao.token).sys.seal()
        store = VaultSecretStore.from_env(bao.env())
        with pytest.raises(VaultError, match="sealed"):
            store.write("secret", "x", {"value": "v"}, cas=0, custom_metadata={})
    finally:
        bao.process.terminate()
        try:
            bao.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            bao.process.kill()


def test_the_journal_refuses_to_write_a_registered_secret(tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, new_rotation_id())
    journal.forbid(WEBHOOK)
    with pytest.raises(RotationError, match="refusing to write a secret"):
        journal.append(Kept(reason=f"value was {WEBHOOK}"))
    journal.close()
    assert WEBHOOK not in journal.path.read_text()


def test_revocation_is_refused_before_the_replacement_is_verified(world: World) -> None:
    planner, _ = make_planner(world)
    plan = planner.plan(group_findings(only(CI_PIPELINE)), rotation_id=new_rotation_id())
    journal = Journal.create(world.state_dir, plan.rotation_id)
    rotator = Rotator(plan, journal, lambda n: planner.provider_for(world.config.providers[0]), world.store, world.env)
    [target] = [t for t in plan.targets if t.key_id]
    with pytest.raises(RotationError, match="not stored and verified"):
        rotator._revoke(target)
    assert world.emulator.is_live(CI_PIPELINE)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"providers": {"nexus": {"base_url": "ftp://x", "admin_key_env": "K"}}},
            r"providers\.nexus\.base_url",
        ),
        ({"providers": {"nexus": {"base_url": "https://x", "admin_key_env": "not a var"}}}, "admin_key_env"),
        ({"providers": {"nexus": {"base_url": "https://x", "admin_key_env": "K", "kind": "aws"}}}, "kind"),
        (
            {"providers": {"nexus": {"base_url": "https://x", "admin_key_env": "K", "admin_key": "x"}}},
            "admin_key",
        ),
        ({"vault": {"path_template": "kv/{nope}"}}, "nope"),
        ({"providers": {"nexus": {"base_url": "https://x", "admin_key_env": "K", "timeout": -1}}}, "timeout"),
    ],
)
def test_config_errors_name_the_file_and_the_key(raw: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=message) as caught:
        parse_rotation_config(raw, "pyproject.toml")
    assert str(caught.value).startswith("pyproject.toml: rotation")
