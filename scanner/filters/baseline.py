"""Baselines of accepted findings: keysweep's own file, and detect-secrets' and gitleaks' for teams migrating.

A keysweep baseline names each accepted secret by (secret_id, rule_id, path) — never by line, never by value —
so it survives lines moving, reformatting and squash merges, and a different secret on a baselined line is
still reported. Paths are stored relative to the baseline file's folder, so the file means the same thing
whichever folder a scan starts from.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

from msgspec import Struct

from scanner import re_cache
from scanner.errors import BaselineError
from scanner.filters import Filtered, ScanScope
from scanner.findings import Finding, ScanResult

BASELINE_VERSION = 1
DEFAULT_BASELINE = Path(".keysweep-baseline.json")

# NOTE: gitleaks names rules differently; a `.gitleaksignore` line carries over to the keysweep rules that
# find the same kind of secret. Ids not listed here are honoured for a keysweep rule of the same id, or for
# any keysweep rule when the line number also matches (the only identity a gitleaks fingerprint has).
GITLEAKS_RULE_IDS: dict[str, frozenset[str]] = {
    "openai-api-key": frozenset(
        {"openai-project-key", "openai-service-account-key", "openai-admin-key", "openai-legacy-key"}
    ),
    "aws-access-token": frozenset({"aws-access-key-id"}),
    # gitleaks finds AWS secret keys (and most keyword=value secrets) with its generic rule.
    "generic-api-key": frozenset({"generic-api-key", "aws-secret-access-key"}),
    "github-pat": frozenset({"github-pat"}),
    "github-fine-grained-pat": frozenset({"github-fine-grained-pat"}),
    "github-oauth": frozenset({"github-oauth-token"}),
    "github-app-token": frozenset({"github-app-installation-token", "github-user-token"}),
    "github-refresh-token": frozenset({"github-refresh-token"}),
    "slack-bot-token": frozenset({"slack-bot-token"}),
    "slack-user-token": frozenset({"slack-user-token"}),
    "slack-app-token": frozenset({"slack-app-token"}),
    "slack-webhook-url": frozenset({"slack-webhook-url"}),
    "slack-legacy-workspace-token": frozenset({"slack-workspace-token"}),
    "slack-config-refresh-token": frozenset({"slack-refresh-token"}),
    "stripe-access-token": frozenset({"stripe-secret-key", "stripe-restricted-key", "stripe-test-secret-key"}),
}
_FINGERPRINT = re_cache.compile(r"^(?:(?P<commit>[0-9a-f]{7,64}):)?(?P<path>.+):(?P<rule>[^:\s]+):(?P<line>\d+)$")


class Entry(Protocol):
    """One accepted finding, in whichever format the baseline file uses."""

    @property
    def path(self) -> str: ...

    def is_covering(self, finding: Finding) -> bool:
        """True when this entry accepts `finding` (its path already known to equal `self.path`)."""
        ...


class BaselineEntry(Struct, frozen=True, order=True):
    """A keysweep baseline entry: one secret, found by one rule, in one file."""

    path: str
    """Relative to the baseline file's folder, POSIX separators."""
    rule_id: str
    secret_id: str
    """`Finding.secret_id`: a hash that names the secret without revealing it."""

    def is_covering(self, finding: Finding) -> bool:
        return finding.rule_id == self.rule_id and finding.secret_id == self.secret_id

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "rule_id": self.rule_id, "secret_id": self.secret_id}


class DetectSecretsEntry(Struct, frozen=True):
    """A `results` item of detect-secrets' `.secrets.baseline`: the SHA-1 of the value in a file, any rule."""

    path: str
    hashed_secret: str

    def is_covering(self, finding: Finding) -> bool:
        value = finding.secret.encode("utf-8", "surrogateescape")
        return hashlib.sha1(value, usedforsecurity=False).hexdigest() == self.hashed_secret


class GitleaksEntry(Struct, frozen=True):
    """A `.gitleaksignore` fingerprint: `[commit:]file:rule-id:line`; it holds no identity of the secret."""

    path: str
    rule_id: str
    line: int
    commit: str | None = None

    def is_covering(self, finding: Finding) -> bool:
        oid = finding.commit.oid if finding.commit else None
        if self.commit and oid and not oid.startswith(self.commit):
            return False
        ours = GITLEAKS_RULE_IDS.get(self.rule_id)
        if ours is not None:
            return finding.rule_id in ours
        return finding.rule_id == self.rule_id or finding.line == self.line


class Baseline(Struct, frozen=True):
    """The accepted findings of one baseline file."""

    file: Path
    format: str
    """`keysweep`, `detect-secrets` or `gitleaks`."""
    entries: tuple[Entry, ...]


