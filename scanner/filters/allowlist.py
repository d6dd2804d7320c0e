"""The `allow_values` setting as a filter: a secret that matches one of its regular expressions is not reported."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from msgspec import Struct

from scanner.filters import Filtered, ScanScope
from scanner.findings import Finding


class AllowedValues(Struct, frozen=True):
    """Values a team has declared not secret (test keys, documented examples of its own)."""

    patterns: tuple[Any, ...]
    """RE2 patterns: a committed config must not be able to make a scan hang (`scanner.linear_regex`)."""

    @classmethod
    def compile(cls, patterns: Iterable[str]) -> AllowedValues:
        from scanner.linear_regex import compile_linear

        return cls(tuple(compile_linear(p) for p in patterns))

    def is_allowed_value(self, finding: Finding) -> bool:
        return any(p.search(finding.secret) for p in self.patterns)

    def apply(self, findings: Sequence[Finding], scope: ScanScope) -> Filtered:
        return Filtered([f for f in findings if not self.is_allowed_value(f)])
