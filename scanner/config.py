"""Frozen Settings: CLI flags over `[tool.keysweep]` in pyproject.toml / `.keysweep.toml` over defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.findings import Severity

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a scan needs to know, resolved once and passed down (no globals)."""

    fail_on: Severity = Severity.LOW
    """Findings at or above this severity make `scan` exit 1."""
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    """Files (and git blobs) larger than this many bytes are skipped and listed in the summary."""
    rule_paths: tuple[Path, ...] = ()
    """Extra rule files or folders (keysweep TOML or gitleaks TOML)."""
    disabled_rules: frozenset[str] = frozenset()
    allow_paths: tuple[str, ...] = ()
    """Glob patterns of paths never scanned (matched against the path relative to the scan root)."""
    allow_values: tuple[str, ...] = ()
    """Regular expressions; a secret matching one is not reported."""
    reveal: bool = False
    """Include secret values in reports."""
    baseline: Path | None = None
    config_file: Path | None = None
    """The file these settings were read from, for error messages."""
    rotation: dict[str, Any] = field(default_factory=dict)
    """The raw `rotation` table, validated by scanner.rotation."""
    jobs: int = 0
    """Worker processes for large scans; 0 picks from the CPU count."""
