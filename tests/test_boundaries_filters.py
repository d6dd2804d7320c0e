"""The filters' limits and identities at their edges (issue 16): baseline versions, gitleaks fingerprints (commit
length 7 to 64, rule mapping, line), the scope a stale entry is judged in, and allowed values."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from scanner.errors import BaselineError
from scanner.filters import ScanScope
from scanner.filters.allowlist import AllowedValues
from scanner.filters.baseline import (
    BASELINE_VERSION,
    Baseline,
    BaselineEntry,
    BaselineFilter,
    DetectSecretsEntry,
    GitleaksEntry,
    is_in_scope,
    match_baseline,
    read_baseline,
    stale_note,
)
from scanner.findings import Commit, Finding, Severity, secret_id

SECRET = "sk-proj-" + "Q7mZ2xP9w0Kd" * 4


def finding(
    rule_id: str = "openai-project-key", path: str = "app.py", line: int = 3, commit: str | None = None
) -> Finding:
    return Finding(
        rule_id,
        Severity.parse("high"),
        SECRET,
        path,
        line,
        5,
        5 + len(SECRET),
        commit=Commit(commit, "Ada", "ada@example.com", "2025-01-01T00:00:00+00:00") if commit else None,
    )


@pytest.mark.parametrize(("version", "ok"), [(0, True), (BASELINE_VERSION, True), (BASELINE_VERSION + 1, False)])
def test_a_baseline_of_a_newer_version_is_refused(tmp_path: Path, version: int, ok: bool) -> None:
    file = tmp_path / "b.json"
    file.write_text(json.dumps({"version": version, "entries": []}))
    if ok:
        assert read_baseline(file).format == "keysweep"
    else:
        with pytest.raises(BaselineError, match="newer keysweep"):
            read_baseline(file)


@pytest.mark.parametrize("version", [True, "1", None, 1.0])
def test_a_baseline_version_must_be_a_whole_number(tmp_path: Path, version: object) -> None:
    file = tmp_path / "b.json"
    file.write_text(json.dumps({"version": version, "entries": []}))
    with pytest.raises(BaselineError, match="version"):
        read_baseline(file)


@pytest.mark.parametrize(
    ("line", "commit", "path"),
    [
        ("abcdef:app.py:openai-project-key:3", None, "abcdef:app.py"),  # 6 hex: part of the path
        ("abcdef0:app.py:openai-project-key:3", "abcdef0", "app.py"),  # 7 hex: a short commit
        ("a" * 64 + ":app.py:openai-project-key:3", "a" * 64, "app.py"),
        ("a" * 65 + ":app.py:openai-project-key:3", None, "a" * 65 + ":app.py"),
        ("app.py:openai-project-key:3", None, "app.py"),
    ],
)
def test_gitleaks_fingerprints_take_a_commit_of_7_to_64_hex(
    tmp_path: Path, line: str, commit: str | None, path: str
) -> None:
    file = tmp_path / ".gitleaksignore"
    file.write_text(f"# comment\n\n{line}\n")
    [entry] = read_baseline(file).entries
    assert isinstance(entry, GitleaksEntry)
    assert (entry.commit, entry.path, entry.rule_id, entry.line) == (commit, path, "openai-project-key", 3)


def test_a_full_commit_glued_to_a_path_with_a_colon_is_split(tmp_path: Path) -> None:
    oid = "b" * 40
    file = tmp_path / ".gitleaksignore"
    file.write_text(f"{oid}:dir:odd/app.py:generic-api-key:7\n")
    [entry] = read_baseline(file).entries
    assert isinstance(entry, GitleaksEntry)
    assert (entry.commit, entry.path) == (oid, "dir:odd/app.py")


def test_a_gitleaks_fingerprint_covers_its_commit_only() -> None:
    entry = GitleaksEntry("app.py", "openai-api-key", 99, "abc1234")
    assert entry.is_covering(finding(commit="abc1234" + "0" * 33))
    assert not entry.is_covering(finding(commit="abc1235" + "0" * 33))
    assert GitleaksEntry("app.py", "openai-api-key", 99).is_covering(finding(commit="f" * 40))


def test_a_gitleaks_rule_maps_to_keysweep_rules_and_only_those() -> None:
    entry = GitleaksEntry("app.py", "openai-api-key", 99)
    assert entry.is_covering(finding("openai-project-key"))
    assert not entry.is_covering(finding("webhook-signing-secret"))


@pytest.mark.parametrize(("rule", "line", "covered"), [
    ("vendor-x-key", 3, True), ("vendor-x-key", 4, True), ("other", 3, True), ("other", 4, False), ("other", 2, False),
])  # fmt: skip
def test_an_unmapped_gitleaks_rule_covers_its_own_id_or_its_line(rule: str, line: int, covered: bool) -> None:
    assert GitleaksEntry("app.py", "vendor-x-key", line).is_covering(finding(rule, line=3)) is covered


def test_a_detect_secrets_entry_covers_the_sha1_of_the_value_under_any_rule() -> None:
    digest = hashlib.sha1(SECRET.encode(), usedforsecurity=False).hexdigest()
    assert DetectSecretsEntry("app.py", digest).is_covering(finding("generic-api-key"))
    assert not DetectSecretsEntry("app.py", digest[:-1] + "0").is_covering(finding())


@pytest.mark.parametrize(
    ("entry", "root", "in_scope"),
    [
        ("src/app.py", "src", True),
        ("src", "src", True),
        ("srcx/app.py", "src", False),
        ("other/app.py", "src", False),
        ("-", ".", False),
        ("app.py", "", True),
    ],
)
def test_a_stale_entry_is_judged_only_inside_the_scanned_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str, root: str, in_scope: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    assert is_in_scope(entry, root, tmp_path) is in_scope


def test_entries_of_unread_paths_and_partial_scans_are_not_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text("x\n")
    (tmp_path / "big.bin").write_text("x\n")
    entries = (
        BaselineEntry("app.py", "openai-project-key", secret_id("gone")),
        BaselineEntry("big.bin", "openai-project-key", secret_id("unread")),
    )
    baseline = Baseline(tmp_path / "b.json", "keysweep", entries)
    match = match_baseline(baseline, [], str(tmp_path), skipped=[str(tmp_path / "big.bin")])
    assert match.stale == [entries[0]]
    (tmp_path / "b.json").write_text(
        json.dumps({"version": 1, "entries": [e.as_json() for e in entries]}), encoding="utf-8"
    )
    whole = BaselineFilter(tmp_path / "b.json").apply([], ScanScope(str(tmp_path)))
    partial = BaselineFilter(tmp_path / "b.json").apply([], ScanScope(str(tmp_path), partial=True))
    assert whole.notes == (stale_note(read_baseline(tmp_path / "b.json"), 2),)
    assert partial.notes == ()


@pytest.mark.parametrize(
    ("count", "words"), [(1, "1 baseline entry no longer matches"), (2, "2 baseline entries no longer match")]
)
def test_the_stale_note_counts_entries(tmp_path: Path, count: int, words: str) -> None:
    note = stale_note(Baseline(tmp_path / "b.json", "keysweep", ()), count)
    assert note.startswith(words + " anything;")
    foreign = stale_note(Baseline(tmp_path / ".gitleaksignore", "gitleaks", ()), count)
    assert foreign.startswith(words + " anything in") and "(gitleaks)" in foreign


def test_allowed_values_drop_only_the_findings_whose_value_they_match() -> None:
    keep = finding()
    drop = Finding("generic-api-key", Severity.parse("high"), "test-value-123", "a.py", 1, 1, 15)
    allowed = AllowedValues.compile([r"^test-value-\d+$"])
    assert allowed.apply([keep, drop], ScanScope(".")).kept == [keep]
    assert AllowedValues.compile([]).apply([keep, drop], ScanScope(".")).kept == [keep, drop]
