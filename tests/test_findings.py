"""A finding's named identity, its commit, and the JSON row that is keysweep's stable report contract."""

from __future__ import annotations

import importlib.util

import pytest
from msgspec.structs import replace

from scanner import findings
from scanner.findings import Commit, Finding, Severity, secret_id

KEY = "sk-proj-Qw3rTy7UiOp9AsDfGh2JkLzXcVbNm4Pq8RsTuVwXyZ01AbCd"
BOB = Commit("4" * 40, "Bob", "bob@example.com", "2023-11-14T22:13:20+00:00")


def finding(**changes: object) -> Finding:
    base = Finding("openai-project-key", Severity.HIGH, KEY, "app.py", 3, 9, 65, prefix="sk-proj-")
    return replace(base, **changes)  # type: ignore[arg-type]


def test_identity_is_the_secret_rule_and_place_not_what_describes_it() -> None:
    plain = finding()
    described = finding(labels=("prod",), related=("abc",), severity=Severity.CRITICAL, decoded="base64")

    assert plain.identity == described.identity == (secret_id(KEY), "openai-project-key", "app.py", 3, 9, None)
    assert plain != described  # equality still compares every field: identity is the name for de-duplication


def test_the_same_place_in_two_commits_is_two_occurrences() -> None:
    earlier = finding(commit=BOB)
    later = finding(commit=replace(BOB, oid="5" * 40))

    assert earlier.identity != later.identity
    assert earlier.identity[-1] == "4" * 40


def test_identity_never_holds_the_secret() -> None:
    assert KEY not in repr(finding(commit=BOB).identity)
    assert KEY not in repr(finding(commit=BOB))


def test_the_json_row_keeps_the_commit_as_four_flat_keys_in_its_documented_order() -> None:
    row = finding(commit=BOB).to_dict()

    assert list(row) == [
        "rule_id", "severity", "kind", "provider", "env_var", "secret_id", "redacted", "prefix", "identifier",
        "path", "line", "column", "end_column", "commit", "author", "email", "date", "labels", "related", "decoded",
        "name_hint",
    ]  # fmt: skip
    assert (row["commit"], row["author"], row["email"], row["date"]) == (
        "4" * 40,
        "Bob",
        "bob@example.com",
        "2023-11-14T22:13:20+00:00",
    )


def test_a_working_tree_finding_has_null_provenance_and_a_staged_one_an_author_without_a_commit() -> None:
    on_disk = finding().to_dict()
    staged = finding(commit=Commit(None, "Ada", "ada@example.com", "2024-05-01T10:00:00+02:00")).to_dict()

    assert (on_disk["commit"], on_disk["author"], on_disk["email"], on_disk["date"]) == (None, None, None, None)
    assert (staged["commit"], staged["author"]) == (None, "Ada")
    assert "secret" not in staged and finding().to_dict(reveal=True)["secret"] == KEY


@pytest.mark.parametrize("own_module", ["_sha2", "_sha256", None])
@pytest.mark.parametrize("secret", [KEY, "", "p\u00e4ss\u2603word", "lone \udcff surrogate"])
def test_a_secret_id_is_the_first_16_hex_of_its_sha256_from_any_module(
    monkeypatch: pytest.MonkeyPatch, own_module: str | None, secret: str
) -> None:
    import hashlib
    import sys

    # NOTE: the interpreter's own SHA-256 module (`_sha2` since 3.12, `_sha256` before), or hashlib's without it
    for name in ("_sha2", "_sha256"):
        if name != own_module:
            monkeypatch.setitem(sys.modules, name, None)  # an import of it fails, as if not built

    expected = hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    if own_module is not None and importlib.util.find_spec(own_module) is None:
        pytest.skip(f"{own_module} is not this interpreter's")
    monkeypatch.setattr(findings, "_SHA256", [])  # a fresh process: nothing looked up yet
    assert secret_id(secret) == expected
    found = findings._SHA256[0]
    assert found.__module__ == (own_module or "_hashlib")


def test_the_sha256_module_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(findings, "_SHA256", [])
    first = secret_id(KEY)
    found = findings._SHA256[0]
    for name in ("_sha2", "_sha256", "hashlib"):
        monkeypatch.setitem(sys.modules, name, None)  # any import from here on would fail

    assert secret_id(KEY) == first
    assert findings._SHA256 == [found]  # noqa: SIM300
