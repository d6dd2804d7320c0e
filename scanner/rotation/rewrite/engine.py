"""Plan and apply the rewrite of a tree: locate each finding, name its secret, dispatch, verify, re-scan."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.findings import Finding
from scanner.naming import choose_names, name_hint, sighting
from scanner.rotation.exposed import is_in_tree
from scanner.rotation.rewrite.dispatch import kind_of, rewriter_for
from scanner.rotation.rewrite.kubernetes import DEFAULT_SECRET_NAME
from scanner.rotation.rewrite.own_files import own_file_reason
from scanner.rotation.rewrite.rewriter import (
    Companion,
    Document,
    Edit,
    ManualItem,
    Need,
    Rewrite,
    Rewriter,
    SecretLiteral,
)

Rescan = Callable[[list[str]], list[Finding]]
"""Scans the given files and returns their findings; passed in so rotation never imports the engine."""


@dataclass(frozen=True, slots=True)
class FileChange:
    """The new content of one file, or its removal from git."""

    path: str
    kind: str
    before: str | None = field(repr=False)
    """The file's text before (None when the file is new); it may hold secrets."""
    after: str | None = field(repr=False)
    """The text to write; None when the file is only untracked and stays on disk as it is."""
    untrack: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RewritePlan:
    """Everything a rewrite would do, computed without touching the tree."""

    changes: tuple[FileChange, ...]
    manual: tuple[ManualItem, ...]
    needs: tuple[Need, ...]
    """What the reviewer must set, deduplicated, in first-seen order."""
    names: Mapping[str, str]
    """secret_id → the variable name chosen for it."""
    rewritten: tuple[Finding, ...] = field(repr=False)
    """The findings whose literals the plan replaces."""

    @property
    def written_paths(self) -> list[str]:
        """Paths whose content changes (the ones to re-scan and commit)."""
        return [c.path for c in self.changes if c.after is not None]

    @property
    def untracked_paths(self) -> list[str]:
        return [c.path for c in self.changes if c.untrack]

    @property
    def is_empty(self) -> bool:
        return not any(c.untrack or c.after != c.before for c in self.changes)


