"""`keysweep hook`: what it blocks, what it lets through, how it reads pre-commit's calls, what it imports."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from gitrepo import Repo, fake_key

KEY = fake_key(41)
OLD = fake_key(42)
HEAVY = ("git", "gitdb", "httpx", "httpcore", "hvac", "requests", "urllib3", "nacl", "ruamel")


def hook(repo: Repo, *files: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", "hook", *files],
        cwd=repo.path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**repo.env, **(env or {})},
    )


def test_a_staged_key_blocks_the_commit_with_place_rule_redacted_value_and_fix(repo: Repo) -> None:
    repo.commit("init", {"app.py": "import os\n"})
    repo.write("app.py", f'import os\nOPENAI_API_KEY = "{KEY}"\n')
    repo.git("add", "app.py")

    run = hook(repo)

    assert run.returncode == 1
    assert "app.py:2:19" in run.stderr
    assert "openai-project-key" in run.stderr
    assert f"{KEY[:10]}…{KEY[-4:]}" in run.stderr
    assert "move the value to OPENAI_API_KEY" in run.stderr and "keysweep:allow" in run.stderr
    assert KEY not in run.stdout + run.stderr


def test_a_clean_commit_passes_silently(repo: Repo) -> None:
    repo.commit("init", {"app.py": "import os\n"})
    repo.write("app.py", "import os\nKEY = os.environ['OPENAI_API_KEY']\n")
    repo.git("add", "app.py")

    run = hook(repo, "app.py")

    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_an_unstaged_key_does_not_block_a_commit_of_other_changes(repo: Repo) -> None:
    repo.commit("init", {"app.py": "a = 1\n", "b.py": "b = 1\n"})
    repo.write("app.py", "a = 2\n")
    repo.git("add", "app.py")
    repo.write("b.py", f'b = "{KEY}"\n')

    assert hook(repo, "app.py").returncode == 0


def test_files_that_are_the_staged_set_are_checked_by_added_lines_only(repo: Repo) -> None:
    repo.commit("init", {"conf.py": f'OLD = "{OLD}"\n'})
    repo.write("conf.py", f'OLD = "{OLD}"\nDEBUG = True\n')
    repo.git("add", "conf.py")

    assert hook(repo, "conf.py").returncode == 0


def test_all_files_mode_scans_whole_files_instead_of_silently_passing(repo: Repo) -> None:
    repo.commit("init", {"conf.py": f'OLD = "{OLD}"\n', "README.md": "hi\n"})

    run = hook(repo, "README.md", "conf.py")  # what `pre-commit run --all-files` passes: nothing is staged

    assert run.returncode == 1
    assert "conf.py:1:8" in run.stderr


def test_pre_push_refs_scan_the_lines_the_pushed_commits_add(repo: Repo) -> None:
    base = repo.commit("base", {"a.py": f'OLD = "{OLD}"\n'})
    pushed = repo.commit("push", {"b.py": f'NEW = "{KEY}"\n'})

    blocked = hook(repo, "b.py", env={"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": pushed})
    clean = hook(repo, "a.py", env={"PRE_COMMIT_FROM_REF": f"{base}~0", "PRE_COMMIT_TO_REF": base})

    assert blocked.returncode == 1 and "b.py:1:8" in blocked.stderr
    assert "a.py" not in blocked.stderr
    assert clean.returncode == 0


def test_outside_a_repository_the_hook_fails_with_one_line(tmp_path: Path, git_env: dict[str, str]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "scanner", "hook"], cwd=tmp_path, capture_output=True, text=True, env=git_env
    )

    assert run.returncode == 2
    assert run.stderr.startswith("keysweep: error:") and "not inside a git repository" in run.stderr


def modules_loaded_by_the_hook(repo: Repo, *args: str) -> tuple[int, set[str]]:
    """Run `keysweep hook ARGS` in-process in a fresh interpreter; return its exit code and the modules loaded.

    NOTE: the probe itself imports nothing beyond what Python starts with (no json), so that the modules the
    hook loads can be told apart."""
    probe = (
        "import sys\n"
        "from scanner.cli import main\n"
        f"try:\n    main(['hook', *{list(args)!r}])\nexcept SystemExit as exit:\n    code = exit.code\n"
        "print(repr((code, sorted(sys.modules))))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=repo.path, capture_output=True, text=True, env=repo.env, timeout=60
    )
    code, modules = ast.literal_eval(run.stdout)
    return code, set(modules)


def test_a_clean_commit_imports_no_git_library_http_client_or_vault_client(repo: Repo) -> None:
    repo.commit("init", {"app.py": "import os\n"})
    repo.write("app.py", "import os\nKEY = os.environ['OPENAI_API_KEY']\n")
    repo.git("add", "app.py")

    code, modules = modules_loaded_by_the_hook(repo)

    assert code == 0
    assert "scanner.sources.staged" in modules  # the scan really ran
    loaded = {name.split(".")[0] for name in modules}
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_a_blocked_commit_imports_no_git_library_http_client_or_vault_client(repo: Repo) -> None:
    repo.commit("init", {"app.py": "import os\n"})
    repo.write("app.py", f'KEY = "{KEY}"\n')
    repo.git("add", "app.py")

    code, modules = modules_loaded_by_the_hook(repo)

    assert code == 1  # the whole blocking path ran, report included
    loaded = {name.split(".")[0] for name in modules}
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


# NOTE: what pre-commit's line (`keysweep hook FILE…`) must not pay for on a clean commit: click (the command
# line of every other run), TOML and JSON parsing (the rules come from the cache, there is no config), OpenSSL
# (hashlib: no secret to name) and dataclasses: the scan path's records are msgspec Structs, since defining them
# as dataclasses (generated code compiled at each start) was a fifth of the hook. msgspec's own import brings
# datetime, uuid, decimal and platform, which cost less than what they replace (README, Performance), but not
# typing_extensions, and through it inspect (scanner/__init__.py).
NOT_ON_A_CLEAN_COMMIT = (
    "click", "tomllib", "json", "hashlib", "_hashlib", "dataclasses", "typing_extensions", "inspect"
)  # fmt: skip


def test_a_clean_commit_under_pre_commit_loads_no_command_line_library_or_parser(repo: Repo) -> None:
    repo.commit("init", {"app.py": "import os\n"})
    repo.write("app.py", "import os\nKEY = os.environ['OPENAI_API_KEY']\n")
    repo.git("add", "app.py")
    modules_loaded_by_the_hook(repo, "app.py")  # NOTE: the first run fills the rule cache (which parses TOML)

    code, modules = modules_loaded_by_the_hook(repo, "app.py")

    assert code == 0
    assert "scanner.sources.staged" in modules  # the scan really ran
    assert modules.isdisjoint(NOT_ON_A_CLEAN_COMMIT), sorted(modules & set(NOT_ON_A_CLEAN_COMMIT))


def test_a_blocked_commit_under_pre_commit_reports_without_click(repo: Repo) -> None:
    repo.commit("init", {"app.py": "import os\n"})
    repo.write("app.py", f'KEY = "{KEY}"\n')
    repo.git("add", "app.py")

    code, modules = modules_loaded_by_the_hook(repo, "app.py")

    assert code == 1
    assert "scanner.report.text" in modules  # the report was written
    assert "scanner.findings" in modules and "click" not in modules
    # NOTE: naming the secret is SHA-256 from CPython's own module, not OpenSSL's (hashlib: ~3 ms); the report's
    # placeholders spell out string's letters (its Template compiles a regex at import)
    assert modules.isdisjoint({"hashlib", "_hashlib", "string"}), sorted(modules & {"hashlib", "_hashlib", "string"})


def test_a_hook_line_with_an_option_runs_through_click_and_means_the_same(repo: Repo) -> None:
    repo.commit("init", {"app.py": "import os\n"})
    repo.write("app.py", f'KEY = "{KEY}"\n')
    repo.git("add", "app.py")

    plain = hook(repo, "app.py")
    with_option = hook(repo, "--fail-on", "medium", "app.py")
    above_it = hook(repo, "--fail-on", "critical", "app.py")
    code, modules = modules_loaded_by_the_hook(repo, "--fail-on", "critical", "app.py")

    assert plain.returncode == with_option.returncode == 1
    assert re.sub(r"in [0-9.]+ s", "", plain.stderr) == re.sub(r"in [0-9.]+ s", "", with_option.stderr)
    assert "app.py:1:8" in plain.stderr
    assert above_it.returncode == code == 1  # the key is critical
    assert "click" in modules


def test_only_a_plain_hook_line_skips_click(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from scanner.cli import _plain_hook_files

    monkeypatch.delenv("_KEYSWEEP_COMPLETE", raising=False)
    assert _plain_hook_files(["hook"]) == []
    assert _plain_hook_files(["hook", "a.py", "b/c.py"]) == ["a.py", "b/c.py"]
    for line in (
        [],
        ["scan", "a.py"],
        ["hooks", "a.py"],
        ["hook", "-"],
        ["hook", "--"],
        ["hook", "-x.py"],
        ["hook", "a.py", "--fail-on", "high"],
        ["hook", "--help"],
        ["--no-color", "hook", "a.py"],
    ):
        assert _plain_hook_files(line) is None, line
    monkeypatch.setenv("_KEYSWEEP_COMPLETE", "bash_complete")
    assert _plain_hook_files(["hook", "a.py"]) is None


def _git_commands(trace: Path) -> list[str]:
    """The git commands a run started (from GIT_TRACE), as `rev-parse`, `diff --cached --raw`, ..."""
    said = []
    for line in trace.read_text().splitlines():
        if "trace: built-in: git " in line:
            args = line.split("trace: built-in: git ", 1)[1].split()
            said.append(" ".join(a for a in args[:3] if not a.startswith("-z")))
    return said


def test_on_git_commit_the_hook_asks_git_each_thing_once(repo: Repo, tmp_path: Path) -> None:
    """pre-commit passes the staged files: the top of the repository and the staged changes are each asked for
    once (every git started is milliseconds on every commit)."""
    repo.commit("init", {"app.py": "import os\n", "lib.py": "x = 1\n"})
    repo.write("app.py", "import os\nDEBUG = True\n")
    repo.write("lib.py", "x = 2\n")
    repo.git("add", "app.py", "lib.py")
    trace = tmp_path / "trace.txt"

    run = hook(repo, "app.py", "lib.py", env={"GIT_TRACE": str(trace)})

    assert run.returncode == 0, run.stderr
    commands = _git_commands(trace)
    assert sum(c.startswith("rev-parse") for c in commands) == 1, commands
    assert sum(c.startswith("diff --cached --raw") for c in commands) == 1, commands
