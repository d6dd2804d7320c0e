"""Every rule of the AI, code-hosting/CI and cloud families says where its format is documented, names its provider
and the variable the provider's docs use, and keeps `info` for identifiers (which never fail the gate)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.engine.rule import Rule
from scanner.findings import Severity
from tests.test_rules_breadth_decoys import FAMILY_RULES

_TABLE = re.compile(r"^\[\[rule\]\]\n(.*?)(?=^\[\[rule\]\]|\Z)", re.M | re.S)


def rule_table_text(rule: Rule) -> str:
    """The TOML text of the rule's table, comments included."""
    text = Path(rule.source).read_text(encoding="utf-8")
    return next(t for t in _TABLE.findall(text) if re.search(rf'^id = "{re.escape(rule.id)}"$', t, re.M))


def test_the_families_are_loaded() -> None:
    assert len(FAMILY_RULES) >= 90
    assert {r.provider for r in FAMILY_RULES} >= {"openai-compatible", "anthropic", "github", "gitlab", "aws", "azure"}


@pytest.mark.parametrize("rule", FAMILY_RULES, ids=lambda r: r.id)
def test_rule_cites_its_documented_format(rule: Rule) -> None:
    assert "# format:" in rule_table_text(rule)


@pytest.mark.parametrize("rule", FAMILY_RULES, ids=lambda r: r.id)
def test_rule_names_its_provider_and_variable(rule: Rule) -> None:
    assert rule.provider
    assert rule.env_var


@pytest.mark.parametrize("rule", FAMILY_RULES, ids=lambda r: r.id)
def test_info_severity_is_for_identifiers_only(rule: Rule) -> None:
    assert (rule.severity == Severity.INFO) == rule.identifier


@pytest.mark.parametrize("rule", [r for r in FAMILY_RULES if r.anchored], ids=lambda r: r.id)
def test_anchored_rule_examples_start_with_its_prefix(rule: Rule) -> None:
    secrets = [ex.secret for ex in rule.match if ex.secret is not None]
    assert secrets, f"{rule.id} gives no exact secret in its examples"
    assert all(s.startswith(rule.prefix) for s in secrets)
