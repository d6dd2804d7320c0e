"""The incident report as data: what leaked, where and since when, whether it is live, what was done, what next.

Renderers (markdown, html) read only these types. A secret's value is held here only when the user asked for it
with `--reveal` (`SecretReport.value`); everything else names a secret by its redacted form and secret id.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from scanner.findings import Commit, Severity


class EventKind(enum.StrEnum):
    """What happened to a secret at one point of its history."""

    INTRODUCED = "introduced"
    """Added where the parent commit held it nowhere."""
    COPIED = "copied"
    """Added at another path while the parent commit still held it elsewhere."""
    MOVED = "moved"
    """The same commit removed it from one path and added it at another."""
    REMOVED = "removed"
    """Gone from a path (the line edited out, or the file deleted)."""
    REPORTED = "reported"
    """Where the scan placed it, when git could not be asked (another repository, or no value to search for)."""


class Presence(enum.StrEnum):
    """Where a ref stands with respect to a secret."""

    TREE = "in the tree"
    """The ref's own files hold it: a checkout shows it."""
    HISTORY = "in history"
    """Its files no longer hold it, but a commit in its history does."""
    ABSENT = "not reachable"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ExposureEvent:
    """One commit that changed where a secret is."""

    kind: EventKind
    commit: Commit
    path: str
    source: str | None = None
    """For copies and moves: the path it came from."""


@dataclass(frozen=True, slots=True)
class RefExposure:
    """A branch, tag or other ref from which a secret can still be read."""

    name: str
    """Short name (`main`, `v1.2`, `origin/main`)."""
    kind: str
    """`branch`, `tag`, `remote` or `other` (the stash, notes)."""
    presence: Presence


@dataclass(frozen=True, slots=True)
class GitExposure:
    """A secret's history in one repository."""

    repository: str
    """The repository's name: its folder, or the org scan's `repository`."""
    events: tuple[ExposureEvent, ...] = ()
    """Oldest first."""
    refs: tuple[RefExposure, ...] = ()
    head: Presence = Presence.UNKNOWN
    default_branch: str | None = None
    in_default: Presence = Presence.UNKNOWN
    commits: tuple[str, ...] = ()
    """Every commit from which it is reachable (its own files or its history hold it), oldest first."""
    traced: bool = False
    """True when git was asked (every event and ref is exact); False: only what the scan reported."""
    note: str = ""
    """Why it was not traced, when it was not."""

    @property
    def introduced(self) -> ExposureEvent | None:
        return next((e for e in self.events if e.kind in (EventKind.INTRODUCED, EventKind.REPORTED)), None)

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.refs if r.kind == "tag")

    @property
    def branches(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.refs if r.kind in ("branch", "remote"))


@dataclass(frozen=True, slots=True)
class Place:
    """A place the scan saw the secret."""

    path: str
    line: int
    column: int
    commit: str | None = None
    repository: str | None = None
    is_docs: bool = False
    """A documentation page (Markdown, reStructuredText, text, HTML, or under a docs folder)."""


@dataclass(frozen=True, slots=True)
class Liveness:
    """Whether the provider still accepts the key, and who said so."""

    status: str
    """`live`, `revoked`, `unknown`, or `not-checked`."""
    reason: str = ""
    provider: str | None = None
    source: str = ""
    """`scan --verify`, or the rotation that learnt it."""


NOT_CHECKED = Liveness("not-checked", "run `keysweep report --verify`")


@dataclass(frozen=True, slots=True)
class PullRequestStatus:
    """The remediation pull request of a rotation, as its journal last knew it."""

    url: str | None
    number: int | None = None
    state: str = "unknown"
    """`open`, `merged`, `closed`, `skipped` (no PR was opened) or `unknown`."""
    message: str = ""
    as_of: str = ""
    """The journal time of what is known."""


@dataclass(frozen=True, slots=True)
class RotationEvent:
    """A journal event about one secret, for the timeline."""

    when: str
    """ISO-8601 time of the journal line."""
    what: str
    """The journal's event name (`minted`, `stored`, `revoked`, `pr`, …)."""


