"""Docs (Markdown, HTML, reST, text): keys in code samples become references, in prose `<your NAME>`."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from scanner.rotation.rewrite.rewriter import Document, Edit, Rewrite, SecretLiteral, placeholder

# What the text before a literal says about the sample it sits in (docs carry no language tags we can trust).
_ENV_ASSIGNMENT = re.compile(r"""(?:^|\s)(?:export\s+|-\s*)?[A-Z][A-Z0-9_]*=["']?$""")
_YAML_ENV_KEY = re.compile(r"""(?:^|\s)[A-Z][A-Z0-9_]*:\s*["']?$""")
_JS_DECLARATION = re.compile(r"""\b(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*=\s*(["'`])$""")
_JS_PROPERTY = re.compile(r"""(?:^|[\s{,])[a-z][A-Za-z0-9]*\s*:\s*(["'`])$""")
_PY_KEYWORD = re.compile(r"""(?:^|[\s(,])[a-z_][a-z0-9_]*=(["'])$""")
_PY_ASSIGNMENT = re.compile(r"""^\s*[A-Za-z_][A-Za-z0-9_]*\s+=\s+(["'])$""")
_FENCE = re.compile(r"^\s*(```|~~~)")


class DocsRewriter:
    """Samples should teach the right habit: the reference in the sample's own language where it is clear."""

    kind = "docs"

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        lower = doc.path.lower()
        is_html = lower.endswith((".html", ".htm"))
        fenced = _fenced_lines(doc.text) if lower.endswith((".md", ".markdown", ".mdx")) else None
        edits = []
        for lit in literals:
            line_start = doc.line_start(lit.start)
            before = doc.text[line_start : lit.start]
            after = doc.text[lit.end : doc.line_end(lit.start)]
            edit = _sample_edit(lit, before, after)
            if edit is None:
                text = placeholder(lit.name)
                if is_html:
                    text = html.escape(text)
                elif fenced is not None and not _in_fence(fenced, lit.start) and before.count("`") % 2 == 0:
                    text = f"`{text}`"  # Markdown would swallow a bare <your …> as an HTML tag
                edit = Edit(lit.start, lit.end, text)
            edits.append(edit)
        return Rewrite(edits=tuple(edits))

    def verify(self, text: str) -> str | None:
        del text
        return None


def _sample_edit(lit: SecretLiteral, before: str, after: str) -> Edit | None:
    """The reference for a literal that sits in a recognisable code sample; None for prose and comments."""
    if _is_comment(before):
        return None
    if _ENV_ASSIGNMENT.search(before) or _YAML_ENV_KEY.search(before):
        return None  # `NAME=value` in an env sample: the value is what the reader supplies
    whole = _quoted_whole(before, after)
    for pattern, reference in (
        (_JS_DECLARATION, f"process.env.{lit.name}"),
        (_JS_PROPERTY, f"process.env.{lit.name}"),
        (_PY_KEYWORD, f'os.environ["{lit.name}"]'),
        (_PY_ASSIGNMENT, f'os.environ["{lit.name}"]'),
    ):
        if whole and pattern.search(before):
            return Edit(lit.start - 1, lit.end + 1, reference)
    if _open_quote(before) == '"' or before.rstrip().endswith("Bearer"):
        return Edit(lit.start, lit.end, f"${lit.name}")
    return None


def _quoted_whole(before: str, after: str) -> bool:
    return bool(before) and before[-1] in "'\"`" and after[:1] == before[-1]


def _open_quote(before: str) -> str | None:
    quote = None
    for c in before:
        if quote is None and c in "'\"":
            quote = c
        elif c == quote:
            quote = None
    return quote


def _is_comment(before: str) -> bool:
    """A `#` or `//` comment (outside quotes) holds the literal."""
    stripped = before.lstrip()
    if stripped.startswith(("#", "//", "<!--")):
        return True
    quote = None
    for i, c in enumerate(before):
        if quote is None and c in "'\"":
            quote = c
        elif c == quote:
            quote = None
        elif (
            quote is None
            and (before.startswith("//", i) or (c == "#" and (i == 0 or before[i - 1] in " \t")))
            and not before[:i].rstrip().endswith(":")
        ):  # `https://…` is a URL, not a comment
            return True
    return False


def _fenced_lines(text: str) -> list[tuple[int, int]]:
    """Offsets (start, end) of fenced code blocks in Markdown."""
    blocks: list[tuple[int, int]] = []
    opened: int | None = None
    pos = 0
    for line in text.split("\n"):
        if _FENCE.match(line):
            if opened is None:
                opened = pos
            else:
                blocks.append((opened, pos + len(line)))
                opened = None
        pos += len(line) + 1
    if opened is not None:
        blocks.append((opened, len(text)))
    return blocks


def _in_fence(blocks: list[tuple[int, int]], offset: int) -> bool:
    return any(start <= offset < end for start, end in blocks)
