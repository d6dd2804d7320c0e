"""The runner's promises: one call per secret, a bound on calls in flight, bounded waits and retries, time-outs,
no redirects followed, and nothing of a credential in what it reports."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scanner.findings import Verification, VerificationStatus
from scanner.verify.runner import _rank
from scanner.verify.verifier import header_wait
from tests.verify.conftest import Apis, finding, run_verify

LIVE, REVOKED, UNKNOWN = VerificationStatus.LIVE, VerificationStatus.REVOKED, VerificationStatus.UNKNOWN


def github_tokens(apis: Apis, count: int) -> list:
    return [finding(apis.github.new_key(), "github", "github-token", line=n + 1) for n in range(count)]


def test_a_secret_found_in_many_places_is_asked_about_once(apis: Apis, tmp_path: Path) -> None:
    token, other = apis.github.new_key(), apis.github.new_key()
    places = [finding(token, "github", "github-token", path=f"src/{n}.py", line=n + 1) for n in range(6)]
    places += [finding(token, "github", "github-token", path="old.py", commit="3" * 40)]
    places += [finding(other, "github", "github-token", path="src/9.py")]

    run = run_verify(places, apis, tmp_path)

    assert len(apis.github.requests) == 2
    assert run.of(token).status is LIVE and run.of(other).status is LIVE


@pytest.mark.parametrize("bound", [1, 2, 4])
def test_no_more_calls_are_in_flight_than_the_concurrency_bound(bound: int, apis: Apis, tmp_path: Path) -> None:
    apis.github.delay = 0.15

    run = run_verify(github_tokens(apis, 6), apis, tmp_path, concurrency=bound)

    assert {v.status for v in run.verifications.values()} == {LIVE}
    assert apis.github.max_in_flight == bound  # reached, never passed


@pytest.mark.parametrize(("asked", "waits"), [(9, True), (10, True), (11, False)])
def test_retry_after_is_honoured_up_to_the_bound_and_no_further(
    asked: int, waits: bool, apis: Apis, tmp_path: Path
) -> None:
    [token] = github_tokens(apis, 1)
    apis.github.fail(429, headers={"Retry-After": str(asked)})

    run = run_verify([token], apis, tmp_path, max_wait=10)

    verification = next(iter(run.verifications.values()))
    if waits:
        assert (verification.status, run.waits, len(apis.github.requests)) == (LIVE, [float(asked)], 2)
    else:
        assert (verification.status, verification.reason, run.waits) == (UNKNOWN, "rate-limited", [])
        assert "11 s" in verification.detail and len(apis.github.requests) == 1


@pytest.mark.parametrize(("limited", "status"), [(2, LIVE), (3, UNKNOWN)])
def test_a_call_is_tried_at_most_attempts_times_while_rate_limited(
    limited: int, status: VerificationStatus, apis: Apis, tmp_path: Path
) -> None:
    [token] = github_tokens(apis, 1)
    apis.github.fail(429, times=limited, headers={"Retry-After": "1"})

    run = run_verify([token], apis, tmp_path, attempts=3)

    verification = next(iter(run.verifications.values()))
    assert verification.status is status
    assert len(apis.github.requests) == min(limited + 1, 3)
    if status is UNKNOWN:
        assert (verification.reason, verification.detail) == (
            "rate-limited",
            "still rate-limited (HTTP 429) after 3 tries",
        )


@pytest.mark.parametrize(("delay", "status"), [(0.1, LIVE), (1.2, UNKNOWN)])
def test_an_answer_within_the_timeout_counts_and_a_later_one_does_not(
    delay: float, status: VerificationStatus, apis: Apis, tmp_path: Path
) -> None:
    [token] = github_tokens(apis, 1)
    apis.github.slow(delay)

    run = run_verify([token], apis, tmp_path, timeout=0.6)

    assert next(iter(run.verifications.values())).status is status


def test_retry_after_as_an_http_date_is_read() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2025, 1, 1, 12, 0, 7, tzinfo=UTC), usegmt=True)

    assert header_wait(later, now.timestamp()) == 7.0
    assert header_wait("2", now.timestamp()) == 2.0
    assert header_wait(None, now.timestamp()) == header_wait("soon", now.timestamp()) == 1.0


@pytest.fixture
def capture() -> Iterator[list[dict[str, str]]]:
    """A server that records the headers of whatever reaches it."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    seen.append({"url": f"http://127.0.0.1:{server.server_address[1]}"})
    yield seen
    server.shutdown()
    server.server_close()


def test_a_redirect_is_not_followed_with_the_credential(
    apis: Apis, tmp_path: Path, capture: list[dict[str, str]]
) -> None:
    [token] = github_tokens(apis, 1)
    apis.github.fail(302, headers={"Location": f"{capture[0]['url']}/user"})

    run = run_verify([token], apis, tmp_path)

    verification = next(iter(run.verifications.values()))
    assert (verification.status, verification.reason) == (UNKNOWN, "unexpected-answer")
    assert capture[1:] == []  # nothing reached the redirect's target


def test_an_endpoint_nobody_listens_on_gives_a_network_error(apis: Apis, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    [token] = github_tokens(apis, 1)
    config = apis.config_toml().replace(apis.github.base_url, closed)

    run = run_verify([token], apis, tmp_path, config=config)

    verification = next(iter(run.verifications.values()))
    assert (verification.status, verification.reason) == (UNKNOWN, "network-error")
    assert verification.endpoint == closed


def test_a_secret_of_a_provider_without_a_check_is_unsupported_and_an_identifier_gets_nothing(
    apis: Apis, tmp_path: Path
) -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"
    findings = [
        finding(key, None, "private-key"),
        finding("org-Acme0123456789", "openai-compatible", "org-id", identifier=True),
    ]

    run = run_verify(findings, apis, tmp_path)

    assert list(run.verifications) == [findings[0].secret_id]
    verification = run.of(key)
    assert (verification.status, verification.reason, verification.provider, verification.endpoint) == (
        UNKNOWN, "unsupported", None, None,
    )  # fmt: skip
    assert apis.requests() == 0


def test_a_secret_checked_in_several_pairings_keeps_the_strongest_word() -> None:
    def v(status: VerificationStatus, reason: str) -> Verification:
        return Verification(status, reason, "", "aws")

    ranked = sorted(
        [v(REVOKED, "rejected"), v(UNKNOWN, "missing-partner"), v(LIVE, "authenticated"), v(UNKNOWN, "timeout")],
        key=_rank,
    )

    assert [(x.status, x.reason) for x in ranked] == [
        (UNKNOWN, "missing-partner"), (REVOKED, "rejected"), (UNKNOWN, "timeout"), (LIVE, "authenticated"),
    ]  # fmt: skip


def test_no_credential_reaches_the_report_even_when_a_provider_echoes_it(apis: Apis, tmp_path: Path) -> None:
    [token] = github_tokens(apis, 1)
    secret = token.secret
    apis.github.fail(200, body={"login": f"echo {secret} {secret[::-1]}"})

    run = run_verify([token], apis, tmp_path)

    verification = next(iter(run.verifications.values()))
    assert verification.status is LIVE
    assert secret not in repr(verification) and secret not in str(verification.to_dict())
    assert token.redacted in (verification.account or "")
