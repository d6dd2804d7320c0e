"""One name everywhere: the variable a secret of the sample page gets is the same in the scan's fix hint, the
plan, `fix`, the manual steps, the Vault paths and the pull request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.findings import redact, secret_id
from tests.emulators.hosting import HostingEmulator
from tests.pull_request.conftest import REPOSITORY, TOKEN, Checkout
from tests.rotation.conftest import World
from tests.rotation.seed import CI_PIPELINE, LEGACY_STAGING, PROD_DEFAULT, WEBHOOK

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).parents[1] / "data" / "nexus-api-reference.txt"
NAMES = {
    PROD_DEFAULT: "NEXUS_API_KEY",
    CI_PIPELINE: "NEXUS_API_KEY_CI_PIPELINE",  # a second key wanting NEXUS_API_KEY: its key-table label
    LEGACY_STAGING: "NEXUS_API_KEY_STAGING",
    WEBHOOK: "WEBHOOK_SECRET",  # the page's own `WEBHOOK_SECRET = "whsec_…"`
}
PREFIXES = {PROD_DEFAULT: "sk-proj-", CI_PIPELINE: "sk-proj-", LEGACY_STAGING: "sk-", WEBHOOK: "whsec_"}
# Names some output used to give these secrets instead (the rule's defaults, a number, a template hole).
OTHER_NAMES = ["OPENAI_API_KEY", "OPENAI_WEBHOOK_SECRET", "NEXUS_WEBHOOK_SECRET", "NEXUS_API_KEY_2", "<provider>"]


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from scanner.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def fix_hints(scan_text: str) -> dict[str, str]:
    """Redacted value → the fix line of its block in the text report."""
    hints, current = {}, None
    for line in scan_text.splitlines():
        if line and not line.startswith(" "):
            current = line
        elif line.strip().startswith("fix:") and current:
            hints[current] = line
    return {r: next(fix for head, fix in hints.items() if f" {r} " in head) for r in map(_redacted, NAMES)}


def _redacted(secret: str) -> str:
    return redact(secret, PREFIXES[secret])


def test_every_output_names_each_secret_of_the_sample_page_the_same(
    world: World,
    checkout: Checkout,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not SAMPLE.exists():
        pytest.skip("the sample page is not in tests/data")
    checkout.commit_all({f"docs/{SAMPLE.name}": SAMPLE.read_text(encoding="utf-8")}, "the docs page")
    repo, state = str(checkout.path), str(tmp_path / "state")
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

        scan = run("scan", repo, capsys=capsys)
        fix = run("fix", repo, capsys=capsys)
        plan = run("rotate", repo, "--config", str(config), "--state-dir", state, capsys=capsys)
        applied = run("rotate", repo, "--config", str(config), "--state-dir", state, "--apply", capsys=capsys)
        [pr] = hosting.repos[REPOSITORY].pulls

    assert (scan[0], fix[0], plan[0], applied[0]) == (1, 1, 0, 1), (scan, fix, plan, applied)
    [journal] = Path(state).glob("rot-*.jsonl")
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    [manual] = [e for e in events if e["event"] == "manual"]
    vault = f"secret/{world.prefix}/nexus"
    hints = fix_hints(scan[1])
    for secret, name in NAMES.items():
        assert f"move the value to {name} " in hints[_redacted(secret)], "the scan's fix hint"
        assert f"variable: {name} (" in plan[1], "the plan"
        assert name in fix[1], "keysweep fix's diff"
        assert f"| `{name}` |" in pr["body"], "the pull request"
    for secret in (PROD_DEFAULT, CI_PIPELINE, WEBHOOK):  # rotated: stored where the variable says
        stored = world.store.read("secret", f"{world.prefix}/nexus/{NAMES[secret]}")
        assert stored is not None and stored.data["old_fingerprint"] == secret_id(secret)
        assert f"{vault}/{NAMES[secret]} " in plan[1] and f"`{vault}/{NAMES[secret]} (version 1)`" in pr["body"]
    steps = " ".join(manual["instructions"])
    assert f"bao kv put -mount=secret {world.prefix}/nexus/NEXUS_API_KEY_STAGING value=-" in steps
    assert "update the deployments that read NEXUS_API_KEY_STAGING" in steps
    for text in (scan[1], fix[1], plan[1], applied[1], pr["body"], steps):
        assert not [other for other in OTHER_NAMES if other in text]
    # And the dry run names no rotation id that --apply would then replace by another.
    assert "rot-" not in plan[1] and "<rotation id>" in plan[1]
