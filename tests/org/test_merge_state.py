"""The merge (blast radius across repositories, one row per occurrence), the state file (no values, resumable,
compacted) and the report formats, on plain outcomes without Dask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.config import Settings
from scanner.errors import UsageError
from scanner.findings import Severity
from scanner.org.merge import combine, merge
from scanner.org.report import document, exit_code, render, sarif
from scanner.org.state import StateFile, settings_fingerprint, state_path

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())


def row(repository: str, sid: str, commit: str, date: str, path: str = "app.py", **extra: Any) -> dict[str, Any]:
    return {
        "repository": repository, "rule_id": "openai-project-key", "severity": "critical", "kind": "project-key",
        "provider": "openai-compatible", "env_var": "OPENAI_API_KEY", "secret_id": sid, "redacted": "sk-proj-Ab…wxyz",
        "prefix": "sk-proj-", "identifier": False, "path": path, "line": 3, "column": 5, "end_column": 61,
        "commit": commit, "author": "Ada", "email": "ada@example.com", "date": date, "labels": [], "related": [],
        "decoded": None, **extra,
    }  # fmt: skip


def outcome(name: str, *rows: dict[str, Any], status: str = "scanned", **extra: Any) -> dict[str, Any]:
    return {"repository": name, "url": f"/srv/{name}.git", "status": status, "reason": None, "tips": ["c" * 40],
            "findings": list(rows), "blobs_scanned": 3, "bytes_scanned": 99, **extra}  # fmt: skip


def test_blast_radius_names_every_repository_and_the_first_and_last_commits() -> None:
    report = merge(
        "github:acme",
        [
            outcome("acme/web", row("acme/web", "s1", "b" * 40, "2024-05-01T00:00:00+00:00")),
            outcome("acme/api", row("acme/api", "s1", "a" * 40, "2023-01-01T00:00:00+00:00"),
                    row("acme/api", "s2", "a" * 40, "2023-01-01T00:00:00+00:00", path="b.py")),
            outcome("acme/ops", row("acme/ops", "s1", "c" * 40, "2025-02-03T00:00:00+00:00")),
            outcome("acme/clean"),
        ],
    )  # fmt: skip

    first = report.secrets[0]
    assert first["secret_id"] == "s1" and first["repositories"] == ["acme/api", "acme/ops", "acme/web"]
    assert (first["first"]["repository"], first["first"]["commit"]) == ("acme/api", "a" * 40)
    assert (first["last"]["repository"], first["last"]["date"]) == ("acme/ops", "2025-02-03T00:00:00+00:00")
    assert report.secrets[1]["repositories"] == ["acme/api"] and report.secrets[1]["occurrences"] == 1
    assert [r["name"] for r in report.repositories] == ["acme/api", "acme/clean", "acme/ops", "acme/web"]
    assert [f["repository"] for f in report.findings] == ["acme/api", "acme/api", "acme/ops", "acme/web"]


def test_an_outcome_delivered_twice_yields_each_finding_once() -> None:
    twice = outcome("acme/api", row("acme/api", "s1", "a" * 40, "2024-01-01"))

    report = merge("x", [twice, dict(twice)])

    assert len(report.findings) == 1 and len(report.repositories) == 1


def test_an_incremental_outcome_adds_to_earlier_findings_and_a_failure_keeps_them() -> None:
    earlier = outcome("acme/api", row("acme/api", "s1", "a" * 40, "2024-01-01"), tips=["1" * 40])
    newer = outcome("acme/api", row("acme/api", "s2", "b" * 40, "2024-02-01"), incremental=True, tips=["2" * 40])
    failed = outcome("acme/api", status="failed", reason="git fetch failed: timeout", tips=[])

    grown = combine(earlier, newer)
    kept = combine(earlier, failed)

    assert [r["secret_id"] for r in grown["findings"]] == ["s1", "s2"] and grown["tips"] == ["2" * 40]
    assert kept["status"] == "failed" and kept["tips"] == ["1" * 40] and len(kept["findings"]) == 1
    assert combine(earlier, {**newer, "incremental": False})["findings"] == newer["findings"]


def test_exit_codes_follow_scan_with_an_incomplete_run_failing_unless_allowed() -> None:
    clean = merge("x", [outcome("a")])
    leaky = merge("x", [outcome("a", row("a", "s1", "a" * 40, "2024-01-01"))])
    broken = merge("x", [outcome("a"), outcome("b", status="failed", reason="git clone failed: not found")])
    low_only = merge("x", [outcome("a", row("a", "s1", "a" * 40, "2024", severity="low"))], fail_on=Severity.HIGH)

    assert exit_code(clean, allow_incomplete=False) == 0
    assert exit_code(leaky, allow_incomplete=False) == 1
    assert exit_code(broken, allow_incomplete=False) == 2 and exit_code(broken, allow_incomplete=True) == 0
    assert exit_code(low_only, allow_incomplete=False) == 0


def test_a_skip_the_scan_marks_incomplete_makes_the_repository_incomplete() -> None:
    partial = outcome("a", skipped=[{"path": "big.bin (history)", "reason": "too large", "incomplete": True}])
    harmless = outcome("b", skipped=[{"path": "logo.png (history)", "reason": "binary", "incomplete": False}])

    report = merge("x", [partial, harmless])

    assert [r["name"] for r in report.incomplete] == ["a"]


def test_the_json_report_has_repositories_findings_with_their_repository_and_a_summary() -> None:
    report = merge("github:acme", [outcome("acme/api", row("acme/api", "s1", "a" * 40, "2024")),
                                   outcome("acme/bad", status="failed", reason="git clone failed: gone")])  # fmt: skip

    data = json.loads(render("json", report))

    assert data["version"] == 1 and data["source"] == "github:acme"
    assert {r["name"]: r["status"] for r in data["repositories"]} == {"acme/api": "scanned", "acme/bad": "failed"}
    assert data["findings"][0]["repository"] == "acme/api" and "secret" not in data["findings"][0]
    summary = data["summary"]
    assert (summary["scanned"], summary["failed"], summary["incomplete"], summary["unique_secrets"]) == (1, 1, True, 1)
    assert data == json.loads(json.dumps(document(report)))


def test_the_sarif_report_is_valid_and_names_each_result_s_repository() -> None:
    report = merge("x", [outcome("acme/api", row("acme/api", "s1", "a" * 40, "2024")),
                         outcome("acme/web", row("acme/web", "s1", "b" * 40, "2025"))])  # fmt: skip

    document = sarif(report)

    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft4Validator)
    run = document["runs"][0]
    bases = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] for r in run["results"]}
    assert {run["originalUriBaseIds"][b]["description"]["text"] for b in bases} == {"acme/api", "acme/web"}
    fingerprints = {r["partialFingerprints"]["keysweep/v1"] for r in run["results"]}
    assert len(fingerprints) == 2, "the same secret at the same path in two repositories is two results"


def test_the_text_report_groups_by_secret_and_lists_failures_and_skips() -> None:
    report = merge("x", [outcome("acme/api", row("acme/api", "s1", "a" * 40, "2024-01-01")),
                         outcome("acme/web", row("acme/web", "s1", "b" * 40, "2025-01-01")),
                         outcome("acme/bad", status="failed", reason="time limit: git clone did not finish"),
                         {"repository": "acme/old", "status": "skipped", "reason": "archived"}])  # fmt: skip

    text = render("text", report)

    assert "(2 repositories, 2 places)" in text
    assert "first: acme/api aaaaaaaaaa 2024-01-01   last: acme/web bbbbbbbbbb 2025-01-01" in text
    assert "failed: acme/bad: time limit: git clone did not finish" in text and "skipped: acme/old: archived" in text
    assert "unless --allow-incomplete" in text


def state(tmp_path: Path, **kw: Any) -> StateFile:
    fingerprint = kw.pop("fingerprint", settings_fingerprint(Settings()))
    return StateFile(state_path(tmp_path, "github:acme"), "github:acme", fingerprint, **kw)


def test_the_state_never_holds_a_value_even_from_a_revealing_run(tmp_path: Path) -> None:
    value = "sk-proj-" + "Zq9" * 16
    store = state(tmp_path)
    store.record(outcome("acme/api", row("acme/api", "s1", "a" * 40, "2024", secret=value)))
    store.finish()

    assert value not in state_path(tmp_path, "github:acme").read_text()


def test_an_unfinished_run_is_resumed_and_a_finished_one_is_not(tmp_path: Path) -> None:
    store = state(tmp_path)
    store.record(outcome("acme/api"))
    store.record(outcome("acme/bad", status="failed", reason="x"))
    store.close()  # interrupted: never finished

    resumed = state(tmp_path)
    assert resumed.resumed and resumed.run_id == store.run_id
    assert resumed.done_in_this_run("acme/api") is not None
    assert resumed.done_in_this_run("acme/bad") is None, "a failed repository is tried again"
    resumed.finish()

    fresh = state(tmp_path)
    assert not fresh.resumed and fresh.done_in_this_run("acme/api") is None
    assert fresh.previous("acme/api") is not None and fresh.previous("acme/api")["tips"] == ["c" * 40]
    fresh.close()


def test_earlier_coverage_is_not_used_under_other_settings(tmp_path: Path) -> None:
    store = state(tmp_path)
    store.record(outcome("acme/api"))
    store.finish()

    other = state(tmp_path, fingerprint=settings_fingerprint(Settings(disabled_rules=frozenset({"x"}))))

    assert other.previous("acme/api") is None
    other.close()


def test_a_line_cut_short_by_a_crash_is_ignored(tmp_path: Path) -> None:
    store = state(tmp_path)
    store.record(outcome("acme/api"))
    store.close()
    with state_path(tmp_path, "github:acme").open("a") as out:
        out.write('{"kind": "repository", "outcome": {"reposi')

    again = state(tmp_path)

    assert again.done_in_this_run("acme/api") is not None
    again.close()


def test_two_runs_of_one_source_cannot_share_the_state(tmp_path: Path) -> None:
    first = state(tmp_path)
    try:
        with pytest.raises(UsageError, match="another org scan"):
            state(tmp_path)
    finally:
        first.close()
