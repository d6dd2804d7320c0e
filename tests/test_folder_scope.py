"""What a folder scan reads: git's view inside a work tree (tracked and untracked-not-ignored files), every file
outside one, dependency folders and keysweep's own rule files passed over and listed, any depth of folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.config import Settings
from scanner.engine.ruleset import bundled_rules_dir
from scanner.scan import own_rule_dirs, scan_paths


def keysweep(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def paths_found(run: subprocess.CompletedProcess[str]) -> list[str]:
    return sorted({f["path"] for f in json.loads(run.stdout)["findings"]})


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture
def work_tree(tmp_path: Path, make_key) -> Path:  # type: ignore[no-untyped-def]
    tree = tmp_path / "app"
    (tree / "build").mkdir(parents=True)
    (tree / ".gitignore").write_text("build/\n*.local\n")
    (tree / "tracked.py").write_text(f"k = '{make_key()}'\n")
    (tree / "draft.py").write_text(f"k = '{make_key()}'\n")  # untracked, not ignored
    (tree / "secrets.local").write_text(f"k = '{make_key()}'\n")  # ignored
    (tree / "build" / "bundle.js").write_text(f"k = '{make_key()}'\n")  # ignored folder
    git(tree, "init", "-q")
    git(tree, "add", ".gitignore", "tracked.py")
    return tree


def test_a_folder_scan_in_a_work_tree_reads_tracked_and_untracked_but_not_ignored_files(work_tree: Path) -> None:
    run = keysweep("scan", ".", "--format", "json", cwd=work_tree)

    assert paths_found(run) == ["draft.py", "tracked.py"]


def test_include_ignored_reads_what_git_ignores_too(work_tree: Path) -> None:
    run = keysweep("scan", ".", "--include-ignored", "--format", "json", cwd=work_tree)

    assert paths_found(run) == ["build/bundle.js", "draft.py", "secrets.local", "tracked.py"]


def test_an_ignored_folder_or_file_the_user_names_is_read(work_tree: Path) -> None:
    assert paths_found(keysweep("scan", "build", "--format", "json", cwd=work_tree)) == ["bundle.js"]
    assert paths_found(keysweep("scan", "secrets.local", "--format", "json", cwd=work_tree)) == ["secrets.local"]


def test_a_subfolder_of_a_work_tree_lists_its_own_files_relative_to_itself(work_tree: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (work_tree / "src").mkdir()
    (work_tree / "src" / "a.py").write_text(f"k = '{make_key()}'\n")
    (work_tree / "src" / "b.local").write_text(f"k = '{make_key()}'\n")

    assert paths_found(keysweep("scan", "src", "--format", "json", cwd=work_tree)) == ["a.py"]


def test_repositories_met_while_walking_a_plain_folder_honour_their_own_gitignore(
    tmp_path: Path, work_tree: Path
) -> None:
    run = keysweep("scan", str(tmp_path), "--format", "json", cwd=tmp_path)

    assert paths_found(run) == ["app/draft.py", "app/tracked.py"]


def test_outside_a_work_tree_every_file_is_read(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".gitignore").write_text("*.local\n")  # no repository: it means nothing
    (tmp_path / "x.local").write_text(f"k = '{make_key()}'\n")

    assert paths_found(keysweep("scan", ".", "--format", "json", cwd=tmp_path)) == ["x.local"]


@pytest.mark.parametrize("in_git", [False, True])
def test_dependency_folders_are_listed_not_read_unless_asked(tmp_path: Path, make_key, in_git: bool) -> None:  # type: ignore[no-untyped-def]
    for folder in ("node_modules/lib", "vendor/pkg", "lib/python3.12/site-packages/pkg", "env", "src"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "k.py").write_text(f"k = '{make_key()}'\n")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")  # a virtualenv, whatever its name
    if in_git:
        git(tmp_path, "init", "-q")

    default = keysweep("scan", ".", "--format", "json", cwd=tmp_path)
    text = keysweep("scan", ".", cwd=tmp_path)
    included = keysweep("scan", ".", "--include-deps", "--format", "json", cwd=tmp_path)

    assert paths_found(default) == ["src/k.py"]
    skipped = json.loads(default.stdout)["summary"]["skipped"]
    assert [(s["path"], s["reason"], s["incomplete"]) for s in skipped] == [
        (name, "dependency folder (--include-deps scans it)", False)
        for name in ("env", "lib/python3.12/site-packages", "node_modules", "vendor")
    ]
    assert default.returncode == 1 and "skipped: 4 dependency folder" in text.stdout
    assert len(paths_found(included)) == 5


def test_a_dependency_folder_the_user_names_is_read(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "node_modules" / "lib").mkdir(parents=True)
    (tmp_path / "node_modules" / "lib" / "k.js").write_text(f"k = '{make_key()}'\n")

    assert paths_found(keysweep("scan", "node_modules", "--format", "json", cwd=tmp_path)) == ["lib/k.js"]


@pytest.fixture
def nested(tmp_path: Path) -> Iterator[Path]:
    """1,000 nested folders, removed bottom up afterwards (a recursive removal would itself overflow)."""
    chain = [tmp_path]
    for _ in range(1000):
        chain.append(chain[-1] / "d")
        chain[-1].mkdir()
    yield chain[-1]
    for file in chain[-1].iterdir():
        file.unlink()
    for folder in reversed(chain[1:]):
        folder.rmdir()


def test_a_thousand_nested_folders_are_walked(tmp_path: Path, nested: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (nested / "k.env").write_text(f"KEY={make_key()}\n")

    run = keysweep("scan", ".", "--format", "json", cwd=tmp_path)

    assert run.returncode == 1, run.stderr[-300:]
    assert paths_found(run) == ["d/" * 1000 + "k.env"]


def test_keysweeps_own_rule_files_are_never_reported(tmp_path: Path) -> None:
    own = own_rule_dirs()
    assert bundled_rules_dir().resolve() in own

    result = scan_paths([bundled_rules_dir()], Settings())
    around = scan_paths([bundled_rules_dir().parent], Settings(include_ignored=True, include_deps=True))

    assert result.findings == [] and [s.reason for s in result.skipped] == ["keysweep's own rule files"]
    assert not any(f.path.startswith(bundled_rules_dir().name + "/") for f in around.findings)


def test_a_submodule_in_a_work_tree_is_listed_by_its_own_git(work_tree: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    from scanner.sources.walk import list_folder

    library = work_tree.parent / "library"
    library.mkdir()
    (library / "client.py").write_text(f"k = '{make_key()}'\n")
    (library / "notes.local").write_text(f"k = '{make_key()}'\n")  # ignored by the submodule's own .gitignore
    (library / ".gitignore").write_text("*.local\n")
    git(library, "init", "-q")
    git(library, "add", "-A")
    git(library, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "lib")
    git(work_tree, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "vendored")

    listed = [p for p in list_folder(work_tree, str) if isinstance(p, str)]

    # NOTE: git lists the submodule as one entry, a folder: it is listed again by its own git, not read as a file
    assert "vendored" not in listed
    assert {"vendored/client.py", "vendored/.gitignore"} <= set(listed)
    assert "vendored/notes.local" not in listed
    assert paths_found(keysweep("scan", ".", "--format", "json", cwd=work_tree)) == [
        "draft.py",
        "tracked.py",
        "vendored/client.py",
    ]


def test_a_tracked_link_to_a_folder_is_a_file_not_followed(work_tree: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    from scanner.sources.walk import list_folder

    outside = work_tree.parent / "elsewhere"
    outside.mkdir()
    (outside / "keys.py").write_text(f"k = '{make_key()}'\n")
    (work_tree / "linked").symlink_to(outside, target_is_directory=True)
    git(work_tree, "add", "linked")

    listed = [p for p in list_folder(work_tree, str) if isinstance(p, str)]

    assert "linked" in listed and not any(p.startswith("linked/") for p in listed)
    run = keysweep("scan", ".", "--format", "json", cwd=work_tree)
    assert paths_found(run) == ["draft.py", "tracked.py"]
    skipped = json.loads(run.stdout)["summary"]["skipped"]
    assert {"path": "linked", "reason": "symbolic link (not followed)", "incomplete": False} in skipped


def test_git_lists_a_folder_only_inside_a_work_tree_and_not_ignored(tmp_path: Path, work_tree: Path) -> None:
    from scanner.sources.git_runner import work_tree_files

    bare = tmp_path / "mirror.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    outside = tmp_path / "plain"
    outside.mkdir()

    assert sorted(work_tree_files(work_tree) or []) == [".gitignore", "draft.py", "tracked.py"]
    assert work_tree_files(work_tree / "build") is None  # ignored: the user named it, all of it is read
    assert work_tree_files(work_tree / ".git") is None  # git's own folder: no work tree
    assert work_tree_files(bare) is None
    assert work_tree_files(outside) is None
