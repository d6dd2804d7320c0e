"""The filter stage that `scan()` runs last: the Filter role, the facts filters may use, and the default list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from msgspec import Struct

from scanner.config import Settings
from scanner.findings import Finding, Skipped


class ScanScope(Struct, frozen=True):
    """What a filter may need to know about the scan beyond its findings."""

    root: str
    """The folder (or file) the findings' paths are relative to."""
    skipped: tuple[Skipped, ...] = ()
    """What the sources could not read: silence about those paths says nothing."""
    partial: bool = False
    """True when the sources read only part of what `root` holds (added lines, a hook's files)."""


class Filtered(Struct, frozen=True):
    """What a filter keeps, and lines for the report's summary."""

    kept: list[Finding]
    notes: tuple[str, ...] = ()


class Filter(Protocol):
    """One step of the filter stage: decides which findings are reported, after detection, attribution and
    the cross-file links (so a filtered secret still names the org IDs beside it, and they name it)."""

    def apply(self, findings: Sequence[Finding], scope: ScanScope) -> Filtered: ...


def default_filters(settings: Settings, *, baseline: bool = True) -> list[Filter]:
    """The settings' filters in order: values allowed by `allow_values`, then the baseline (unless `baseline`
    is False: `baseline create/update`, `fix` and `rotate` start from every finding)."""
    filters: list[Filter] = []
    if settings.allow_values:
        from scanner.filters.allowlist import AllowedValues

        filters.append(AllowedValues.compile(settings.allow_values))
    if baseline and settings.baseline is not None:
        from scanner.filters.baseline import BaselineFilter

        filters.append(BaselineFilter(settings.baseline))
    return filters
