"""`scan --verify`: plan one call per credential, trust every endpoint, then ask the providers concurrently.

Order of a run: each verifier plans the findings of its provider (a secret found in many places is one
credential; pairs are matched); every endpoint is chosen and trusted (a TrustError stops the run here, before
any request); then the calls run on a bounded thread pool over one httpx client that never follows a
redirect. A 429 (or the provider's own rate-limit answer) is retried after its `Retry-After`, within bounds;
a 5xx, a time-out, a network error or a malformed answer gives `unknown`, never `revoked`. httpx is imported
here only, and only `scan --verify` imports this module.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from msgspec.structs import replace

from scanner import __version__
from scanner.config import Settings
from scanner.errors import KeysweepError
from scanner.findings import CHECK_FAILED, Finding, ScanResult, Verification, VerificationStatus, redact
from scanner.trust import Endpoint
from scanner.user_config import UserConfig, load_user_config
from scanner.verify.endpoints import EndpointChooser
from scanner.verify.options import VerifyOptions, verify_options
from scanner.verify.registry import VERIFIERS
from scanner.verify.verifier import UNKNOWN, Answer, Credential, MalformedAnswer, Verdict, Verifier, unsupported

if TYPE_CHECKING:
    import httpx

MAX_BODY = 1 << 20
"""Bytes of an answer read at most: every documented answer is far smaller."""


def verify_scan(result: ScanResult, settings: Settings, env: Mapping[str, str] | None = None) -> ScanResult:
    """The scan's result with `verifications` set: what each secret's provider said (the one call of `scan`)."""
    env = os.environ if env is None else env
    user = load_user_config(env)
    options = verify_options(user, env, frozenset(VERIFIERS))
    return replace(result, verifications=verify_findings(result.findings, settings, user, options))


def verify_findings(
    findings: Sequence[Finding],
    settings: Settings,
    user: UserConfig,
    options: VerifyOptions,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> dict[str, Verification]:
    """secret_id → verification, for every secret (not identifier) among `findings`."""
    by_provider: dict[str | None, list[Finding]] = defaultdict(list)
    for f in findings:
        by_provider[f.provider].append(f)
    verdicts: dict[str, list[Verification]] = defaultdict(list)
    calls: list[tuple[Verifier, Credential]] = []
    for provider, group in by_provider.items():
        verifier = VERIFIERS.get(provider or "")
        if verifier is None:
            for f in group:
                if not f.identifier:
                    what = f"{provider} {f.kind}" if provider else f.kind
                    no_check = unsupported(f"keysweep has no liveness check for a {what}")
                    verdicts[f.secret_id].append(_verification(no_check, provider, None, ()))
            continue
        planned = verifier.plan(group)
        for secret_id, verdict in planned.verdicts.items():
            verdicts[secret_id].append(_verification(verdict, verifier.provider, None, ()))
        calls.extend((verifier, c) for c in planned.credentials)
    chooser = EndpointChooser(settings, user, options)
    endpoints = [chooser.endpoint(verifier, credential) for verifier, credential in calls]  # trust before any call
    for (verifier, credential), verdict, endpoint in zip(
        calls, _ask_all(calls, endpoints, options, transport, sleep, clock), endpoints, strict=True
    ):
        checked = _verification(verdict, verifier.provider, endpoint.url, credential.values)
        for secret_id in credential.secret_ids:
            verdicts[secret_id].append(checked)
    return {secret_id: max(found, key=_rank) for secret_id, found in verdicts.items()}


def _ask_all(
    calls: list[tuple[Verifier, Credential]],
    endpoints: list[Endpoint],
    options: VerifyOptions,
    transport: httpx.BaseTransport | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> list[Verdict]:
    if not calls:
        return []
    import httpx

    client = httpx.Client(
        timeout=options.timeout,
        follow_redirects=False,
        transport=transport,
        headers={"User-Agent": f"keysweep/{__version__} (scan --verify)"},
        limits=httpx.Limits(max_connections=options.concurrency),
    )

    def ask(index: int) -> Verdict:
        verifier, credential = calls[index]
        return _ask(client, verifier, credential, endpoints[index], options, sleep, clock)

    try:
        with client, ThreadPoolExecutor(max_workers=min(options.concurrency, len(calls))) as pool:
            return list(pool.map(ask, range(len(calls))))
    except KeysweepError:
        raise
    except Exception as exc:  # a bug in a verifier: one line, exit 2, nothing of the request in it
        raise KeysweepError(
            f"scan --verify stopped on an unexpected {type(exc).__name__}; nothing was printed"
        ) from None


def _ask(
    client: httpx.Client,
    verifier: Verifier,
    credential: Credential,
    endpoint: Endpoint,
    options: VerifyOptions,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> Verdict:
    """One credential's call, retried only while rate-limited."""
    import httpx

    base = endpoint.url.rstrip("/")
    for attempt in range(1, options.attempts + 1):
        probe = verifier.probe(credential, base, datetime.fromtimestamp(clock(), UTC))
        try:
            with client.stream(probe.method, probe.url, headers=dict(probe.headers), content=probe.body) as response:
                headers = {k.lower(): v for k, v in response.headers.items()}
                answer = Answer(response.status_code, headers, _read(response), f"{probe.method} {_path(probe.url)}")
        except httpx.TimeoutException:
            return Verdict(UNKNOWN, "timeout", f"no answer from {base} within {options.timeout:g} s")
        except httpx.HTTPError as exc:
            return Verdict(UNKNOWN, "network-error", f"could not reach {base} ({type(exc).__name__})")
        wait = verifier.rate_limit_wait(answer, clock())
        if wait is not None:
            if wait > options.max_wait:
                asked = f"asked to wait {wait:.0f} s, over the {options.max_wait:g} s bound"
                return Verdict(UNKNOWN, "rate-limited", f"rate-limited (HTTP {answer.status}); {asked}")
            if attempt == options.attempts:
                return Verdict(
                    UNKNOWN, "rate-limited", f"still rate-limited (HTTP {answer.status}) after {attempt} tries"
                )
            sleep(wait)
            continue
        if answer.status >= 500:
            return Verdict(UNKNOWN, "server-error", f"the provider answered {answer.status} (a server error)")
        if 300 <= answer.status < 400:
            return Verdict(
                UNKNOWN, "unexpected-answer", f"answered a redirect ({answer.status}); keysweep does not follow it"
            )
        try:
            return verifier.judge(answer)
        except MalformedAnswer as exc:
            return Verdict(UNKNOWN, "malformed-answer", f"a {answer.status} answer without the documented shape: {exc}")
    raise AssertionError("unreachable: attempts >= 1")


def _path(url: str) -> str:
    import urllib.parse

    return urllib.parse.urlsplit(url).path


def _read(response: httpx.Response) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) >= MAX_BODY:
            break
    return bytes(body[:MAX_BODY])


def _verification(verdict: Verdict, provider: str | None, endpoint: str | None, values: Sequence[str]) -> Verification:
    """The verdict with its provider and endpoint; any credential value in its text replaced by its redaction."""
    detail, account = verdict.detail, verdict.account
    for value in values:
        if value:
            detail = detail.replace(value, redact(value))
            account = account.replace(value, redact(value)) if account else account
    return Verification(verdict.status, verdict.reason, detail, provider, endpoint, account)


def _rank(v: Verification) -> int:
    """A secret checked in several pairings keeps the strongest word: live, then a failed check, then revoked."""
    if v.status is VerificationStatus.LIVE:
        return 3
    if v.status is VerificationStatus.UNKNOWN and v.reason in CHECK_FAILED:
        return 2
    return 1 if v.status is VerificationStatus.REVOKED else 0
