"""The pipeline: sources → engine → attribution → cross-file links → filter stage → sorted findings."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec.structs import replace

from scanner.config import Settings
from scanner.cores import cpu_count
from scanner.engine.detector import Detector
from scanner.engine.locate import Located, resolve_glue
from scanner.engine.masked import MaskedRef
from scanner.engine.ruleset import RuleSet, load_ruleset
from scanner.engine.workers import locate_all
from scanner.errors import RuleError
from scanner.filters import Filter, ScanScope, default_filters
from scanner.findings import Chunk, CommitsRead, Finding, Fragment, Note, ScanResult, Skipped
from scanner.sources import Source

if TYPE_CHECKING:
    from scanner.sources.targets import Target


def scan(
    sources: Sequence[Source],
    settings: Settings,
    *,
    filters: Sequence[Filter] | None = None,
    ruleset: RuleSet | None = None,
    backend: str = "auto",
    root: str = ".",
    partial: bool = False,
    progress: Callable[[Fragment, int], None] | None = None,
) -> ScanResult:
    """Run every source through the engine and the filter stage (`default_filters(settings)` unless given).

    `root` and `partial` are what the filters know of the sources (see `ScanScope`).
    """
    started = time.perf_counter()
    ruleset = ruleset or load_ruleset(settings.rule_paths, settings.disabled_rules, examples=False)
    detector = Detector(ruleset, backend)
    located: list[list[Located]] = []
    masked: list[MaskedRef] = []
    skipped: list[Skipped] = []
    notes: list[str] = []
    counts = {"file": 0, "blob": 0}
    size = commits = 0
    jobs = settings.jobs or cpu_count()

    said: set[tuple[str, str]] = set()

    def note(item: Skipped | Note | CommitsRead) -> None:
        nonlocal commits
        if isinstance(item, Skipped):
            # NOTE: one line per path and kind of reason, not one per version: a logo edited 200 times in
            # history is one entry, however many workers read its versions.
            key = (item.path, item.reason.split(" (")[0])
            if key not in said:
                said.add(key)
                skipped.append(item)
        elif isinstance(item, Note):
            if item.text not in notes:
                notes.append(item.text)
        else:
            commits += item.count

    for source in sources:
        found: list[Located] = []
        # NOTE: a source that attributes findings (git history) may start that work at the first finding, beside
        # the rest of the scan; a clean scan never starts it.
        warn: Callable[[], None] | None = getattr(source, "will_attribute", None)
        for item, hits, refs, length in locate_all(detector, source.read(), jobs):
            if not isinstance(item, Fragment):
                note(item)
                continue
            chunk = item.chunk
            if chunk is None or chunk.index == 0:
                counts[item.unit] = counts.get(item.unit, 0) + 1
            size += length if chunk is None else chunk.size
            if progress is not None:
                progress(item, length)
            if hits and warn is not None:
                warn()
                warn = None
            found.extend(hits if chunk is None else _own(hits, chunk, ruleset))
            masked.extend(refs)
        located.append(found)
    findings: list[Finding] = []
    for source, group in zip(sources, resolve_glue(located), strict=True):
        findings.extend(source.attribute(group))
    findings = _link_orgs(_label_from_masks(findings, masked))
    # NOTE: an incomplete scan cannot tell a baseline entry is stale: what it missed may hold the secret.
    scope = ScanScope(root, tuple(skipped), partial or any(s.incomplete for s in skipped))
    for step in default_filters(settings) if filters is None else filters:
        filtered = step.apply(findings, scope)
        findings = filtered.kept
        notes.extend(filtered.notes)
    findings.sort(key=sort_key)
    reported = {f.rule_id for f in findings}
    return ScanResult(
        findings=findings,
        files_scanned=counts["file"],
        bytes_scanned=size,
        skipped=skipped,
        notes=notes,
        seconds=time.perf_counter() - started,
        root=root,
        engine=detector.matcher.name,
        rule_descriptions={r.id: r.description for r in ruleset.rules if r.id in reported},
        blobs_scanned=counts["blob"],
        commits_scanned=commits,
    )


def exit_code(result: ScanResult, settings: Settings) -> int:
    """The gate's verdict: 2 when the scan could not read part of what it was asked to (unless the user allowed
    that with `allow_incomplete`), else 1 for findings that fail the gate (`report.is_failing`), else 0."""
    from scanner.report import is_failing

    if result.incomplete and not settings.allow_incomplete:
        return 2
    return 1 if any(is_failing(f, result, settings) for f in result.findings) else 0


def merge(results: Sequence[ScanResult], root: str = ".") -> ScanResult:
    """Several scans as one report (paths scanned under different configs): findings de-duplicated by identity,
    skips, notes and counts added up."""
    unique: dict[tuple[object, ...], Finding] = {}
    for result in results:
        for finding in result.findings:
            unique.setdefault(finding.identity, finding)
    return ScanResult(
        findings=sorted(unique.values(), key=sort_key),
        files_scanned=sum(r.files_scanned for r in results),
        bytes_scanned=sum(r.bytes_scanned for r in results),
        skipped=[s for r in results for s in r.skipped],
        notes=list(dict.fromkeys(n for r in results for n in r.notes)),
        seconds=sum(r.seconds for r in results),
        root=root,
        engine=next((r.engine for r in results if r.engine), ""),
        rule_descriptions={k: v for r in results for k, v in r.rule_descriptions.items()},
        blobs_scanned=sum(r.blobs_scanned for r in results),
        commits_scanned=sum(r.commits_scanned for r in results),
        verifications=None
        if all(r.verifications is None for r in results)
        else {k: v for r in results for k, v in (r.verifications or {}).items()},
    )


def scan_target(
    target: Target,
    settings: Settings,
    *,
    filters: Sequence[Filter] | None = None,
    backend: str = "auto",
    progress: Callable[[Fragment, int], None] | None = None,
) -> ScanResult:
    """Scan what a command asked for (`scanner.sources.targets`) through the default filters, baseline included."""
    return scan(
        target.sources,
        settings,
        filters=filters,
        backend=backend,
        root=target.root,
        partial=target.partial,
        progress=progress,
    )


def scan_paths(paths: Sequence[str | Path], settings: Settings, *, backend: str = "auto") -> ScanResult:
    """Every finding in files and folders on disk (`-` for stdin), before any baseline: what `baseline create`,
    `fix` and `rotate` start from."""
    from scanner.sources.targets import on_disk

    everything = default_filters(settings, baseline=False)
    target = on_disk(paths, settings, exclude=own_rule_dirs())
    return scan_target(target, settings, filters=everything, backend=backend)


def own_rule_dirs() -> tuple[Path, ...]:
    """Where keysweep's own rule files are (the rules it loads, and an installed package's `_rules`): a folder
    scan never reads them, wherever keysweep is installed, since their examples are key-shaped by design."""
    import scanner
    from scanner.engine.ruleset import bundled_rules_dir

    found = (bundled_rules_dir(), Path(scanner.__file__).parent / "_rules")
    return tuple(dict.fromkeys(p.resolve() for p in found if p.is_dir()))


def scan_bytes(data: bytes, ruleset: RuleSet, *, path: str = "-", backend: str = "auto") -> list[Finding]:
    """The whole pipeline over one buffer (tests, benchmarks)."""
    from scanner.sources.filesystem import BufferSource

    return scan([BufferSource(path, data)], Settings(), ruleset=ruleset, backend=backend).findings


def sort_key(f: Finding) -> tuple[str, int, int, str, str]:
    return (f.path, f.line, f.column, f.rule_id, (f.commit.oid or "") if f.commit else "")


def _own(hits: list[Located], chunk: Chunk, ruleset: RuleSet) -> list[Located]:
    """A chunk's findings that start in its own part, placed in the whole content."""
    from scanner.sources.content import OVERLAP

    widest = max((r.window for r in ruleset.rules), default=0)
    if widest + _CONTEXT > OVERLAP:
        rule = next(r for r in ruleset.rules if r.window == widest)
        raise RuleError(
            f"{rule.source}: rule {rule.id!r}: `window` {widest} is larger than keysweep can keep whole across the "
            f"pieces of a big file ({OVERLAP - _CONTEXT} bytes); narrow it"
        )
    out = []
    for item in hits:
        finding = item.finding
        if not chunk.owns(finding.line, finding.column):
            continue
        line, column = chunk.place(finding.line, finding.column)
        shift = column - finding.column
        placed = replace(finding, line=line, column=column, end_column=finding.end_column + shift)
        out.append(replace(item, finding=placed))
    return out


