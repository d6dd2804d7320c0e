"""AWS: a key id and its secret key found together are one STS GetCallerIdentity call, signed with SigV4 and
checked by an emulator that verifies the signature from the server's side."""

from __future__ import annotations

from pathlib import Path

from scanner.findings import VerificationStatus
from tests.verify.conftest import Apis, finding, run_verify

LIVE, REVOKED, UNKNOWN = VerificationStatus.LIVE, VerificationStatus.REVOKED, VerificationStatus.UNKNOWN


def pair(key_id: str, secret: str, *, path: str = "deploy/.env", line: int = 1, commit: str | None = None) -> list:
    return [
        finding(key_id, "aws", "aws-access-key-id", path=path, line=line, commit=commit),
        finding(secret, "aws", "aws-secret-access-key", path=path, line=line + 1, commit=commit),
    ]


def test_a_key_pair_is_live_and_both_halves_carry_the_arn(apis: Apis, tmp_path: Path) -> None:
    key_id, secret, _ = apis.aws.new_key()

    run = run_verify(pair(key_id, secret), apis, tmp_path)

    assert run.of(key_id) == run.of(secret)
    assert run.of(secret).status is LIVE
    assert run.of(secret).account == apis.aws.keys[key_id].arn
    request = apis.aws.requests[0]
    assert (request.method, request.path, request.body) == ("POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15")
    assert request.header("Authorization").startswith(f"AWS4-HMAC-SHA256 Credential={key_id}/")  # type: ignore[union-attr]


def test_temporary_credentials_are_sent_with_their_session_token(apis: Apis, tmp_path: Path) -> None:
    key_id, secret, token = apis.aws.new_key(temporary=True)
    assert token is not None

    run = run_verify(
        [*pair(key_id, secret), finding(token, "aws", "aws-session-token", path="deploy/.env", line=3)], apis, tmp_path
    )

    assert run.of(token).status is LIVE and run.of(key_id).status is LIVE
    assert apis.aws.requests[0].header("X-Amz-Security-Token") == token


def test_a_temporary_key_id_without_its_session_token_is_not_sent(apis: Apis, tmp_path: Path) -> None:
    key_id, secret, _ = apis.aws.new_key(temporary=True)

    run = run_verify(pair(key_id, secret), apis, tmp_path)

    assert (run.of(secret).status, run.of(secret).reason) == (UNKNOWN, "missing-partner")
    assert "session token" in run.of(key_id).detail
    assert apis.aws.requests == []


def test_a_deactivated_key_is_revoked_and_an_expired_session_is_revoked(apis: Apis, tmp_path: Path) -> None:
    old_id, old_secret, _ = apis.aws.new_key(active=False)
    tmp_id, tmp_secret, token = apis.aws.new_key(temporary=True, expired=True)
    assert token is not None

    run = run_verify(
        [
            *pair(old_id, old_secret, path="a.env"),
            *pair(tmp_id, tmp_secret, path="b.env"),
            finding(token, "aws", "aws-session-token", path="b.env", line=3),
        ],
        apis,
        tmp_path,
    )

    assert (run.of(old_secret).status, run.of(old_secret).reason) == (REVOKED, "rejected")
    assert (run.of(tmp_secret).status, run.of(tmp_secret).reason) == (REVOKED, "inactive")


def test_a_secret_key_that_is_not_the_key_ids_is_unknown_not_revoked(apis: Apis, tmp_path: Path) -> None:
    key_id, _, _ = apis.aws.new_key()
    _, someone_elses_secret, _ = apis.aws.new_key()

    run = run_verify(pair(key_id, someone_elses_secret), apis, tmp_path)

    assert (run.of(key_id).status, run.of(key_id).reason) == (UNKNOWN, "unexpected-answer")
    assert "SignatureDoesNotMatch" in run.of(key_id).detail


def test_each_secret_pairs_with_the_nearest_key_id_of_its_own_file(apis: Apis, tmp_path: Path) -> None:
    first_id, first_secret, _ = apis.aws.new_key()
    second_id, second_secret, _ = apis.aws.new_key()
    findings = [
        finding(first_id, "aws", "aws-access-key-id", path="creds", line=2),
        finding(first_secret, "aws", "aws-secret-access-key", path="creds", line=3),
        finding(second_id, "aws", "aws-access-key-id", path="creds", line=6),
        finding(second_secret, "aws", "aws-secret-access-key", path="creds", line=7),
    ]

    run = run_verify(findings, apis, tmp_path)

    assert {run.of(s).status for s in (first_id, first_secret, second_id, second_secret)} == {LIVE}
    assert len(apis.aws.requests) == 2


def test_halves_in_different_files_or_commits_are_not_paired(apis: Apis, tmp_path: Path) -> None:
    key_id, secret, _ = apis.aws.new_key()
    other_id, other_secret, _ = apis.aws.new_key()
    findings = [
        finding(key_id, "aws", "aws-access-key-id", path="a.env"),
        finding(secret, "aws", "aws-secret-access-key", path="b.env"),
        *pair(other_id, other_secret, commit="1" * 40)[:1],
        *[finding(other_secret, "aws", "aws-secret-access-key", path="deploy/.env", line=2, commit="2" * 40)],
    ]

    run = run_verify(findings, apis, tmp_path)

    assert {run.of(s).reason for s in (key_id, secret, other_id, other_secret)} == {"missing-partner"}
    assert apis.aws.requests == []


def test_the_same_pair_in_many_places_is_one_call(apis: Apis, tmp_path: Path) -> None:
    key_id, secret, _ = apis.aws.new_key()
    findings = [f for n in range(4) for f in pair(key_id, secret, path=f"env/{n}.env", line=10 * n + 1)]

    run = run_verify(findings, apis, tmp_path)

    assert run.of(secret).status is LIVE and len(apis.aws.requests) == 1


def test_throttling_is_retried_after_a_pause(apis: Apis, tmp_path: Path) -> None:
    key_id, secret, _ = apis.aws.new_key()
    throttled = (
        b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        b"<Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"
    )
    apis.aws.fail(400, body=throttled)

    run = run_verify(pair(key_id, secret), apis, tmp_path)

    assert run.of(secret).status is LIVE and run.waits == [1.0]


def test_a_bedrock_api_key_is_not_sent(apis: Apis, tmp_path: Path) -> None:
    run = run_verify([finding("ABSKQmVkcm9ja0FQSUtleS" + "x" * 80, "aws", "api-key")], apis, tmp_path)

    assert next(iter(run.verifications.values())).reason == "unsupported" and apis.requests() == 0
