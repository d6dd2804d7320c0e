"""History scans that leave out what an earlier scan covered: only objects the covered commits cannot reach are
read, and what they hold is still attributed to the commits that introduced it."""

from __future__ import annotations

from gitrepo import Repo, fake_key

from scanner.config import Settings
from scanner.findings import Fragment
from scanner.scan import scan_target
from scanner.sources import expand
from scanner.sources.targets import in_repository


def read_paths(repo: Repo, covered: list[str]) -> list[str]:
    target = in_repository(repo.path, Settings(), history=True, covered=covered)
    return sorted(item.path for item in expand(target.sources[0].read()) if isinstance(item, Fragment))


def test_only_blobs_new_since_the_covered_commits_are_read(repo: Repo) -> None:
    repo.commit("one", {"a.txt": "a\n", "b.txt": "b\n"})
    tip = repo.commit("two", {"b.txt": "b2\n"})
    new = repo.commit("three", {"c.txt": "c\n", "a.txt": "a\n"})
    # A bare mirror: no working tree, so every fragment is a history blob.
    bare = repo.path.parent / "bare.git"
    repo.git("clone", "-q", "--mirror", str(repo.path), str(bare))
    mirror = Repo(bare, repo.env)

    assert read_paths(mirror, []) == ["a.txt", "b.txt", "b.txt", "c.txt"]
    assert read_paths(mirror, [tip]) == ["c.txt"]
    assert read_paths(mirror, [new]) == []


def test_a_secret_in_a_new_commit_is_attributed_to_it_when_the_rest_is_covered(repo: Repo) -> None:
    key = fake_key(11)
    covered = repo.commit("old", {"README.md": "hi\n"})
    leak = repo.commit("leak", {"app.py": f'KEY = "{key}"\n'})
    bare = repo.path.parent / "bare.git"
    repo.git("clone", "-q", "--mirror", str(repo.path), str(bare))

    result = scan_target(in_repository(bare, Settings(), history=True, covered=[covered]), Settings())

    assert [(f.secret, f.path, f.commit.oid if f.commit else None) for f in result.findings] == [(key, "app.py", leak)]
    assert (result.files_scanned, result.blobs_scanned, result.commits_scanned) == (0, 1, 1)


def test_history_is_scanned_when_head_names_a_branch_that_does_not_exist(repo: Repo) -> None:
    key = fake_key(12)
    repo.commit("leak", {"app.py": f'KEY = "{key}"\n'})
    bare = repo.path.parent / "bare.git"
    repo.git("clone", "-q", "--mirror", str(repo.path), str(bare))
    Repo(bare, repo.env).git("symbolic-ref", "HEAD", "refs/heads/renamed-default")

    result = scan_target(in_repository(bare, Settings(), history=True), Settings())

    assert [f.secret for f in result.findings] == [key]
