"""Loading the rule set: the bundled `rules/` folder, extra files from the config, minus disabled ids."""

from __future__ import annotations

import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from msgspec import Struct

from scanner.engine.rule import Rule, compile_rule, rule_files
from scanner.errors import RuleError

MAX_RULE_FILE = 4 * 1024 * 1024
"""Bytes; a rule file is data a person writes, and reading must not hang on `/dev/zero`."""


class RuleSet(Struct, frozen=True):
    """The rules of one scan, in a stable order, with their keywords indexed."""

    rules: tuple[Rule, ...]

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def bundled_rules_dir() -> Path:
    """Where the bundled rules live: inside the installed wheel, else the repository's `rules/`."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_rules"
    return installed if installed.is_dir() else package.parent / "rules"


def load_rule_file(path: Path, *, user: bool = True) -> list[Rule]:
    """Compile every rule of one TOML file (keysweep's `[[rule]]` schema or a gitleaks config).

    `user` files (every file but the bundled ones) compile their regexes with RE2 (linear time).
    """
    return compile_rule_file(path, read_rule_file(path), user=user)


def compile_rule_file(path: Path, data: dict[str, Any], *, user: bool = True) -> list[Rule]:
    """Every rule of one rule file's parsed TOML (see `load_rule_file`)."""
    if "rule" in data:
        tables = data["rule"]
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise RuleError(f"{path}: `rule` must be an array of tables ([[rule]])")
        return [compile_rule(t, str(path), user=user) for t in tables]
    if "rules" in data:
        from scanner.engine.gitleaks import convert_gitleaks_rules

        return [compile_rule(t, str(path), user=True) for t in convert_gitleaks_rules(data, str(path))]
    raise RuleError(f"{path}: no [[rule]] tables (keysweep) or [[rules]] tables (gitleaks) found")


def read_rule_file(path: Path) -> dict[str, Any]:
    """The parsed TOML of a rule file: a regular file of at most MAX_RULE_FILE bytes (never a device or a FIFO,
    which could hang the scan), every problem one RuleError naming the file."""
    return parse_rule_file(path, read_rule_bytes(path))


def read_rule_bytes(path: Path) -> bytes:
    """The bytes of a rule file, read as `read_rule_file` says."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise RuleError(f"{path}: a rule file must be a regular file (this is a device, FIFO or socket)")
        if info.st_size > MAX_RULE_FILE:
            raise RuleError(f"{path}: rule file is {info.st_size} bytes; rule files are at most {MAX_RULE_FILE}")
        with path.open("rb") as handle:
            # NOTE: sized by the file, not by the limit: a 4 MB buffer a file costs a hook's start ~0.5 ms each.
            raw = handle.read(info.st_size + 1)
            if len(raw) > info.st_size:  # it grew since: read on, up to the limit
                raw += handle.read(MAX_RULE_FILE + 1 - len(raw))
    except OSError as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc.strerror}") from None
    if len(raw) > MAX_RULE_FILE:
        raise RuleError(f"{path}: rule file is over {MAX_RULE_FILE} bytes")
    return raw


def parse_rule_file(path: Path, raw: bytes) -> dict[str, Any]:
    """A rule file's bytes as TOML (a RuleError naming the file when they are not)."""
    import tomllib  # NOTE: here: a start-up that finds its rules in the cache parses no TOML

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None


def load_ruleset(
    extra: Iterable[Path] = (), disabled: Iterable[str] = (), *, bundled: bool = True, examples: bool = True
) -> RuleSet:
    """The bundled rules plus `extra` files or folders, without the `disabled` ids (and without the bundled rules'
    `match`/`no_match` examples unless `examples`: a scan never reads them).

    An extra rule with a bundled rule's id replaces it (a team's stricter `generic-api-key`, or a gitleaks
    config that copies gitleaks' defaults); two extra rules with one id are an error.
    """
    rules: dict[str, Rule] = {}
    origin: dict[str, str] = {}
    if bundled:
        from scanner.engine.rule_cache import bundled_rules

        for rule in bundled_rules(rule_files(bundled_rules_dir()), examples=examples):
            rules[rule.id] = rule
    for path in extra:
        for file in rule_files(path) if path.is_dir() else [path]:
            for rule in load_rule_file(file):
                if rule.id in origin:
                    raise RuleError(f"{file}: rule {rule.id!r} is already defined in {origin[rule.id]}")
                origin[rule.id] = str(file)
                rules[rule.id] = rule
    disabled_set = set(disabled)
    unknown = sorted(disabled_set - rules.keys())
    if unknown:
        raise RuleError(f"disabled rule id(s) not found: {', '.join(unknown)} (see `keysweep rules list`)")
    return RuleSet(tuple(r for r in rules.values() if r.id not in disabled_set))


def compile_each(path: Path) -> tuple[list[Rule], list[str]]:
    """Every keysweep rule of `path` that compiles, and one message per rule that does not (not just the first).

    Unreadable files and gitleaks configs fail as `load_rule_file` does.
    """
    tables = read_rule_file(path).get("rule")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        return load_rule_file(path), []
    compiled, problems = [], []
    for table in tables:
        try:
            compiled.append(compile_rule(table, str(path), user=True))
        except RuleError as exc:
            problems.append(str(exc))
    return compiled, problems
