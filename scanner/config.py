"""Frozen Settings: CLI flags over `[tool.keysweep]` in pyproject.toml / `.keysweep.toml` over defaults."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from scanner.findings import Severity


class Settings(Struct, frozen=True):
    """Everything a scan needs to know, resolved once and passed down (no globals)."""

    fail_on: Severity = Severity.MEDIUM
    """Findings at or above this severity make `scan` exit 1. Test and sandbox keys are `low` and identifiers,
    publishable keys and password hashes `info`, so by default they are reported but never fail the gate."""
    max_file_size: int | None = None
    """Files, streams and git blobs larger than this many bytes are skipped and listed (not incomplete: the user
    set the limit). None, the default: no limit; big content is scanned in bounded chunks."""
    rule_paths: tuple[Path, ...] = ()
    """Extra rule files or folders (keysweep TOML or gitleaks TOML)."""
    disabled_rules: frozenset[str] = frozenset()
    allow_paths: tuple[str, ...] = ()
    """Glob patterns of paths never scanned (matched against the path relative to the scan root)."""
    allow_values: tuple[str, ...] = ()
    """Regular expressions; a secret matching one is not reported."""
    reveal: bool = False
    """Include secret values in reports."""
    only_verified: bool = False
    """`scan --only-verified`: only findings whose secret its provider called live (or could not be asked about:
    a timeout, a 5xx) fail the gate; `--verify` set the verifications in the ScanResult."""
    baseline: Path | None = None
    config_file: Path | None = None
    """The file these settings were read from, for error messages."""
    rotation: dict[str, Any] = field(default_factory=dict)
    """The raw `rotation` table, validated by scanner.rotation."""
    hosting: dict[str, Any] = field(default_factory=dict)
    """The raw `hosting` table (where pull requests go), validated by scanner.rotation.pull_request."""
    jobs: int = 0
    """Worker processes for large scans; 0 picks from the CPU count."""
    allow_incomplete: bool = False
    """Accept a scan that could not read part of what it was asked to (exit on findings alone, not 2)."""
    include_ignored: bool = False
    """Folder scans inside a git work tree also read the files git ignores."""
    include_deps: bool = False
    """Folder scans also read dependency folders (node_modules, site-packages, vendor, virtualenvs)."""
    shadowed_config: Path | None = None
    """A `pyproject.toml` with `[tool.keysweep]` beside `config_file` (a `.keysweep.toml`), which it overrides."""

    def is_allowed_path(self, path: str) -> bool:
        """Whether `allow_paths` exempts `path` (relative to the scan root) from scanning.

        The one path check: every source asks it before reading, so an exempt file is neither read nor listed.
        """
        return bool(self.allow_paths) and _globs(self.allow_paths).match(os.path.normcase(path)) is not None


@functools.lru_cache(maxsize=8)
def _globs(globs: tuple[str, ...]) -> re.Pattern[str]:
    """`globs` as one regex, as `fnmatch` reads each (case as the platform folds it): every path of a history
    asks, and one match costs what one `fnmatch` call did for each glob."""
    return re.compile("|".join(fnmatch.translate(os.path.normcase(glob)) for glob in globs))


_KEYS = {
    "rules": "extra rule files or folders (list of paths, relative to the config file)",
    "disable": "rule ids not to run (list)",
    "allow_paths": "glob patterns of paths never scanned (list)",
    "allow_values": "regular expressions of values never reported (list)",
    "fail_on": "severity that fails the gate: info, low, medium, high, critical",
    "max_file_size": "bytes; larger files are skipped and listed (default: no limit, big files are chunked)",
    "allow_incomplete": "true to accept scans that could not read everything (exit on findings, not 2)",
    "include_ignored": "true to scan files git ignores in folder scans",
    "include_deps": "true to scan dependency folders (node_modules, site-packages, vendor, virtualenvs)",
    "baseline": "path of the baseline file, relative to the config file",
    "rotation": "rotation providers and Vault settings (table)",
    "hosting": "where remediation pull requests go: kind, api_url, repository, remote, web_url (table)",
}


class ConfigFound(Struct, frozen=True):
    """The config file that applies from a folder, and the one beside it that it overrides."""

    path: Path | None
    shadowed: Path | None = None
    """`pyproject.toml` with a `[tool.keysweep]` table in the same folder as `path` (a `.keysweep.toml`): the
    rule is that `.keysweep.toml` wins and the pyproject table is not read."""


def find_config(start: Path) -> Path | None:
    """The nearest `.keysweep.toml`, or `pyproject.toml` with a `[tool.keysweep]` table, walking up."""
    return locate_config(start).path


def locate_config(start: Path) -> ConfigFound:
    """The nearest folder from `start` up (to the repository root, a bare one's too) with a `.keysweep.toml` or a
    `pyproject.toml` with `[tool.keysweep]`; when it has both, `.keysweep.toml` wins and the other is named as
    shadowed."""
    folder = Path(os.path.realpath(start))  # NOTE: never raises, even on a link loop (Path.resolve does)
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        own = candidate / ".keysweep.toml"
        pyproject = candidate / "pyproject.toml"
        has_table = pyproject.is_file() and _has_keysweep_table(pyproject)
        if own.is_file():
            return ConfigFound(own, pyproject if has_table else None)
        if has_table:
            return ConfigFound(pyproject)
        if (candidate / ".git").exists() or _is_bare_repository(candidate):
            break
    return ConfigFound(None)


def _is_bare_repository(folder: Path) -> bool:
    """Whether `folder` is a git directory itself (a bare clone, a mirror): a repository root, as a work tree's is.
    NOTE: without this, a bare clone kept inside another project's work tree took that project's config."""
    return (folder / "HEAD").is_file() and (folder / "objects").is_dir() and (folder / "refs").is_dir()


def _has_keysweep_table(pyproject: Path) -> bool:
    import tomllib

    try:
        return "keysweep" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # NOTE: someone else's broken pyproject is not ours to fail on


def load_settings(start: Path | str = ".", config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Settings from the config file (given, or found from `start`) with `overrides` (CLI flags) on top."""
    from scanner.errors import ConfigError

    found = ConfigFound(Path(config_file)) if config_file else locate_config(Path(start))
    path = found.path
    table: dict[str, Any] = {}
    if path is not None:
        from scanner.toml_file import read_toml  # NOTE: here: a repository without a config parses no TOML

        data = read_toml(path, ConfigError, "config")
        table = data.get("tool", {}).get("keysweep", {}) if path.name == "pyproject.toml" else data
        if path.name != "pyproject.toml" and "keysweep" in table and len(table) == 1:
            table = table["keysweep"]
    values = _validate(table, path) if path else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(config_file=path, shadowed_config=found.shadowed, **values)


def _validate(table: dict[str, Any], path: Path) -> dict[str, Any]:
    from scanner.errors import ConfigError

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{path}: `{key}`: {message}")

    unknown = sorted(set(table) - _KEYS.keys())
    if unknown:
        raise fail(unknown[0], f"unknown key (known keys: {', '.join(_KEYS)})")

    def strings(key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "must be a list of strings")
        return value

    out: dict[str, Any] = {}
    base = path.parent
    if "rules" in table:
        out["rule_paths"] = tuple(base / p for p in strings("rules"))
    if "disable" in table:
        out["disabled_rules"] = frozenset(strings("disable"))
    if "allow_paths" in table:
        out["allow_paths"] = tuple(strings("allow_paths"))
    if "allow_values" in table:
        from scanner.linear_regex import UnsupportedRegex, compile_linear

        for pattern in strings("allow_values"):
            try:
                compile_linear(pattern)
            except UnsupportedRegex as exc:
                raise fail("allow_values", f"{pattern!r} does not compile: {exc}") from None
        out["allow_values"] = tuple(strings("allow_values"))
    if "fail_on" in table:
        try:
            out["fail_on"] = Severity.parse(str(table["fail_on"]))
        except ValueError as exc:
            raise fail("fail_on", str(exc)) from None
    if "max_file_size" in table:
        size = table["max_file_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise fail("max_file_size", "must be a positive number of bytes")
        out["max_file_size"] = size
    for key in ("allow_incomplete", "include_ignored", "include_deps"):
        if key in table:
            if not isinstance(table[key], bool):
                raise fail(key, "must be true or false")
            out[key] = table[key]
    if "baseline" in table:
        if not isinstance(table["baseline"], str):
            raise fail("baseline", "must be a path")
        out["baseline"] = base / table["baseline"]
    for key in ("rotation", "hosting"):
        if key in table:
            if not isinstance(table[key], dict):
                raise fail(key, "must be a table")
            out[key] = table[key]
    return out
