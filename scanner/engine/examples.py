"""Rule examples as checks: every `match` example is found by its rule (with its `secret`, when given) and no
`no_match` example is; `keysweep rules check` and the test suite both check them here."""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import Struct

from scanner.engine.detector import Detector
from scanner.engine.locate import locate, resolve_glue
from scanner.engine.rule import Example, Rule
from scanner.engine.ruleset import RuleSet
from scanner.findings import Finding, Fragment


class ExampleFailure(Struct, frozen=True):
    """One example that does not hold."""

    rule: Rule
    message: str
    """What went wrong, without the rule's name: `match example 2 is not found: '…'`."""


class ExampleChecker:
    """Runs examples through detection as a scan does: every rule of `ruleset` present, one keyword matcher."""

    def __init__(self, ruleset: RuleSet, backend: str = "auto") -> None:
        self.detector = Detector(ruleset, backend)

    def findings(self, text: str, path: str = "-") -> list[Finding]:
        """What a scan of `text` as `path` reports, in report order (rule examples never need the cross-file
        links)."""
        located, _ = locate(self.detector, Fragment(path=path, data=text.encode()))
        [found] = resolve_glue([located])
        return sorted(found, key=lambda f: (f.line, f.column, f.rule_id))

    def check(self, rule: Rule, number: int, example: Example, *, should_match: bool) -> ExampleFailure | None:
        """The failure of `rule`'s example `number` (1-based, of its `match` or `no_match` list), if it fails."""
        found = self.findings(example.text, example.path)
        mine = [f.secret for f in found if f.rule_id == rule.id]
        if not should_match:
            if mine:
                return ExampleFailure(rule, f"no_match example {number} is reported as {mine[0]!r}: {example.text!r}")
            return None
        if not mine:
            others = sorted({f.rule_id for f in found})
            also = f" (found by {', '.join(others)} instead)" if others else ""
            return ExampleFailure(rule, f"match example {number} is not found{also}: {example.text!r}")
        if example.secret is not None and example.secret not in mine:
            return ExampleFailure(rule, f"match example {number} yields {mine[0]!r}, expected {example.secret!r}")
        return None

    def failures(self, rule: Rule) -> list[ExampleFailure]:
        """Every failing example of `rule`, `match` examples first."""
        checks = [(n, ex, True) for n, ex in enumerate(rule.match, 1)]
        checks += [(n, ex, False) for n, ex in enumerate(rule.no_match, 1)]
        out = [self.check(rule, n, ex, should_match=should) for n, ex, should in checks]
        return [f for f in out if f is not None]


def check_examples(rules: Iterable[Rule], ruleset: RuleSet, *, backend: str = "auto") -> list[ExampleFailure]:
    """Every failing example of `rules`, scanned with all of `ruleset` present (as in a real scan)."""
    checker = ExampleChecker(ruleset, backend)
    return [failure for rule in rules for failure in checker.failures(rule)]
