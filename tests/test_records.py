"""The scan path's records are msgspec Structs: what their repr leaves out (secret material ends up in logs and
tracebacks through a repr), what their equality compares, and that they survive a pickle (rule cache, workers)."""

from __future__ import annotations

import pickle

import pytest
from msgspec.structs import replace

from scanner.engine.detector import Match
from scanner.engine.glue import Glue
from scanner.engine.ruleset import load_ruleset
from scanner.findings import Commit, Finding, Fragment, Severity, Skipped, shown_repr

KEY = "sk-proj-Qw3rTy7UiOp9AsDfGh2JkLzXcVbNm4Pq8RsTuVwXyZ01AbCd"
OTHER = "sk-proj-Zx9cVb8NmAs7DfGh6JkLq5WeRtYu4IoP3AsDfGhJkLzXcVb"
BOB = Commit("4" * 40, "Bob", "bob@example.com", "2023-11-14T22:13:20+00:00")


def finding(**changes: object) -> Finding:
    base = Finding("openai-project-key", Severity.HIGH, KEY, "app.py", 3, 9, 65, prefix="sk-proj-", commit=BOB)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_findings_repr_shows_where_it_is_and_never_the_secret_or_its_blob() -> None:
    shown = repr(finding(blob="b" * 40, name_hint="NEXUS_API_KEY"))

    assert KEY not in shown and KEY[8:20] not in shown
    assert "b" * 40 not in shown
    assert shown.startswith("Finding(rule_id='openai-project-key', severity=")
    assert "path='app.py', line=3, column=9, end_column=65" in shown and "name_hint='NEXUS_API_KEY'" in shown


def test_a_fragments_repr_leaves_out_its_bytes() -> None:
    shown = repr(Fragment("app.py", f'KEY = "{KEY}"\n'.encode(), blob="c" * 40))

    assert KEY not in shown and "data=" not in shown
    assert (
        shown == f"Fragment(path='app.py', commit=None, added_lines=None, blob='{'c' * 40}', unit='file', chunk=None)"
    )


def test_a_matchs_repr_leaves_out_the_secret_and_its_partner() -> None:
    rule = load_ruleset().by_id("openai-project-key")
    shown = repr(Match(rule, 10, 10 + len(KEY), KEY, partner=OTHER))

    assert KEY not in shown and OTHER not in shown
    assert "start=10, end=66, glue=None" in shown and "partner=" not in shown and "secret=" not in shown


def test_a_glues_repr_leaves_out_its_readings() -> None:
    shown = repr(Glue((KEY, KEY[:-6]), headed=KEY[:-6], standalone=False))

    assert KEY[:-6] not in shown
    assert shown == "Glue(standalone=False)"


def test_a_rules_repr_leaves_out_its_examples() -> None:
    rule = load_ruleset().by_id("openai-project-key")

    assert rule.match and "match=" not in repr(rule) and rule.match[0].text not in repr(rule)
    assert repr(rule).startswith("Rule(id='openai-project-key', description=")


def test_shown_repr_keeps_the_field_order_and_drops_only_what_is_named() -> None:
    assert shown_repr(BOB, ()) == repr(BOB)
    assert shown_repr(BOB, ("email",)) == f"Commit(oid='{'4' * 40}', author='Bob', date='2023-11-14T22:13:20+00:00')"


def test_findings_that_differ_only_in_blob_or_name_hint_are_equal_and_hash_alike() -> None:
    plain = finding()
    described = finding(blob="b" * 40, name_hint="NEXUS_API_KEY")

    assert plain == described and (plain != described) is False
    assert hash(plain) == hash(described)
    assert len({plain, described}) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"rule_id": "openai-legacy-key"},
        {"severity": Severity.CRITICAL},
        {"secret": OTHER},
        {"path": "b.py"},
        {"line": 4},
        {"column": 10},
        {"end_column": 66},
        {"prefix": ""},
        {"identifier": True},
        {"kind": "project-key"},
        {"provider": "openai-compatible"},
        {"env_var": "OPENAI_API_KEY"},
        {"commit": replace(BOB, oid="5" * 40)},
        {"labels": ("prod",)},
        {"related": ("abc",)},
        {"decoded": "base64"},
    ],
    ids=lambda changes: next(iter(changes)),
)
def test_findings_that_differ_in_any_other_field_are_not_equal(changes: dict[str, object]) -> None:
    plain, changed = finding(), finding(**changes)

    assert plain != changed and (plain == changed) is False
    assert len({plain, changed}) == 2


def test_a_finding_is_never_equal_to_something_else_with_the_same_fields() -> None:
    assert finding() != Skipped("app.py", "binary", incomplete=False)
    assert finding() != tuple(getattr(finding(), name) for name in Finding.__struct_fields__)


def test_records_survive_a_pickle_whole() -> None:
    rule = load_ruleset().by_id("openai-project-key")
    described = finding(blob="b" * 40, name_hint="NEXUS_API_KEY")

    back = pickle.loads(pickle.dumps((described, rule), protocol=pickle.HIGHEST_PROTOCOL))

    assert back[0] == described and back[0].blob == "b" * 40 and back[0].name_hint == "NEXUS_API_KEY"
    assert back[1].id == rule.id and back[1].match == rule.match and back[1].regex.pattern == rule.regex.pattern


def test_records_are_frozen() -> None:
    with pytest.raises(AttributeError):
        finding().line = 4  # type: ignore[misc]


def test_a_skip_says_by_name_whether_it_leaves_the_scan_incomplete() -> None:
    with pytest.raises(TypeError):
        Skipped("app.py", "unreadable: permission denied", True)  # type: ignore[misc]
    with pytest.raises(TypeError):
        Skipped("app.py", "unreadable: permission denied")  # type: ignore[call-arg]

    named = Skipped("app.py", "unreadable: permission denied", incomplete=True)

    assert (named.path, named.reason, named.incomplete) == ("app.py", "unreadable: permission denied", True)
    assert named == pickle.loads(pickle.dumps(named)) and named != replace(named, incomplete=False)


_FRESH = """
import sys
{before}
import scanner.findings
print(sorted({{"typing_extensions", "inspect"}} & set(sys.modules)))
import typing_extensions, msgspec
class Typed(msgspec.Struct):
    ids: "list[int]"
    note: "str | None" = None
print(msgspec.json.decode(b'{{"ids": [1, 2]}}', type=Typed).ids, typing_extensions.__name__)
"""


@pytest.mark.parametrize(
    ("before", "loaded"),
    [("", "[]"), ("import typing_extensions", "['inspect', 'typing_extensions']")],
)
def test_the_records_load_without_typing_extensions_which_stays_importable(before: str, loaded: str) -> None:
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", _FRESH.format(before=before)], capture_output=True, text=True, check=True, timeout=60
    )

    assert run.stdout.splitlines() == [loaded, "[1, 2] typing_extensions"]
