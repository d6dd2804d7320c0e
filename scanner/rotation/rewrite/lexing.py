"""Just enough lexing to tell whether an offset sits in a comment, or which kind of string holds it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

RegionKind = Literal["comment", "single", "double", "template"]


@dataclass(frozen=True, slots=True)
class Region:
    """A comment or string; `start` is its first character (the quote), `end` is one past its last."""

    start: int
    end: int
    kind: RegionKind


def region_at(regions: Sequence[Region], offset: int) -> Region | None:
    """The innermost region that contains `offset` (template text inside `${…}` inside a template wins)."""
    found = None
    for region in regions:
        if region.start <= offset < region.end and (found is None or region.start >= found.start):
            found = region
    return found


def shell_regions(text: str) -> list[Region]:
    """POSIX shell: `#` starts a comment at a word start; '…' is literal; "…" honours backslashes."""
    regions: list[Region] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n;(|&"):
            end = _eol(text, i)
            regions.append(Region(i, end, "comment"))
            i = end
        elif c == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end + 1
            regions.append(Region(i, end, "single"))
            i = end
        elif c == '"':
            end = _closing(text, i + 1, '"')
            regions.append(Region(i, end, "double"))
            i = end
        else:
            i += 1
    return regions


def yaml_regions(text: str) -> list[Region]:
    """YAML, line by line: a quote opens a scalar only where one can start; `#` after a blank comments."""
    regions: list[Region] = []
    pos = 0
    for line in text.split("\n"):
        i, n = 0, len(line)
        scalar_start = True
        while i < n:
            c = line[i]
            if c == "#" and (i == 0 or line[i - 1] in " \t"):
                regions.append(Region(pos + i, pos + len(line.rstrip("\r")), "comment"))
                break
            if c in "'\"" and scalar_start:
                end = _yaml_quote_end(line, i + 1, c)
                regions.append(Region(pos + i, pos + end, "single" if c == "'" else "double"))
                i = end
                scalar_start = False
                continue
            if c in " \t":
                pass
            elif c in "-?:,[{" and (i + 1 == n or line[i + 1] in " \t" or c in ",[{"):
                scalar_start = True
                i += 1
                continue
            else:
                scalar_start = False
            i += 1
        pos += len(line) + 1
    return regions


def c_like_regions(text: str) -> list[Region]:
    """JavaScript/TypeScript: `//` and `/* */` comments, '…' and "…" strings, `…${expr}…` templates."""
    regions: list[Region] = []
    stack: list[int] = []  # brace depth of each open `${` inside a template
    depth = 0
    i, n = 0, len(text)
    template_from: int | None = None
    while i < n:
        c = text[i]
        if template_from is not None:
            if c == "\\":
                i += 2
                continue
            if c == "`":
                regions.append(Region(template_from, i + 1, "template"))
                template_from = None
            elif text.startswith("${", i):
                regions.append(Region(template_from, i, "template"))
                template_from = None
                stack.append(depth)
                depth += 1
                i += 2
                continue
            i += 1
            continue
        if text.startswith("//", i):
            end = _eol(text, i)
            regions.append(Region(i, end, "comment"))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            regions.append(Region(i, end, "comment"))
            i = end
        elif c in "'\"":
            end = _closing(text, i + 1, c, stop_at_newline=True)
            regions.append(Region(i, end, "single" if c == "'" else "double"))
            i = end
        elif c == "`":
            template_from = i
            i += 1
        elif c == "{":
            depth += 1
            i += 1
        elif c == "}":
            depth -= 1
            if stack and depth == stack[-1]:
                stack.pop()
                template_from = i
            i += 1
        else:
            i += 1
    if template_from is not None:
        regions.append(Region(template_from, n, "template"))
    return regions


def line_comment_regions(text: str, markers: tuple[str, ...]) -> list[Region]:
    """Formats whose comments are whole lines (INI `;`/`#`, properties `#`/`!`): a comment starts a line."""
    regions: list[Region] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(markers):
            regions.append(Region(pos + len(line) - len(stripped), pos + len(line.rstrip("\r")), "comment"))
        pos += len(line) + 1
    return regions


def line_offsets(text: str) -> list[int]:
    """Offset of the first character of each line."""
    offsets = [0]
    for i, c in enumerate(text):
        if c == "\n":
            offsets.append(i + 1)
    return offsets


def _eol(text: str, i: int) -> int:
    end = text.find("\n", i)
    end = len(text) if end < 0 else end
    return end - 1 if end > i and text[end - 1] == "\r" else end


def _closing(text: str, i: int, quote: str, *, stop_at_newline: bool = False) -> int:
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == quote:
            return i + 1
        if stop_at_newline and c == "\n":
            return i
        i += 1
    return n


def _yaml_quote_end(line: str, i: int, quote: str) -> int:
    n = len(line)
    while i < n:
        c = line[i]
        if quote == '"' and c == "\\":
            i += 2
            continue
        if c == quote:
            if quote == "'" and i + 1 < n and line[i + 1] == "'":
                i += 2
                continue
            return i + 1
        i += 1
    return n
