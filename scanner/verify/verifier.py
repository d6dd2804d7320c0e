"""The Verifier role (one per provider module) and what it works on: credentials, probes, answers, verdicts.

A verifier never does I/O: it turns findings into credentials, a credential into one HTTP request (a Probe),
and the provider's answer into a Verdict. The runner sends the probes, honours rate limits and time-outs, and
turns a 5xx, a time-out or a network error into `unknown` before a verifier sees anything.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from scanner.findings import Finding, VerificationStatus

LIVE, REVOKED, UNKNOWN = VerificationStatus.LIVE, VerificationStatus.REVOKED, VerificationStatus.UNKNOWN


@dataclass(frozen=True, slots=True)
class Credential:
    """What one liveness call sends: a secret and, for pairs (AWS, Twilio), its partners."""

    provider: str
    secret_ids: tuple[str, ...]
    """Every secret whose status this one call decides (a key id and its secret key decide together)."""
    secret: str = field(repr=False)
    """The value sent (for pairs: the secret half)."""
    kind: str = "secret"
    """The finding's kind (`admin-key` asks another endpoint than `project-key`)."""
    rule_id: str = ""
    partners: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Named partner values (`key_id`, `session_token`, `account_sid`, `username`)."""

    @property
    def values(self) -> tuple[str, ...]:
        """Every value this credential carries, for scrubbing them out of anything shown."""
        return (self.secret, *self.partners.values())


@dataclass(frozen=True, slots=True)
class Probe:
    """One HTTP request; `url` carries no credential (only headers and body do)."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    body: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class Answer:
    """The provider's response: status, headers (lower-case names) and at most the first MiB of the body."""

    status: int
    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    asked: str = "the call"
    """What was asked, for details: `GET /v1/models` (method and path, never a credential)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a verifier (or the runner) concluded; the runner adds the provider and the endpoint."""

    status: VerificationStatus
    reason: str
    detail: str
    account: str | None = None


@dataclass(frozen=True, slots=True)
class Planned:
    """A verifier's plan for the findings of its provider: calls to make, and verdicts needing no call."""

    credentials: list[Credential] = field(default_factory=list)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    """secret_id → verdict reached without asking (unsupported token types, a pair missing its partner)."""


class MalformedAnswer(ValueError):
    """The answer does not have the documented shape (not JSON, a field missing)."""


class Verifier(Protocol):
    """One provider's liveness check."""

    provider: str
    """The finding's `provider` this verifier serves (`github`), and the key of its endpoint in `[verify]`."""
    default_url: str
    """The provider's official API base URL (trusted as keysweep's own default, Origin.BUILTIN)."""

    def plan(self, findings: Sequence[Finding]) -> Planned:
        """The calls to make for these findings (all of this provider, identifiers included, for pairing)."""
        ...

    def probe(self, credential: Credential, base_url: str, now: datetime) -> Probe:
        """The one read-only request that tells whether `credential` authenticates."""
        ...

    def judge(self, answer: Answer) -> Verdict:
        """The verdict of a non-5xx, non-rate-limited answer; MalformedAnswer when its shape is wrong."""
        ...

    def rate_limit_wait(self, answer: Answer, now: float) -> float | None:
        """Seconds to wait before asking again if `answer` is a rate limit, else None."""
        ...


class SingleSecretVerifier:
    """The shape of every verifier that checks one secret per call (all but the pairs' AWS and Twilio).

    One credential per distinct secret, minus those `why_not` says the provider cannot check; a 429 waits as its
    `Retry-After` says. A provider module subclasses it and writes `probe` and `judge`.
    """

    provider: str
    default_url: str

    def plan(self, findings: Sequence[Finding]) -> Planned:
        return single_secrets(findings, self.provider, self.why_not)

    def why_not(self, finding: Finding) -> str | None:
        """Why this provider cannot check `finding` (a token type its endpoint refuses), or None."""
        return None

    def rate_limit_wait(self, answer: Answer, now: float) -> float | None:
        return retry_after(answer, now)


def bearer(secret: str, **more: str) -> dict[str, str]:
    """Request headers carrying `secret` as an OAuth bearer token (RFC 6750 §2.1), and `more` headers."""
    return {"Authorization": f"Bearer {secret}", **more}


def single_secrets(findings: Sequence[Finding], provider: str, usable: Callable[[Finding], str | None]) -> Planned:
    """One credential per distinct secret; `usable` returns why a finding cannot be checked, or None."""
    planned = Planned()
    seen: set[str] = set()
    for f in findings:
        if f.identifier or f.secret_id in seen:
            continue
        seen.add(f.secret_id)
        why_not = usable(f)
        if why_not is None:
            planned.credentials.append(Credential(provider, (f.secret_id,), f.secret, f.kind, f.rule_id))
        else:
            planned.verdicts[f.secret_id] = unsupported(why_not)
    return planned


def unsupported(detail: str) -> Verdict:
    return Verdict(UNKNOWN, "unsupported", detail)


def by_status(answer: Answer, what: str, account: str | None = None) -> Verdict:
    """The common reading of an answer: 2xx live, 401 revoked, 403 live without the permission, else unknown.

    `what` names the call in the detail (`GET /user`).
    """
    status = answer.status
    if 200 <= status < 300:
        return Verdict(LIVE, "authenticated", f"{what} answered {status}", account)
    if status == 401:
        return Verdict(REVOKED, "rejected", f"{what} answered 401: the provider does not accept this credential")
    if status == 403:
        return Verdict(
            LIVE, "lacks-permission", f"{what} answered 403: the credential authenticates but lacks this permission"
        )
    return Verdict(UNKNOWN, "unexpected-answer", f"{what} answered {status}")


def json_object(answer: Answer) -> dict[str, Any]:
    """The body as a JSON object, or MalformedAnswer."""
    try:
        value = json.loads(answer.body)
    except ValueError:
        raise MalformedAnswer("the answer is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    return value


def text_field(obj: Mapping[str, Any], *names: str) -> str | None:
    """The first of `names` that holds a short string (an account name for the report)."""
    for name in names:
        value = obj.get(name)
        if isinstance(value, str) and value:
            return value[:200]
    return None


def retry_after(answer: Answer, now: float) -> float | None:
    """The wait a 429 asks for: `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3); 1 s if absent."""
    if answer.status != 429:
        return None
    return header_wait(answer.headers.get("retry-after"), now)


def reset_wait(answer: Answer, now: float, absent: float) -> float:
    """The wait `Retry-After` asks for, else until `X-RateLimit-Reset` (epoch seconds), else `absent` seconds."""
    if "retry-after" in answer.headers:
        return header_wait(answer.headers["retry-after"], now)
    try:
        return max(0.0, float(answer.headers["x-ratelimit-reset"]) - now)
    except (KeyError, ValueError):
        return absent


def header_wait(value: str | None, now: float) -> float:
    """Seconds from a `Retry-After` value (delta-seconds or HTTP-date); 1 s when absent or unreadable."""
    if value is None or not value.strip():
        return 1.0
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return 1.0
    return max(0.0, when.timestamp() - now)
