"""Pure data that flows through the scan: Fragment in, Finding out, ScanResult at the end, and secret ids."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any, Protocol

from msgspec import Struct, field


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so `>=` compares against the failing threshold."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of {names})") from None

    def __str__(self) -> str:
        return self.name.lower()


class Commit(Struct, frozen=True):
    """Who made a commit and when, read once by the git sources and carried by fragments and findings."""

    oid: str | None
    """The commit id; None for the commit being made (staged changes), whose author git already knows."""
    author: str
    email: str
    date: str
    """ISO-8601 author date."""


class Fragment(Struct, frozen=True):
    """A piece of text to scan and where it came from."""

    path: str
    """Path relative to the scanned root (POSIX separators); `-` for stdin."""
    data: bytes
    """The raw bytes (not in its repr); the engine never needs them decoded, so invalid UTF-8 cannot break a scan."""
    commit: Commit | None = None
    """The commit this content was read from (None for the working tree or stdin)."""
    added_lines: frozenset[int] | None = None
    """When set, only findings on these 1-based lines are reported (staged changes, commit ranges)."""
    blob: str | None = None
    """The git blob id, for sources that scan history by unique content."""
    unit: str = "file"
    """What the summary counts this content as: `file` (on disk, stdin, the index) or `blob` (a version in
    git history)."""
    chunk: Chunk | None = None
    """Set when the content was too big to scan at once: where this piece sits in it (see `Chunk`)."""

    def __repr__(self) -> str:
        return shown_repr(self, ("data",))


class Chunk(Struct, frozen=True):
    """Where a fragment that is one piece of a bigger content sits in it, and which of its findings it owns.

    Consecutive pieces overlap by more than any rule looks at, so a secret on a boundary is whole in one of
    them; each piece reports only the secrets that start in its own part, so none is reported twice or cut.
    Positions are (line, column), 1-based, columns in characters, as findings count them.
    """

    index: int
    """0 for the first piece: the summary counts the content once."""
    line: int
    """The line of the whole content on which this piece's first byte sits."""
    column: int
    """The column of the whole content at which this piece's first byte sits."""
    owns_from: tuple[int, int]
    """The first position this piece owns, relative to the piece."""
    owns_to: tuple[int, int] | None
    """The first position the next piece owns, relative to this piece; None for the last piece."""
    size: int
    """How many bytes of the content this piece owns (the summary's byte count)."""

    def place(self, line: int, column: int) -> tuple[int, int]:
        """A position relative to the piece, as a position in the whole content."""
        return self.line + line - 1, column + self.column - 1 if line == 1 else column

    def owns(self, line: int, column: int) -> bool:
        """Whether a secret starting at this position (relative to the piece) is this piece's to report."""
        return self.owns_from <= (line, column) and (self.owns_to is None or (line, column) < self.owns_to)


