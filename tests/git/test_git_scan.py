"""The git sources end to end: through scan() with the real rules, and through `keysweep scan` flags."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import Repo, author_of, commit_of, fake_key

from scanner.config import Settings
from scanner.scan import scan
from scanner.sources.commit_range import RangeSource
from scanner.sources.git_history import HistorySource
from scanner.sources.staged import StagedSource
from scanner.sources.targets import for_hook, in_repository, on_disk

KEY = fake_key(31)
OTHER = fake_key(32)


def keysweep(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_history_scan_finds_a_deleted_key_with_its_commit_through_the_real_engine(repo: Repo) -> None:
    leaked = repo.commit("config", {"config.py": f'OPENAI_API_KEY = "{KEY}"\n'}, author="Bob")
    repo.commit("remove", {"config.py": None})

    result = scan([HistorySource(repo.path, Settings())], Settings())

    assert [(f.rule_id, f.path, f.line, commit_of(f), author_of(f)) for f in result.findings] == [
        ("openai-project-key", "config.py", 1, leaked, "Bob")
    ]


def test_history_scan_reports_a_tree_leak_once_however_many_commits_carry_it(repo: Repo) -> None:
    body = f'KEY = "{KEY}"\n'
    leaked = repo.commit("key", {"app.py": body})
    for n in range(5):
        body += f"x{n} = {n}\n"
        repo.commit(f"edit {n}", {"app.py": body})

    result = scan([HistorySource(repo.path, Settings())], Settings())

    assert [(f.path, f.line, commit_of(f)) for f in result.findings] == [("app.py", 1, leaked)]
    # one working-tree file and five older versions, each once, from the six commits
    assert (result.files_scanned, result.blobs_scanned, result.commits_scanned) == (1, 5, 6)


def test_staged_and_range_sources_keep_their_provenance_through_scan(repo: Repo) -> None:
    base = repo.commit("base", {"a.py": "a = 1\n"})
    added = repo.commit("key", {"a.py": f'a = "{KEY}"\n'})
    repo.write("b.py", f'b = "{OTHER}"\n')
    repo.git("add", "b.py")

    ranged = scan([RangeSource(repo.path, f"{base}..HEAD", Settings())], Settings()).findings
    staged = scan([StagedSource(repo.path, Settings())], Settings()).findings

    assert [(f.path, commit_of(f)) for f in ranged] == [("a.py", added)]
    assert [(f.path, commit_of(f), author_of(f)) for f in staged] == [("b.py", None, "Ada")]


def test_cli_history_flag_exits_one_with_commit_provenance_in_json(repo: Repo) -> None:
    leaked = repo.commit("config", {"config.py": f'OPENAI_API_KEY = "{KEY}"\n'})
    repo.commit("remove", {"config.py": None})

    run = keysweep("scan", "--history", "--format", "json", ".", cwd=repo.path)

    assert run.returncode == 1, run.stderr
    [finding] = json.loads(run.stdout)["findings"]
    assert (finding["path"], finding["commit"], finding["author"]) == ("config.py", leaked, "Ada")
    assert KEY not in run.stdout


def test_cli_without_history_inside_a_repository_says_how_many_commits_were_not_scanned(repo: Repo) -> None:
    repo.commit("one", {"a.py": "a = 1\n"})
    repo.commit("two", {"a.py": "a = 2\n"})

    run = keysweep("scan", ".", cwd=repo.path)

    assert run.returncode == 0, run.stderr
    assert "2 commits in this repository's history were not scanned; add --history" in run.stdout


def test_cli_staged_blocks_a_staged_key_and_ignores_an_unstaged_one(repo: Repo) -> None:
    repo.commit("init", {"a.py": "a = 1\n"})
    repo.write("a.py", "a = 1\n")
    repo.write("b.py", f'b = "{KEY}"\n')
    repo.git("add", "b.py")
    repo.write("c.py", f'c = "{OTHER}"\n')  # not staged

    run = keysweep("scan", "--staged", "--format", "json", ".", cwd=repo.path)

    assert run.returncode == 1, run.stderr
    assert [f["path"] for f in json.loads(run.stdout)["findings"]] == ["b.py"]


def test_cli_since_and_range_scan_only_what_the_commits_add(repo: Repo) -> None:
    repo.commit("old", {"old.py": f'k = "{OTHER}"\n'})
    base = repo.commit("base", {"README.md": "hi\n"})
    added = repo.commit("pr", {"new.py": f'k = "{KEY}"\n'})

    since = keysweep("scan", "--since", base, "--format", "json", ".", cwd=repo.path)
    ranged = keysweep("scan", "--range", f"{base}..{added}", "--format", "json", ".", cwd=repo.path)
    clean = keysweep("scan", "--range", f"{base}~1..{base}", ".", cwd=repo.path)

    for run in (since, ranged):
        assert run.returncode == 1, run.stderr
        assert [(f["path"], f["commit"]) for f in json.loads(run.stdout)["findings"]] == [("new.py", added)]
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_cli_unknown_revision_is_one_line_and_exit_two(repo: Repo) -> None:
    repo.commit("one", {"a.py": "a\n"})

    run = keysweep("scan", "--since", "no-such-ref", ".", cwd=repo.path)

    assert run.returncode == 2
    assert run.stderr.strip().startswith("keysweep: error: unknown revision 'no-such-ref'")
    assert "Traceback" not in run.stderr


def test_cli_range_sarif_names_the_commit_and_hides_the_value(repo: Repo) -> None:
    base = repo.commit("base", {"README.md": "hi\n"})
    added = repo.commit("pr", {"new.py": f'k = "{KEY}"\n'})

    run = keysweep("scan", "--range", f"{base}..HEAD", "--format", "sarif", ".", cwd=repo.path)

    assert run.returncode == 1, run.stderr
    [result] = json.loads(run.stdout)["runs"][0]["results"]
    assert result["properties"]["commit"] == added
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "new.py"
    assert KEY not in run.stdout


def test_folder_and_history_scans_are_complete_while_staged_range_and_hook_scans_are_partial(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("init", {"a.py": "a = 1\n"})
    monkeypatch.chdir(repo.path)  # pre-commit runs hooks at the repository root
    settings = Settings()

    complete = [on_disk([repo.path], settings), in_repository(repo.path, settings, history=True)]
    partial = [
        in_repository(repo.path, settings, staged=True),
        in_repository(repo.path, settings, rev_range="HEAD"),
        for_hook(repo.path, [], settings, {}),
        for_hook(repo.path, ["a.py"], settings, {}),  # named but not staged: read whole, yet only these files
    ]

    assert [t.partial for t in complete] == [False, False]
    assert [t.partial for t in partial] == [True, True, True, True]
    assert [t.description for t in partial[2:]] == ["this commit adds", "the files checked hold"]
