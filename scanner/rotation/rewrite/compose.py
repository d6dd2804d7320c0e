"""docker compose files: literals become `${NAME:?set NAME}` interpolations; comments lose the key."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.rotation.rewrite.lexing import region_at, yaml_regions
from scanner.rotation.rewrite.rewriter import Document, Edit, Need, Occurrence, Rewrite, placeholder
from scanner.rotation.rewrite.verify import yaml_problem


def interpolation(name: str) -> str:
    """Compose refuses to start when the variable is unset or empty, naming it."""
    return f"${{{name}:?set {name}}}"


class ComposeRewriter:
    """Compose interpolates `${…}` anywhere, so list form, map form and anchors all take the same edit."""

    kind = "compose"

    def rewrite(self, doc: Document, occurrences: Sequence[Occurrence]) -> Rewrite:
        regions = yaml_regions(doc.text)
        edits: list[Edit] = []
        needs: list[Need] = []
        for occ in occurrences:
            region = region_at(regions, occ.start)
            if region is not None and region.kind == "comment":
                edits.append(Edit(occ.start, occ.end, placeholder(occ.name)))
                continue
            edits.append(Edit(occ.start, occ.end, interpolation(occ.name)))
            needs.append(Need(occ.name, "env", "in the shell or in the untracked .env beside the compose file"))
        return Rewrite(edits=tuple(edits), needs=tuple(needs))

    def verify(self, text: str) -> str | None:
        return yaml_problem(text)