def read_baseline(file: Path) -> Baseline:
    """Read a baseline in any of the three formats, told apart by content; errors say how to make one."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(
            f"{file}: no such baseline; create one with `keysweep baseline create --output {file}`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{file}: cannot read baseline: {getattr(exc, 'strerror', None) or exc}") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BaselineError(f"{file}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
        if isinstance(data, dict) and isinstance(data.get("results"), dict):
            return Baseline(file, "detect-secrets", _detect_secrets_entries(data["results"], file))
        if isinstance(data, dict) and "entries" in data:
            return Baseline(file, "keysweep", tuple(_keysweep_entries(data, file)))
        raise BaselineError(f"{file}: neither a keysweep baseline (`entries`) nor a detect-secrets one (`results`)")
    return Baseline(file, "gitleaks", _gitleaks_entries(text, file))


def _keysweep_entries(data: dict[str, object], file: Path) -> list[BaselineEntry]:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BaselineError(f"{file}: `version` is missing or not a number")
    if version > BASELINE_VERSION:
        raise BaselineError(f"{file}: baseline version {version} was written by a newer keysweep; upgrade keysweep")
    items = data["entries"]
    if not isinstance(items, list):
        raise BaselineError(f"{file}: `entries` must be a list")
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in BaselineEntry.__struct_fields__):
            raise BaselineError(f"{file}: entry {n} needs string `path`, `rule_id` and `secret_id`")
        out.append(BaselineEntry(item["path"], item["rule_id"], item["secret_id"]))
    return out


def _detect_secrets_entries(results: dict[str, object], file: Path) -> tuple[Entry, ...]:
    out: list[Entry] = []
    for filename, items in results.items():
        if not isinstance(items, list):
            raise BaselineError(f"{file}: results for {filename!r} must be a list")
        for item in items:
            hashed = item.get("hashed_secret") if isinstance(item, dict) else None
            if not isinstance(hashed, str):
                raise BaselineError(f"{file}: a result for {filename!r} has no `hashed_secret`")
            out.append(DetectSecretsEntry(Path(filename).as_posix(), hashed.lower()))
    return tuple(out)


def _gitleaks_entries(text: str, file: Path) -> tuple[Entry, ...]:
    out: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _FINGERPRINT.match(line)
        if m is None:
            raise BaselineError(
                f"{file}:{number}: not a keysweep or detect-secrets baseline, and not a gitleaks fingerprint "
                "(`commit:file:rule-id:line` or `file:rule-id:line`)"
            )
        path = m["path"]
        commit = m["commit"]
        if commit is None and ":" in path:
            # NOTE: a hex-looking first field may be a file name; gitleaks writes full 40-character commits.
            head, _, rest = path.partition(":")
            if re.fullmatch(r"[0-9a-f]{40}", head):
                commit, path = head, rest
        out.append(GitleaksEntry(path, m["rule"], int(m["line"]), commit))
    return tuple(out)


def baseline_path(finding_path: str, root: str, base_dir: Path) -> str:
    """`finding_path` (relative to the scan root `root`) made relative to the baseline's folder."""
    if finding_path == "-":
        return "-"
    path = Path(finding_path)
    if not path.is_absolute():
        anchor = Path(root) if root and Path(root).is_dir() else Path.cwd()
        path = anchor / path
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(base_dir))).as_posix()


def _names(finding: Finding, root: str, base_dir: Path) -> tuple[str, ...]:
    # The path as reported is tried too, for baselines written by tools that store paths from another folder.
    return (baseline_path(finding.path, root, base_dir), Path(finding.path).as_posix())


def entries_for(findings: Iterable[Finding], root: str, base_dir: Path) -> list[BaselineEntry]:
    """The keysweep baseline entries that accept exactly these findings, sorted, without duplicates."""
    found = {BaselineEntry(baseline_path(f.path, root, base_dir), f.rule_id, f.secret_id) for f in findings}
    return sorted(found)


