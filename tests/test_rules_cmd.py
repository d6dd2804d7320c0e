"""`keysweep rules list` shows what a scan runs; `keysweep rules check` proves custom rules' examples."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def keysweep(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def deploy_rule(key: str, *, match: str | None = None, secret: str | None = None, no_match: str = "") -> str:
    """A custom rule file for `acmedt_` deploy tokens with the given examples."""
    match = match if match is not None else f"DEPLOY_TOKEN={key}"
    secret = secret if secret is not None else key
    no_match = no_match or "DEPLOY_TOKEN=acmedt_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    return f"""
[[rule]]
id = "acme-deploy-token"
description = "ACME deploy token"
severity = "high"
prefix = "acmedt_"
keywords = ["acmedt_"]
regex = '''acmedt_[A-Za-z0-9]{{32}}'''
entropy = 3.0
match = [{{ text = "{match}", secret = "{secret}" }}]
no_match = ["{no_match}"]
"""


@pytest.fixture
def key(make_key: Callable[..., str]) -> str:
    return make_key("acmedt_", 32)


def test_list_shows_id_severity_description_and_source_of_every_rule(tmp_path: Path) -> None:
    run = keysweep("rules", "list", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    line = next(x for x in run.stdout.splitlines() if x.startswith("openai-project-key "))
    assert line.split()[1] == "critical"
    assert "OpenAI-compatible project API key (sk-proj-)" in line
    assert line.endswith("(bundled:openai.toml)")
    assert run.stdout.splitlines()[-1].endswith(" rules")


def test_list_includes_configured_rules_and_leaves_out_disabled_ones(tmp_path: Path, key: str) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "acme.toml").write_text(deploy_rule(key))
    (tmp_path / ".keysweep.toml").write_text('rules = ["rules"]\ndisable = ["openai-legacy-key"]\n')
    run = keysweep("rules", "list", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    rows = {r["id"]: r for r in json.loads(run.stdout)["rules"]}
    assert rows["acme-deploy-token"] == {
        "id": "acme-deploy-token",
        "severity": "high",
        "description": "ACME deploy token",
        "source": "rules/acme.toml",
    }
    assert "openai-legacy-key" not in rows
    assert rows["openai-project-key"]["source"] == "bundled:openai.toml"


def test_check_passes_a_rule_whose_examples_hold(tmp_path: Path, key: str) -> None:
    (tmp_path / "acme.toml").write_text(deploy_rule(key))
    run = keysweep("rules", "check", "acme.toml", cwd=tmp_path)
    assert (run.returncode, run.stdout) == (0, "1 rule, 2 examples: ok\n")


@pytest.mark.parametrize(
    ("examples", "failure"),
    [
        ({"match": "DEPLOY_TOKEN=acmedt_short"}, "match example 1 is not found: 'DEPLOY_TOKEN=acmedt_short'"),
        ({"secret": "acmedt_other"}, "match example 1 yields 'acmedt_"),
        ({"no_match": "old={key}"}, "no_match example 1 is reported as 'acmedt_"),
    ],
)
def test_check_fails_with_the_example_that_does_not_hold(
    tmp_path: Path, key: str, examples: dict[str, str], failure: str
) -> None:
    (tmp_path / "acme.toml").write_text(deploy_rule(key, **{k: v.format(key=key) for k, v in examples.items()}))
    run = keysweep("rules", "check", "acme.toml", cwd=tmp_path)
    assert run.returncode == 1
    assert f"FAIL acme.toml: rule 'acme-deploy-token': {failure}" in run.stdout
    assert run.stdout.endswith("1 rule, 2 examples: 1 failure\n")


def test_check_reports_every_rule_that_does_not_compile_not_just_the_first(tmp_path: Path, key: str) -> None:
    broken = """
[[rule]]
id = "bad-regex"
description = "x"
keywords = ["bad_"]
regex = '''bad_[a-z'''

[[rule]]
id = "no-keywords"
description = "y"
regex = '''nk_[a-z]{10}'''
"""
    (tmp_path / "acme.toml").write_text(deploy_rule(key) + broken)
    run = keysweep("rules", "check", "acme.toml", cwd=tmp_path)
    assert run.returncode == 1
    assert "FAIL acme.toml: rule 'bad-regex': `regex` does not compile" in run.stdout
    assert "FAIL acme.toml: rule 'no-keywords': `keywords` must be a non-empty list" in run.stdout
    assert "1 rule, 2 examples: 2 failures" in run.stdout  # the good rule was still checked


def test_check_without_a_file_checks_the_configured_rules(tmp_path: Path, key: str) -> None:
    (tmp_path / "acme.toml").write_text(deploy_rule(key, no_match=f"x={key}"))
    (tmp_path / ".keysweep.toml").write_text('rules = ["acme.toml"]\n')
    run = keysweep("rules", "check", cwd=tmp_path)
    assert run.returncode == 1
    assert "FAIL acme.toml: rule 'acme-deploy-token': no_match example 1" in run.stdout


def test_check_of_a_gitleaks_config_compiles_it_and_warns_there_are_no_examples(tmp_path: Path) -> None:
    (tmp_path / "gitleaks.toml").write_text(
        "[[rules]]\nid = 'zebra-live-key'\ndescription = 'Zebra'\nregex = '''zb_live_[[:alnum:]]{24}'''\n"
    )
    run = keysweep("rules", "check", "gitleaks.toml", cwd=tmp_path)
    assert run.returncode == 0
    assert "warning: gitleaks.toml: rule 'zebra-live-key' has no examples to check" in run.stdout


def test_check_of_an_unreadable_rule_file_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[[rule]\n")
    run = keysweep("rules", "check", "bad.toml", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("keysweep: error: bad.toml: not valid TOML")
