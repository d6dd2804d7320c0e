"""The pipeline: sources → detector → filters → findings, then the cross-file links (glue, masks, orgs)."""

from __future__ import annotations

import bisect
import fnmatch
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.config import Settings
from scanner.engine.decoders import decoded_spans, map_span
from scanner.engine.detector import Detector, MaskedRef, Match
from scanner.engine.ruleset import RuleSet, load_ruleset
from scanner.filters.inline import is_allowed_inline
from scanner.findings import Finding, Fragment
from scanner.naming import name_hint
from scanner.sources import Skipped, Source


@dataclass(slots=True)
class ScanResult:
    """What a scan found and what it read."""

    findings: list[Finding]
    ruleset: RuleSet
    files_scanned: int = 0
    bytes_scanned: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    root: str = "."
    engine: str = ""
    """Which keyword matcher ran (`hyperscan` or `python`)."""


@dataclass(slots=True)
class _Pending:
    """A finding whose glued heading word may still be cut off once the whole scan is known."""

    finding: Finding
    alternatives: tuple[str, ...]
    cut: bool


def scan_paths(paths: Sequence[str | Path], settings: Settings, *, backend: str = "auto") -> ScanResult:
    """Scan files and folders on disk (`-` for stdin)."""
    import sys

    from scanner.sources.filesystem import BufferSource, FilesystemSource

    sources: list[Source] = []
    on_disk = [p for p in paths if str(p) != "-"]
    if on_disk:
        sources.append(FilesystemSource(on_disk, settings))
    if len(on_disk) != len(paths):
        sources.append(BufferSource("-", sys.stdin.buffer.read()))
    root = str(on_disk[0]) if len(on_disk) == 1 else "."
    return scan(sources, settings, backend=backend, root=root)


def scan(
    sources: Sequence[Source],
    settings: Settings,
    *,
    ruleset: RuleSet | None = None,
    backend: str = "auto",
    root: str = ".",
    progress: Callable[[Fragment], None] | None = None,
) -> ScanResult:
    """Run every source through the detector and return the findings, linked and filtered."""
    started = time.perf_counter()
    allowed_paths = settings.allow_paths
    ruleset = ruleset or load_ruleset(settings.rule_paths, settings.disabled_rules)
    detector = Detector(ruleset, backend)
    result = ScanResult(findings=[], ruleset=ruleset, root=root, engine=detector.matcher.name)
    per_source: list[list[_Pending]] = []
    masked: list[tuple[str, MaskedRef]] = []
    for source in sources:
        pending: list[_Pending] = []
        for fragment in source.fragments():
            if allowed_paths and any(fnmatch.fnmatch(fragment.path, g) for g in allowed_paths):
                continue
            if progress is not None:
                progress(fragment)
            result.files_scanned += 1
            result.bytes_scanned += len(fragment.data)
            found, refs = detect_fragment(detector, fragment)
            pending.extend(found)
            masked.extend((fragment.path, ref) for ref in refs)
        per_source.append(pending)
    _resolve_glue([p for pending in per_source for p in pending])
    findings: list[Finding] = []
    for source, pending in zip(sources, per_source, strict=True):
        findings.extend(source.attribute([p.finding for p in pending]))
        result.skipped.extend(source.skipped)
        result.notes.extend(source.notes)
    findings = _allowed_by_settings(findings, settings)
    findings = _label_from_masks(findings, masked)
    findings = _link_orgs(findings)
    findings.sort(key=sort_key)
    result.findings = findings
    result.seconds = time.perf_counter() - started
    return result


def scan_bytes(data: bytes, ruleset: RuleSet, *, path: str = "-", backend: str = "auto") -> list[Finding]:
    """The whole pipeline over one buffer (rule examples, `rules check`, tests)."""
    from scanner.sources.filesystem import BufferSource

    return scan([BufferSource(path, data)], Settings(), ruleset=ruleset, backend=backend).findings


def sort_key(f: Finding) -> tuple[str, int, int, str, str]:
    return (f.path, f.line, f.column, f.rule_id, f.commit or "")


