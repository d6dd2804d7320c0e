"""Shell scripts: literals become `"${NAME:?}"`, quoted to fit where they stand; comments lose the key."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.rotation.rewrite.lexing import Region, region_at, shell_regions
from scanner.rotation.rewrite.rewriter import Document, Edit, Need, Rewrite, SecretLiteral, placeholder


def shell_edit(text: str, regions: Sequence[Region], start: int, end: int, name: str) -> Edit:
    """The edit that puts `${NAME:?}` (the script stops, naming the variable, when it is unset) at a span."""
    ref = f"${{{name}:?}}"
    region = region_at(regions, start)
    if region is None:
        return Edit(start, end, f'"{ref}"')
    if region.kind == "comment":
        return Edit(start, end, placeholder(name))
    if region.kind == "double":
        return Edit(start, end, ref)
    # Inside '…' nothing expands: replace the whole string when the literal is all of it, else close the
    # quote, splice a double-quoted reference, and reopen it.
    if region.kind == "single" and region.start + 1 == start and end + 1 == region.end:
        return Edit(region.start, region.end, f'"{ref}"')
    return Edit(start, end, f"'\"{ref}\"'")


class ShellRewriter:
    kind = "shell"

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        regions = shell_regions(doc.text)
        edits = tuple(shell_edit(doc.text, regions, o.start, o.end, o.name) for o in literals)
        needs = tuple(
            Need(o.name, "env") for o in literals if (r := region_at(regions, o.start)) is None or r.kind != "comment"
        )
        return Rewrite(edits=edits, needs=needs)

    def verify(self, text: str) -> str | None:
        return None
