"""Config files (properties, YAML, TOML, JSON, INI): values become the format's reference or a placeholder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scanner.rotation.rewrite.lexing import (
    Region,
    line_comment_regions,
    shell_regions,
    yaml_regions,
)
from scanner.rotation.rewrite.rewriter import (
    Document,
    Edit,
    Need,
    Rewrite,
    SecretLiteral,
    placeholder,
    placeholders_in_comments,
)
from scanner.rotation.rewrite.verify import json_problem, toml_problem, yaml_problem


def _dollar(name: str) -> str:
    return f"${{{name}}}"


@dataclass(frozen=True, slots=True)
class ConfigRewriter:
    """One instance per format: how to find comments, what replaces a value, how to re-parse."""

    kind: str
    regions: Callable[[str], list[Region]]
    reference: Callable[[str], str]
    """The text that replaces a literal value, given the variable name."""
    problem: Callable[[str], str | None]
    advice: str
    """What the reviewer must make sure of, for the checklist."""

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        edits, rest = placeholders_in_comments(self.regions(doc.text), literals)
        edits += [Edit(lit.start, lit.end, self.reference(lit.name)) for lit, _ in rest]
        return Rewrite(edits=tuple(edits), needs=tuple(Need(lit.name, "app-config", self.advice) for lit, _ in rest))

    def verify(self, text: str) -> str | None:
        return self.problem(text)


def _no_problem(text: str) -> str | None:
    del text
    return None


def _hash_strings(text: str) -> list[Region]:
    # TOML's strings and `#` comments lex like a shell line's, close enough to tell a comment from a value.
    return shell_regions(text)


def _json_regions(text: str) -> list[Region]:
    return []


PROPERTIES = ConfigRewriter(
    "properties",
    lambda text: line_comment_regions(text, ("#", "!")),
    _dollar,
    _no_problem,
    "the application resolves ${NAME} from the environment (Spring does)",
)
YAML_CONFIG = ConfigRewriter(
    "yaml-config",
    yaml_regions,
    _dollar,
    yaml_problem,
    "the application resolves ${NAME} from the environment",
)
TOML = ConfigRewriter(
    "toml",
    _hash_strings,
    placeholder,
    toml_problem,
    "the application reads NAME from the environment instead",
)
JSON = ConfigRewriter(
    "json",
    _json_regions,
    placeholder,
    json_problem,
    "the application reads NAME from the environment instead",
)
INI = ConfigRewriter(
    "ini",
    lambda text: line_comment_regions(text, ("#", ";")),
    placeholder,
    _no_problem,
    "the application reads NAME from the environment instead",
)
