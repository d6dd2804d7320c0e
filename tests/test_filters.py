"""The filter stage: the settings' filters in order, run by scan() after the cross-file links, each seeing the
scan's scope; and the baseline update's arithmetic, without the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.config import Settings
from scanner.filters import Filtered, ScanScope, default_filters
from scanner.filters.allowlist import AllowedValues
from scanner.filters.baseline import BaselineEntry, BaselineFilter, entries_for, read_baseline, update, write_baseline
from scanner.findings import Finding, ScanResult, Severity, Skipped, secret_id
from scanner.scan import scan, scan_paths
from scanner.sources.filesystem import FilesystemSource
from tests.conftest import SEED

KEY = "sk-proj-Qw3rTy7UiOp9AsDfGh2JkLzXcVbNm4Pq8RsTuVwXyZ01AbCd"
INTERNAL = "org-NexusInternal"
LEGACY = "sk-4A7rGe2tdqvhXp9klueS9wopuAxccPUFQIlRBfEMTtmmp8ro"


class Recording:
    """A filter that keeps everything but the first finding and remembers what it was shown."""

    def __init__(self) -> None:
        self.scopes: list[ScanScope] = []

    def apply(self, findings: Sequence[Finding], scope: ScanScope) -> Filtered:
        self.scopes.append(scope)
        return Filtered(list(findings[1:]), ("recorded",))


def test_the_default_filters_are_allowed_values_then_the_baseline(tmp_path: Path) -> None:
    settings = Settings(allow_values=("^sk-test-",), baseline=tmp_path / "b.json")

    assert default_filters(Settings()) == []
    assert [type(f) for f in default_filters(settings)] == [AllowedValues, BaselineFilter]
    assert [type(f) for f in default_filters(settings, baseline=False)] == [AllowedValues]


def test_scan_runs_the_stage_with_the_scope_and_adds_the_filters_notes_after_the_sources(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"k = '{KEY}'\nagain = '{KEY}'\n")
    (tmp_path / "b.bin").write_bytes(b"\0")
    recording = Recording()

    result = scan([FilesystemSource([tmp_path], Settings())], Settings(), filters=[recording], root=str(tmp_path))

    assert recording.scopes == [
        ScanScope(str(tmp_path), (Skipped("b.bin", "binary", incomplete=False),), partial=False)
    ]
    assert [(f.path, f.line) for f in result.findings] == [("a.txt", 2)]
    assert result.notes == ["recorded"]


def test_a_filtered_secret_was_linked_first_so_what_is_reported_still_names_it() -> None:
    settings = Settings(allow_values=(f"^{INTERNAL}$",))

    findings = scan_paths([SEED], settings).findings

    legacy = next(f for f in findings if f.secret == LEGACY)
    assert INTERNAL not in {f.secret for f in findings}
    assert legacy.related[0] == secret_id(INTERNAL)


def test_scan_paths_starts_from_every_finding_whatever_baseline_the_settings_name(tmp_path: Path) -> None:
    settings = Settings(baseline=tmp_path / "no-such-baseline.json")  # `fix` and `rotate` never read it

    assert len(scan_paths([SEED], settings).findings) == 19


def finding(path: str, secret: str = KEY) -> Finding:
    return Finding("openai-project-key", Severity.HIGH, secret, path, 1, 1, 2)


def test_update_adds_new_findings_drops_gone_ones_and_keeps_what_the_scan_did_not_see(tmp_path: Path) -> None:
    file = tmp_path / ".keysweep-baseline.json"
    kept, new = finding("app.py"), finding("new.py", KEY[:-1] + "Z")
    [kept_entry] = entries_for([kept], str(tmp_path), tmp_path)
    gone = BaselineEntry("old.py", "openai-project-key", "0" * 16)
    unread = BaselineEntry("big.txt", "openai-project-key", "1" * 16)
    elsewhere = BaselineEntry("../other/x.py", "openai-project-key", "2" * 16)
    write_baseline(file, [kept_entry, gone, unread, elsewhere])
    too_large = Skipped("big.txt", "too large (11.0 MiB > 10.0 MiB)", incomplete=False)
    rescan = ScanResult(findings=[kept, new], skipped=[too_large], root=str(tmp_path))

    change = update(file, lambda: rescan)

    assert change.added == entries_for([new], str(tmp_path), tmp_path)
    assert change.removed == [gone]
    assert change.unchanged == 3
    assert set(read_baseline(file).entries) == set(change.entries) == {kept_entry, unread, elsewhere, *change.added}


def test_an_update_that_changes_nothing_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    file = tmp_path / ".keysweep-baseline.json"
    write_baseline(file, entries_for([finding("app.py")], str(tmp_path), tmp_path))
    file.write_text(file.read_text().replace("\n", " ") + "\n")  # someone's own formatting
    before = file.read_text()

    change = update(file, lambda: ScanResult([finding("app.py")], root=str(tmp_path)))

    assert (change.added, change.removed, change.unchanged) == ([], [], 1)
    assert file.read_text() == before
