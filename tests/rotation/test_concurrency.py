"""Two rotations of the same secrets cannot interleave, and a Vault write by anybody else stops a rotation
before it mints: forced interleavings against the provider emulator and a real OpenBao."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.errors import VaultConflictError
from scanner.findings import secret_id
from scanner.rotation.apply import Rotator
from scanner.rotation.exposed import group_findings
from scanner.rotation.journal import Journal
from scanner.rotation.plan import new_rotation_id
from scanner.rotation.providers import Provider, ServiceAccount
from tests.rotation.conftest import World, make_planner
from tests.rotation.seed import PROD_DEFAULT, WEBHOOK, seed_findings, write_report

pytestmark = pytest.mark.slow


def only(*values: str):  # type: ignore[no-untyped-def]
    return [f for f in seed_findings() if f.secret in values or f.identifier]


def start(world: World, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **world.env, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "scanner", "rotate", *args],
        cwd=tmp_path, env=full, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def test_a_second_apply_started_while_the_first_is_between_its_check_and_its_journal_is_refused(
    world: World, tmp_path: Path
) -> None:
    report = write_report(tmp_path / "report.json", seed_findings())
    config = tmp_path / "pyproject.toml"
    config.write_text(world.config_toml())
    state = tmp_path / "state"
    args = ["--report", str(report), "--config", str(config), "--state-dir", str(state), "--apply"]
    gate = tmp_path / "gate"
    # The first run holds still right after it found no other rotation of these secrets, before its journal
    # exists: the window in which, unlocked, a second run would also find none and mint a second set of keys.
    first = start(
        world, tmp_path, *args, env={"KEYSWEEP_PAUSE_AT": "session:checked", "KEYSWEEP_PAUSE_FILE": str(gate)}
    )
    try:
        deadline = time.monotonic() + 60
        while not gate.with_name("gate.reached").exists():
            assert first.poll() is None and time.monotonic() < deadline, "the first run never reached its check"
            time.sleep(0.05)

        second = start(world, tmp_path, *args)
        _, err = second.communicate(timeout=60)
        assert second.returncode == 2, err
        assert "another keysweep process is rotating secret" in err and "Traceback" not in err
        assert world.emulator.calls("POST", ".") == 0, "the second run minted while the first was running"
        assert not list(state.glob("rot-*.jsonl"))
    finally:
        gate.touch()
        _, err = first.communicate(timeout=120)
    assert first.returncode == 1, err  # done; 1: the legacy key's manual step
    [journal] = state.glob("rot-*.jsonl")
    assert json.loads(journal.read_text().splitlines()[-1])["event"] == "done"
    assert world.emulator.calls("POST", "service_accounts$") == 2, "one new key per exposed key, minted once"


class WritesVaultWhileListing:
    """The provider, with somebody writing the rotation's Vault path while keysweep looks for orphans: the
    last moment before the mint."""

    def __init__(self, provider: Provider, world: World, path: str) -> None:
        self._provider, self._world, self._path = provider, world, path

    def list_service_accounts(self, org: str | None, project_id: str) -> list[ServiceAccount]:
        store = self._world.store
        store.write(
            "secret",
            self._path,
            {"value": "someone else's"},
            cas=store.current_version("secret", self._path),
            custom_metadata={},
        )
        return list(self._provider.list_service_accounts(org, project_id))

    def __getattr__(self, name: str) -> object:
        return getattr(self._provider, name)


def test_a_vault_write_just_before_the_mint_stops_the_rotation_without_minting(world: World) -> None:
    planner, _ = make_planner(world)
    plan = planner.plan(group_findings(only(PROD_DEFAULT)), rotation_id=new_rotation_id())
    [target] = [t for t in plan.targets if t.vault_path]
    real = planner.provider_for(world.config.providers[0])
    racing = WritesVaultWhileListing(real, world, target.vault_path or "")
    journal = Journal.create(world.state_dir, plan.rotation_id)
    with pytest.raises(VaultConflictError, match="stopped before minting or revoking anything"):
        Rotator(plan, journal, lambda n: racing, world.store, world.env, sleep=lambda s: None).run()  # type: ignore[arg-type,return-value]
    journal.close()
    assert world.emulator.calls("POST", "service_accounts$") == 0, "a key was minted that Vault will never hold"
    assert world.emulator.is_live(PROD_DEFAULT)


def test_a_vault_write_before_the_webhook_rotation_stops_it_before_the_old_secret_dies(world: World) -> None:
    planner, _ = make_planner(world)
    plan = planner.plan(group_findings(only(PROD_DEFAULT, WEBHOOK)), rotation_id=new_rotation_id())
    [hook] = [t for t in plan.targets if t.secret_id == secret_id(WEBHOOK)]
    world.store.write("secret", hook.vault_path or "", {"value": "someone else's"}, cas=0, custom_metadata={})
    journal = Journal.create(world.state_dir, plan.rotation_id)
    provider = planner.provider_for(world.config.providers[0])
    with pytest.raises(VaultConflictError, match="somebody else wrote it"):
        Rotator(plan, journal, lambda n: provider, world.store, world.env, sleep=lambda s: None).run()
    journal.close()
    assert world.emulator.calls("POST", "rotate_secret$") == 0
    assert world.emulator.is_live(WEBHOOK), "the webhook's signing secret was rotated into a Vault path we cannot write"