def detect_fragment(detector: Detector, fragment: Fragment) -> tuple[list[_Pending], list[MaskedRef]]:
    """Findings of one fragment, with positions, inline allows and the added-lines restriction applied."""
    data = fragment.data
    detection = detector.detect(data, fragment.path)
    matches, masked = detection.matches, detection.masked
    for span in decoded_spans(data, detection.hits):
        for m in detector.detect(span.data, fragment.path).matches:
            start, end = map_span(span, m.start, m.end)
            if not span.whole and end - start == m.end - m.start:
                continue  # nothing was decoded inside it: the raw pass saw it already
            if any(o.start == start and o.end == end and not o.rule.generic for o in matches):
                continue
            # The decoded reading wins over a raw one cut short by the escape (`whsec_abc` of
            # `whsec_abc\/def`) and over a generic rule's reading of the encoded text.
            matches = [
                o for o in matches
                if not (
                    o.start < end and start < o.end and (o.rule is m.rule or (o.rule.generic and not m.rule.generic))
                )
            ]  # fmt: skip
            matches.append(Match(m.rule, start, end, m.secret, m.alternatives, m.cut, span.how))
    if not matches:
        return [], masked
    lines = _LineIndex(data)
    out = []
    for m in matches:
        line, column, text, previous = lines.locate(m.start)
        if fragment.added_lines is not None and line not in fragment.added_lines:
            continue
        if is_allowed_inline(m.rule.id, text, previous):
            continue
        end_line, end_column, _, _ = lines.locate(m.end)
        if end_line != line:
            end_column = len(text) + 1
        rule = m.rule
        finding = Finding(
            rule_id=rule.id,
            severity=rule.severity,
            secret=m.secret,
            path=fragment.path,
            line=line,
            column=column,
            end_column=end_column,
            prefix=rule.prefix,
            identifier=rule.identifier,
            kind=rule.kind,
            provider=rule.provider,
            env_var=rule.env_var,
            commit=fragment.commit,
            author=fragment.author,
            email=fragment.email,
            date=fragment.date,
            decoded=m.decoded,
            blob=fragment.blob,
            name_hint=name_hint(text[: column - 1], previous, generic=rule.generic),
        )
        out.append(_Pending(finding, m.alternatives, m.cut))
    return out, masked


class _LineIndex:
    """Line and character-column lookups for a buffer, built once per fragment that has findings."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.starts = [0]
        pos = data.find(b"\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = data.find(b"\n", pos + 1)

    def locate(self, offset: int) -> tuple[int, int, str, str]:
        """(1-based line, 1-based character column, line text, previous line text) of a byte offset."""
        index = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[index]
        column = len(self.data[start:offset].decode("utf-8", "replace")) + 1
        return index + 1, column, self._text(index), self._text(index - 1) if index else ""

    def _text(self, index: int) -> str:
        start = self.starts[index]
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.data)
        return self.data[start:end].decode("utf-8", "replace").rstrip("\r")


def _resolve_glue(pending: Iterable[_Pending]) -> None:
    """Cut glued heading words off: where the shorter secret appears cleanly elsewhere, or where plausible."""
    items = list(pending)
    clean = {p.finding.secret for p in items if not p.alternatives}
    for p in items:
        if not p.alternatives:
            continue
        chosen = next((a for a in p.alternatives if a in clean), p.alternatives[0] if p.cut else None)
        if chosen is not None:
            cut = len(p.finding.secret) - len(chosen)
            p.finding = p.finding.with_(secret=chosen, end_column=p.finding.end_column - cut)


def _allowed_by_settings(findings: list[Finding], settings: Settings) -> list[Finding]:
    if not settings.allow_values:
        return findings
    import re

    patterns = [re.compile(p) for p in settings.allow_values]
    return [f for f in findings if not any(p.search(f.secret) for p in patterns)]


def _label_from_masks(findings: list[Finding], masked: list[tuple[str, MaskedRef]]) -> list[Finding]:
    """A masked key (`sk-proj-J1•••` in a key table) that fits exactly one found secret names that secret."""
    if not masked:
        return findings
    secrets = {f.secret for f in findings if not f.identifier}
    labels: dict[str, list[str]] = defaultdict(list)
    for _path, ref in masked:
        fits = [
            s for s in secrets
            if s.startswith(ref.visible_prefix) and s.endswith(ref.visible_suffix) and s != ref.visible_prefix
        ]  # fmt: skip
        if len(fits) == 1 and ref.label and ref.label not in labels[fits[0]]:
            labels[fits[0]].append(ref.label)
    return [f.with_(labels=tuple(labels[f.secret])) if labels.get(f.secret) else f for f in findings]


def _link_orgs(findings: list[Finding]) -> list[Finding]:
    """Keys and the org IDs found in the same file point at each other, nearest org first."""
    by_file: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[(f.path, f.commit)].append(f)
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
            out.append(f.with_(related=related) if related else f)
    return out
