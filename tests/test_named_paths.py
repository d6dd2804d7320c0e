"""Paths the user names are scanned: links they name are followed, streams they name are read, a path named
twice is read once; and each path is scanned with the config found from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest


def keysweep(*args: str, cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args], cwd=cwd, capture_output=True, text=True, timeout=120, **kwargs
    )  # type: ignore[call-overload]


def findings(run: subprocess.CompletedProcess[str]) -> list[tuple[str, int, int]]:
    return [(f["path"], f["line"], f["column"]) for f in json.loads(run.stdout)["findings"]]


def test_a_symlinked_release_folder_named_as_the_argument_is_scanned(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    release = tmp_path / "releases" / "42"
    release.mkdir(parents=True)
    (release / "app.env").write_text(f"OPENAI_API_KEY={make_key()}\n")
    (tmp_path / "current").symlink_to("releases/42")

    for named in ("current", "current/"):
        run = keysweep("scan", named, "--format", "json", cwd=tmp_path)
        assert (run.returncode, findings(run)) == (1, [("app.env", 1, 16)])


def test_a_symlinked_file_named_as_the_argument_is_scanned(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "real.env").write_text(f"KEY={make_key()}\n")
    (tmp_path / "linked.env").symlink_to("real.env")

    run = keysweep("scan", "linked.env", "--format", "json", cwd=tmp_path)

    assert (run.returncode, findings(run)) == (1, [("linked.env", 1, 5)])


def test_links_met_inside_a_folder_are_listed_not_followed(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "k.env").write_text(f"KEY={make_key()}\n")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "elsewhere").symlink_to(outside)

    run = keysweep("scan", "proj", "--format", "json", cwd=tmp_path)

    summary = json.loads(run.stdout)["summary"]
    assert run.returncode == 0 and findings(run) == []
    assert summary["skipped"] == [{"path": "elsewhere", "reason": "symbolic link (not followed)", "incomplete": False}]


def test_process_substitution_is_read_as_a_stream(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.env").write_text(f"# one\nKEY={make_key()}\n")
    command = f"{sys.executable} -m scanner scan <(cat a.env) --format json"

    run = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=120)

    [(path, line, column)] = findings(run)
    assert run.returncode == 1 and path.startswith("/dev/fd/") and (line, column) == (2, 5)


def test_a_fifo_named_as_the_argument_is_read_as_a_stream(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key()
    fifo = tmp_path / "pipe.env"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("w") as writer:
            writer.write(f"x = 1\ny = '{key}'\n")

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    run = keysweep("scan", "pipe.env", "--format", "json", "--reveal", cwd=tmp_path)
    writer.join(timeout=10)

    assert [(f["path"], f["line"], f["secret"]) for f in json.loads(run.stdout)["findings"]] == [("pipe.env", 2, key)]


def test_an_inherited_descriptor_is_read_as_a_stream(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key()
    read_end, write_end = os.pipe()
    os.write(write_end, f"token: {key}\n".encode())
    os.close(write_end)

    run = keysweep("scan", f"/dev/fd/{read_end}", "--format", "json", cwd=tmp_path, pass_fds=(read_end,))
    os.close(read_end)

    assert findings(run) == [(f"/dev/fd/{read_end}", 1, 8)]


def test_a_path_named_twice_is_scanned_once(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.env").write_text(f"KEY={make_key()}\n")

    twice = keysweep("scan", "d/a.env", "d/a.env", "--format", "json", cwd=tmp_path)
    overlapping = keysweep("scan", "d", "d/a.env", "--format", "json", cwd=tmp_path)

    assert findings(twice) == [("d/a.env", 1, 5)]
    assert json.loads(twice.stdout)["summary"]["files_scanned"] == 1
    assert findings(overlapping) == [("d/a.env", 1, 5)]
    assert json.loads(overlapping.stdout)["summary"]["files_scanned"] == 1


# -- item 7: one config per path -------------------------------------------------------------------------------


@pytest.fixture
def two_projects(tmp_path: Path, make_key) -> Path:  # type: ignore[no-untyped-def]
    key = make_key()
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "proj" / ".keysweep.toml").write_text('disable = ["openai-project-key"]\n')
    (tmp_path / "proj" / "sub" / "k.py").write_text(f"k = '{key}'\n")
    (tmp_path / "other" / "k.py").write_text(f"k = '{key}'\n")
    return tmp_path


def test_each_path_is_scanned_with_the_config_found_from_it(two_projects: Path) -> None:
    run = keysweep("scan", "proj/sub", "other", "--format", "json", cwd=two_projects)
    reversed_order = keysweep("scan", "other", "proj/sub", "--format", "json", cwd=two_projects)

    assert (run.returncode, findings(run)) == (1, [("other/k.py", 1, 6)])
    assert findings(reversed_order) == [("other/k.py", 1, 6)]
    assert json.loads(run.stdout)["summary"]["files_scanned"] == 2


def test_verbose_says_which_config_applies_to_which_path(two_projects: Path) -> None:
    run = keysweep("scan", "proj/sub", "other", "-v", cwd=two_projects)

    config = str((two_projects / "proj" / ".keysweep.toml").resolve())
    assert f"config: {config} applies to proj/sub" in run.stderr
    assert "config: none (built-in defaults) applies to other" in run.stderr


def test_keysweep_toml_wins_over_pyproject_in_the_same_folder_and_says_so(tmp_path: Path, make_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".keysweep.toml").write_text('fail_on = "critical"\n')
    (tmp_path / "pyproject.toml").write_text('[tool.keysweep]\ndisable = ["openai-project-key"]\n')
    (tmp_path / "k.py").write_text(f"k = '{make_key()}'\n")

    run = keysweep("scan", ".", "--format", "json", cwd=tmp_path)
    verbose = keysweep("scan", ".", "-v", cwd=tmp_path)

    doc = json.loads(run.stdout)
    assert [f["rule_id"] for f in doc["findings"]] == ["openai-project-key"]  # the pyproject table is not read
    assert doc["summary"]["fail_on"] == "critical"
    assert any(".keysweep.toml wins over pyproject.toml in the same folder" in n for n in doc["summary"]["notes"])
    assert "is not read: .keysweep.toml wins over pyproject.toml" in verbose.stderr
