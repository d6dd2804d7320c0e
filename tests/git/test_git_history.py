"""HistorySource: working tree plus every reachable blob, each scanned once, attributed to its commits."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from gitrepo import Recorded, Repo, author_of, commit_of, drain, fake_key, stand_in_scan

from scanner.config import Settings
from scanner.findings import Note, Skipped
from scanner.sources import git_parse, git_runner
from scanner.sources.git_history import HistorySource, UnscannedHistory

KEY = fake_key(1)
OTHER = fake_key(2)


def history(repo: Repo, **settings: object) -> HistorySource:
    return HistorySource(repo.path, Settings(**settings))  # type: ignore[arg-type]


def test_secret_only_in_a_deleted_file_is_found_and_attributed(repo: Repo) -> None:
    added = repo.commit("add config", {"config.py": f'KEY = "{KEY}"\n', "app.py": "print(1)\n"}, author="Bob")
    repo.commit("remove config", {"config.py": None})

    [finding] = stand_in_scan(history(repo), [KEY])

    assert (finding.path, finding.line, commit_of(finding)) == ("config.py", 1, added)
    assert (finding.commit.author, finding.commit.email) == ("Bob", "bob@example.com")
    assert finding.commit.date.startswith("2023-11-14T")


def test_secret_only_on_an_unmerged_branch_is_found(repo: Repo) -> None:
    repo.commit("init", {"README.md": "hello\n"})
    repo.git("checkout", "-q", "-b", "experiment")
    leaked = repo.commit("try a key", {"client.py": f"key = '{KEY}'\n"})
    repo.git("checkout", "-q", "main")

    [finding] = stand_in_scan(history(repo), [KEY])

    assert (finding.path, commit_of(finding)) == ("client.py", leaked)
    assert not (repo.path / "client.py").exists()


def test_secret_replaced_in_a_later_commit_is_attributed_to_the_commit_that_added_it(repo: Repo) -> None:
    repo.commit("init", {"settings.py": "DEBUG = True\n"})
    leaked = repo.commit("key", {"settings.py": f"DEBUG = True\nAPI_KEY = '{KEY}'\n"})
    repo.commit("use env", {"settings.py": "DEBUG = True\nAPI_KEY = os.environ['API_KEY']\n"})

    [finding] = stand_in_scan(history(repo), [KEY])

    assert (finding.path, finding.line, commit_of(finding)) == ("settings.py", 2, leaked)


def test_same_secret_across_many_commits_is_one_identity_with_one_introduction(repo: Repo) -> None:
    body = f"KEY = '{KEY}'\n"
    introduced = repo.commit("key", {"old.py": body})
    for n in range(6):
        body += f"x{n} = {n}\n"
        repo.commit(f"edit {n}", {"old.py": body})
    repo.commit("gone", {"old.py": None})

    findings = stand_in_scan(history(repo), [KEY])

    assert [(f.path, commit_of(f)) for f in findings] == [("old.py", introduced)]
    assert len({f.secret_id for f in findings}) == 1


def test_secret_copied_into_two_files_is_two_introductions_of_one_secret(repo: Repo) -> None:
    first = repo.commit("a", {"a.py": f"k = '{KEY}'\n"})
    second = repo.commit("b", {"b.py": f"# reuse\nk = '{KEY}'\n"})
    repo.commit("clean", {"a.py": None, "b.py": None})

    findings = stand_in_scan(history(repo), [KEY])

    assert sorted((f.path, f.line, commit_of(f)) for f in findings) == [("a.py", 1, first), ("b.py", 2, second)]
    assert {f.secret_id for f in findings} == {findings[0].secret_id}


def test_leak_still_in_the_working_tree_is_reported_once_with_its_introducing_commit(repo: Repo) -> None:
    body = "import os\n"
    repo.commit("init", {"app.py": body})
    body += f"TOKEN = '{KEY}'\n"
    leaked = repo.commit("token", {"app.py": body}, author="Eve")
    for n in range(3):
        body += f"step{n}()\n"
        repo.commit(f"more {n}", {"app.py": body})

    findings = stand_in_scan(history(repo), [KEY])

    assert [(f.path, f.line, commit_of(f), author_of(f)) for f in findings] == [("app.py", 2, leaked, "Eve")]


def test_uncommitted_secret_in_the_working_tree_is_reported_without_a_commit(repo: Repo) -> None:
    repo.commit("init", {"app.py": "x = 1\n"})
    repo.write("app.py", f"x = 1\ny = '{KEY}'\n")
    repo.write("notes.txt", f"{OTHER}\n")  # untracked, not ignored

    findings = stand_in_scan(history(repo), [KEY, OTHER])

    assert sorted((f.path, f.line, commit_of(f)) for f in findings) == [
        ("app.py", 2, None),
        ("notes.txt", 1, None),
    ]


def test_each_unique_blob_is_scanned_once(repo: Repo) -> None:
    same = f"k = '{KEY}'\n"
    repo.commit("one", {"a.py": same, "copy/a.py": same})
    repo.commit("two", {"b.py": "other\n"})
    repo.git("tag", "v1")
    repo.git("branch", "also-main")
    repo.commit("drop", {"a.py": None, "copy/a.py": None})

    fragments = drain(history(repo)).fragments

    blobs = [f.blob for f in fragments]
    assert len(blobs) == len(set(blobs))
    assert sum(KEY.encode() in f.data for f in fragments) == 1
    assert all(f.blob == git_parse.blob_id(f.data) for f in fragments)


def test_moving_a_file_is_not_a_new_introduction(repo: Repo) -> None:
    leaked = repo.commit("key", {"src/config.py": f"k = '{KEY}'\n"})
    repo.git("mv", "src/config.py", "src/settings.py")
    repo.commit("rename")
    repo.commit("remove", {"src/settings.py": None})

    findings = stand_in_scan(history(repo), [KEY])

    assert [(f.path, commit_of(f)) for f in findings] == [("src/config.py", leaked)]


def test_moving_a_secret_to_another_file_in_one_commit_keeps_its_first_introduction(repo: Repo) -> None:
    leaked = repo.commit("key", {"a.py": f"k = '{KEY}'\n"})
    repo.commit("move", {"a.py": None, "b.py": f"# moved\nk = '{KEY}'\n"})
    repo.commit("remove", {"b.py": None})

    findings = stand_in_scan(history(repo), [KEY])

    assert [(f.path, commit_of(f)) for f in findings] == [("a.py", leaked)]


def test_merge_whose_conflict_resolution_adds_a_secret_is_attributed_to_the_merge(repo: Repo) -> None:
    repo.commit("init", {"conf.ini": "key = none\n"})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side", {"conf.ini": "key = side\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"conf.ini": "key = main\n"})
    repo.git("merge", "-q", "side", check=False)
    repo.write("conf.ini", f"key = {KEY}\n")
    repo.git("add", "conf.ini")
    merge = repo.commit("merge side")
    repo.commit("fix", {"conf.ini": "key = env\n"})

    [finding] = stand_in_scan(history(repo), [KEY])

    assert commit_of(finding) == merge
    assert len(repo.git("log", "-1", "--format=%P", merge).split()) == 2


def test_secret_brought_in_by_a_merged_branch_is_charged_to_the_branch_commit_not_the_merge(
    repo: Repo,
) -> None:
    repo.commit("init", {"a.txt": "a\n"})
    repo.git("checkout", "-q", "-b", "feature")
    leaked = repo.commit("feature key", {"feature.py": f"K = '{KEY}'\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main work", {"b.txt": "b\n"})
    repo.git("merge", "-q", "--no-edit", "feature")

    [finding] = stand_in_scan(history(repo), [KEY])

    assert (finding.path, commit_of(finding)) == ("feature.py", leaked)


def test_binary_and_oversized_blobs_are_skipped_with_a_reason(repo: Repo) -> None:
    repo.commit("assets", {"logo.png": b"\x89PNG\r\n\x1a\n\0\0" + KEY.encode(), "dump.sql": "x" * 4096 + KEY})
    repo.commit("drop", {"logo.png": None, "dump.sql": None})
    source = Recorded(history(repo, max_file_size=1024))

    findings = stand_in_scan(source, [KEY])

    assert findings == []
    reasons = {s.path: s.reason for s in source.skipped}
    assert reasons["logo.png (history)"] == "binary"
    assert reasons["dump.sql (history)"].startswith("too large")


def test_lfs_pointers_are_noted_not_scanned(repo: Repo) -> None:
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "ab" * 32 + "\nsize 12345\n"
    repo.commit("lfs", {"model.bin": pointer})
    repo.commit("drop", {"model.bin": None})
    source = drain(history(repo))

    fragments = source.fragments

    assert not any(f.path == "model.bin" for f in fragments)
    assert any(note.startswith("Git LFS pointers: their content lives in LFS storage") for note in source.notes)


def test_submodules_are_skipped_and_noted_never_a_crash(make_repo) -> None:  # type: ignore[no-untyped-def]
    inner: Repo = make_repo("inner")
    inner.commit("inner", {"x.txt": "x\n"})
    outer: Repo = make_repo("outer")
    outer.commit("init", {"README.md": "hi\n"})
    outer.git("-c", "protocol.file.allow=always", "submodule", "-q", "add", str(inner.path), "vendor/inner")
    outer.commit("add submodule")
    source = drain(history(outer))

    fragments = source.fragments

    assert {f.path for f in fragments} >= {"README.md", ".gitmodules"}
    assert any(s.path == "vendor/inner" and s.reason.startswith("submodule") for s in source.skipped)
    assert any(note.startswith("submodules:") for note in source.notes)


def test_a_missing_object_makes_the_scan_incomplete_and_the_rest_is_still_scanned(repo: Repo) -> None:
    repo.commit("one", {"gone.txt": "lost content\n", "keep.py": f"k = '{KEY}'\n"})
    blob = repo.git("rev-parse", "HEAD:gone.txt")
    repo.commit("two", {"gone.txt": None, "keep.py": None})
    os.remove(repo.path / ".git" / "objects" / blob[:2] / blob[2:])
    source = Recorded(history(repo))

    findings = stand_in_scan(source, [KEY])

    assert [f.path for f in findings] == ["keep.py"]
    assert [(s.path, s.incomplete) for s in source.skipped] == [("gone.txt (history)", True)]
    assert any("git fsck" in note for note in source.notes)


def test_a_corrupt_object_is_reported_and_does_not_stop_the_scan(repo: Repo) -> None:
    repo.commit("one", {"a.txt": "alpha\n", "b.py": f"k = '{KEY}'\n", "c.txt": "gamma\n"})
    blob = repo.git("rev-parse", "HEAD:a.txt")
    loose = repo.path / ".git" / "objects" / blob[:2] / blob[2:]
    loose.chmod(0o644)
    loose.write_bytes(b"not zlib at all")
    source = drain(history(repo))

    fragments = source.fragments

    assert {f.path for f in fragments} >= {"b.py", "c.txt"}
    assert [(s.path, s.incomplete) for s in source.skipped] == [("a.txt (history)", True)]


def test_a_bare_repository_is_scanned_from_its_refs(repo: Repo, tmp_path: Path) -> None:
    leaked = repo.commit("key", {"k.py": f"k = '{KEY}'\n"})
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True, env=repo.env)

    [finding] = stand_in_scan(HistorySource(bare, Settings()), [KEY])

    assert (finding.path, commit_of(finding)) == ("k.py", leaked)


def test_an_empty_repository_yields_its_untracked_files_only(repo: Repo) -> None:
    repo.write("draft.txt", f"{KEY}\n")

    findings = stand_in_scan(history(repo), [KEY])

    assert [(f.path, commit_of(f)) for f in findings] == [("draft.txt", None)]


def test_commit_count_counts_every_ref(repo: Repo, tmp_path: Path) -> None:
    repo.commit("a")
    repo.git("checkout", "-q", "-b", "b")
    repo.commit("b")
    repo.commit("c")
    (tmp_path / "plain").mkdir()

    assert git_runner.commit_count(repo.path) == 3
    assert git_runner.commit_count(tmp_path / "plain") is None
    assert git_runner.commit_count(tmp_path / "nowhere") is None
    assert git_runner.commit_count(repo.path, ["no-such-branch"]) is None  # git fails: no count, no error
    assert git_runner.commit_count(repo.path, ["b~1"]) == 2


def test_a_folder_scan_counts_the_history_it_leaves_out_while_it_scans(repo: Repo, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo.commit("a")
    repo.commit("b")
    started: list[tuple[str, ...]] = []
    later = git_runner.later
    monkeypatch.setattr(git_runner, "later", lambda at, *args: started.append(args) or later(at, *args))

    unscanned = UnscannedHistory(repo.path)
    asked = list(started)  # git was asked when the source was made, so it counts beside the folder's scan
    notes = [item.text for item in unscanned.read() if isinstance(item, Note)]

    assert asked == [("rev-list", "--count", "--all", "--")]
    assert notes == ["2 commits in this repository's history were not scanned; add --history to include them"]
    (tmp_path / "plain").mkdir()
    assert list(UnscannedHistory(tmp_path / "plain").read()) == []  # not a repository: no note, no error


def test_the_working_tree_reads_regular_files_only_and_says_what_it_could_not_read(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.sources import git_history

    repo.commit("init", {"app.py": "x = 1\n", "gone.py": "y = 2\n", "shadowed.py": "z = 3\n", "locked.py": "w\n"})
    repo.write("app.py", f"x = '{KEY}'\n")
    os.remove(repo.path / "gone.py")  # deleted from the tree: its history still has it, nothing to say
    os.remove(repo.path / "shadowed.py")
    (repo.path / "shadowed.py").mkdir()  # a folder where the index has a file: not a file to read
    os.symlink(repo.path / "app.py", repo.path / "alias.py")  # untracked link: never followed
    real_lstat = os.lstat

    def refused(path: str) -> os.stat_result:
        if os.fspath(path).endswith("locked.py"):
            raise PermissionError(13, "Permission denied")
        return real_lstat(path)

    monkeypatch.setattr(git_history.os, "lstat", refused)
    items = list(history(repo)._working_tree(set()))

    read = sorted({i.path for i in items if not isinstance(i, Skipped)})
    skipped = [(i.path, i.reason, i.incomplete) for i in items if isinstance(i, Skipped)]
    assert read == ["app.py"]
    assert skipped == [("locked.py", "unreadable: Permission denied", True)]
