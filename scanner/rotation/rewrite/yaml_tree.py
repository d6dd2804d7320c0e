"""Walk a ruamel.yaml round-trip tree for the positions of keys and values (the tree is never dumped)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def load_documents(text: str) -> list[Any]:
    """Every document of a YAML stream, as round-trip nodes that remember their positions."""
    from ruamel.yaml import YAML

    return [doc for doc in YAML(typ="rt").load_all(text) if doc is not None]


def iter_mappings(node: Any, parents: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Each mapping in the tree with the chain of containers above it (outermost first)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        yield node, parents
        for value in node.values():
            yield from iter_mappings(value, (*parents, node))
    elif isinstance(node, CommentedSeq):
        for value in node:
            yield from iter_mappings(value, (*parents, node))


def key_position(mapping: Any, key: str) -> tuple[int, int]:
    """0-based (line, column) of `key` in `mapping`."""
    line, col = mapping.lc.key(key)
    return int(line), int(col)


def value_position(mapping: Any, key: str) -> tuple[int, int]:
    """0-based (line, column) of the value of `key` (the quote or block indicator for scalars)."""
    line, col = mapping.lc.value(key)
    return int(line), int(col)


def is_flow(mapping: Any) -> bool:
    return bool(mapping.fa.flow_style())


def block_end_line(lines: list[str], first_line: int, key_column: int) -> int:
    """The 0-based line after the value that starts on `first_line` under a key at `key_column`.

    A block value ends at the first later line that is neither blank nor a comment and is indented no
    deeper than its key.
    """
    i = first_line + 1
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            indent = len(lines[i]) - len(lines[i].lstrip(" "))
            if indent <= key_column:
                break
        i += 1
    # Trailing blank and comment lines belong to what follows.
    while i - 1 > first_line and (not lines[i - 1].strip() or lines[i - 1].strip().startswith("#")):
        i -= 1
    return i
