"""Dockerfiles: `ENV`/`ARG` values are removed with a note to pass them at run or build time."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scanner.rotation.rewrite.rewriter import (
    Document,
    Edit,
    ManualItem,
    Need,
    Rewrite,
    SecretLiteral,
    manual,
    placeholder,
)

_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+")
_PAIR_VALUE = re.compile(r"""=("[^"]*"|'[^']*'|\S*)""")


class DockerfileRewriter:
    kind = "dockerfile"

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        edits: list[Edit] = []
        needs: list[Need] = []
        notes: list[str] = []
        items: list[ManualItem] = []
        for lit in literals:
            line_start = doc.line_start(lit.start)
            line_end = doc.line_end(lit.start)
            line = doc.text[line_start:line_end]
            if line.lstrip().startswith("#"):
                edits.append(Edit(lit.start, lit.end, placeholder(lit.name)))
                continue
            m = _INSTRUCTION.match(line)
            instruction = m.group(1).upper() if m else ""
            if instruction not in ("ENV", "ARG") or line.rstrip().endswith("\\"):
                items.append(
                    manual(
                        lit,
                        doc,
                        f"the secret is in a {instruction or 'continued'} line; move it to a "
                        "build secret (RUN --mount=type=secret) by hand",
                    )
                )
                continue
            assert m is not None
            col = lit.start - line_start
            pair_start = line.rfind(" ", 0, col) + 1
            eq = line.find("=", pair_start, col)
            if eq < 0:
                # Legacy `ENV NAME value`: the whole instruction is this one variable.
                var = line[m.end() :].split()[0]
                edits.append(Edit(line_start, line_end, _removed_note(var, instruction)))
            else:
                var = line[pair_start:eq]
                value = _PAIR_VALUE.match(line, eq)
                value_end = value.end() if value else col
                if instruction == "ARG":
                    edits.append(Edit(line_start + eq, line_start + value_end, ""))
                elif line[m.end() :].strip() == line[pair_start:value_end]:
                    edits.append(Edit(line_start, line_end, _removed_note(var, instruction)))
                else:
                    trailing = len(line[value_end:]) - len(line[value_end:].lstrip(" "))
                    edits.append(Edit(line_start + pair_start, line_start + value_end + trailing, ""))
            if instruction == "ARG":
                needs.append(Need(lit.name, "build-arg", var))
                notes.append(
                    f"ARG {var} lost its default: pass it with a BuildKit secret, not --build-arg, "
                    "which stays in the image history"
                )
            else:
                needs.append(Need(lit.name, "env", var))
                notes.append(f"ENV {var} was removed: pass it at run time (docker run -e {var}, compose environment:)")
        return Rewrite(edits=tuple(edits), needs=tuple(needs), notes=tuple(notes), manual=tuple(items))

    def verify(self, text: str) -> str | None:
        del text
        return None


def _removed_note(var: str, instruction: str) -> str:
    return f"# {instruction} {var} removed by keysweep: pass it at run time, never in the image"
