"""docker compose files: literals become `${NAME:?set NAME}` interpolations; comments lose the key."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.rotation.rewrite.lexing import yaml_regions
from scanner.rotation.rewrite.rewriter import Document, Edit, Need, Rewrite, SecretLiteral, placeholders_in_comments
from scanner.rotation.rewrite.verify import yaml_problem


def interpolation(name: str) -> str:
    """Compose refuses to start when the variable is unset or empty, naming it."""
    return f"${{{name}:?set {name}}}"


class ComposeRewriter:
    """Compose interpolates `${…}` anywhere, so list form, map form and anchors all take the same edit."""

    kind = "compose"

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        edits, rest = placeholders_in_comments(yaml_regions(doc.text), literals)
        edits += [Edit(lit.start, lit.end, interpolation(lit.name)) for lit, _ in rest]
        where = "in the shell or in the untracked .env beside the compose file"
        needs = tuple(Need(lit.name, "env", where) for lit, _ in rest)
        return Rewrite(edits=tuple(edits), needs=needs)

    def verify(self, text: str) -> str | None:
        return yaml_problem(text)
