"""StagedSource: exactly the index content, with only the lines the next commit adds up for report."""

from __future__ import annotations

import pytest
from gitrepo import Recorded, Repo, commit_of, drain, fake_key, stand_in_scan

from scanner.config import Settings
from scanner.errors import GitError
from scanner.sources import git_runner
from scanner.sources.staged import StagedSource

KEY = fake_key(11)
OLD = fake_key(12)


def staged(repo: Repo, paths: list[str] | None = None) -> StagedSource:
    return StagedSource(repo.path, Settings(), paths)


def test_staged_secret_is_found_with_the_committer_as_author(repo: Repo) -> None:
    repo.commit("init", {"app.py": "import os\n"})
    repo.write("app.py", f"import os\nKEY = '{KEY}'\n")
    repo.git("add", "app.py")

    [finding] = stand_in_scan(staged(repo), [KEY])

    assert (finding.path, finding.line, commit_of(finding)) == ("app.py", 2, None)
    assert (finding.commit.author, finding.commit.email) == ("Ada", "ada@example.com")


def test_unstaged_edits_are_not_scanned_only_the_index_is(repo: Repo) -> None:
    repo.commit("init", {"app.py": "x = 1\n"})
    repo.write("app.py", "x = 2\n")
    repo.git("add", "app.py")
    repo.write("app.py", f"x = 2\ny = '{KEY}'\n")  # edited after staging

    assert stand_in_scan(staged(repo), [KEY]) == []


def test_a_secret_staged_then_removed_from_the_working_tree_is_still_caught(repo: Repo) -> None:
    repo.commit("init", {"app.py": "x = 1\n"})
    repo.write("app.py", f"x = '{KEY}'\n")
    repo.git("add", "app.py")
    repo.write("app.py", "x = 1\n")

    [finding] = stand_in_scan(staged(repo), [KEY])

    assert finding.line == 1


def test_only_added_lines_are_reported_but_the_whole_index_file_is_given_for_context(repo: Repo) -> None:
    repo.commit("init", {"conf.py": f"OLD = '{OLD}'\n"})
    repo.write("conf.py", f"OLD = '{OLD}'\nNEW = '{KEY}'\n")
    repo.git("add", "conf.py")

    [fragment] = drain(staged(repo)).fragments
    findings = stand_in_scan(staged(repo), [KEY, OLD])

    assert fragment.added_lines == frozenset({2})
    assert OLD.encode() in fragment.data
    assert [(f.secret, f.line) for f in findings] == [(KEY, 2)]


def test_the_first_commit_of_a_repository_is_scanned_whole(repo: Repo) -> None:
    repo.write("a.py", f"a = 1\nk = '{KEY}'\n")
    repo.git("add", "a.py")

    [finding] = stand_in_scan(staged(repo), [KEY])

    assert (finding.path, finding.line) == ("a.py", 2)


def test_paths_restrict_the_scan_to_the_named_files(repo: Repo) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    repo.write("a.py", f"k = '{KEY}'\n")
    repo.write("b.py", f"k = '{OLD}'\n")
    repo.git("add", "a.py", "b.py")

    findings = stand_in_scan(staged(repo, ["b.py"]), [KEY, OLD])

    assert [f.path for f in findings] == ["b.py"]


def test_deletions_and_pure_renames_add_nothing(repo: Repo) -> None:
    repo.commit("init", {"old.py": f"k = '{KEY}'\n", "gone.py": f"k = '{OLD}'\n"})
    repo.git("mv", "old.py", "new.py")
    repo.git("rm", "-q", "gone.py")

    assert drain(staged(repo)).fragments == []


def test_staged_binary_and_oversized_files_are_skipped_with_a_reason(repo: Repo) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    repo.write("img.png", b"\x89PNG\0\0" + KEY.encode() + b"\n")
    repo.write("big.txt", ("x" * 100 + "\n") * 30 + KEY)
    repo.git("add", "img.png", "big.txt")
    source = Recorded(StagedSource(repo.path, Settings(max_file_size=1000)))

    assert stand_in_scan(source, [KEY]) == []
    reasons = {s.path: s.reason for s in source.skipped}
    assert reasons["big.txt"].startswith("too large")


def test_nothing_staged_yields_nothing(repo: Repo) -> None:
    repo.commit("init", {"a.py": f"k = '{KEY}'\n"})

    assert drain(staged(repo)).fragments == []


def test_outside_a_repository_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GitError, match="not inside a git repository"):
        StagedSource(tmp_path, Settings())


def test_a_git_asked_ahead_answers_what_git_says_and_fails_in_gits_words(repo: Repo) -> None:
    repo.commit("init", {"a.py": "x = 1\n"})
    head = git_runner.later(repo.path, "rev-parse", "--verify", "HEAD")
    missing = git_runner.later(repo.path, "rev-parse", "--verify", "--quiet", "no-such-branch")
    unknown = git_runner.later(repo.path, "cat-file", "-t", "0" * 40)

    assert head().decode().strip() == repo.git("rev-parse", "HEAD")
    with pytest.raises(GitError, match=r"^git rev-parse failed in .*: no message$"):
        missing()
    with pytest.raises(GitError, match=r"^git cat-file failed in .*: (?:Not a valid object name|git cat-file).*"):
        unknown()


def test_the_diff_asked_ahead_reads_the_index_and_a_failing_one_fails_the_read(repo: Repo) -> None:
    repo.commit("init", {"app.py": "import os\n"})
    repo.write("app.py", f"import os\nKEY = '{KEY}'\n")
    repo.git("add", "app.py")
    source = StagedSource(repo.path, Settings(), ["app.py"])
    outside = StagedSource(repo.path, Settings(), ["../elsewhere.py"])

    assert [f.added_lines for f in drain(source).fragments] == [frozenset({2})]
    assert [f.added_lines for f in drain(source).fragments] == [frozenset({2})]  # read twice, answered alike
    with pytest.raises(GitError, match=r"^git diff failed in .*outside repository"):
        drain(outside)


def test_without_git_every_way_of_starting_it_is_a_clear_error(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder with no git in it

    for call in (
        lambda: git_runner.run(tmp_path, "status"),
        lambda: git_runner.git(tmp_path, "status"),
        lambda: git_runner.later(tmp_path, "status"),
        lambda: git_runner.start(tmp_path, "cat-file", "--batch"),
    ):
        with pytest.raises(GitError, match=r"^git is not installed or not on PATH; install git to scan repositories$"):
            call()