def plan_rewrites(
    root: Path,
    findings: Sequence[Finding],
    names: Mapping[str, str] | None = None,
    *,
    k8s_secret_name: str = DEFAULT_SECRET_NAME,
    baselines: Collection[str] = (),
) -> RewritePlan:
    """Work out every edit for the working-tree findings under `root`; nothing is written.

    keysweep's own config and baselines (rewrite/own_files.py, plus the `baselines` paths) are never edited.
    """
    manual: list[ManualItem] = []
    texts: dict[str, str] = {}
    located: dict[str, list[tuple[Finding, int, int]]] = {}
    for finding in findings:
        if not is_in_tree(finding):
            continue  # history: nothing to rewrite in the working tree
        if finding.path not in texts:
            try:
                texts[finding.path] = _read(root / finding.path)
            except (OSError, UnicodeDecodeError) as exc:
                manual.append(_manual(finding, f"cannot read the file as UTF-8 text ({exc.__class__.__name__})"))
                texts[finding.path] = ""
                continue
        own = own_file_reason(finding.path, texts[finding.path], finding.line, baselines)
        if own is not None:
            if not finding.identifier:  # an org ID there is keysweep's own setting: it stays, silently
                manual.append(_manual(finding, f"in {own}, which keysweep never rewrites: move the value out by hand"))
            continue
        span = locate(texts[finding.path], finding)
        if span is None:
            if finding.secret in texts[finding.path]:
                manual.append(_manual(finding, "the file changed since the scan; re-scan and run again"))
            continue
        located.setdefault(finding.path, []).append((finding, *span))

    seen = [
        sighting(f, f.name_hint or _hint(texts[path], start, f))
        for path, items in located.items()
        for f, start, _ in items
    ]
    chosen = choose_names(seen, names)

    changes: list[FileChange] = []
    needs: list[Need] = []
    rewritten: list[Finding] = []
    pending: dict[str, str | None] = {}
    companions: list[Companion] = []
    for path in sorted(located):
        text = texts[path]
        literals = _without_overlaps(
            [SecretLiteral(f, chosen[f.secret_id], start, end) for f, start, end in located[path]]
        )
        kind = kind_of(path, text)
        if kind is None:
            manual.extend(_manual(o.finding, "unknown file kind; replace the value by hand") for o in literals)
            continue
        rewriter = rewriter_for(kind, k8s_secret_name)
        doc = Document(path, text)
        outcome = _rewrite_verified(rewriter, doc, literals)
        if isinstance(outcome, list):
            manual.extend(outcome)
            continue
        result, after, broken = outcome
        manual.extend(result.manual)
        manual.extend(broken)
        left_alone = {(m.line, m.rule_id) for m in (*result.manual, *broken)}
        changes.append(
            FileChange(
                path,
                kind,
                text,
                None if result.untrack else after,
                untrack=result.untrack,
                notes=result.notes,
            )
        )
        pending[path] = None if result.untrack else after
        needs.extend(result.needs)
        rewritten.extend(o.finding for o in literals if (o.finding.line, o.finding.rule_id) not in left_alone)
        companions.extend(result.companions)

    for companion in companions:
        if companion.path in pending:
            current = pending[companion.path]
        else:
            try:
                current = _read(root / companion.path)
            except FileNotFoundError:
                current = None
        new = companion.merge(current)
        if new == current:
            continue
        index = next((i for i, c in enumerate(changes) if c.path == companion.path), None)
        if index is None:
            changes.append(FileChange(companion.path, "companion", current, new))
        else:
            old = changes[index]
            changes[index] = FileChange(old.path, old.kind, old.before, new, old.untrack, old.notes)
        pending[companion.path] = new

    return RewritePlan(
        changes=tuple(c for c in changes if c.untrack or c.after != c.before),
        manual=tuple(manual),
        needs=tuple(dict.fromkeys(needs)),
        names=chosen,
        rewritten=tuple(rewritten),
    )


def write_plan(root: Path, plan: RewritePlan) -> None:
    """Write every changed file (untracking is git's job, done by the caller)."""
    for change in plan.changes:
        if change.after is not None:
            target = root / change.path
            target.parent.mkdir(parents=True, exist_ok=True)
            # newline="" keeps the file's own line endings byte for byte
            with open(target, "w", encoding="utf-8", newline="") as fh:
                fh.write(change.after)


def remaining_literals(root: Path, plan: RewritePlan, rescan: Rescan) -> tuple[ManualItem, ...]:
    """Re-scan the written files: any literal of a rewritten secret still there is reported."""
    paths = [str(root / p) for p in plan.written_paths]
    if not paths:
        return ()
    wanted = {f.secret_id for f in plan.rewritten}
    return tuple(_manual(f, "still present after the rewrite") for f in rescan(paths) if f.secret_id in wanted)


