"""Reading a `[[rule]]` table field by field: each value type-checked, each problem one RuleError that names the
file, the rule and the field, never a traceback."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from scanner.engine.lazy_regex import LazyPattern
from scanner.errors import RuleError
from scanner.linear_regex import UnsupportedRegex, compile_linear

KNOWN_KEYS = frozenset(
    {
        "id", "description", "severity", "kind", "provider", "env_var", "keywords", "regex",
        "secret_group", "prefix", "entropy", "token_chars", "glue", "identifier", "generic",
        "window", "allow_values", "match", "no_match", "references", "near", "paths", "validate",
        "jwt_claims", "anchor",
    }
)  # fmt: skip
MAX_WINDOW = 65536
MAX_NEAR_LINES = 10


class RuleTable:
    """One rule table with typed getters; `fail` makes the error that names the file and the rule."""

    def __init__(self, table: dict[str, Any], source: str, *, user: bool) -> None:
        self.table = table
        self.user = user
        rule_id = table.get("id")
        self.where = f"{source}: rule {rule_id!r}" if isinstance(rule_id, str) and rule_id else f"{source}: a rule"

    def fail(self, message: str) -> RuleError:
        return RuleError(f"{self.where}: {message}")

    def _typed(self, key: str, default: Any, ok: Callable[[Any], bool], what: str) -> Any:
        if key not in self.table:
            return default
        value = self.table[key]
        if not ok(value):
            raise self.fail(f"`{key}` must be {what}, not {_shown(value)}")
        return value

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> Any:
        if required and key not in self.table:
            raise self.fail(f"`{key}` is required (a non-empty string)")
        return self._typed(key, default, lambda v: isinstance(v, str) and bool(v), "a non-empty string")

    def flag(self, key: str) -> bool:
        return bool(self._typed(key, False, lambda v: isinstance(v, bool), "true or false"))

    def integer(self, key: str, default: int, low: int, high: int, what: str) -> int:
        return int(self._typed(key, default, lambda v: _is_int(v) and low <= v <= high, what))

    def number(self, key: str, default: float, low: float, high: float, what: str) -> float:
        def ok(v: Any) -> bool:
            return (_is_int(v) or isinstance(v, float)) and math.isfinite(v) and low <= v <= high

        return float(self._typed(key, default, ok, what))

    def strings(self, key: str, *, required: bool = False, what: str = "a list of strings") -> list[str]:
        value = self._typed(key, [], lambda v: isinstance(v, list) and all(isinstance(s, str) and s for s in v), what)
        if required and not value:
            raise self.fail(f"`{key}` must be {what}")
        return list(value)

    def string_or_strings(self, key: str) -> list[str]:
        """A string or a non-empty list of strings (`prefix = "sk-"` or `prefix = ["nfc_", "nfo_"]`)."""
        value = self._typed(
            key,
            [],
            lambda v: (
                (isinstance(v, str) and bool(v))
                or (isinstance(v, list) and bool(v) and all(isinstance(s, str) and s for s in v))
            ),
            "a non-empty string or a non-empty list of strings",
        )
        return [value] if isinstance(value, str) else list(value)

    def regex(self, key: str, pattern: str, *, text: bool = False) -> Any:
        """`pattern` compiled: Python `re` on first use for bundled rules, RE2 at once for user-supplied ones."""
        source = pattern if text else pattern.encode()
        if self.user:
            try:
                return compile_linear(source)
            except UnsupportedRegex as exc:
                raise self.fail(f"`{key}` does not compile with RE2: {exc}: {pattern!r}") from None
        # NOTE: bundled rules compile on first use (scanner/engine/lazy_regex.py); the suite compiles every one.
        return LazyPattern(source)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
