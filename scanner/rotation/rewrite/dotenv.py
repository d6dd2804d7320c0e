"""`.env` files leave git (kept on disk, ignored) and get a `.env.example`; example files lose values."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from scanner.rotation.rewrite.lexing import line_comment_regions, region_at
from scanner.rotation.rewrite.rewriter import (
    Companion,
    Document,
    Edit,
    Need,
    Rewrite,
    SecretLiteral,
    placeholder,
)

EXAMPLE_SUFFIXES = (".example", ".sample", ".template", ".dist")
_ASSIGNMENT = re.compile(r"^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*=)")


def is_example(path: str) -> bool:
    return posixpath.basename(path).endswith(EXAMPLE_SUFFIXES)


class DotenvRewriter:
    """A real `.env` is untracked rather than edited: it is the developer's own copy of the values."""

    kind = "dotenv"

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        if is_example(doc.path):
            return _blank_values(doc, literals)
        directory, base = posixpath.split(doc.path)
        example = posixpath.join(directory, f"{base}.example")
        secrets = {o.finding.secret: o.name for o in literals}
        return Rewrite(
            untrack=True,
            needs=tuple(Need(o.name, "env", f"in your local, untracked {base}") for o in literals),
            notes=(f"no longer tracked (kept on disk, ignored); {example} lists its variables",),
            companions=(
                Companion(example, lambda existing: example_text(doc.text, existing, secrets)),
                Companion(".gitignore", lambda existing: gitignore_text(existing, base, f"{base}.example")),
            ),
        )

    def verify(self, text: str) -> str | None:
        del text
        return None


def example_text(env_text: str, existing: str | None, secrets: dict[str, str]) -> str:
    """The `.env.example` for `env_text`: every variable with an empty value, comments kept without keys.

    NOTE: every value is blanked, not only the ones the scan flagged: a password the rules missed must not
    move into a tracked file. An existing example file keeps its lines; missing variables are appended.
    """
    lines: list[str] = []
    for line in env_text.splitlines():
        m = _ASSIGNMENT.match(line)
        if m:
            lines.append(f"{m.group(1)}{m.group(2)}=")
        elif line.lstrip().startswith("#") or not line.strip():
            for secret, name in secrets.items():
                line = line.replace(secret, placeholder(name))
            lines.append(line)
    if existing is None:
        return "\n".join(lines).rstrip("\n") + "\n"
    present = {k for line in existing.splitlines() if (k := _key(line))}
    missing = [line for line in lines if (k := _key(line)) and k not in present]
    if not missing:
        return existing
    sep = "" if existing.endswith("\n") or not existing else "\n"
    return existing + sep + "\n".join(missing) + "\n"


def gitignore_text(existing: str | None, ignored: str, kept: str) -> str:
    """`.gitignore` with `ignored`, then `!kept` (the last matching pattern wins, so both go at the end)."""
    text = existing or ""
    present = {line.strip() for line in text.splitlines()}
    wanted = [p for p in (ignored, f"!{kept}") if p not in present]
    if not wanted:
        return text
    sep = "" if text.endswith("\n") or not text else "\n"
    return text + sep + "\n".join(wanted) + "\n"


def _blank_values(doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
    """An example file holding a real value: the value goes, a comment loses the key."""
    regions = line_comment_regions(doc.text, ("#",))
    edits = []
    for lit in literals:
        region = region_at(regions, lit.start)
        replacement = placeholder(lit.name) if region is not None else ""
        edits.append(Edit(lit.start, lit.end, replacement))
    return Rewrite(edits=tuple(edits))


def _key(line: str) -> str | None:
    m = _ASSIGNMENT.match(line)
    return m.group(2) if m else None
