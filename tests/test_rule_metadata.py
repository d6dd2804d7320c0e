"""Every bundled rule says who can rotate what it finds and what the variable is usually called, and its
severity fits the gate: test and sandbox keys are `low` and identifiers `info`, below the default `fail_on`."""

from __future__ import annotations

import pytest

from scanner.config import Settings
from scanner.engine.rule import Rule
from scanner.engine.ruleset import load_ruleset
from scanner.findings import Severity

RULES = load_ruleset().rules


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_names_its_provider_and_conventional_variable(rule: Rule) -> None:
    assert rule.provider, f"{rule.id} has no provider"
    assert rule.env_var, f"{rule.id} has no env_var"


@pytest.mark.parametrize("rule", [r for r in RULES if {"test", "sandbox"} & set(r.id.split("-"))], ids=lambda r: r.id)
def test_test_and_sandbox_keys_are_low_and_do_not_fail_the_default_gate(rule: Rule) -> None:
    assert rule.severity is Severity.LOW
    assert rule.severity < Settings().fail_on


@pytest.mark.parametrize("rule", [r for r in RULES if r.identifier], ids=lambda r: r.id)
def test_identifiers_are_info_and_never_fail_the_default_gate(rule: Rule) -> None:
    assert rule.severity is Severity.INFO
    assert rule.severity < Settings().fail_on


def test_the_generic_rules_fail_the_default_gate() -> None:
    generic = [r for r in RULES if r.generic]
    assert {r.id for r in generic} == {"generic-api-key", "generic-password", "generic-xml-secret"}
    assert all(r.severity is Severity.MEDIUM and r.severity >= Settings().fail_on for r in generic)
