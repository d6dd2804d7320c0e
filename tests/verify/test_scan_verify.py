"""`keysweep scan --verify` end to end: keys of every provider in a folder, found by the bundled rules, checked
against the emulators the user's own config names; the status in every format, the `--only-verified` gate, and
no secret anywhere in what keysweep prints."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.findings import secret_id
from tests.verify.conftest import Apis

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())
TWILIO_RULES = Path(__file__).parent / "data" / "twilio_pairs.toml"


@dataclass
class Leak:
    folder: Path
    live: dict[str, str]
    """provider → a live secret of it in the folder."""
    revoked: str
    """A GitHub token GitHub no longer accepts."""
    everything: list[str]
    """Every secret value written into the folder."""


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from scanner.cli import main

    try:
        main(["scan", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def leak(apis: Apis, user_home: Path, tmp_path: Path) -> Leak:
    folder = tmp_path / "repo"
    folder.mkdir()
    account, token = apis.twilio.new_account()
    key_id, aws_secret, _ = apis.aws.new_key()
    live = {
        "openai-compatible": apis.openai.new_key(),
        "anthropic": apis.anthropic.new_key(),
        "github": apis.github.new_key(),
        "gitlab": apis.gitlab.new_key(),
        "slack": apis.slack.new_key(),
        "stripe": apis.stripe.new_key(),
        "huggingface": apis.huggingface.new_key(),
        "sendgrid": apis.sendgrid.new_key(),
        "twilio": token,
        "aws": aws_secret,
    }
    revoked = apis.github.new_key(live=False)
    (folder / "app.env").write_text(
        f"OPENAI_API_KEY={live['openai-compatible']}\nANTHROPIC_API_KEY={live['anthropic']}\n"
        f"GITHUB_TOKEN={live['github']}\nGITLAB_TOKEN={live['gitlab']}\nSLACK_BOT_TOKEN={live['slack']}\n"
        f"STRIPE_SECRET_KEY={live['stripe']}\nHF_TOKEN={live['huggingface']}\nSENDGRID_API_KEY={live['sendgrid']}\n"
        f"TWILIO_ACCOUNT_SID={account}\nTWILIO_AUTH_TOKEN={token}\n"
        f"aws_access_key_id = {key_id}\naws_secret_access_key = {aws_secret}\n"
    )
    (folder / "ci.sh").write_text(f"export GITHUB_TOKEN={revoked}\n# again: {live['github']}\n")
    (folder / ".keysweep.toml").write_text(f'rules = ["{TWILIO_RULES}"]\n')
    return Leak(folder, live, revoked, [*live.values(), revoked, account, key_id])


def rows_by_secret(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["secret_id"]: row for row in document["findings"]}


def test_json_rows_carry_each_secrets_verification(leak: Leak, apis: Apis, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(str(leak.folder), "--verify", "--format", "json", capsys=capsys)

    document = json.loads(out)
    rows = rows_by_secret(document)
    assert code == 1
    for provider, secret in leak.live.items():
        verification = rows[secret_id(secret)]["verification"]
        assert verification["status"] == "live", (provider, verification)
        assert verification["provider"] == provider
        assert verification["endpoint"] == apis.by_provider(provider).base_url  # type: ignore[attr-defined]
    assert rows[secret_id(leak.revoked)]["verification"]["status"] == "revoked"
    assert list(rows[secret_id(leak.revoked)]["verification"]) == [
        "status", "reason", "detail", "provider", "endpoint", "account",
    ]  # fmt: skip
    assert list(document["findings"][0])[-1] == "verification"
    assert document["summary"]["verification"] == {"live": 11, "revoked": 1, "unknown": 0}  # the AWS key id too
    assert apis.github.calls("/user") == 2  # two GitHub secrets, three places: one call each


def test_without_verify_every_row_has_a_null_verification_and_nothing_is_sent(
    leak: Leak, apis: Apis, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(str(leak.folder), "--format", "json", capsys=capsys)

    document = json.loads(out)
    assert code == 1
    assert {row["verification"] for row in document["findings"]} == {None}
    assert document["summary"]["verification"] is None
    assert apis.requests() == 0


def test_the_text_report_marks_each_secret_group(leak: Leak, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(str(leak.folder), "--verify", capsys=capsys)

    blocks = out.split("\n\n")
    github_block = next(b for b in blocks if "github-pat" in b and "(2 places)" in b)
    revoked_block = next(b for b in blocks if "github-pat" in b and "(1 place)" in b)
    assert "\n  verified: LIVE — GET /user answered 200\n" in github_block + "\n"
    assert "\n  verified: revoked — GET /user answered 401" in revoked_block
    assert "verified 12 secrets: 11 live, 1 revoked, 0 unknown." in out


def test_sarif_results_carry_the_verification_and_stay_valid(leak: Leak, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(str(leak.folder), "--verify", "--format", "sarif", capsys=capsys)

    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    results = document["runs"][0]["results"]
    by_id = {r["properties"]["secretId"]: r["properties"].get("verification") for r in results}
    assert by_id[secret_id(leak.live["aws"])]["status"] == "live"
    assert by_id[secret_id(leak.revoked)]["status"] == "revoked"


@dataclass(frozen=True)
class Gate:
    name: str
    keep: tuple[str, ...]
    """Which secrets stay in the folder: `live:<provider>`, `revoked`, `slow`, `private-key`."""
    code: int


GATES = [
    Gate("a live key fails the gate", ("live:github", "revoked"), 1),
    Gate("only revoked keys pass it", ("revoked",), 0),
    Gate("a key whose check timed out fails it (fail closed)", ("slow",), 1),
    Gate("a secret keysweep cannot check passes it", ("private-key",), 0),
]


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.name)
def test_only_verified_fails_on_live_keys_only(
    gate: Gate, apis: Apis, user_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = []
    if "live:github" in gate.keep:
        lines.append(f"GITHUB_TOKEN={apis.github.new_key()}")
    if "revoked" in gate.keep:
        lines.append(f"OLD_GITHUB_TOKEN={apis.github.new_key(live=False)}")
    if "slow" in gate.keep:
        lines.append(f"HF_TOKEN={apis.huggingface.new_key()}")
        apis.huggingface.slow(2.0)
        config = user_home / "keysweep" / "config.toml"
        config.write_text(
            config.read_text().replace("[verify.endpoints]", "[verify]\ntimeout = 0.3\n\n[verify.endpoints]")
        )
    if "private-key" in gate.keep:
        body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW" * 3
        lines.append(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----")
    (tmp_path / "app.env").write_text("\n".join(lines) + "\n")

    gated, out, _ = run(str(tmp_path / "app.env"), "--only-verified", "--format", "json", capsys=capsys)
    plain, _, _ = run(str(tmp_path / "app.env"), capsys=capsys)

    assert gated == gate.code
    assert plain == 1  # without --only-verified every finding at or above fail_on fails, as before
    summary = json.loads(out)["summary"]
    assert summary["only_verified"] is True and summary["failing"] == gate.code  # one failing finding at most


def test_nothing_secret_is_printed_in_any_format(leak: Leak, apis: Apis, capsys: pytest.CaptureFixture[str]) -> None:
    apis.stripe.fail(401, body={"error": {"message": f"Invalid API Key provided: {leak.live['stripe']}"}})
    apis.slack.fail(503)
    printed = []
    for fmt in ("text", "json", "sarif"):
        _, out, err = run(str(leak.folder), "--verify", "--format", fmt, capsys=capsys)
        printed.append(out + err)
    _, out, err = run(
        str(leak.folder), "--only-verified", "--format", "json", "-o", str(leak.folder / "r.json"), capsys=capsys
    )
    printed.append(out + err + (leak.folder / "r.json").read_text())

    shown = [s for s in leak.everything if any(s in text for text in printed)]
    leaked = [s for s in shown if not s.startswith("AC")]  # an account SID is an identifier, shown by design
    assert leaked == []


def test_a_plain_scan_loads_neither_httpx_nor_the_verifiers(tmp_path: Path, make_key: Any) -> None:
    (tmp_path / "app.env").write_text(f"GITHUB_TOKEN={make_key('ghp_', 36)}\n")
    probe = (
        "import json, sys\nfrom scanner.cli import main\n"
        f"try:\n    main(['scan', {str(tmp_path)!r}, '--format', 'json'])\nexcept SystemExit as e:\n    code = e.code\n"
        "loaded = sorted(m for m in sys.modules\n"
        "                if m.split('.')[0] in ('httpx', 'httpcore') or m.startswith('scanner.verify'))\n"
        "print(json.dumps([code, loaded]), file=sys.stderr)\n"
    )

    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)

    code, loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert (code, loaded) == (1, [])
