"""JavaScript/TypeScript: literals become `process.env.NAME` (server-side names); comments lose the key."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.rotation.rewrite.lexing import Region, c_like_regions
from scanner.rotation.rewrite.rewriter import (
    Document,
    Edit,
    ManualItem,
    Need,
    Rewrite,
    SecretLiteral,
    concatenation,
    manual,
    placeholders_in_comments,
)


class JavaScriptRewriter:
    kind = "javascript"

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        edits, rest = placeholders_in_comments(c_like_regions(doc.text), literals)
        items: list[ManualItem] = []
        needs: list[Need] = []
        strings: dict[Region, list[SecretLiteral]] = {}
        for lit, region in rest:
            if region is None or region.end < lit.end:
                items.append(manual(lit, doc, "the secret is not inside a string or comment; edit it by hand"))
            elif region.kind == "template":
                edits.append(Edit(lit.start, lit.end, f"${{process.env.{lit.name}}}"))
                needs.append(Need(lit.name, "env"))
            else:
                strings.setdefault(region, []).append(lit)
                needs.append(Need(lit.name, "env"))
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


def _string_edit(text: str, region: Region, group: list[SecretLiteral]) -> Edit:
    """The whole string becomes the reference, or a parenthesised concatenation around it."""
    quote = text[region.start]
    content = concatenation(text, region.start + 1, region.end - 1, group, quote, quote, "process.env.{name}")
    return Edit(region.start, region.end, content)
