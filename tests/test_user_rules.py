"""User-supplied rules and patterns cannot hang a scan or crash it: their regexes run on RE2 (linear time), every
field is type-checked with an error naming the file and the rule, and rule files are read as bounded regular
files. Each hang is run in a subprocess with a timeout, so a regression fails instead of stalling the suite."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.engine.lazy_regex import LazyPattern
from scanner.engine.ruleset import MAX_RULE_FILE, load_rule_file, load_ruleset
from scanner.errors import RuleError

HANG_BOUND_S = 20  # the subprocess timeout: RE2 answers in milliseconds, Python `re` would run for hours


def keysweep(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args], capture_output=True, text=True, cwd=cwd, timeout=HANG_BOUND_S
    )


def _rule(regex: str, *, keyword: str = "a", extra: str = "") -> str:
    head = f'[[rule]]\nid = "user-rule"\ndescription = "x"\nkeywords = ["{keyword}"]\n'
    return head + f"regex = '''{regex}'''\n{extra}"


def test_a_custom_rule_with_nested_quantifiers_finishes_on_a_31_byte_file(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text(_rule("(a+)+$"))
    (tmp_path / ".keysweep.toml").write_text('rules = ["rules.toml"]\n')
    (tmp_path / "input.txt").write_text("a" * 30 + "!")
    started = time.perf_counter()
    run = keysweep("scan", "input.txt", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert time.perf_counter() - started < HANG_BOUND_S


def test_allow_values_with_nested_quantifiers_in_a_committed_pyproject_finishes(
    tmp_path: Path, make_key: Callable[..., str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.keysweep]\nallow_values = ["(\\\\w+)+!"]\n')
    (tmp_path / "app.env").write_text(f"OPENAI_API_KEY={make_key('sk-proj-', 48)}\n")
    run = keysweep("scan", ".", cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # the key is reported: the pattern ran and did not match it
    assert "openai-project-key" in run.stdout


def test_an_imported_gitleaks_rule_runs_in_linear_time(tmp_path: Path) -> None:
    (tmp_path / "gitleaks.toml").write_text(
        "[[rules]]\nid = \"acme\"\nregex = '''acme_((a+)+)$'''\nkeywords = [\"acme_\"]\n"
        "[allowlist]\nregexes = ['''(b+)+$''']\n"
    )
    (tmp_path / ".keysweep.toml").write_text('rules = ["gitleaks.toml"]\n')
    (tmp_path / "input.txt").write_text("acme_" + "a" * 40 + "!\n" + "b" * 40 + "!\n")
    run = keysweep("scan", "input.txt", cwd=tmp_path)
    assert run.returncode == 0, run.stderr


def test_a_lookaround_in_a_custom_rule_is_an_error_naming_file_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(_rule("acme_(?=[a-z]{8})[a-z]{8}", keyword="acme_"))
    with pytest.raises(RuleError, match=r"rules.toml: rule 'user-rule': `regex` does not compile with RE2"):
        load_rule_file(path)
    run = keysweep("rules", "check", "rules.toml", cwd=tmp_path)
    assert run.returncode == 1
    assert "FAIL rules.toml: rule 'user-rule': `regex` does not compile with RE2" in run.stdout


def test_bundled_rules_keep_python_re_and_user_rules_get_re2(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(_rule("acme_[a-z]{8}", keyword="acme_", extra="allow_values = ['^acme_test']\n"))
    [user] = load_rule_file(path)
    bundled = load_ruleset().by_id("openai-org-id")  # uses lookarounds
    assert type(user.regex).__module__.startswith("re2")
    assert type(user.allow_values[0]).__module__.startswith("re2")
    assert isinstance(bundled.regex, LazyPattern)  # Python `re`, compiled on first use
    assert type(bundled.regex.compiled()).__module__ == "re"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ('window = "big"', "`window` must be a number of bytes between 1 and 65536, not 'big'"),
        ("window = 0", "`window` must be a number of bytes between 1 and 65536, not 0"),
        ('entropy = "high"', "`entropy` must be a number of bits per character between 0 and 8, not 'high'"),
        ("entropy = 9.5", "`entropy` must be a number of bits per character between 0 and 8"),
        ("prefix = 5", "`prefix` must be a non-empty string or a non-empty list of strings, not 5"),
        ("prefix = [1]", "`prefix` must be a non-empty string or a non-empty list of strings"),
        ("prefix = []", "`prefix` must be a non-empty string or a non-empty list of strings"),
        ("kind = 5", "`kind` must be a non-empty string, not 5"),
        ("provider = true", "`provider` must be a non-empty string, not True"),
        ("token_chars = 5", "`token_chars` must be a non-empty string, not 5"),
        ('allow_values = "x"', "`allow_values` must be a list of strings, not 'x'"),
        ('references = "https://x"', "`references` must be a list of strings"),
        ('glue = "yes"', "`glue` must be true or false, not 'yes'"),
        ("identifier = 1", "`identifier` must be true or false, not 1"),
        ('anchor = "yes"', "`anchor` must be true or false, not 'yes'"),
        ("secret_group = true", "`secret_group` must be a group number between 0 and 0, not True"),
        ("secret_group = 2", "`secret_group` must be a group number between 0 and 0, not 2"),
        ('match = "x"', "`match` must be a list of strings or tables"),
        ("match = [{ text = 'x', secret = 5 }]", "`match` must be a list of strings or tables"),
        ('severity = "urgent"', "`severity`: unknown severity 'urgent'"),
        ("severity = 3", "`severity` must be a non-empty string, not 3"),
        ('near = { rule = "x" }', "`near.lines` must be a number of lines between 0 and 10"),
        ('near = { rule = "x", regex = "y", lines = 2 }', "`near` must be a table"),
        ('near = { rule = "aws", lines = 11 }', "`near.lines` must be a number of lines between 0 and 10"),
        ('paths = "**/.netrc"', "`paths` must be a list of path globs"),
        ('validate = "crc"', "`validate` must be one of jwt, not 'crc'"),
        ("jwt_claims = { iss = 5 }", "`jwt_claims` must be a table of claim"),
    ],
)
def test_every_rule_field_is_type_checked_naming_file_rule_and_field(tmp_path: Path, field: str, message: str) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(_rule("acme_[a-z]{8}", keyword="acme_", extra=field + "\n"))
    with pytest.raises(RuleError) as raised:
        load_rule_file(path)
    assert str(raised.value).startswith(f"{path}: rule 'user-rule': ")
    assert message in str(raised.value)


_LOAD = (
    "import sys\nfrom pathlib import Path\nfrom scanner.engine.ruleset import load_ruleset\n"
    "load_ruleset([Path(sys.argv[1])])\n"
)


def _load_in_subprocess(path: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", _LOAD, str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=HANG_BOUND_S)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_a_rule_file_is_an_error_not_a_hang(device: str) -> None:
    run = _load_in_subprocess(Path(device))
    assert run.returncode == 1
    assert f"RuleError: {device}: a rule file must be a regular file" in run.stderr


def test_a_fifo_as_a_rule_file_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)
    run = _load_in_subprocess(fifo)
    assert "a rule file must be a regular file" in run.stderr


@pytest.mark.parametrize(("size", "loads"), [(MAX_RULE_FILE, True), (MAX_RULE_FILE + 1, False)])
def test_rule_files_are_read_up_to_the_size_cap(tmp_path: Path, size: int, loads: bool) -> None:
    path = tmp_path / "big.toml"
    body = _rule("acme_[a-z]{8}", keyword="acme_")
    path.write_text(body + "#" * (size - len(body) - 1) + "\n")
    assert path.stat().st_size == size
    if loads:
        assert [r.id for r in load_rule_file(path)] == ["user-rule"]
    else:
        with pytest.raises(RuleError, match="rule files are at most"):
            load_rule_file(path)


def test_a_rule_folder_holds_its_toml_files_in_name_order_links_included_folders_not(tmp_path: Path) -> None:
    from scanner.engine.rule import rule_files

    folder = tmp_path / "rules"
    folder.mkdir()
    for name in ("b.toml", "a.toml", "notes.txt", "c.toml.bak"):
        (folder / name).write_text("")
    (folder / "sub.toml").mkdir()
    (tmp_path / "elsewhere.toml").write_text("")
    (folder / "link.toml").symlink_to(tmp_path / "elsewhere.toml")
    (folder / "dangling.toml").symlink_to(tmp_path / "missing.toml")

    assert rule_files(folder) == [folder / "a.toml", folder / "b.toml", folder / "link.toml"]