def locate(text: str, finding: Finding) -> tuple[int, int] | None:
    """Offsets of the literal: at its (line, column, end_column), else its only place on that line."""
    lines = text.split("\n")
    if not 1 <= finding.line <= len(lines):
        return None
    line_start = sum(len(line) + 1 for line in lines[: finding.line - 1])
    line = lines[finding.line - 1]
    start, end = finding.column - 1, finding.end_column - 1
    if 0 <= start < end <= len(line) and (finding.decoded or line[start:end] == finding.secret):
        return line_start + start, line_start + end
    if line.count(finding.secret) == 1:
        start = line.index(finding.secret)
        return line_start + start, line_start + start + len(finding.secret)
    return None


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply span edits back to front; insertions at one offset keep their order; overlaps are refused."""
    ordered = sorted((e for e in edits if e.start != e.end or e.replacement), key=lambda e: (e.start, e.end))
    for previous, current in itertools.pairwise(ordered):
        if current.start < previous.end:
            raise ValueError(f"edits at offsets {previous.start} and {current.start} overlap")
    pieces = []
    cursor = 0
    for edit in ordered:
        pieces.append(text[cursor : edit.start])
        pieces.append(edit.replacement)
        cursor = edit.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def render_diff(plan: RewritePlan, findings: Iterable[Finding]) -> str:
    """A unified diff of the plan with every secret value shown only as its redacted fingerprint."""
    out: list[str] = []
    for change in plan.changes:
        if change.untrack:
            out.append(f"untrack {change.path} (kept on disk, ignored by git)\n")
        if change.after is None:
            continue
        before = (change.before or "").splitlines(keepends=True)
        after = change.after.splitlines(keepends=True)
        src = f"a/{change.path}" if change.before is not None else "/dev/null"
        for line in difflib.unified_diff(before, after, src, f"b/{change.path}"):
            out.append(line if line.endswith("\n") else line + "\n")
    return redact_text("".join(out), findings)


def redact_text(text: str, findings: Iterable[Finding]) -> str:
    """Every secret value in `text` becomes its redacted form (longest first, so no prefix can leak)."""
    values = {f.secret: f.redacted for f in findings if not f.identifier and f.secret}
    for secret in sorted(values, key=len, reverse=True):
        text = text.replace(secret, values[secret])
    return text


def _rewrite_verified(
    rewriter: Rewriter, doc: Document, literals: list[SecretLiteral]
) -> tuple[Rewrite, str, list[ManualItem]] | list[ManualItem]:
    """Rewrite all literals; if that does not re-parse, keep those that re-parse on their own."""
    checks = not rewriter.verify(doc.text)  # a file that was broken before cannot be checked after
    result, after, problem = _attempt(rewriter, doc, literals, checks)
    if problem is None:
        return result, after, []
    good: list[SecretLiteral] = []
    items: list[ManualItem] = []
    for lit in literals:
        alone = _attempt(rewriter, doc, [lit], checks)[2]
        if alone is None:
            good.append(lit)
        else:
            items.append(_manual(lit.finding, f"the rewrite would break the file ({alone}); edit by hand"))
    if not good:
        return items
    result, after, problem = _attempt(rewriter, doc, good, checks)
    if problem is not None:
        return items + [_manual(o.finding, f"the rewrite would break the file ({problem})") for o in good]
    return result, after, items


def _attempt(
    rewriter: Rewriter, doc: Document, literals: list[SecretLiteral], checks: bool
) -> tuple[Rewrite, str, str | None]:
    result = rewriter.rewrite(doc, literals)
    try:
        after = apply_edits(doc.text, result.edits)
    except ValueError as exc:
        return result, doc.text, f"overlapping edits: {exc}"
    problem = rewriter.verify(after) if checks and not result.untrack else None
    return result, after, problem


def _without_overlaps(literals: list[SecretLiteral]) -> list[SecretLiteral]:
    """One literal per span: duplicates from several rules collapse, the longest of nested spans wins."""
    kept: list[SecretLiteral] = []
    for lit in sorted(literals, key=lambda o: (o.start, -(o.end - o.start))):
        if kept and lit.start < kept[-1].end:
            continue
        kept.append(lit)
    return kept


def _hint(text: str, start: int, finding: Finding) -> str | None:
    """What the code calls the literal at `start`, for findings that came without the scan's hint."""
    line_start = text.rfind("\n", 0, start) + 1
    prev_start = text.rfind("\n", 0, max(line_start - 1, 0)) + 1 if line_start else 0
    previous = text[prev_start : max(line_start - 1, 0)] if line_start else ""
    return name_hint(text[line_start:start], previous.rstrip("\r"), generic=finding.kind == "generic")


def _read(path: Path) -> str:
    # newline="" keeps `\r\n` as it is, so edits and the written file keep the file's own line endings
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _manual(finding: Finding, reason: str) -> ManualItem:
    return ManualItem(finding.path, finding.line, finding.rule_id, finding.redacted, reason)
