"""The remediation PR never rewrites keysweep's own config or baselines, so the next rotation still works."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.emulators.hosting import HostingEmulator
from tests.emulators.provider import fake_key
from tests.pull_request.conftest import REPOSITORY, TOKEN, Checkout
from tests.rotation.conftest import World

pytestmark = pytest.mark.slow


def rotate(folder: Path, state: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from scanner.cli import main

    try:
        main(["rotate", str(folder), "--state-dir", str(state), *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_after_the_pr_is_merged_the_next_rotation_plans_with_the_config_it_left_alone(
    world: World,
    checkout: Checkout,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    em = world.emulator
    first, second = fake_key("sk-proj-"), fake_key("sk-proj-")
    em.add_user_key(world.seeded.default_project, "first", first)
    em.add_user_key(world.seeded.default_project, "second", second)
    with HostingEmulator(TOKEN, {REPOSITORY: checkout.remote}) as hosting:
        own = world.config_toml().replace("[tool.keysweep.", "[") + (
            f'[hosting]\nkind = "github"\napi_url = "{hosting.url}"\nrepository = "{REPOSITORY}"\n'
        )
        pyproject = '[project]\nname = "app"\n\n[tool.keysweep.rotation.providers.nexus]\norg = "org-NexusProd01"\n'
        baseline = '{"version": 1, "entries": [{"secret_id": "0123456789abcdef", "note": "org-NexusProd01"}]}\n'
        files = {
            ".keysweep.toml": own,
            "pyproject.toml": pyproject,
            ".keysweep-baseline.json": baseline,
            "app/client.py": f'NEXUS_API_KEY = "{first}"\nNEXUS_ORG_ID = "org-NexusProd01"\n',
        }
        checkout.commit_all(files, "the app, its keysweep config, a key")
        for name, value in world.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("KEYSWEEP_TRUSTED_ENDPOINTS", f"{world.base_url} {hosting.url}")
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        state = tmp_path / "state"

        code, _, err = rotate(checkout.path, state, "--apply", capsys=capsys)
        assert code == 0, err
        [pr] = hosting.repos[REPOSITORY].pulls
        branch = str(pr["head"]["ref"])
        for path in (".keysweep.toml", "pyproject.toml", ".keysweep-baseline.json"):
            assert checkout.branch_file(branch, path) == files[path].rstrip("\n"), f"{path} was rewritten"
        assert checkout.branch_file(branch, "app/client.py") == (
            'NEXUS_API_KEY = os.environ["NEXUS_API_KEY"]\nNEXUS_ORG_ID = os.environ["NEXUS_ORG_ID"]'
        ).replace("NEXUS_API_KEY = ", "import os\nNEXUS_API_KEY = ", 1)

        # The reviewer merges the PR; a later leak is planned from the merged tree and its config.
        checkout.git("fetch", "-q", "origin", branch)
        checkout.git("merge", "-q", "--ff-only", "FETCH_HEAD")
        checkout.commit_all({"app/worker.py": f'NEXUS_API_KEY = "{second}"\n'}, "a new leak")
        code, out, err = rotate(checkout.path, state, capsys=capsys)

    assert code == 0, err
    assert "action: rotate-key" in out and "org org-NexusProd01" in out
    assert "<your" not in (checkout.path / ".keysweep.toml").read_text()
