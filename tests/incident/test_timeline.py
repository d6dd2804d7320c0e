"""The exposure timeline is exact on a generated history: a key introduced, copied, moved on a branch, removed,
and still reachable from a tag; a later key the tag never saw; git never sees a value on its command line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.incident.build import ReportRequest, build_report
from scanner.incident.inputs import ScanInput
from scanner.incident.model import EventKind, GitExposure, Presence
from scanner.sources import git_runner
from tests.incident.conftest import GENERATED_AT, scan_input
from tests.incident.history import Repo, fake_key

KEY = fake_key(1)
LATER = fake_key(2)


@pytest.fixture
def history(make_repo: Callable[[str], Repo]) -> tuple[Repo, list[str]]:
    """c1 Ada introduces KEY in config/app.env; c2 Bob copies it to deploy/settings.py, tagged v1.2; c3 Cy
    removes it from both; c4 Ada adds LATER; c5 Dee, on branch `feature` from c2, moves settings.py to config.py."""
    repo = make_repo("app")
    c1 = repo.commit("config", {"config/app.env": f"NEXUS_API_KEY={KEY}\n", "README.md": "# app\n"}, "Ada")
    c2 = repo.commit("deploy", {"deploy/settings.py": f'API_KEY = "{KEY}"\n'}, "Bob")
    repo.tag("v1.2", "release 1.2")
    c3 = repo.commit(
        "read keys from the environment",
        {"config/app.env": "NEXUS_API_KEY=${NEXUS_API_KEY}\n", "deploy/settings.py": None},
        "Cy",
    )
    c4 = repo.commit("staging", {"config/staging.env": f"STAGING_KEY={LATER}\n"}, "Ada")
    repo.git("checkout", "-q", "-b", "feature", c2)
    repo.git("mv", "deploy/settings.py", "deploy/config.py")
    c5 = repo.commit("rename settings", {}, "Dee")
    repo.git("checkout", "-q", "main")
    return repo, [c1, c2, c3, c4, c5]


def _exposure(scan: ScanInput, repo: Repo, secret: str) -> GitExposure:
    from scanner.findings import secret_id

    report = build_report(scan, ReportRequest("test", repository=repo.path, generated_at=GENERATED_AT))
    [found] = [s for s in report.secrets if s.secret_id == secret_id(secret)]
    [exposure] = found.exposures
    return exposure


def test_timeline_lists_introduction_copy_removals_and_move_with_commit_author_and_date(
    history: tuple[Repo, list[str]],
) -> None:
    repo, (c1, c2, c3, _c4, c5) = history
    x = _exposure(scan_input(repo.path), repo, KEY)

    assert x.traced
    assert [(e.kind, e.commit.oid, e.commit.author, e.path, e.source) for e in x.events] == [
        (EventKind.INTRODUCED, c1, "Ada", "config/app.env", None),
        (EventKind.COPIED, c2, "Bob", "deploy/settings.py", "config/app.env"),
        (EventKind.REMOVED, c3, "Cy", "config/app.env", None),
        (EventKind.REMOVED, c3, "Cy", "deploy/settings.py", None),
        (EventKind.MOVED, c5, "Dee", "deploy/config.py", "deploy/settings.py"),
    ]
    assert x.events[0].commit.date == repo.date(1)
    assert x.introduced is not None and x.introduced.commit.oid == c1


def test_a_removed_key_is_history_only_in_head_but_still_in_the_files_of_the_tag_and_the_branch(
    history: tuple[Repo, list[str]],
) -> None:
    repo, commits = history
    x = _exposure(scan_input(repo.path), repo, KEY)

    assert x.head is Presence.HISTORY
    assert (x.default_branch, x.in_default) == ("main", Presence.HISTORY)
    assert {(r.name, r.kind, r.presence) for r in x.refs} == {
        ("main", "branch", Presence.HISTORY),
        ("feature", "branch", Presence.TREE),
        ("v1.2", "tag", Presence.TREE),
    }
    assert set(x.commits) == set(commits), "every commit descends from the introduction"


def test_a_key_added_after_the_tag_is_not_reachable_from_it(history: tuple[Repo, list[str]]) -> None:
    repo, (_c1, _c2, _c3, c4, _c5) = history
    x = _exposure(scan_input(repo.path), repo, LATER)

    assert [(e.kind, e.commit.oid, e.path) for e in x.events] == [(EventKind.INTRODUCED, c4, "config/staging.env")]
    assert x.head is Presence.TREE
    assert {(r.name, r.presence) for r in x.refs} == {("main", Presence.TREE)}
    assert x.commits == (c4,)


def test_a_report_without_values_recovers_them_from_git_and_traces_the_same(history: tuple[Repo, list[str]]) -> None:
    repo, _ = history
    with_values = _exposure(scan_input(repo.path), repo, KEY)
    without = scan_input(repo.path, reveal=False)

    assert all(r.secret is None for r in without.rows)
    assert _exposure(without, repo, KEY) == with_values


def test_a_value_that_cannot_be_recovered_falls_back_to_the_scans_commits(history: tuple[Repo, list[str]]) -> None:
    repo, (c1, c2, *_rest) = history
    scan = scan_input(repo.path, reveal=False)
    scan = replace(scan, rows=tuple(replace(r, column=r.column + 1) for r in scan.rows))  # points beside the key
    x = _exposure(scan, repo, KEY)

    assert not x.traced and "nor recoverable from git" in x.note
    assert {e.kind for e in x.events} == {EventKind.REPORTED}
    assert {e.commit.oid for e in x.events} == {c1, c2}
    assert {r.name for r in x.refs} == {"main", "feature", "v1.2"}, "reachability needs only the commits"
    assert {r.presence for r in x.refs} == {Presence.UNKNOWN}


def test_no_secret_value_is_ever_on_a_git_command_line(
    history: tuple[Repo, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = history
    scan = scan_input(repo.path)
    seen: list[tuple[str, ...]] = []
    run, start = git_runner.run, git_runner.start

    def spy_run(path: Path, *args: str, input: bytes | None = None):  # type: ignore[no-untyped-def]
        seen.append(args)
        return run(path, *args, input=input)

    def spy_start(path: Path, *args: str):  # type: ignore[no-untyped-def]
        seen.append(args)
        return start(path, *args)

    monkeypatch.setattr(git_runner, "run", spy_run)
    monkeypatch.setattr(git_runner, "start", spy_start)
    report = build_report(scan, ReportRequest("test", repository=repo.path, generated_at=GENERATED_AT))

    assert any(s.exposures and s.exposures[0].traced for s in report.secrets)
    assert len(seen) > 3
    assert not [args for args in seen if any(KEY in a or LATER in a for a in args)]
