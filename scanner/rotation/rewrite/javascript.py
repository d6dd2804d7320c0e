"""JavaScript/TypeScript: literals become `process.env.NAME` (server-side names); comments lose the key."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.rotation.rewrite.lexing import Region, c_like_regions, region_at
from scanner.rotation.rewrite.rewriter import (
    Document,
    Edit,
    ManualItem,
    Need,
    Occurrence,
    Rewrite,
    concatenation,
    manual,
    placeholder,
)


class JavaScriptRewriter:
    kind = "javascript"

    def rewrite(self, doc: Document, occurrences: Sequence[Occurrence]) -> Rewrite:
        regions = c_like_regions(doc.text)
        edits: list[Edit] = []
        items: list[ManualItem] = []
        needs: list[Need] = []
        strings: dict[Region, list[Occurrence]] = {}
        for occ in occurrences:
            region = region_at(regions, occ.start)
            if region is None or region.end < occ.end:
                items.append(manual(occ, doc, "the secret is not inside a string or comment; edit it by hand"))
            elif region.kind == "comment":
                edits.append(Edit(occ.start, occ.end, placeholder(occ.name)))
            elif region.kind == "template":
                edits.append(Edit(occ.start, occ.end, f"${{process.env.{occ.name}}}"))
                needs.append(Need(occ.name, "env"))
            else:
                strings.setdefault(region, []).append(occ)
                needs.append(Need(occ.name, "env"))
        for region, group in strings.items():
            edits.append(_string_edit(doc.text, region, sorted(group, key=lambda o: o.start)))
        notes: tuple[str, ...] = ()
        if needs and (doc.path.endswith((".jsx", ".tsx")) or "use client" in doc.text):
            notes = (
                "this file may run in the browser, where process.env holds only public build-time values; "
                "keep the call that needs the secret on the server",
            )
        return Rewrite(edits=tuple(edits), needs=tuple(needs), manual=tuple(items), notes=notes)

    def verify(self, text: str) -> str | None:
        del text
        return None


def _string_edit(text: str, region: Region, group: list[Occurrence]) -> Edit:
    """The whole string becomes the reference, or a parenthesised concatenation around it."""
    quote = text[region.start]
    content = concatenation(text, region.start + 1, region.end - 1, group, quote, quote, "process.env.{name}")
    return Edit(region.start, region.end, content)
