"""The SARIF report: valid 2.1.0, one descriptor per rule, fingerprints that survive runs and line moves."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.config import Settings
from scanner.report import sarif
from scanner.scan import scan_paths

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def keys(make_key: Callable[..., str]) -> dict[str, str]:
    return {
        "openai": make_key("sk-proj-", 48),
        "openai2": make_key("sk-proj-", 48),
        "github": make_key("ghp_", 36),
    }


def report(folder: Path, **settings: Any) -> dict[str, Any]:
    chosen = Settings(**settings)
    document: dict[str, Any] = json.loads(sarif.render(scan_paths([folder], chosen), chosen))
    return document


def leaky_folder(root: Path, keys: dict[str, str], padding: int = 0) -> Path:
    root.mkdir(exist_ok=True)
    pad = "\n" * padding
    (root / "app.py").write_text(f'{pad}OPENAI_API_KEY = "{keys["openai"]}"\nGH = "{keys["github"]}"\n')
    (root / "deploy").mkdir(exist_ok=True)
    (root / "deploy" / "env.sh").write_text(f"export OPENAI_API_KEY={keys['openai2']}\n")
    return root


def test_report_is_valid_sarif_2_1_0(tmp_path: Path, keys: dict[str, str]) -> None:
    document = report(leaky_folder(tmp_path / "src", keys))

    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft4Validator)
    assert document["version"] == "2.1.0"
    assert len(document["runs"][0]["results"]) == 3


def test_an_empty_report_is_valid_sarif_too(tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("x = 1\n")

    document = report(tmp_path)

    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft4Validator)
    assert document["runs"][0]["results"] == []
    assert document["runs"][0]["tool"]["driver"]["rules"] == []


def test_one_rule_descriptor_per_rule_id_and_results_point_at_theirs(tmp_path: Path, keys: dict[str, str]) -> None:
    run = report(leaky_folder(tmp_path / "src", keys))["runs"][0]

    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["github-pat", "openai-project-key"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    openai = rules[1]
    assert openai["properties"]["security-severity"] == "9.5"
    assert "OPENAI_API_KEY" in openai["help"]["text"]


def test_secrets_are_redacted_unless_revealed(tmp_path: Path, keys: dict[str, str]) -> None:
    folder = leaky_folder(tmp_path / "src", keys)

    hidden = json.dumps(report(folder), ensure_ascii=False)
    shown = json.dumps(report(folder, reveal=True))

    assert not any(value in hidden for value in keys.values())
    assert f"{keys['openai'][:10]}…{keys['openai'][-4:]}" in hidden
    assert all(value in shown for value in keys.values())


def test_locations_are_relative_uris_with_line_and_columns(tmp_path: Path, keys: dict[str, str]) -> None:
    run = report(leaky_folder(tmp_path / "src", keys))["runs"][0]

    places = sorted(
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for r in run["results"]
    )
    assert places == [("app.py", 1, 19), ("app.py", 2, 7), ("deploy/env.sh", 1, 23)]


def test_fingerprints_are_stable_across_runs_and_line_moves_but_not_paths(tmp_path: Path, keys: dict[str, str]) -> None:
    def prints(document: dict[str, Any]) -> dict[tuple[str, str], str]:
        return {
            (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r["partialFingerprints"][
                sarif.FINGERPRINT
            ]
            for r in document["runs"][0]["results"]
        }

    first = prints(report(leaky_folder(tmp_path / "a", keys)))
    again = prints(report(leaky_folder(tmp_path / "a", keys)))
    moved = prints(report(leaky_folder(tmp_path / "a", keys, padding=5)))
    (tmp_path / "a" / "app.py").rename(tmp_path / "a" / "main.py")
    renamed = prints(report(tmp_path / "a"))

    assert first == again == moved
    assert len(set(first.values())) == 3
    assert renamed[("openai-project-key", "main.py")] != first[("openai-project-key", "app.py")]
