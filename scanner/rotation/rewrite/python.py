"""Python: literals become `os.environ["NAME"]` (adding `import os`); comments and docstrings lose the key."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Sequence

from scanner.rotation.rewrite.lexing import line_offsets
from scanner.rotation.rewrite.rewriter import (
    Document,
    Edit,
    ManualItem,
    Need,
    Rewrite,
    SecretLiteral,
    concatenation,
    manual,
    placeholder,
)
from scanner.rotation.rewrite.verify import python_problem

_STRING_PREFIX = re.compile(r"^([A-Za-z]*)('''|\"\"\"|'|\")")
_SKIP = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


class PythonRewriter:
    kind = "python"

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        try:
            tokens = [t for t in tokenize.generate_tokens(io.StringIO(doc.text).readline)]
        except (tokenize.TokenError, SyntaxError) as exc:
            reason = f"the file does not tokenize as Python ({exc}); edit it by hand"
            return Rewrite(manual=tuple(manual(o, doc, reason) for o in literals))
        starts = line_offsets(doc.text)
        spans = [
            (starts[t.start[0] - 1] + t.start[1], starts[t.end[0] - 1] + t.end[1], i) for i, t in enumerate(tokens)
        ]
        edits: list[Edit] = []
        items: list[ManualItem] = []
        uses_environ = False
        by_token: dict[int, list[SecretLiteral]] = {}
        for lit in literals:
            index = next((i for s, e, i in spans if s <= lit.start and lit.end <= e), None)
            if index is None:
                items.append(manual(lit, doc, "the secret spans several Python tokens; edit it by hand"))
                continue
            token = tokens[index]
            if token.type == tokenize.COMMENT:
                edits.append(Edit(lit.start, lit.end, placeholder(lit.name)))
            elif token.type == tokenize.STRING:
                by_token.setdefault(index, []).append(lit)
            else:
                items.append(manual(lit, doc, "the secret is not inside a string or comment; edit it by hand"))
        for index, group in by_token.items():
            start, end = spans[index][0], spans[index][1]
            edit, reason = _string_edit(doc.text, tokens, index, start, end, sorted(group, key=lambda o: o.start))
            if edit is None:
                items.extend(manual(o, doc, reason) for o in group)
                continue
            edits.append(edit)
            uses_environ = uses_environ or "os.environ" in edit.replacement
        if uses_environ and not _imports_os(doc.text):
            offset = _import_offset(doc.text, starts)
            at_unterminated_end = offset == len(doc.text) and not doc.text.endswith("\n")
            line = f"{doc.newline}import os" if at_unterminated_end else f"import os{doc.newline}"
            edits.append(Edit(offset, offset, line))
        needs = tuple(Need(o.name, "env") for g in by_token.values() for o in g)
        return Rewrite(edits=tuple(edits), needs=needs, manual=tuple(items))

    def verify(self, text: str) -> str | None:
        return python_problem(text)


def _string_edit(
    text: str, tokens: list[tokenize.TokenInfo], index: int, start: int, end: int, group: list[SecretLiteral]
) -> tuple[Edit | None, str]:
    token_text = text[start:end]
    m = _STRING_PREFIX.match(token_text)
    if m is None:
        return None, "unrecognised string literal; edit it by hand"
    prefix, quote = m.group(1), m.group(2)
    lowered = prefix.lower()
    if "b" in lowered:
        return None, "the secret is in a bytes literal; edit it by hand"
    if _is_docstring(tokens, index):
        edits = [(o.start - start, o.end - start, placeholder(o.name)) for o in group]
        return Edit(start, end, _splice(token_text, edits)), ""
    if "f" in lowered:
        inner = "'" if quote[0] == '"' else '"'
        edits = [(o.start - start, o.end - start, f"{{os.environ[{inner}{o.name}{inner}]}}") for o in group]
        return Edit(start, end, _splice(token_text, edits)), ""
    if _neighbour_is_string(tokens, index):
        return None, "the secret is in an implicitly concatenated string; edit it by hand"
    opening = prefix + quote
    content = concatenation(text, start + len(opening), end - len(quote), group, opening, quote, 'os.environ["{name}"]')
    return Edit(start, end, content), ""


def _splice(token_text: str, edits: list[tuple[int, int, str]]) -> str:
    for s, e, r in sorted(edits, reverse=True):
        token_text = token_text[:s] + r + token_text[e:]
    return token_text


def _significant(tokens: list[tokenize.TokenInfo], index: int, step: int) -> tokenize.TokenInfo | None:
    i = index + step
    while 0 <= i < len(tokens):
        if tokens[i].type not in _SKIP:
            return tokens[i]
        i += step
    return None


def _is_docstring(tokens: list[tokenize.TokenInfo], index: int) -> bool:
    before = _significant(tokens, index, -1)
    after = _significant(tokens, index, 1)
    starts_statement = before is None or before.type == tokenize.NEWLINE or before.string == ":"
    ends_statement = after is None or after.type in (tokenize.NEWLINE, tokenize.ENDMARKER)
    return starts_statement and ends_statement


def _neighbour_is_string(tokens: list[tokenize.TokenInfo], index: int) -> bool:
    return any(
        t is not None and t.type == tokenize.STRING
        for t in (_significant(tokens, index, -1), _significant(tokens, index, 1))
    )


def _imports_os(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return True  # a file that does not parse is left to verification, not given an import
    return any(
        isinstance(node, ast.Import) and any(a.name.split(".")[0] == "os" and a.asname is None for a in node.names)
        for node in tree.body
    )


def _import_offset(text: str, starts: list[int]) -> int:
    """Where `import os` goes: among the leading plain imports in sorted order, else after the docstring."""
    body = ast.parse(text).body
    i = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        i = 1
    while i < len(body) and isinstance(body[i], ast.ImportFrom) and body[i].module == "__future__":  # type: ignore[attr-defined]
        i += 1
    anchor = body[i - 1] if i else None
    while i < len(body) and isinstance(body[i], ast.Import):
        node = body[i]
        if node.names[0].name > "os":  # type: ignore[attr-defined]
            return starts[node.lineno - 1]
        anchor = node
        i += 1
    if anchor is None:
        return starts[body[0].lineno - 1] if body else 0
    end_line = anchor.end_lineno or anchor.lineno
    return starts[end_line] if end_line < len(starts) else len(text)
