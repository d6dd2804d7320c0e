"""Every provider, against its emulator: live, revoked, rate-limited then answered, timing out, malformed, 5xx.

A credential is asked once; the provider's own words decide `live` and `revoked`; everything else that can go
wrong in the call (a 5xx, a time-out, a body without the documented shape) is `unknown`, never `revoked`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.findings import VerificationStatus
from tests.verify.cases import CASES, Case
from tests.verify.conftest import Apis, run_verify

LIVE, REVOKED, UNKNOWN = VerificationStatus.LIVE, VerificationStatus.REVOKED, VerificationStatus.UNKNOWN
CALLS = {
    "openai-compatible": "GET /v1/models answered 200",
    "anthropic": "GET /v1/models answered 200",
    "github": "GET /user answered 200",
    "gitlab": "GET /api/v4/personal_access_tokens/self answered 200",
    "slack": "POST /api/auth.test answered ok",
    "stripe": "GET /v1/balance (live mode) answered 200",
    "huggingface": "GET /api/whoami-v2 answered 200",
    "sendgrid": "GET /v3/scopes answered 200",
    "twilio": "GET /2010-04-01/Accounts/AC",
    "aws": "STS GetCallerIdentity answered 200",
}
"""What each provider's detail says it asked: the documented call."""


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_live_credential_is_live_after_one_call_to_its_providers_endpoint(
    case: Case, apis: Apis, tmp_path: Path
) -> None:
    findings, secret = case.make(apis, True)

    run = run_verify(findings, apis, tmp_path)

    verification = run.of(secret)
    emulator = apis.by_provider(case.provider)
    assert (verification.status, verification.reason) == (LIVE, "authenticated")
    assert verification.detail.startswith(CALLS[case.provider]), verification.detail
    assert verification.provider == case.provider
    assert verification.endpoint == emulator.base_url  # type: ignore[attr-defined]
    assert len(emulator.requests) == 1 and apis.requests() == 1


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_credential_the_provider_rejects_is_revoked(case: Case, apis: Apis, tmp_path: Path) -> None:
    findings, secret = case.make(apis, False)

    run = run_verify(findings, apis, tmp_path)

    assert run.of(secret).status is REVOKED
    assert apis.requests() == 1


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_rate_limited_call_waits_for_retry_after_then_reads_the_answer(
    case: Case, apis: Apis, tmp_path: Path
) -> None:
    findings, secret = case.make(apis, True)
    emulator = apis.by_provider(case.provider)
    emulator.fail(429, headers={"Retry-After": "3"})

    run = run_verify(findings, apis, tmp_path)

    assert run.of(secret).status is LIVE
    assert run.waits == [3.0]
    assert len(emulator.requests) == 2


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_provider_that_does_not_answer_in_time_gives_unknown(case: Case, apis: Apis, tmp_path: Path) -> None:
    findings, secret = case.make(apis, True)
    apis.by_provider(case.provider).slow(2.0)
    started = time.monotonic()

    run = run_verify(findings, apis, tmp_path, timeout=0.3)

    verification = run.of(secret)
    assert (verification.status, verification.reason) == (UNKNOWN, "timeout")
    assert "0.3 s" in verification.detail
    assert time.monotonic() - started < 1.5  # it gave up; it did not wait for the answer


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_malformed_answer_gives_unknown(case: Case, apis: Apis, tmp_path: Path) -> None:
    findings, secret = case.make(apis, True)
    apis.by_provider(case.provider).malformed()

    run = run_verify(findings, apis, tmp_path)

    assert (run.of(secret).status, run.of(secret).reason) == (UNKNOWN, "malformed-answer")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_server_error_gives_unknown_never_revoked(case: Case, apis: Apis, tmp_path: Path) -> None:
    findings, secret = case.make(apis, False)  # the provider would call it dead, had it answered
    apis.by_provider(case.provider).fail(503)

    run = run_verify(findings, apis, tmp_path)

    assert (run.of(secret).status, run.of(secret).reason) == (UNKNOWN, "server-error")
    assert run.waits == []  # a 5xx is not retried: one read-only call


@pytest.mark.parametrize("status", [500, 502, 504, 529])
def test_every_5xx_status_is_unknown(status: int, apis: Apis, tmp_path: Path) -> None:
    findings, secret = CASES[1].make(apis, False)  # Anthropic answers 529 when overloaded
    apis.anthropic.fail(status)

    run = run_verify(findings, apis, tmp_path)

    assert (run.of(secret).status, run.of(secret).reason) == (UNKNOWN, "server-error")
