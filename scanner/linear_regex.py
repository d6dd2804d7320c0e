"""User-supplied regexes (custom rules, gitleaks configs, `allow_values`) compiled with RE2: linear time on any
input, and the dialect gitleaks configs are written in.

NOTE: Python's `re` backtracks, so `(a+)+$` on 31 bytes, or `(\\w+)+!` in a committed config, can hang every
scan of a repository whose pull requests control that file. RE2 has no backtracking and refuses the constructs
that would need it (lookarounds, backreferences); such a pattern is an error naming where it came from.
"""

from __future__ import annotations

from typing import Any


class UnsupportedRegex(ValueError):
    """The pattern does not compile with RE2; the message says why (a lookaround, a backreference, …)."""


def compile_linear(pattern: str | bytes) -> Any:
    """The RE2 compilation of `pattern` (bytes patterns match bytes, str patterns match str).

    It offers `search`, `match`, `fullmatch` and `finditer` with `pos` / `endpos`, like `re.Pattern`.
    """
    import re2  # NOTE: imported on first use: the bundled rules never need it

    options = re2.Options()
    options.log_errors = False  # the error is raised, not also printed on stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        message = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise UnsupportedRegex(f"{message} (user regexes are RE2: no lookarounds or backreferences)") from None