@dataclass(frozen=True, slots=True)
class RotationStatus:
    """What one rotation did about one secret."""

    rotation_id: str
    status: str
    """The rotation's: `done`, `awaiting-merge`, `awaiting-revoke`, `incomplete`."""
    action: str
    """The plan's for this secret: `rotate-key`, `rotate-webhook`, `manual`, `keep`, `already-dead`."""
    state: str
    """The last journal event about this secret (`pending` when none)."""
    started_at: str | None = None
    updated_at: str | None = None
    minted_key_id: str | None = None
    vault_path: str | None = None
    vault_version: int | None = None
    verified: bool = False
    revoked: bool = False
    old_key_dead: str | None = None
    """How the provider confirmed the exposed key dead (`401`, …)."""
    manual_steps: tuple[str, ...] = ()
    pull_request: PullRequestStatus | None = None
    events: tuple[RotationEvent, ...] = ()
    variable: str | None = None
    """The variable the plan named it by (and its Vault path), which the PR makes the code read."""

    @property
    def is_finished(self) -> bool:
        return self.status == "done"


class Urgency(enum.IntEnum):
    """How soon the next action is due; ordered so the table sorts the worst first."""

    NONE = 0
    CONSIDER = 1
    SOON = 2
    NOW = 3

    def __str__(self) -> str:
        return {3: "now", 2: "soon", 1: "consider", 0: "none"}[int(self)]


@dataclass(frozen=True, slots=True)
class NextAction:
    """The one thing to do next about a secret, and why."""

    urgency: Urgency
    text: str
    """One sentence; commands in backticks."""
    more: tuple[str, ...] = ()
    """Further steps, in order."""


@dataclass(frozen=True, slots=True)
class SecretReport:
    """Everything the report says about one secret."""

    secret_id: str
    rule_id: str
    kind: str
    provider: str | None
    severity: Severity
    redacted: str
    identifier: bool
    labels: tuple[str, ...]
    """The masked-key labels: names a key table gives the key (`prod-default`)."""
    variable: str | None
    """The variable name keysweep gives it (scanner.naming)."""
    places: tuple[Place, ...]
    exposures: tuple[GitExposure, ...]
    liveness: Liveness
    rotations: tuple[RotationStatus, ...]
    next_action: NextAction
    related: tuple[str, ...] = ()
    value: str | None = field(default=None, repr=False)
    """The secret itself, only with --reveal."""

    @property
    def shown(self) -> str:
        """What the report prints for the secret: the value with --reveal (and for identifiers), else redacted."""
        return self.value if self.value is not None else self.redacted

    @property
    def docs_pages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.path for p in self.places if p.is_docs))

    @property
    def repositories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.repository for p in self.places if p.repository))

    @property
    def first_seen(self) -> str | None:
        """The earliest date git knows it was exposed (ISO-8601), if any."""
        dates = [e.commit.date for x in self.exposures for e in x.events if e.kind is not EventKind.REMOVED]
        return min(dates) if dates else None

    @property
    def anchor(self) -> str:
        return f"secret-{self.secret_id}"


@dataclass(frozen=True, slots=True)
class IncidentReport:
    """The whole report."""

    generated_at: str
    """ISO-8601, UTC."""
    source: str
    """What was scanned (a folder, a repository, or the scan report's file)."""
    secrets: tuple[SecretReport, ...]
    """Secrets first, most urgent first; identifiers (org IDs) last."""
    tool_version: str = ""
    repository: str | None = None
    """The local repository that git was asked about."""
    head: str | None = None
    """HEAD's commit id."""
    default_branch: str | None = None
    state_dir: str | None = None
    rotations_read: int = 0
    verification: bool = False
    """Whether the scan carried liveness (`scan --verify`)."""
    skipped: tuple[tuple[str, str], ...] = ()
    """(path, reason) the scan could not read: the report is incomplete there."""
    notes: tuple[str, ...] = ()
    reveal: bool = False

    @property
    def keys(self) -> tuple[SecretReport, ...]:
        return tuple(s for s in self.secrets if not s.identifier)

    @property
    def identifiers(self) -> tuple[SecretReport, ...]:
        return tuple(s for s in self.secrets if s.identifier)