class Finding(Struct, frozen=True):
    """One occurrence of one secret at one place."""

    rule_id: str
    severity: Severity
    secret: str
    """The secret value. Never printed unless the user asks with --reveal (nor in its repr)."""
    path: str
    line: int
    """1-based line of the first character of the secret."""
    column: int
    """1-based column, in characters, of the first character of the secret."""
    end_column: int
    """1-based column one past the last character of the secret, on `line`."""
    prefix: str = ""
    """The rule's literal prefix of the secret (`sk-proj-`), kept visible in redacted output."""
    identifier: bool = False
    """True for identifiers (org IDs) that are reported but are not secrets; they are never redacted."""
    kind: str = "secret"
    """What the secret is, for rotation: `project-key`, `service-account-key`, `admin-key`, `legacy-key`,
    `webhook-secret`, `org-id`, `aws-access-key-id`, `github-token`, `private-key`, `generic`, …"""
    provider: str | None = None
    """The provider family that can rotate it (`openai-compatible`, `stripe`, `github`, `aws`); None if unknown."""
    env_var: str | None = None
    """The rule's conventional environment variable name (`OPENAI_API_KEY`); rewrites may pick a better one."""
    commit: Commit | None = None
    """The commit that put the secret here (history, ranges) or is about to (staged); None on disk and stdin."""
    labels: tuple[str, ...] = ()
    """Names given to this secret elsewhere in the scan (a key table's row name: `prod-default`)."""
    related: tuple[str, ...] = ()
    """secret_ids of findings that belong with this one (the org IDs beside a key)."""
    decoded: str | None = None
    """How the secret was reached when it was encoded in the source (`base64`, `url`, `json`)."""
    blob: str | None = None
    """The git blob the finding was read from (history scans); not part of its identity, nor of its equality."""
    name_hint: str | None = None
    """What the code beside the secret calls it (`NEXUS_API_KEY="…"`); scanner.naming decides from it. Not part
    of its equality."""

    def __repr__(self) -> str:
        return shown_repr(self, ("secret", "blob"))

    def __eq__(self, other: object) -> bool:
        return type(other) is Finding and self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def _compared(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _FINDING_COMPARED)

    @property
    def secret_id(self) -> str:
        return secret_id(self.secret)

    @property
    def identity(self) -> tuple[str, str, str, int, int, str | None]:
        """What makes two findings the same occurrence: (secret_id, rule_id, path, line, column, commit id).

        Everything else describes the occurrence. De-duplication keys on this; the secret itself is not in it,
        so an identity can be logged or shown in a failed assertion.
        """
        oid = self.commit.oid if self.commit is not None else None
        return (self.secret_id, self.rule_id, self.path, self.line, self.column, oid)

    @property
    def redacted(self) -> str:
        if self.identifier:
            return self.secret
        if "\n" in self.secret:  # a PEM block: its header names the kind and reveals nothing
            return self.secret.split("\n", 1)[0].strip() + "…"
        return redact(self.secret, self.prefix)

    def to_dict(self, *, reveal: bool = False) -> dict[str, object]:
        """The finding as a row of the JSON report (`version` 1); the value only with `reveal`."""
        commit = self.commit
        row: dict[str, object] = {
            "rule_id": self.rule_id,
            "severity": str(self.severity),
            "kind": self.kind,
            "provider": self.provider,
            "env_var": self.env_var,
            "secret_id": self.secret_id,
            "redacted": self.redacted,
            "prefix": self.prefix,
            "identifier": self.identifier,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_column": self.end_column,
            # NOTE: the commit stays four flat keys: the JSON report is a stable contract (README, version 1).
            "commit": commit.oid if commit else None,
            "author": commit.author if commit else None,
            "email": commit.email if commit else None,
            "date": commit.date if commit else None,
            "labels": list(self.labels),
            "related": list(self.related),
            "decoded": self.decoded,
            "name_hint": self.name_hint,
        }
        if reveal:
            row["secret"] = self.secret
        return row


_FINDING_COMPARED = tuple(name for name in Finding.__struct_fields__ if name not in ("blob", "name_hint"))


def shown_repr(record: Struct, hidden: tuple[str, ...]) -> str:
    """`record`'s repr without the fields in `hidden` (secret material: a repr ends up in logs and tracebacks)."""
    shown = (f"{name}={getattr(record, name)!r}" for name in record.__struct_fields__ if name not in hidden)
    return f"{type(record).__name__}({', '.join(shown)})"


def secret_id(secret: str) -> str:
    """A short, stable identity for a secret value: it names the secret without revealing it."""
    digest: str = _sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()
    return digest[:16]


def _sha256(data: bytes) -> Any:
    """SHA-256 from CPython's own module: `import hashlib` loads OpenSSL, ~3 ms of a blocked commit's wait (a clean
    commit computes no identity); hashlib's where that module is not built."""
    if not _SHA256:
        # NOTE: found once: a failed import is not remembered, and asking again for each id searched every folder
        # of sys.path (58 us an id on 3.11, where `_sha2` does not exist, against 0.6 us)
        try:
            from _sha2 import sha256  # type: ignore[import-not-found]  # Python 3.12+
        except ImportError:
            try:
                from _sha256 import sha256  # type: ignore[import-not-found]  # Python 3.11
            except ImportError:  # NOTE: an interpreter built without its own hashes
                from hashlib import sha256
        _SHA256.append(sha256)
    return _SHA256[0](data)


_SHA256: list[Any] = []
"""The SHA-256 constructor `_sha256` found, once it has looked."""


def redact(secret: str, prefix: str = "") -> str:
    """`sk-proj-J1…3uyw`: the rule's prefix plus two characters, then the last four.

    Short secrets show less, so that never more than a quarter of the random part is visible.
    """
    body = secret[len(prefix) :] if prefix and secret.startswith(prefix) else secret
    shown = prefix if body is not secret else ""
    if len(body) >= 24:
        return f"{shown}{body[:2]}…{body[-4:]}"
    if len(body) >= 8:
        return f"{shown}{body[:2]}…"
    return f"{shown}…"


class VerificationStatus(enum.StrEnum):
    """What a secret's provider said when `scan --verify` asked it (one read-only call)."""

    LIVE = "live"
    """The provider accepted the credential (a 403 for a missing permission still proves it authenticates)."""
    REVOKED = "revoked"
    """The provider said the credential is invalid, revoked or expired (401 and the like; never a 5xx)."""
    UNKNOWN = "unknown"
    """No answer either way; the reason says why."""


