"""Baseline files in process (tests/test_baseline.py drives the same through the CLI): reading each format and
its errors, the stable rendering, create (and migrating), update, and never overwriting a foreign baseline."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from scanner.errors import BaselineError
from scanner.filters.baseline import (
    BaselineEntry,
    DetectSecretsEntry,
    GitleaksEntry,
    baseline_path,
    create,
    entries_for,
    read_baseline,
    render_baseline,
    update,
    write_baseline,
)
from scanner.findings import Finding, ScanResult, Severity, secret_id

KEY = "sk-proj-" + "Q7mZ2xP9w0Kd" * 4
OTHER = "sk-proj-" + "Lk3Vb8Rt1Nq5" * 4


def finding(secret: str = KEY, path: str = "app.py", rule_id: str = "openai-project-key") -> Finding:
    return Finding(rule_id, Severity.parse("high"), secret, path, 2, 5, 5 + len(secret))


def scan_of(root: Path, *findings: Finding) -> ScanResult:
    return ScanResult(list(findings), root=str(root))


# Reading --------------------------------------------------------------------------------------------------------------


def test_a_missing_baseline_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match=r"no such baseline; create one with `keysweep baseline create --output"):
        read_baseline(tmp_path / "none.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 1,\n "entries": [}', r"not valid JSON \(line 2\)"),
        ('{"other": 1}', "neither a keysweep baseline"),
        ('{"version": 1, "entries": {}}', "`entries` must be a list"),
        ('{"version": 1, "entries": [{"path": "a", "rule_id": "r"}]}', "entry 1 needs string `path`, `rule_id`"),
        ('{"version": 1, "entries": [1]}', "entry 1 needs"),
        ('{"results": {"a.py": {}}}', "results for 'a.py' must be a list"),
        ('{"results": {"a.py": [{"type": "x"}]}}', "a result for 'a.py' has no `hashed_secret`"),
        ('{"results": {"a.py": ["x"]}}', "a result for 'a.py' has no `hashed_secret`"),
        ("# ok\nnot a fingerprint\n", r":2: not a keysweep or detect-secrets baseline, and not a gitleaks fingerprint"),
    ],
)
def test_malformed_baselines_are_one_error_naming_the_problem(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "baseline"
    file.write_text(text)
    with pytest.raises(BaselineError, match=message):
        read_baseline(file)


def test_an_undecodable_or_unreadable_baseline_is_one_error_saying_why(tmp_path: Path) -> None:
    file = tmp_path / "b.json"
    file.write_bytes(b"\xff\xfe{")
    with pytest.raises(BaselineError, match=r"b.json: cannot read baseline: 'utf-8' codec can't decode byte 0xff"):
        read_baseline(file)
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(BaselineError, match=r"folder: cannot read baseline: Is a directory$"):
        read_baseline(folder)


def test_a_json_baseline_may_start_with_blank_lines_and_a_gitleaksignore_may_hold_comments_anywhere(
    tmp_path: Path,
) -> None:
    file = tmp_path / "b.json"
    file.write_text('\n  {"version": 1, "entries": []}\n')
    assert read_baseline(file).format == "keysweep"
    ignore = tmp_path / ".gitleaksignore"
    ignore.write_text("a.py:r:1\n# moved\nb.py:r:2\n")
    assert [e.path for e in read_baseline(ignore).entries] == ["a.py", "b.py"]


def test_a_keysweep_baseline_reads_every_entry(tmp_path: Path) -> None:
    file = tmp_path / "b.json"
    entries = [e.as_json() for e in (BaselineEntry("a.py", "r1", "s1"), BaselineEntry("b/c.py", "r2", "s2"))]
    file.write_text(json.dumps({"version": 1, "entries": entries}))
    baseline = read_baseline(file)
    assert (baseline.file, baseline.format) == (file, "keysweep")
    assert baseline.entries == (BaselineEntry("a.py", "r1", "s1"), BaselineEntry("b/c.py", "r2", "s2"))


def test_a_detect_secrets_baseline_reads_lower_cased_hashes_per_posix_path(tmp_path: Path) -> None:
    file = tmp_path / ".secrets.baseline"
    digest = hashlib.sha1(KEY.encode(), usedforsecurity=False).hexdigest()
    file.write_text(
        json.dumps({"results": {"src/app.py": [{"hashed_secret": digest.upper()}, {"hashed_secret": "ab"}]}})
    )
    baseline = read_baseline(file)
    assert baseline.format == "detect-secrets"
    assert baseline.entries == (DetectSecretsEntry("src/app.py", digest), DetectSecretsEntry("src/app.py", "ab"))


def test_a_gitleaksignore_reads_every_fingerprint_and_skips_comments_and_blank_lines(tmp_path: Path) -> None:
    file = tmp_path / ".gitleaksignore"
    file.write_text("# header\n\n  app.py:generic-api-key:3  \nabc1234:lib/x.py:openai-api-key:10\n")
    baseline = read_baseline(file)
    assert baseline.format == "gitleaks"
    assert baseline.entries == (
        GitleaksEntry("app.py", "generic-api-key", 3, None),
        GitleaksEntry("lib/x.py", "openai-api-key", 10, "abc1234"),
    )


# Paths ---------------------------------------------------------------------------------------------------------------


def test_baseline_paths_are_relative_to_the_baseline_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path)
    assert baseline_path("-", "src", tmp_path) == "-"
    assert baseline_path("app.py", "src", tmp_path) == "src/app.py"
    assert baseline_path("app.py", "src", tmp_path / "src") == "app.py"
    assert baseline_path("app.py", "missing-root", tmp_path) == "app.py"
    assert baseline_path(str(tmp_path / "src" / "x.py"), "", tmp_path) == "src/x.py"


# Rendering and writing -----------------------------------------------------------------------------------------------


def test_a_baseline_renders_as_stable_sorted_json_without_duplicates() -> None:
    entries = [BaselineEntry("b.py", "r", "2"), BaselineEntry("a.py", "r", "1"), BaselineEntry("b.py", "r", "2")]
    assert render_baseline(entries) == (
        "{\n"
        '  "entries": [\n'
        '    {\n      "path": "a.py",\n      "rule_id": "r",\n      "secret_id": "1"\n    },\n'
        '    {\n      "path": "b.py",\n      "rule_id": "r",\n      "secret_id": "2"\n    }\n'
        "  ],\n"
        '  "tool": "keysweep",\n'
        '  "version": 1\n'
        "}\n"
    )
    assert render_baseline([BaselineEntry("é.py", "r", "1")]).count("é.py") == 1


def test_a_baseline_that_cannot_be_written_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot write baseline"):
        write_baseline(tmp_path / "missing" / "b.json", [])


def test_entries_for_findings_are_sorted_and_unique(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = entries_for([finding(OTHER, "b.py"), finding(), finding()], ".", tmp_path)
    assert found == [
        BaselineEntry("app.py", "openai-project-key", secret_id(KEY)),
        BaselineEntry("b.py", "openai-project-key", secret_id(OTHER)),
    ]


# Create, migrate, update -----------------------------------------------------------------------------------------


def test_create_accepts_every_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    file = tmp_path / ".keysweep-baseline.json"
    made = create(file, lambda: scan_of(tmp_path, finding(), finding(OTHER, "b.py")))
    assert made.left_out == 0
    assert [e.path for e in made.entries] == ["app.py", "b.py"]
    assert read_baseline(file).entries == tuple(made.entries)


def test_create_from_a_detect_secrets_baseline_keeps_only_what_it_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    old = tmp_path / ".secrets.baseline"
    digest = hashlib.sha1(KEY.encode(), usedforsecurity=False).hexdigest()
    old.write_text(json.dumps({"results": {"app.py": [{"hashed_secret": digest}]}}))
    file = tmp_path / ".keysweep-baseline.json"
    made = create(file, lambda: scan_of(tmp_path, finding(), finding(OTHER)), migrate_from=old)
    assert made.left_out == 1
    assert made.entries == [BaselineEntry("app.py", "openai-project-key", secret_id(KEY))]
    assert old.read_text().startswith('{"results"')


@pytest.mark.parametrize(("name", "text"), [(".gitleaksignore", "app.py:generic-api-key:3\n"),
                                            (".secrets.baseline", '{"results": {}}')])  # fmt: skip
def test_create_never_overwrites_a_foreign_baseline(tmp_path: Path, name: str, text: str) -> None:
    file = tmp_path / name
    file.write_text(text)
    with pytest.raises(BaselineError, match="would be overwritten"):
        create(file, lambda: scan_of(tmp_path, finding()))
    assert file.read_text() == text


def test_create_overwrites_a_keysweep_baseline_or_an_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    file = tmp_path / "b.json"
    write_baseline(file, [BaselineEntry("old.py", "r", "s")])
    create(file, lambda: scan_of(tmp_path, finding()))
    assert [e.path for e in read_baseline(file).entries] == ["app.py"]
    file.write_text("{not json")
    create(file, lambda: scan_of(tmp_path, finding()))
    assert [e.path for e in read_baseline(file).entries] == ["app.py"]


def test_update_adds_new_findings_drops_gone_ones_and_keeps_what_the_scan_did_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    file = tmp_path / "b.json"
    gone = BaselineEntry("src/gone.py", "openai-project-key", secret_id(OTHER))
    kept = BaselineEntry("src/app.py", "openai-project-key", secret_id(KEY))
    outside = BaselineEntry("docs/x.md", "openai-project-key", secret_id(OTHER))
    write_baseline(file, [gone, kept, outside])
    change = update(file, lambda: scan_of(tmp_path / "src", finding("sk-proj-" + "N" * 47 + "1", "new.py"), finding()))
    new = BaselineEntry("src/new.py", "openai-project-key", secret_id("sk-proj-" + "N" * 47 + "1"))
    assert change.added == [new]
    assert change.removed == [gone]
    assert change.unchanged == 2
    assert change.entries == frozenset({kept, outside, new})
    assert set(read_baseline(file).entries) == {kept, outside, new}


def test_update_without_changes_leaves_the_file_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    file = tmp_path / "b.json"
    write_baseline(file, [BaselineEntry("app.py", "openai-project-key", secret_id(KEY))])
    file.write_text(file.read_text() + "\n")  # a byte a rewrite would drop
    change = update(file, lambda: scan_of(tmp_path, finding()))
    assert (change.added, change.removed, change.unchanged) == ([], [], 1)
    assert file.read_text().endswith("}\n\n")


def test_update_refuses_a_foreign_baseline(tmp_path: Path) -> None:
    file = tmp_path / ".gitleaksignore"
    file.write_text("app.py:generic-api-key:3\n")
    with pytest.raises(BaselineError, match="is a gitleaks baseline; convert it once"):
        update(file, lambda: scan_of(tmp_path))


# Edges the mutation run found untested --------------------------------------------------------------------------


def test_a_detect_secrets_entry_hashes_undecodable_bytes_as_they_were_read() -> None:
    secret = "sk-proj-abc\udcff"  # a byte that was not UTF-8, carried as a surrogate
    digest = hashlib.sha1(b"sk-proj-abc\xff", usedforsecurity=False).hexdigest()
    assert DetectSecretsEntry("app.py", digest).is_covering(finding(secret))


@pytest.mark.parametrize(
    "text",
    ['{"version": 1, "entries": {}}', '{"results": {"a.py": {}}}', "not a fingerprint\n", '{"x": 1}'],
)
def test_every_baseline_error_starts_with_the_file(tmp_path: Path, text: str) -> None:
    file = tmp_path / "odd.baseline"
    file.write_text(text)
    with pytest.raises(BaselineError) as raised:
        read_baseline(file)
    assert str(raised.value).startswith(f"{file}")


def test_a_gitleaks_error_names_both_fingerprint_shapes(tmp_path: Path) -> None:
    file = tmp_path / ".gitleaksignore"
    file.write_text("nonsense\n")
    with pytest.raises(BaselineError, match=r"\(`commit:file:rule-id:line` or `file:rule-id:line`\)$"):
        read_baseline(file)


def test_a_full_commit_before_an_empty_path_is_still_a_commit(tmp_path: Path) -> None:
    oid = "c" * 40
    file = tmp_path / ".gitleaksignore"
    file.write_text(f"{oid}::generic-api-key:4\nABCDEF0123456789ABCDEF0123456789ABCDEF01::r:5\n")
    first, second = read_baseline(file).entries
    assert isinstance(first, GitleaksEntry) and (first.commit, first.path) == (oid, "")
    assert isinstance(second, GitleaksEntry) and second.commit is None


def test_paths_are_matched_relative_to_the_scanned_folder_not_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.filters import ScanScope
    from scanner.filters.baseline import BaselineFilter, match_baseline
    from scanner.findings import Skipped

    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path)
    root = str(tmp_path / "src")
    file = tmp_path / "b.json"
    accepted = BaselineEntry("src/app.py", "openai-project-key", secret_id(KEY))
    unread = BaselineEntry("src/big.bin", "openai-project-key", secret_id(OTHER))
    write_baseline(file, [accepted, unread])
    match = match_baseline(read_baseline(file), [finding(), finding(OTHER, "lib.py")], root, skipped=["big.bin"])
    assert [f.path for f in match.kept] == ["lib.py"]
    assert match.stale == []
    filtered = BaselineFilter(file).apply(
        [finding()], ScanScope(root, skipped=(Skipped("big.bin", "binary", incomplete=False),))
    )
    assert (filtered.kept, filtered.notes) == ([], ())
    made = create(tmp_path / "new.json", lambda: scan_of(tmp_path / "src", finding()))
    assert [e.path for e in made.entries] == ["src/app.py"]
    old = tmp_path / ".secrets.baseline"
    digest = hashlib.sha1(KEY.encode(), usedforsecurity=False).hexdigest()
    old.write_text(json.dumps({"results": {"src/app.py": [{"hashed_secret": digest}]}}))
    migrated = create(tmp_path / "m.json", lambda: scan_of(tmp_path / "src", finding()), migrate_from=old)
    assert (migrated.left_out, [e.path for e in migrated.entries]) == (0, ["src/app.py"])


def test_update_with_only_new_findings_rewrites_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    file = tmp_path / "b.json"
    write_baseline(file, [BaselineEntry("app.py", "openai-project-key", secret_id(KEY))])
    change = update(file, lambda: scan_of(tmp_path, finding(), finding(OTHER, "b.py")))
    assert (len(change.added), change.removed) == (1, [])
    assert len(read_baseline(file).entries) == 2
