"""RangeSource: only lines added by the commits of a range, on full clones, shallow clones and odd HEADs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from gitrepo import Recorded, Repo, author_of, commit_of, drain, fake_key, stand_in_scan

from scanner.config import Settings
from scanner.errors import GitError
from scanner.sources.commit_range import RangeSource

KEY = fake_key(21)
OLD = fake_key(22)
LATE = fake_key(23)


def in_range(repo: Repo | Path, rev_range: str) -> RangeSource:
    return RangeSource(repo.path if isinstance(repo, Repo) else repo, rev_range, Settings())


def test_range_reports_only_lines_its_commits_add_with_their_provenance(repo: Repo) -> None:
    base = repo.commit("base", {"conf.py": f"OLD = '{OLD}'\n"})
    added = repo.commit("pr 1", {"conf.py": f"OLD = '{OLD}'\nKEY = '{KEY}'\n"}, author="Mallory")
    repo.commit("pr 2", {"conf.py": f"OLD = '{OLD}'\nKEY = '{KEY}'\nx = 1\n"})

    findings = stand_in_scan(in_range(repo, f"{base}..HEAD"), [KEY, OLD])

    assert [(f.secret, f.path, f.line, commit_of(f), author_of(f)) for f in findings] == [
        (KEY, "conf.py", 2, added, "Mallory")
    ]


def test_a_secret_added_and_removed_inside_the_range_is_still_caught(repo: Repo) -> None:
    base = repo.commit("base", {"a.py": "a = 1\n"})
    added = repo.commit("oops", {"a.py": f"a = '{KEY}'\n"})
    repo.commit("undo", {"a.py": "a = 1\n"})

    [finding] = stand_in_scan(in_range(repo, f"{base}..HEAD"), [KEY])

    assert commit_of(finding) == added


def test_the_root_commit_is_compared_with_the_empty_tree(repo: Repo) -> None:
    root = repo.commit("root", {"a.py": f"k = '{KEY}'\n"})
    repo.commit("next", {"b.py": "b\n"})

    [finding] = stand_in_scan(in_range(repo, "HEAD"), [KEY])

    assert (commit_of(finding), finding.line) == (root, 1)


def test_a_detached_head_range_works(repo: Repo) -> None:
    base = repo.commit("base", {"a.py": "a\n"})
    repo.git("checkout", "-q", "--detach")
    added = repo.commit("detached work", {"a.py": f"a = '{KEY}'\n"})

    [finding] = stand_in_scan(in_range(repo, f"{base}..HEAD"), [KEY])

    assert commit_of(finding) == added
    assert repo.git("rev-parse", "--abbrev-ref", "HEAD") == "HEAD"


def test_an_all_zero_base_means_a_new_branch_and_scans_everything_up_to_the_tip(repo: Repo) -> None:
    first = repo.commit("first", {"a.py": f"a = '{KEY}'\n"})
    source = Recorded(in_range(repo, f"{'0' * 40}..HEAD"))

    [finding] = stand_in_scan(source, [KEY])

    assert commit_of(finding) == first
    assert any("no base commit" in note for note in source.notes)


def test_a_merge_in_the_range_is_charged_only_with_its_own_resolution(repo: Repo) -> None:
    base = repo.commit("base", {"conf.ini": "key = none\n"})
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side", {"conf.ini": f"key = none\nside = '{OLD}'\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"conf.ini": "key = main\n"})
    repo.git("merge", "-q", "side", check=False)
    repo.write("conf.ini", f"key = '{KEY}'\nside = '{OLD}'\n")
    repo.git("add", "conf.ini")
    merge = repo.commit("merge")

    findings = stand_in_scan(in_range(repo, f"{base}..HEAD"), [KEY, OLD])

    assert sorted((f.secret, commit_of(f)) for f in findings) == sorted([(KEY, merge), (OLD, side)])


def test_an_unknown_revision_is_a_clear_error(repo: Repo) -> None:
    repo.commit("one", {"a": "a\n"})

    with pytest.raises(GitError, match="unknown revision 'nope'"):
        drain(in_range(repo, "nope..HEAD"))


def shallow_clone(origin: Repo, target: Path, depth: int) -> Path:
    subprocess.run(
        ["git", "clone", "-q", f"--depth={depth}", f"file://{origin.path}", str(target)],
        check=True,
        env=origin.env,
        capture_output=True,
    )
    return target


def test_a_shallow_clone_without_the_base_says_what_was_missed_and_how_to_deepen(repo: Repo, tmp_path: Path) -> None:
    base = repo.commit("base", {"a.py": f"a = '{OLD}'\n"})
    repo.commit("middle", {"b.py": "b\n"})
    repo.commit("pr", {"c.py": f"c = '{KEY}'\n"})
    clone = shallow_clone(repo, tmp_path / "clone", depth=1)
    source = Recorded(in_range(clone, f"{base}..HEAD"))

    findings = stand_in_scan(source, [KEY, OLD])

    assert findings == []  # the only commit present is the boundary: nothing can be told apart
    text = " ".join(source.notes)
    assert f"the base {base} of range" in text
    assert "git fetch --deepen" in text and "--unshallow" in text
    assert "boundary" in text


def test_a_shallow_clone_deep_enough_for_the_range_scans_exactly_the_range(repo: Repo, tmp_path: Path) -> None:
    repo.commit("ancient", {"a.py": f"a = '{OLD}'\n"})
    base = repo.commit("base", {"b.py": "b\n"})
    added = repo.commit("pr", {"c.py": f"c = '{KEY}'\n"})
    clone = shallow_clone(repo, tmp_path / "clone", depth=2)
    source = Recorded(in_range(clone, f"{base}..HEAD"))

    findings = stand_in_scan(source, [KEY, OLD])

    assert [(f.secret, commit_of(f)) for f in findings] == [(KEY, added)]
    assert source.notes == []
