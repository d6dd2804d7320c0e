"""The pipeline: sources → engine → attribution → cross-file links → filter stage → sorted findings."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.config import Settings
from scanner.engine.detector import Detector, MaskedRef
from scanner.engine.locate import Located, locate, resolve_glue
from scanner.engine.ruleset import RuleSet, load_ruleset
from scanner.filters import Filter, ScanScope, default_filters
from scanner.findings import Finding, Fragment, Note, ScanResult, Skipped
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
    progress: Callable[[Fragment], None] | None = None,
) -> ScanResult:
    """Run every source through the engine and the filter stage (`default_filters(settings)` unless given).

    `root` and `partial` are what the filters know of the sources (see `ScanScope`).
    """
    started = time.perf_counter()
    ruleset = ruleset or load_ruleset(settings.rule_paths, settings.disabled_rules)
    detector = Detector(ruleset, backend)
    located: list[list[Located]] = []
    masked: list[MaskedRef] = []
    skipped: list[Skipped] = []
    notes: list[str] = []
    files = size = 0
    for source in sources:
        found: list[Located] = []
        for item in source.read():
            if isinstance(item, Skipped):
                skipped.append(item)
            elif isinstance(item, Note):
                notes.append(item.text)
            else:
                if progress is not None:
                    progress(item)
                files += 1
                size += len(item.data)
                hits, refs = locate(detector, item)
                found.extend(hits)
                masked.extend(refs)
        located.append(found)
    findings: list[Finding] = []
    for source, group in zip(sources, resolve_glue(located), strict=True):
        findings.extend(source.attribute(group))
    findings = _link_orgs(_label_from_masks(findings, masked))
    scope = ScanScope(root, tuple(skipped), partial)
    for step in default_filters(settings) if filters is None else filters:
        filtered = step.apply(findings, scope)
        findings = filtered.kept
        notes.extend(filtered.notes)
    findings.sort(key=sort_key)
    reported = {f.rule_id for f in findings}
    return ScanResult(
        findings=findings,
        files_scanned=files,
        bytes_scanned=size,
        skipped=skipped,
        notes=notes,
        seconds=time.perf_counter() - started,
        root=root,
        engine=detector.matcher.name,
        rule_descriptions={r.id: r.description for r in ruleset.rules if r.id in reported},
    )


def scan_target(
    target: Target,
    settings: Settings,
    *,
    filters: Sequence[Filter] | None = None,
    backend: str = "auto",
    progress: Callable[[Fragment], None] | None = None,
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
    return scan_target(on_disk(paths, settings), settings, filters=everything, backend=backend)


def scan_bytes(data: bytes, ruleset: RuleSet, *, path: str = "-", backend: str = "auto") -> list[Finding]:
    """The whole pipeline over one buffer (tests, benchmarks)."""
    from scanner.sources.filesystem import BufferSource

    return scan([BufferSource(path, data)], Settings(), ruleset=ruleset, backend=backend).findings


def sort_key(f: Finding) -> tuple[str, int, int, str, str]:
    return (f.path, f.line, f.column, f.rule_id, (f.commit.oid or "") if f.commit else "")


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
