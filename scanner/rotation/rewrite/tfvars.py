"""Terraform variable files: an assignment holding a secret goes; Terraform reads `TF_VAR_<name>`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scanner.rotation.rewrite.lexing import shell_regions
from scanner.rotation.rewrite.rewriter import (
    Document,
    Edit,
    ManualItem,
    Need,
    Rewrite,
    SecretLiteral,
    manual,
    placeholders_in_comments,
)

_ASSIGNMENT = re.compile(r"""^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*"([^"]*)"\s*(?:#.*|//.*)?$""")


class TfvarsRewriter:
    kind = "tfvars"

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        edits, rest = placeholders_in_comments(shell_regions(doc.text), literals)
        needs: list[Need] = []
        notes: list[str] = []
        items: list[ManualItem] = []
        for lit, _ in rest:
            start, end = doc.line_start(lit.start), doc.line_end(lit.start)
            m = _ASSIGNMENT.match(doc.text[start:end])
            if m is None:
                items.append(manual(lit, doc, "the secret is inside a map or list; move it by hand"))
                continue
            var = m.group(1)
            edits.append(Edit(start, end, f"# {var}: removed by keysweep; Terraform reads it from TF_VAR_{var}"))
            needs.append(Need(lit.name, "tf-var", f"TF_VAR_{var}"))
            notes.append(f"{var} was removed: export TF_VAR_{var} (from {lit.name}) where Terraform runs")
        return Rewrite(edits=tuple(edits), needs=tuple(needs), notes=tuple(notes), manual=tuple(items))

    def verify(self, text: str) -> str | None:
        del text
        return None
