"""Every bundled rule's own examples: each `match` is found (with the exact secret, when given) and no
`no_match` is reported by that rule — checked as `keysweep rules check` checks them, with each keyword engine."""

from __future__ import annotations

import functools

import pytest
from msgspec.structs import replace

from scanner.engine.examples import ExampleChecker, check_examples
from scanner.engine.rule import Example
from scanner.engine.ruleset import RuleSet, load_ruleset
from tests.conftest import BACKENDS

RULESET = load_ruleset()
MATCH = [(r.id, i, ex) for r in RULESET.rules for i, ex in enumerate(r.match)]
NO_MATCH = [(r.id, i, ex) for r in RULESET.rules for i, ex in enumerate(r.no_match)]


@functools.cache
def checker(backend: str) -> ExampleChecker:
    return ExampleChecker(RULESET, backend)


def test_every_rule_carries_examples_both_ways() -> None:
    for rule in RULESET.rules:
        assert rule.match, f"{rule.id} has no match examples"
        assert rule.no_match, f"{rule.id} has no no_match examples"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("rule_id", "index", "example"), MATCH, ids=[f"{r}-{i}" for r, i, _ in MATCH])
def test_match_example_is_found(rule_id: str, index: int, example: Example, backend: str) -> None:
    failure = checker(backend).check(RULESET.by_id(rule_id), index + 1, example, should_match=True)
    assert failure is None, failure.message


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("rule_id", "index", "example"), NO_MATCH, ids=[f"{r}-{i}" for r, i, _ in NO_MATCH])
def test_no_match_example_is_not_reported(rule_id: str, index: int, example: Example, backend: str) -> None:
    failure = checker(backend).check(RULESET.by_id(rule_id), index + 1, example, should_match=False)
    assert failure is None, failure.message


def test_the_example_checker_reports_an_example_that_does_not_hold() -> None:
    rule = RULESET.by_id("openai-project-key")
    wrong = Example("no key on this line", None)
    decoy = Example(rule.match[0].text, None)
    checked = checker("python")

    missed = checked.check(rule, 1, wrong, should_match=True)
    reported = checked.check(rule, 2, decoy, should_match=False)

    assert missed is not None and missed.message == "match example 1 is not found: 'no key on this line'"
    assert reported is not None and reported.message.startswith("no_match example 2 is reported as 'sk-proj-")


def test_check_examples_names_each_failing_rule_once_per_example() -> None:
    rule = RULESET.by_id("openai-project-key")
    broken = replace(rule, no_match=rule.match[:2])  # its own keys as things it must not find

    failures = check_examples([broken], RuleSet((*RULESET.rules,)), backend="python")

    assert [(f.rule.id, f.message.split(" is ")[0]) for f in failures] == [
        ("openai-project-key", "no_match example 1"),
        ("openai-project-key", "no_match example 2"),
    ]