def render_baseline(entries: Iterable[BaselineEntry]) -> str:
    """Stable JSON: sorted keys and entries, no timestamps or absolute paths, a trailing newline."""
    doc = {
        "entries": [e.as_json() for e in sorted(set(entries))],
        "tool": "keysweep",
        "version": BASELINE_VERSION,
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_baseline(file: Path, entries: Iterable[BaselineEntry]) -> None:
    try:
        file.write_text(render_baseline(entries), encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"{file}: cannot write baseline: {exc.strerror}") from None


def is_in_scope(entry_path: str, root: str, base_dir: Path) -> bool:
    """True when a scan of `root` would have read `entry_path`, so its silence means the secret is gone."""
    if entry_path == "-":
        return False
    target = os.path.abspath(base_dir / entry_path)
    scope = os.path.abspath(root or ".")
    return target == scope or target.startswith(scope.rstrip(os.sep) + os.sep)


class BaselineMatch(Struct, frozen=True):
    """How a baseline met a list of findings."""

    kept: list[Finding]
    """Findings the baseline does not accept: these are reported."""
    accepted: list[Finding]
    stale: list[Entry]
    """Entries within the scanned scope that accepted nothing: their secrets are gone."""


def match_baseline(
    baseline: Baseline, findings: Sequence[Finding], root: str, *, skipped: Iterable[str] = ()
) -> BaselineMatch:
    """Split `findings` into reported and accepted, and find the stale entries of `baseline`."""
    base_dir = baseline.file.parent
    by_path: dict[str, list[Entry]] = {}
    for entry in baseline.entries:
        by_path.setdefault(entry.path, []).append(entry)
    used: set[int] = set()
    kept: list[Finding] = []
    accepted: list[Finding] = []
    for finding in findings:
        names = dict.fromkeys(_names(finding, root, base_dir))
        covering = [e for name in names for e in by_path.get(name, ()) if e.is_covering(finding)]
        used.update(id(e) for e in covering)
        (accepted if covering else kept).append(finding)
    unread = {baseline_path(p, root, base_dir) for p in skipped}
    stale = [
        e
        for e in baseline.entries
        if id(e) not in used and e.path not in unread and is_in_scope(e.path, root, base_dir)
    ]
    return BaselineMatch(kept, accepted, stale)


class BaselineFilter(Struct, frozen=True):
    """The baseline as a step of the filter stage: findings it accepts are not reported, and entries that
    accepted nothing in a scan that read their files whole are noted as stale."""

    file: Path

    def apply(self, findings: Sequence[Finding], scope: ScanScope) -> Filtered:
        baseline = read_baseline(self.file)
        match = match_baseline(baseline, findings, scope.root, skipped=[s.path for s in scope.skipped])
        # NOTE: staged, range and hook scans read only part of each file: an entry they miss is not stale.
        stale = match.stale and not scope.partial
        return Filtered(match.kept, (stale_note(baseline, len(match.stale)),) if stale else ())


class Created(Struct, frozen=True):
    """A new baseline: its entries, and how many findings a migrated-from baseline did not accept."""

    entries: list[BaselineEntry]
    left_out: int = 0


def create(file: Path, scan: Callable[[], ScanResult], *, migrate_from: Path | None = None) -> Created:
    """Scan, then write a baseline at `file` accepting every finding (or only those `migrate_from` accepted).

    A detect-secrets or gitleaks baseline at `file` is never overwritten: it may be the only record a team has.
    """
    _refuse_to_overwrite_foreign(file)
    result = scan()
    findings = result.findings
    left_out = 0
    if migrate_from is not None:
        match = match_baseline(read_baseline(migrate_from), findings, result.root)
        findings, left_out = match.accepted, len(match.kept)
    entries = entries_for(findings, result.root, file.parent)
    write_baseline(file, entries)
    return Created(entries, left_out)


class Update(Struct, frozen=True):
    """How a rescan changed a baseline."""

    entries: frozenset[BaselineEntry]
    """The baseline after the update."""
    added: list[BaselineEntry]
    removed: list[BaselineEntry]
    unchanged: int


def update(file: Path, scan: Callable[[], ScanResult]) -> Update:
    """Rescan; add the new findings to the keysweep baseline at `file`, drop entries whose secret is gone.

    Entries for files outside the scanned root, or that the scan skipped, are kept as they are. The file is
    rewritten only when something changed.
    """
    old = read_baseline(file)
    if old.format != "keysweep":
        raise BaselineError(
            f"{file} is a {old.format} baseline; convert it once with "
            f"`keysweep baseline create --from {file} --output .keysweep-baseline.json`"
        )
    result = scan()
    base_dir = file.parent
    unread = {baseline_path(s.path, result.root, base_dir) for s in result.skipped}
    previous = {e for e in old.entries if isinstance(e, BaselineEntry)}
    untouched = {e for e in previous if e.path in unread or not is_in_scope(e.path, result.root, base_dir)}
    current = frozenset(untouched | set(entries_for(result.findings, result.root, base_dir)))
    change = Update(current, sorted(current - previous), sorted(previous - current), len(previous & current))
    if change.added or change.removed:
        write_baseline(file, current)
    return change


def _refuse_to_overwrite_foreign(file: Path) -> None:
    if not file.is_file():
        return
    try:
        existing = read_baseline(file)
    except BaselineError:
        return  # unreadable as any baseline: nothing of value to protect
    if existing.format != "keysweep":
        raise BaselineError(
            f"{file} is a {existing.format} baseline and would be overwritten; "
            f"write elsewhere: `keysweep baseline create --from {file} --output .keysweep-baseline.json`"
        )


def stale_note(baseline: Baseline, count: int) -> str:
    entries = f"{count} baseline entr{'ies' if count != 1 else 'y'} no longer match{'es' if count == 1 else ''}"
    if baseline.format == "keysweep":
        return f"{entries} anything; run `keysweep baseline update --baseline {baseline.file}` to drop them"
    return (
        f"{entries} anything in {baseline.file} ({baseline.format}); "
        f"run `keysweep baseline create --from {baseline.file}` to switch to a keysweep baseline"
    )
