"""Bundled rules' regexes, compiled on first use.

A commit of four files meets the keywords of a handful of rules; compiling all 300 regexes of the bundled rules
up front was two thirds of the hook's start-up. A `LazyPattern` knows its source and its number of groups at load
(the rule's `secret_group` is checked against it) and compiles when a scan first asks it to match. User rules
never come here: they are compiled with RE2 at load, so a bad one fails before anything is scanned, and every
bundled rule is compiled by the suite's example checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from scanner import re_cache
from scanner.errors import RuleError


class LazyPattern:
    """A Python `re` pattern compiled on first use; `pattern` and `groups` are known without compiling.

    Its first match call compiles the pattern and puts the compiled pattern's own methods in place of the
    lazy ones, so a scan's hot loop calls `re` directly from then on.
    """

    __slots__ = ("_compiled", "finditer", "fullmatch", "groups", "match", "pattern", "search")

    def __init__(self, pattern: bytes | str) -> None:
        self.pattern = pattern
        self.groups = count_groups(pattern)
        self._compiled: re.Pattern[Any] | None = None
        self.match: Callable[..., Any] = self._first("match")
        self.search: Callable[..., Any] = self._first("search")
        self.fullmatch: Callable[..., Any] = self._first("fullmatch")
        self.finditer: Callable[..., Any] = self._first("finditer")

    def _first(self, method: str) -> Callable[..., Any]:
        def first_call(*args: Any) -> Any:
            return getattr(self.compiled(), method)(*args)

        return first_call

    def compiled(self) -> re.Pattern[Any]:
        if self._compiled is None:
            compiled = re_cache.compile(self.pattern)
            if compiled.groups != self.groups:
                raise RuleError(f"regex {self.pattern!r}: counted {self.groups} groups, `re` found {compiled.groups}")
            self._compiled = compiled
            self.match, self.search = compiled.match, compiled.search
            self.fullmatch, self.finditer = compiled.fullmatch, compiled.finditer
        return self._compiled

    @property
    def flags(self) -> int:
        return self.compiled().flags

    def __reduce__(self) -> tuple[Callable[[bytes | str, int], LazyPattern], tuple[bytes | str, int]]:
        return _restored, (self.pattern, self.groups)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


def _restored(pattern: bytes | str, groups: int) -> LazyPattern:
    """A LazyPattern from a pickle (a worker's copy, the rule cache), with the group count it was made with."""
    lazy = LazyPattern.__new__(LazyPattern)
    lazy.pattern, lazy.groups, lazy._compiled = pattern, groups, None
    lazy.match, lazy.search = lazy._first("match"), lazy._first("search")
    lazy.fullmatch, lazy.finditer = lazy._first("fullmatch"), lazy._first("finditer")
    return lazy


def count_groups(pattern: bytes | str) -> int:
    """The capturing groups of a Python regex, without compiling it: `(` that is neither escaped, inside a
    character class, nor a `(?…)` extension other than a named group `(?P<name>…)`, nor the condition of a
    `(?(1)yes|no)`."""
    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    groups, i, in_class = 0, 0, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += 1 + text.startswith("^", i + 1)
            i += text.startswith("]", i)  # a `]` first in a class is a literal
            continue
        elif text.startswith("(?(", i):
            i = text.find(")", i + 3) + 1 or len(text)  # a conditional's `(1)` or `(name)` is no group
            continue
        elif c == "(" and (not text.startswith("?", i + 1) or text.startswith("?P<", i + 1)):
            groups += 1
        i += 1
    return groups
