"""`rotate --history` / `--range`: a key that leaked only in a past commit is still live and still gets rotated;
the plan names the commit of each place, and the pull request rewrites only what is in the tree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.findings import redact
from tests.emulators.hosting import HostingEmulator
from tests.emulators.provider import fake_key
from tests.pull_request.conftest import REPOSITORY, TOKEN, Checkout
from tests.rotation.conftest import World

pytestmark = pytest.mark.slow


@dataclass
class History:
    world: World
    checkout: Checkout
    hosting: HostingEmulator
    config: Path
    state: Path
    in_tree: str
    in_history: str
    base: str
    """The commit before either key arrived."""
    leaked: str
    """The commit that added the key now gone from the tree."""

    def rotate(self, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        from scanner.cli import main

        argv = ["rotate", str(self.checkout.path), "--config", str(self.config), "--state-dir", str(self.state)]
        try:
            main([*argv, *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err


@pytest.fixture
def history(world: World, checkout: Checkout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[History]:
    in_tree, in_history = fake_key("sk-proj-"), fake_key("sk-proj-")
    world.emulator.add_user_key(world.seeded.default_project, "app", in_tree)
    world.emulator.add_user_key(world.seeded.default_project, "old-worker", in_history)
    base = checkout.git("rev-parse", "HEAD")
    leaked = checkout.commit_all({"worker/.env.local": f"WORKER_NEXUS_KEY={in_history}\n"}, "worker settings")
    checkout.git("rm", "-q", "worker/.env.local")
    checkout.git("commit", "-q", "-m", "drop the worker settings")
    checkout.commit_all({"app/settings.py": f'NEXUS_API_KEY = "{in_tree}"\n'}, "the app")
    with HostingEmulator(TOKEN, {REPOSITORY: checkout.remote}) as hosting:
        config = tmp_path / "config" / "pyproject.toml"
        config.parent.mkdir()
        config.write_text(
            world.config_toml()
            + f'[tool.keysweep.hosting]\nkind = "github"\napi_url = "{hosting.url}"\nrepository = "{REPOSITORY}"\n'
        )
        for name, value in world.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("KEYSWEEP_TRUSTED_ENDPOINTS", f"{world.base_url} {hosting.url}")
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        yield History(world, checkout, hosting, config, tmp_path / "state", in_tree, in_history, base, leaked)


def test_a_key_only_in_history_is_planned_with_the_commit_that_leaked_it(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = redact(history.in_history, "sk-proj-")
    code, out, err = history.rotate(capsys=capsys)
    assert code == 0, err
    assert redact(history.in_tree, "sk-proj-") in out and gone not in out  # the tree alone misses it

    for flag in (["--history"], ["--range", f"{history.base}..HEAD"]):
        code, out, err = history.rotate(*flag, capsys=capsys)
        assert code == 0, err
        block = out.split(gone, 1)[1].split("\n\n", 1)[0]
        assert f"worker/.env.local:1:18 @ {history.leaked[:12]}" in block, flag
        assert "action: rotate-key" in block and "variable: WORKER_NEXUS_KEY (" in block


def test_history_apply_revokes_the_key_from_history_and_the_pr_rewrites_only_the_tree(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    em = history.world.emulator
    code, _, err = history.rotate("--history", "--apply", capsys=capsys)
    assert code == 0, err
    assert not em.is_live(history.in_tree) and not em.is_live(history.in_history)
    for name in ("NEXUS_API_KEY", "WORKER_NEXUS_KEY"):
        stored = history.world.vault_read(name)
        assert stored is not None and em.is_live(stored["value"])
    [pr] = history.hosting.repos[REPOSITORY].pulls
    branch = str(pr["head"]["ref"])
    assert (
        history.checkout.branch_file(branch, "app/settings.py")
        == 'import os\nNEXUS_API_KEY = os.environ["NEXUS_API_KEY"]'
    )
    assert "worker/.env.local" not in history.checkout.branch_files(branch), "a file from history came back"
    assert "| `NEXUS_API_KEY` |" in pr["body"]
    vault = f"secret/{history.world.prefix}/nexus"
    assert f"- `WORKER_NEXUS_KEY`: `{vault}/WORKER_NEXUS_KEY (version 1)`" in pr["body"]  # deploy its new value
    assert "worker/.env.local" not in pr["body"]
