"""GitHub Actions: literals become `${{ secrets.NAME }}`; in `run:` scripts, via the step's `env:`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.rotation.rewrite.lexing import line_offsets, shell_regions, yaml_regions
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
from scanner.rotation.rewrite.shell import shell_edit
from scanner.rotation.rewrite.verify import yaml_problem
from scanner.rotation.rewrite.yaml_tree import (
    block_end_line,
    is_flow,
    iter_mappings,
    key_position,
    load_documents,
)


def secret_expression(name: str) -> str:
    return f"${{{{ secrets.{name} }}}}"


class GitHubActionsRewriter:
    kind = "github-actions"

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        lines = doc.text.split("\n")
        offsets = line_offsets(doc.text)
        run_blocks = _run_blocks(doc.text, lines, offsets)
        edits, rest = placeholders_in_comments(yaml_regions(doc.text), literals)
        needs: list[Need] = []
        items: list[ManualItem] = []
        step_names: dict[int, tuple[Any, list[str]]] = {}  # id(step) -> (step, names for its env)
        for lit, _ in rest:
            needs.append(Need(lit.name, "ci-secret"))
            block = next((b for b in run_blocks if b[0] <= lit.start < b[1]), None)
            if block is None:
                edits.append(Edit(lit.start, lit.end, secret_expression(lit.name)))
                continue
            start, end, step = block
            script = doc.text[start:end]
            edit = shell_edit(script, shell_regions(script), lit.start - start, lit.end - start, lit.name)
            edits.append(Edit(edit.start + start, edit.end + start, edit.replacement))
            names = step_names.setdefault(id(step), (step, []))[1]
            if lit.name not in names:
                names.append(lit.name)
        for step, names in step_names.values():
            env_edit = _step_env_edit(doc, lines, offsets, step, names)
            if env_edit is None:
                first = next(o for o in literals if o.name in names)
                items.append(manual(first, doc, "the step's env: is in flow style; add the secret to it by hand"))
            else:
                edits.append(env_edit)
        return Rewrite(edits=tuple(edits), needs=tuple(needs), manual=tuple(items))

    def verify(self, text: str) -> str | None:
        return yaml_problem(text)


def _run_blocks(text: str, lines: list[str], offsets: list[int]) -> list[tuple[int, int, Any]]:
    """(start, end, step) of every `run:` value: from after `run:` to the end of its block."""
    try:
        documents = load_documents(text)
    except Exception:
        return []
    blocks = []
    for document in documents:
        for mapping, _ in iter_mappings(document):
            if "run" not in mapping or not isinstance(mapping["run"], str):
                continue
            line, col = key_position(mapping, "run")
            start = offsets[line] + col + len("run:")
            end_line = block_end_line(lines, line, col)
            end = offsets[end_line] if end_line < len(offsets) else len(text)
            blocks.append((start, end, mapping))
    return blocks


def _step_env_edit(doc: Document, lines: list[str], offsets: list[int], step: Any, names: list[str]) -> Edit | None:
    """Add `NAME: ${{ secrets.NAME }}` to the step's `env:`, creating the mapping when the step has none."""
    nl = doc.newline
    if "env" in step:
        env = step["env"]
        if env is None or not hasattr(env, "lc") or is_flow(env) or not len(env):
            return None
        missing = [n for n in names if n not in env]
        if not missing:
            return Edit(0, 0, "")
        first_key = next(iter(env))
        line, col = key_position(env, first_key)
        entries = "".join(f"{' ' * col}{n}: {secret_expression(n)}{nl}" for n in missing)
        return Edit(offsets[line], offsets[line], entries)
    run_line, run_col = key_position(step, "run")
    entries = "".join(f"{' ' * (run_col + 2)}{n}: {secret_expression(n)}{nl}" for n in names)
    block = f"{' ' * run_col}env:{nl}{entries}"
    if lines[run_line][:run_col].strip() == "":
        # `run:` starts its own line: the new key goes right above it.
        return Edit(offsets[run_line], offsets[run_line], block)
    # `- run: |` opens the step: the new key goes after the script.
    end_line = block_end_line(lines, run_line, run_col)
    if end_line >= len(offsets):
        tail = "" if doc.text.endswith("\n") else nl
        return Edit(len(doc.text), len(doc.text), tail + block)
    return Edit(offsets[end_line], offsets[end_line], block)
