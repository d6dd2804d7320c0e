"""Every bundled rule's own examples: each `match` is found (with the exact secret, when given) and no
`no_match` is reported by that rule — through the whole pipeline and through both keyword engines."""

from __future__ import annotations

import pytest

from scanner.engine.ruleset import load_ruleset
from scanner.scan import scan_bytes

RULESET = load_ruleset()
BACKENDS = ["python", "hyperscan"]
MATCH = [(r.id, i, ex) for r in RULESET.rules for i, ex in enumerate(r.match)]
NO_MATCH = [(r.id, i, ex) for r in RULESET.rules for i, ex in enumerate(r.no_match)]


def test_every_rule_carries_examples_both_ways() -> None:
    for rule in RULESET.rules:
        assert rule.match, f"{rule.id} has no match examples"
        assert rule.no_match, f"{rule.id} has no no_match examples"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("rule_id", "index", "example"), MATCH, ids=[f"{r}-{i}" for r, i, _ in MATCH])
def test_match_example_is_found(rule_id: str, index: int, example: object, backend: str) -> None:
    findings = scan_bytes(example.text.encode(), RULESET, backend=backend)  # type: ignore[attr-defined]
    secrets = [f.secret for f in findings if f.rule_id == rule_id]
    assert secrets, f"{rule_id} did not match {example.text!r}"  # type: ignore[attr-defined]
    if example.secret is not None:  # type: ignore[attr-defined]
        assert example.secret in secrets  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("rule_id", "index", "example"), NO_MATCH, ids=[f"{r}-{i}" for r, i, _ in NO_MATCH])
def test_no_match_example_is_not_reported(rule_id: str, index: int, example: object, backend: str) -> None:
    findings = scan_bytes(example.text.encode(), RULESET, backend=backend)  # type: ignore[attr-defined]
    assert [f.rule_id for f in findings if f.rule_id == rule_id] == []