_CONTEXT = 1024
"""Bytes around a secret the engine may read besides its rule's window (the generic rule's line context)."""


def _label_from_masks(findings: list[Finding], masked: list[MaskedRef]) -> list[Finding]:
    """A masked key (`sk-proj-J1•••` in a key table) that fits exactly one found secret names that secret."""
    if not masked:
        return findings
    secrets = {f.secret for f in findings if not f.identifier}
    labels: dict[str, list[str]] = defaultdict(list)
    for ref in masked:
        fits = [
            s for s in secrets
            if s.startswith(ref.visible_prefix) and s.endswith(ref.visible_suffix) and s != ref.visible_prefix
        ]  # fmt: skip
        if len(fits) == 1 and ref.label and ref.label not in labels[fits[0]]:
            labels[fits[0]].append(ref.label)
    return [replace(f, labels=tuple(labels[f.secret])) if labels.get(f.secret) else f for f in findings]


def _link_orgs(findings: list[Finding]) -> list[Finding]:
    """Keys and the org IDs found in the same file point at each other, nearest org first."""
    by_file: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[(f.path, f.commit.oid if f.commit else None)].append(f)
    out = []
    for group in by_file.values():
        orgs = [f for f in group if f.kind == "org-id"]
        keys = [f for f in group if f.kind != "org-id" and f.provider == orgs[0].provider] if orgs else []
        for f in group:
            if f.kind == "org-id":
                others = keys
            elif orgs and f.provider == orgs[0].provider:
                others = orgs
            else:
                out.append(f)
                continue
            ranked = sorted(others, key=lambda o: abs(o.line - f.line))
            related = tuple(dict.fromkeys(o.secret_id for o in ranked if o.secret_id != f.secret_id))
            out.append(replace(f, related=related) if related else f)
    return out
