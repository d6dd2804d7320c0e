"""The Rewriter role and the data it exchanges: literals of secrets in, span edits and needs out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from scanner.findings import Finding
from scanner.rotation.rewrite.lexing import Region, region_at

Where = Literal["env", "ci-secret", "k8s-secret", "build-arg", "tf-var", "app-config"]
"""Where a reviewer must provide a variable before merging."""


@dataclass(frozen=True, slots=True)
class Document:
    """One text file as a rewriter sees it."""

    path: str
    """Path relative to the repository root, POSIX separators."""
    text: str = field(repr=False)
    """The whole file; it holds the secrets, so it never appears in a repr."""

    @property
    def newline(self) -> str:
        """The file's own line ending, used for every line a rewriter inserts."""
        first = self.text.find("\n")
        return "\r\n" if first > 0 and self.text[first - 1] == "\r" else "\n"

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        """Offset of the line's `\\n` (or `\\r\\n`), or the end of the text."""
        end = self.text.find("\n", offset)
        end = len(self.text) if end < 0 else end
        return end - 1 if end > 0 and self.text[end - 1] == "\r" else end

    def line_of(self, offset: int) -> str:
        return self.text[self.line_start(offset) : self.line_end(offset)]


@dataclass(frozen=True, slots=True)
class SecretLiteral:
    """One literal to replace: where it is in the document and the variable name chosen for its secret."""

    finding: Finding
    name: str
    """The one conventional variable name of this secret (`NEXUS_API_KEY`)."""
    start: int
    """Offset of the literal's first character in `Document.text`."""
    end: int
    """Offset one past the literal's last character."""


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace `text[start:end]` by `replacement`; `start == end` inserts."""

    start: int
    end: int
    replacement: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Need:
    """Something the reviewer must set before merging, so that the new reference resolves."""

    name: str
    where: Where
    detail: str = ""
    """Extra words for the checklist (the Kubernetes Secret's name, the Terraform variable)."""


@dataclass(frozen=True, slots=True)
class ManualItem:
    """A finding keysweep left in place, and why; listed in the PR and the `fix` summary."""

    path: str
    line: int
    rule_id: str
    redacted: str
    reason: str


@dataclass(frozen=True, slots=True)
class Companion:
    """Another file a rewrite brings along (`.env.example`, `.gitignore`), merged with what is there."""

    path: str
    merge: Callable[[str | None], str]
    """Gets the file's current text (None when absent) and returns its new text."""


@dataclass(frozen=True, slots=True)
class Rewrite:
    """What one rewriter decided for one file."""

    edits: tuple[Edit, ...] = ()
    needs: tuple[Need, ...] = ()
    notes: tuple[str, ...] = ()
    """Sentences for the reviewer about this file (`ENV removed: pass NEXUS_API_KEY at run time`)."""
    manual: tuple[ManualItem, ...] = ()
    untrack: bool = False
    """Take the file out of git (`git rm --cached`) and ignore it instead of editing it."""
    companions: tuple[Companion, ...] = ()


class Rewriter(Protocol):
    """Turns the literal secrets of one kind of file into that kind's reference idiom."""

    @property
    def kind(self) -> str:
        """Short name of the file kind (`compose`, `python`), shown in plans and notes."""
        ...

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite: ...

    def verify(self, text: str) -> str | None:
        """Re-parse the rewritten text; the reason it is broken, or None when it parses."""
        ...


def concatenation(
    text: str, start: int, end: int, group: Sequence[SecretLiteral], opening: str, closing: str, reference: str
) -> str:
    """The string literal whose content is `text[start:end]`, with each literal (sorted) replaced by
    `reference.format(name=…)`: the reference alone, or a parenthesised `+` concatenation around it."""
    pieces: list[str] = []
    cursor = start
    for lit in group:
        if lit.start > cursor:
            pieces.append(f"{opening}{text[cursor : lit.start]}{closing}")
        pieces.append(reference.format(name=lit.name))
        cursor = lit.end
    if end > cursor:
        pieces.append(f"{opening}{text[cursor:end]}{closing}")
    joined = " + ".join(pieces)
    return joined if len(pieces) == 1 else f"({joined})"


def placeholder(name: str) -> str:
    """What replaces a key in prose and comments: it names the variable and cannot be mistaken for a key."""
    return f"<your {name}>"


def placeholders_in_comments(
    regions: Sequence[Region], literals: Sequence[SecretLiteral]
) -> tuple[list[Edit], list[tuple[SecretLiteral, Region | None]]]:
    """Literals inside a comment become `<your NAME>` (a comment can name the variable, not read it); the
    others come back with the string region around them (None: bare), for the file kind's own reference."""
    edits: list[Edit] = []
    rest: list[tuple[SecretLiteral, Region | None]] = []
    for lit in literals:
        region = region_at(regions, lit.start)
        if region is not None and region.kind == "comment":
            edits.append(Edit(lit.start, lit.end, placeholder(lit.name)))
        else:
            rest.append((lit, region))
    return edits, rest


def manual(lit: SecretLiteral, doc: Document, reason: str) -> ManualItem:
    """A manual item for a literal a rewriter cannot handle."""
    f = lit.finding
    return ManualItem(doc.path, f.line, f.rule_id, f.redacted, reason)
