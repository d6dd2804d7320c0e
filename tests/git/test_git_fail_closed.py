"""Git modes fail closed: each history finding points at its secret in its own commit's version of the file,
and a missing or corrupt object or a shallow boundary makes the scan incomplete (exit 2) in every mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gitrepo import Repo, fake_key

KEY = fake_key(61)
OTHER = fake_key(62)


def keysweep(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def report(*args: str, cwd: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    run = keysweep(*args, "--format", "json", cwd=cwd)
    assert run.returncode in (0, 1, 2) and run.stdout, run.stderr
    return run.returncode, json.loads(run.stdout)


def line_and_column_in_commit(repo: Repo, commit: str, path: str, secret: str, line: int, column: int) -> bool:
    """Whether `git show commit:path` holds `secret` at (line, column)."""
    shown = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=repo.path, capture_output=True, check=True)
    text = shown.stdout.decode().split("\n")
    return line <= len(text) and text[line - 1][column - 1 :].startswith(secret)


def compose(key_line: int, key: str = KEY) -> str:
    lines = ["services:", "  api:", "    image: nexus/api:1.4"]
    lines += [f"    # setting {n}" for n in range(key_line - len(lines) - 2)]
    lines += ["    environment:", f"      OPENAI_API_KEY: {key}", "    ports: ['8080:8080']"]
    return "\n".join(lines) + "\n"


# -- item 2: every (commit, path, line, column) is true of that commit's version ----------------------------


def test_a_key_that_moved_down_is_reported_where_it_came_in_and_where_it_is_now(repo: Repo) -> None:
    introduced = repo.commit("compose", {"docker-compose.yml": compose(10)})
    repo.commit("more settings", {"docker-compose.yml": compose(19)})
    assert compose(10).split("\n")[9].endswith(KEY) and compose(19).split("\n")[18].endswith(KEY)

    code, doc = report("scan", "--history", ".", cwd=repo.path)

    places = sorted((f["path"], f["line"], f["column"], f["commit"]) for f in doc["findings"])
    assert code == 1
    assert places == [("docker-compose.yml", 10, 23, introduced), ("docker-compose.yml", 19, 23, None)]


def test_every_history_finding_points_at_its_secret_in_its_commits_version(repo: Repo) -> None:
    repo.commit("one", {"a.env": f"KEY={KEY}\n", "b.py": "x = 1\n"})
    repo.commit("two", {"a.env": f"# header\n\nKEY={KEY}\n", "b.py": f"x = 1\ny = '{OTHER}'\n"})
    repo.commit("three", {"b.py": f"import os\n\n\nx = 1\ny = '{OTHER}'\n", "c.md": f"see `{KEY}`\n"})
    repo.commit("four", {"a.env": None, "c.md": f"intro\n\nsee `{KEY}` here\n"})
    repo.git("checkout", "-q", "-b", "side", "HEAD~2")
    repo.commit("side", {"d.txt": f"\t{OTHER}\n"})
    repo.git("checkout", "-q", "main")

    code, doc = report("scan", "--history", "--reveal", ".", cwd=repo.path)

    committed = [f for f in doc["findings"] if f["commit"]]
    # where each secret came in: a.env and b.py in "two"'s ancestors, c.md in "three", d.txt on the side branch
    assert code == 1 and sorted(f["path"] for f in committed) == ["a.env", "b.py", "c.md", "d.txt"]
    for f in committed:
        assert line_and_column_in_commit(repo, f["commit"], f["path"], f["secret"], f["line"], f["column"]), f
    for f in doc["findings"]:
        if not f["commit"]:  # the working tree
            text = (repo.path / f["path"]).read_text().split("\n")
            assert text[f["line"] - 1][f["column"] - 1 :].startswith(f["secret"]), f


def test_history_summary_counts_files_blobs_and_commits(repo: Repo) -> None:
    repo.commit("one", {"a.py": "a = 1\n"})
    repo.commit("two", {"a.py": "a = 2\n", "b.py": "b = 1\n"})
    repo.commit("three", {"a.py": "a = 3\n"})

    run = keysweep("scan", "--history", ".", cwd=repo.path)
    code, doc = report("scan", "--history", ".", cwd=repo.path)

    summary = doc["summary"]
    assert (summary["files_scanned"], summary["blobs_scanned"], summary["commits_scanned"]) == (2, 2, 3)
    assert "Scanned 2 files and 2 blobs from 3 commits" in run.stdout
    assert code == 0


# -- item 3: a missing or corrupt object is never "not a blob" ------------------------------------------------


def truncate_loose_object(repo: Repo, spec: str) -> str:
    oid = repo.git("rev-parse", spec)
    loose = repo.path / ".git" / "objects" / oid[:2] / oid[2:]
    loose.chmod(0o644)
    loose.write_bytes(loose.read_bytes()[:10])
    return oid


def test_a_truncated_object_of_a_deleted_env_file_makes_the_history_scan_incomplete(repo: Repo) -> None:
    repo.commit("env", {".env": f"OPENAI_API_KEY={KEY}\n", "app.py": "print(1)\n"})
    oid = truncate_loose_object(repo, "HEAD:.env")
    repo.commit("drop env", {".env": None})
    check = subprocess.run(
        ["git", "cat-file", "--batch-check"], input=f"{oid}\n", cwd=repo.path, capture_output=True, text=True
    )
    assert check.stdout.split() == [oid, "missing"]  # what git answers for it

    code, doc = report("scan", "--history", ".", cwd=repo.path)
    text = keysweep("scan", "--history", ".", cwd=repo.path)
    allowed = keysweep("scan", "--history", "--allow-incomplete", ".", cwd=repo.path)

    assert code == 2
    assert doc["summary"]["complete"] is False
    assert doc["summary"]["incomplete"] == [
        {"path": ".env (history)", "reason": f"missing or corrupt object {oid[:12]}"}
    ]
    assert text.returncode == 2 and "INCOMPLETE" in text.stdout and ".env (history)" in text.stdout
    assert "no secrets found" in allowed.stdout and allowed.returncode == 0


def test_a_corrupt_staged_blob_blocks_the_hook_and_the_staged_scan(repo: Repo) -> None:
    repo.commit("init", {"app.py": "x = 1\n"})
    repo.write(".env", f"OPENAI_API_KEY={KEY}\n")
    repo.git("add", ".env")
    truncate_loose_object(repo, ":.env")

    hook = keysweep("hook", cwd=repo.path)
    staged, doc = report("scan", "--staged", ".", cwd=repo.path)

    assert hook.returncode == 2
    assert "could not be read" in hook.stderr and ".env" in hook.stderr
    assert staged == 2 and [s["path"] for s in doc["summary"]["incomplete"]] == [".env"]
    assert keysweep("hook", "--allow-incomplete", cwd=repo.path).returncode == 0


def test_a_corrupt_blob_in_a_range_stops_the_range_scan_with_an_error(repo: Repo) -> None:
    base = repo.commit("init", {"app.py": "x = 1\n"})
    repo.commit("env", {".env": f"OPENAI_API_KEY={KEY}\n"})
    oid = truncate_loose_object(repo, "HEAD:.env")

    run = keysweep("scan", "--range", f"{base}..HEAD", ".", cwd=repo.path)

    assert run.returncode == 2  # git cannot diff the commit at all: an error, never a pass
    assert run.stderr.startswith("keysweep: error: git log failed") and oid in run.stderr


# -- item 4: a shallow clone's history says where it stops ---------------------------------------------------


def shallow_clone(repo: Repo, tmp_path: Path) -> Path:
    clone = tmp_path / "shallow"
    url = f"file://{repo.path}"
    subprocess.run(["git", "clone", "-q", "--depth", "1", url, str(clone)], check=True, env=repo.env)
    return clone


def test_history_of_a_shallow_clone_notes_its_boundary_and_is_incomplete(repo: Repo, tmp_path: Path) -> None:
    repo.commit("leak", {"config.py": f"KEY = '{KEY}'\n"})
    repo.commit("fix", {"config.py": "KEY = os.environ['KEY']\n"})
    tip = repo.git("rev-parse", "HEAD")
    clone = shallow_clone(repo, tmp_path)

    code, doc = report("scan", "--history", ".", cwd=clone)
    sarif = json.loads(keysweep("scan", "--history", "--format", "sarif", ".", cwd=clone).stdout)

    assert code == 2
    assert doc["summary"]["incomplete"] == [
        {"path": f"history before {tip[:12]}", "reason": "shallow clone: the parents of this commit are not here"}
    ]
    assert any("git fetch --unshallow" in note for note in doc["summary"]["notes"])
    [invocation] = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert any(
        n["level"] == "error" and tip[:12] in n["message"]["text"] for n in invocation["toolExecutionNotifications"]
    )


def test_a_range_reaching_a_shallow_boundary_is_incomplete(repo: Repo, tmp_path: Path) -> None:
    repo.commit("one", {"a.py": "a = 1\n"})
    repo.commit("two", {"a.py": "a = 2\n"})
    repo.commit("three", {"a.py": f"a = '{KEY}'\n"})
    clone = shallow_clone(repo, tmp_path)
    subprocess.run(["git", "fetch", "-q", "--deepen=1"], cwd=clone, check=True, env=repo.env)

    code, doc = report("scan", "--range", "HEAD~5..HEAD", ".", cwd=clone)

    assert code == 2
    assert [s["path"][:7] for s in doc["summary"]["incomplete"]] == ["commit "]
    assert [f["path"] for f in doc["findings"]] == ["a.py"]  # what the clone holds is still scanned


# -- item 9 in the git modes: UTF-16 text is text -------------------------------------------------------------


def utf16(text: str) -> bytes:
    return "\ufeff".encode("utf-16-le") + text.replace("\n", "\r\n").encode("utf-16-le")


def test_utf16_files_are_scanned_in_history_staged_range_and_the_hook(repo: Repo) -> None:
    base = repo.commit("init", {"deploy.ps1": utf16("$region = 'eu'\n")})
    repo.commit("key", {"deploy.ps1": utf16(f"$region = 'eu'\n$env:OPENAI_API_KEY = '{KEY}'\n")})
    repo.write("setup.ps1", utf16(f"# setup\n\n$key = '{OTHER}'\n"))
    repo.git("add", "setup.ps1")

    _, history = report("scan", "--history", ".", cwd=repo.path)
    _, staged = report("scan", "--staged", ".", cwd=repo.path)
    _, ranged = report("scan", "--range", f"{base}..HEAD", ".", cwd=repo.path)
    hook = keysweep("hook", cwd=repo.path)

    assert [(f["path"], f["line"], f["column"]) for f in ranged["findings"]] == [("deploy.ps1", 2, 24)]
    assert [(f["path"], f["line"], f["column"]) for f in staged["findings"]] == [("setup.ps1", 3, 9)]
    assert {(f["path"], f["line"], f["column"]) for f in history["findings"]} == {
        ("deploy.ps1", 2, 24),
        ("setup.ps1", 3, 9),
    }
    assert hook.returncode == 1 and "setup.ps1:3:9" in hook.stderr


def test_an_edit_to_a_utf16_file_reports_only_the_lines_it_adds(repo: Repo) -> None:
    repo.commit("init", {"old.ps1": utf16(f"$old = '{OTHER}'\n")})
    base = repo.git("rev-parse", "HEAD")
    repo.commit("add a line", {"old.ps1": utf16(f"$old = '{OTHER}'\n$new = '{KEY}'\n")})

    _, ranged = report("scan", "--range", f"{base}..HEAD", "--reveal", ".", cwd=repo.path)

    assert [(f["secret"], f["line"]) for f in ranged["findings"]] == [(KEY, 2)]


def test_cr_only_line_ends_are_line_ends_in_the_staged_and_range_modes(repo: Repo) -> None:
    base = repo.commit("init", {"mac.txt": "first\r"})
    repo.commit("key", {"mac.txt": f"first\rsecond\rkey = '{KEY}'\r"})
    repo.write("new.txt", f"a\rb\rtoken = '{OTHER}'\r")
    repo.git("add", "new.txt")

    _, staged = report("scan", "--staged", ".", cwd=repo.path)
    _, ranged = report("scan", "--range", f"{base}..HEAD", ".", cwd=repo.path)

    assert [(f["path"], f["line"], f["column"]) for f in staged["findings"]] == [("new.txt", 3, 10)]
    assert [(f["path"], f["line"], f["column"]) for f in ranged["findings"]] == [("mac.txt", 3, 8)]
