"""Reporters: a ScanResult rendered as text, JSON or SARIF. Each module has `render(result, settings) -> str`;
and the escapes that keep any file name from breaking a report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from scanner import re_cache
from scanner.config import Settings
from scanner.findings import Finding, ScanResult

FORMATS = {
    "text": "scanner.report.text",
    "json": "scanner.report.json",
    "sarif": "scanner.report.sarif",
}


def group_by_secret(findings: Iterable[Finding]) -> list[list[Finding]]:
    """Findings grouped by (secret, rule), most severe first, then by first place seen."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        groups[(f.secret_id, f.rule_id)].append(f)
    return sorted(groups.values(), key=lambda g: (-g[0].severity, g[0].identifier, g[0].path, g[0].line))


def is_failing(finding: Finding, result: ScanResult, settings: Settings) -> bool:
    """Whether a finding fails the gate: at or above `fail_on`; with `--only-verified`, only if its provider
    called it live or could not be asked (fail closed: a timeout is not a dead key)."""
    if finding.severity < settings.fail_on:
        return False
    if not settings.only_verified:
        return True
    verification = (result.verifications or {}).get(finding.secret_id)
    return verification is not None and verification.is_possibly_live


_SURROGATE = re_cache.compile("[\ud800-\udfff]")
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` as one safe terminal line, losslessly: backslashes, control and format characters (newlines,
    escape sequences, bidi overrides) and bytes that were not UTF-8 (`\\xff`) are written as escapes."""
    if text.isprintable() and "\\" not in text:
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)


def json_text(document: object) -> str:
    """A JSON document that is valid UTF-8 whatever its strings hold: a byte of a file name that was not UTF-8
    (carried as a lone surrogate) is written as its JSON escape (`\\udcff`), which reads back losslessly."""
    import json

    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