CHECK_FAILED = frozenset(
    {"timeout", "server-error", "rate-limited", "malformed-answer", "network-error", "unexpected-answer"}
)
"""Reasons of an `unknown` whose check was attempted and failed: the key may well be live (the gate of
`--only-verified` counts these; `unsupported` and `missing-partner` were never asked)."""


class Verification(Struct, frozen=True):
    """The liveness of one secret (`scan --verify`): the JSON row's `verification`; never holds the secret."""

    status: VerificationStatus
    reason: str
    """A stable code: `authenticated`, `lacks-permission` (live); `rejected`, `inactive` (revoked); `timeout`,
    `server-error`, `rate-limited`, `malformed-answer`, `network-error`, `unexpected-answer`, `unsupported`,
    `missing-partner` (unknown)."""
    detail: str
    """One line for people: what was asked and what the provider answered."""
    provider: str | None
    """The verifier that asked (`github`, `openai-compatible`, `aws`, …); the finding's provider (or None) when
    keysweep has no check for it."""
    endpoint: str | None = None
    """The API base URL that received the credential; None when nothing was sent."""
    account: str | None = None
    """Whom the credential belongs to, when the answer says (a login, an ARN, a workspace)."""

    @property
    def is_possibly_live(self) -> bool:
        """Live, or not known to be dead because the check itself failed (what `--only-verified` fails on)."""
        return self.status is VerificationStatus.LIVE or (
            self.status is VerificationStatus.UNKNOWN and self.reason in CHECK_FAILED
        )

    def to_dict(self) -> dict[str, object]:
        """The `verification` object of a JSON report row (README, "JSON report")."""
        return {
            "status": str(self.status),
            "reason": self.reason,
            "detail": self.detail,
            "provider": self.provider,
            "endpoint": self.endpoint,
            "account": self.account,
        }


class _Unread(Struct, frozen=True):
    """What a `Skipped` did not read, and why: its positional fields."""

    path: str
    """What was not read: a path, `path (history)`, `path@commit`, or a description (`history before abc123`)."""
    reason: str
    """Short, stable reason: `binary`, `too large (12.0 MiB > 10.0 MiB)`, `unreadable: …`, `missing object`."""


class Skipped(_Unread, frozen=True, kw_only=True):
    """Something a source did not scan, and why (listed in every report format).

    `incomplete` says whether the scan fell short of what it was asked to read (an unreadable file, a missing
    git object, a shallow clone's boundary, a repository an org scan could not clone): an incomplete scan
    says so in every format and exits 2 unless the user allowed it. Content passed over by design (binary
    files, a limit or allow-list the user set, dependency folders) is listed but leaves the scan complete.
    Every source says which, by name: `Skipped(path, reason, incomplete=…)`.
    """

    incomplete: bool
    """True when this skip leaves part of what was asked unread (fail closed); False when skipped by design."""


class Note(Struct, frozen=True):
    """A line for the report's summary from a source or a filter (commits not scanned, stale baseline entries)."""

    text: str


class Deferred(Protocol):
    """Content a source hands on unread: the engine reads it where it scans it (a worker process, or its own), so
    the bytes never cross from one process to another. Work with the same `lane` is read by the same process, in
    the order given (the versions of one file in git history share one reader's cache of delta bases)."""

    @property
    def lane(self) -> int: ...

    @property
    def pieces(self) -> int:
        """How many files or blobs it holds (the engine weighs it against a batch of fragments)."""
        ...

    def read(self) -> Iterator[Fragment | Skipped | Note]:
        """The content as fragments, or why it was not scanned (called once, in the process that scans it)."""
        ...


class CommitsRead(Struct, frozen=True):
    """How many commits a git source's content comes from (history, range): the summary counts them."""

    count: int


class ScanResult(Struct, frozen=True):
    """What a scan found and what it read: everything a reporter needs, and nothing of the pipeline."""

    findings: list[Finding]
    files_scanned: int = 0
    """Files read whole (on disk, stdin, the index); versions in git history count as blobs."""
    bytes_scanned: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    root: str = "."
    """The folder (or file) paths are relative to."""
    engine: str = ""
    """Which keyword matcher ran (`hyperscan` or `python`)."""
    rule_descriptions: dict[str, str] = field(default_factory=dict)
    """rule id → description, for each rule that has findings (SARIF describes the rules it reports)."""
    verifications: dict[str, Verification] | None = None
    """secret_id → what its provider said (`scan --verify`); None when nothing was verified. Identifiers have
    no entry."""
    blobs_scanned: int = 0
    """Unique git blobs of history read (each once, whatever the number of commits that hold it)."""
    commits_scanned: int = 0
    """Commits the scanned history or range holds."""

    @property
    def incomplete(self) -> list[Skipped]:
        """What the scan was asked to read and could not: non-empty means the scan is incomplete."""
        return [s for s in self.skipped if s.incomplete]
