"""`keysweep fix` over the real scanner: a redacted dry run, --apply in place, --pr against the emulator."""

from __future__ import annotations

from click.testing import CliRunner

from scanner.cli import cli
from tests.pull_request.conftest import REPOSITORY, TOKEN
from tests.rewrite.fakes import fake_key


def invoke(args: list[str]):  # type: ignore[no-untyped-def]
    """Run the command as `keysweep` would, keeping its exit code (click's standalone mode drops it)."""
    result = CliRunner().invoke(cli, args, standalone_mode=False)
    assert result.exception is None, result.output
    return result


KEY = fake_key("sk-proj-", 48, 31)
ORG = "org-" + fake_key("", 24, 32)


def files() -> dict[str, str]:
    return {
        "app/client.py": f'import os\n\nAPI_KEY = "{KEY}"  # prod\nORG = "{ORG}"\n',
        "docker-compose.yml": f"services:\n  app:\n    environment:\n      - NEXUS_API_KEY={KEY}\n",
        ".env": f"NEXUS_API_KEY={KEY}\nDEBUG=1\n",
    }


def test_dry_run_prints_a_redacted_diff_and_changes_nothing(tmp_path):
    for path, text in files().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    result = invoke(["fix", str(tmp_path)])
    assert result.return_value == 1, result.output
    assert KEY not in result.output and KEY[10:-4] not in result.output
    assert f"-      - NEXUS_API_KEY=sk-proj-{KEY[8:10]}…{KEY[-4:]}" in result.output
    assert "+      - NEXUS_API_KEY=${NEXUS_API_KEY:?set NEXUS_API_KEY}" in result.output
    assert '+API_KEY = os.environ["NEXUS_API_KEY"]  # prod' in result.output
    assert "untrack .env" in result.output
    assert {p: (tmp_path / p).read_text() for p in files()} == files()


def test_apply_rewrites_in_place_untracks_env_and_a_second_run_finds_nothing(checkout):
    checkout.commit_all(files())
    result = invoke(["fix", str(checkout.path), "--apply"])
    assert result.return_value == 0, result.output
    assert KEY not in result.output
    assert (checkout.path / "app/client.py").read_text() == (
        'import os\n\nAPI_KEY = os.environ["NEXUS_API_KEY"]  # prod\nORG = os.environ["OPENAI_ORG_ID"]\n'
    )
    assert checkout.git("ls-files", ".env") == ""
    assert (checkout.path / ".env").read_text() == files()[".env"]  # the developer's copy stays
    assert (checkout.path / ".env.example").read_text() == "NEXUS_API_KEY=\nDEBUG=\n"
    assert (checkout.path / ".gitignore").read_text() == ".env\n!.env.example\n"
    again = invoke(["fix", str(checkout.path)])
    assert again.return_value == 0, again.output
    assert again.output == ""


def test_pr_flag_pushes_a_branch_and_opens_the_pull_request(checkout, emulator, monkeypatch):
    checkout.commit_all(files())
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("KEYSWEEP_ALLOW_LOOPBACK_HTTP", "1")  # the emulator is plain http on loopback
    args = ["fix", str(checkout.path), "--pr", "--hosting-kind", "github"]  # --pr implies --apply
    args += ["--api-url", emulator.url, "--repository", REPOSITORY]
    result = invoke(args)
    assert result.return_value == 0, result.output
    [pr] = emulator.repos[REPOSITORY].pulls
    assert pr["head"]["ref"].startswith("keysweep/fix-")
    assert f"opened pull request #{pr['number']}" in result.output
    assert checkout.git("status", "--porcelain") == ""  # the checkout itself is untouched
    assert KEY not in checkout.branch_file(pr["head"]["ref"], "app/client.py")
    requests = len(emulator.requests)
    again = invoke(args)
    # Nothing changed, so nothing was pushed or sent, and the message says exactly that.
    assert again.return_value == 0 and "updated" not in again.output
    assert f"pull request #{pr['number']} {pr['html_url']} is up to date: nothing was pushed or sent" in again.output
    assert [r.method for r in emulator.requests[requests:]] == ["GET"]
    assert len(emulator.repos[REPOSITORY].pulls) == 1
