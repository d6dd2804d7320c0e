"""What each provider's contract adds to live / revoked: admin keys, restricted keys, token types that cannot be
asked, provider-specific rate limits and error codes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.findings import VerificationStatus, secret_id
from scanner.verify.gitlab import GitLab
from scanner.verify.verifier import Answer
from tests.emulators.verify.server import ALNUM, random_text
from tests.verify.conftest import Apis, finding, run_verify

LIVE, REVOKED, UNKNOWN = VerificationStatus.LIVE, VerificationStatus.REVOKED, VerificationStatus.UNKNOWN


def test_an_openai_admin_key_is_asked_for_projects_not_models(apis: Apis, tmp_path: Path) -> None:
    key = apis.openai.new_key(prefix="sk-admin-")

    run = run_verify([finding(key, "openai-compatible", "admin-key")], apis, tmp_path)

    assert run.of(key).status is LIVE
    assert [r.target for r in apis.openai.requests] == ["/v1/organization/projects?limit=1"]


def test_a_restricted_openai_key_answering_403_is_live(apis: Apis, tmp_path: Path) -> None:
    key = apis.openai.new_key()
    apis.openai.restricted.add(key)

    run = run_verify([finding(key, "openai-compatible", "project-key")], apis, tmp_path)

    assert (run.of(key).status, run.of(key).reason) == (LIVE, "lacks-permission")


def test_a_webhook_secret_or_an_org_id_is_never_sent(apis: Apis, tmp_path: Path) -> None:
    webhook = "whsec_" + random_text(ALNUM, 32)
    org = "org-" + random_text(ALNUM, 24)

    run = run_verify(
        [
            finding(webhook, "openai-compatible", "webhook-secret"),
            finding(org, "openai-compatible", "org-id", identifier=True),
        ],
        apis,
        tmp_path,
    )

    assert (run.of(webhook).status, run.of(webhook).reason) == (UNKNOWN, "unsupported")
    assert set(run.verifications) == {secret_id(webhook)}  # an identifier gets no verification
    assert apis.requests() == 0


def test_an_openai_compatible_key_goes_to_the_rotation_provider_the_user_configured(apis: Apis, tmp_path: Path) -> None:
    key = apis.openai.new_key()
    rotation = (
        f'\n[rotation.providers.nexus]\nkind = "openai-compatible"\nbase_url = "{apis.openai.base_url}"\n'
        'admin_key_env = "NEXUS_ADMIN_KEY"\n'
    )
    # [verify.endpoints] names another server for the family: the provider that rotates the key wins
    config = apis.config_toml(rotation).replace(apis.openai.base_url, apis.anthropic.url, 1)

    run = run_verify(
        [finding(key, "openai-compatible", "project-key", rule_id="openai-project-key")], apis, tmp_path, config=config
    )

    assert run.of(key).status is LIVE and run.of(key).endpoint == apis.openai.base_url
    assert len(apis.openai.requests) == 1 and apis.anthropic.requests == []


def test_an_anthropic_key_is_sent_with_the_api_version_and_an_admin_key_reads_the_organization(
    apis: Apis, tmp_path: Path
) -> None:
    key, admin = apis.anthropic.new_key(), apis.anthropic.new_key(admin=True)

    run = run_verify(
        [finding(key, "anthropic", "api-key"), finding(admin, "anthropic", "admin-key", line=2)], apis, tmp_path
    )

    assert run.of(key).status is LIVE and run.of(admin).status is LIVE
    assert run.of(admin).account == "Acme"
    assert {r.path for r in apis.anthropic.requests} == {"/v1/models", "/v1/organizations/me"}
    assert all(r.header("anthropic-version") == "2023-06-01" for r in apis.anthropic.requests)


def test_an_anthropic_oauth_token_is_not_sent(apis: Apis, tmp_path: Path) -> None:
    token = "sk-ant-oat01-" + random_text(ALNUM, 86) + "-" + random_text(ALNUM, 8)

    run = run_verify([finding(token, "anthropic", "oauth-token")], apis, tmp_path)

    assert run.of(token).reason == "unsupported" and apis.requests() == 0


def test_a_github_installation_token_answering_403_is_live_and_the_login_is_reported(
    apis: Apis, tmp_path: Path
) -> None:
    installation, pat = apis.github.new_key(prefix="ghs_"), apis.github.new_key(login="ada-lovelace")

    run = run_verify(
        [finding(installation, "github", "github-token"), finding(pat, "github", "github-token", line=2)],
        apis,
        tmp_path,
    )

    assert (run.of(installation).status, run.of(installation).reason) == (LIVE, "lacks-permission")
    assert (run.of(pat).status, run.of(pat).account) == (LIVE, "ada-lovelace")
    assert all(r.header("X-GitHub-Api-Version") == "2022-11-28" for r in apis.github.requests)


def test_a_github_refresh_token_or_client_secret_is_not_sent(apis: Apis, tmp_path: Path) -> None:
    refresh, secret = "ghr_" + random_text(ALNUM, 76), random_text("0123456789abcdef", 40)

    run = run_verify(
        [finding(refresh, "github", "github-token"), finding(secret, "github", "oauth-client-secret", line=2)],
        apis,
        tmp_path,
    )

    assert {run.of(refresh).reason, run.of(secret).reason} == {"unsupported"}
    assert apis.requests() == 0


def test_githubs_primary_rate_limit_403_waits_until_the_reset_time(apis: Apis, tmp_path: Path) -> None:
    token = apis.github.new_key()
    reset = int(time.time()) + 5
    apis.github.fail(403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})

    run = run_verify([finding(token, "github", "github-token")], apis, tmp_path)

    assert run.of(token).status is LIVE
    assert len(run.waits) == 1 and 3.0 <= run.waits[0] <= 5.0


def test_a_gitlab_runner_token_is_not_sent(apis: Apis, tmp_path: Path) -> None:
    runner = "glrt-" + random_text(ALNUM, 20)

    run = run_verify([finding(runner, "gitlab", "gitlab-token")], apis, tmp_path)

    assert run.of(runner).reason == "unsupported" and apis.requests() == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"name": "ci", "revoked": false, "active": true}', LIVE),
        (b'{"name": "ci", "revoked": true, "active": false}', REVOKED),
        (b'{"name": "ci", "revoked": false, "active": false}', REVOKED),
    ],
)
def test_gitlab_reads_the_tokens_own_revoked_and_active_flags(body: bytes, status: VerificationStatus) -> None:
    assert GitLab().judge(Answer(200, {}, body)).status is status


def test_a_revoked_slack_token_is_revoked_and_a_transient_slack_error_is_unknown(apis: Apis, tmp_path: Path) -> None:
    revoked, live = apis.slack.new_key(live=False, revoked=True), apis.slack.new_key()
    apis.slack.fail(200, body={"ok": False, "error": "internal_error"})

    run = run_verify(
        [finding(live, "slack", "slack-token"), finding(revoked, "slack", "slack-token", line=2)],
        apis,
        tmp_path,
        concurrency=1,
    )

    assert (run.of(revoked).status, run.of(revoked).detail) == (REVOKED, "POST /api/auth.test answered token_revoked")
    assert (run.of(live).status, run.of(live).reason) == (UNKNOWN, "unexpected-answer")


def test_a_slack_refresh_token_or_webhook_url_is_not_sent(apis: Apis, tmp_path: Path) -> None:
    refresh = "xoxe-1-" + random_text(ALNUM, 146)
    hook = "https://hooks.slack.com/services/T" + random_text("ABCDEFGH0123456789", 10)

    run = run_verify(
        [finding(refresh, "slack", "slack-token"), finding(hook, "slack", "webhook-url", line=2)], apis, tmp_path
    )

    assert {run.of(refresh).reason, run.of(hook).reason} == {"unsupported"}
    assert apis.requests() == 0


def test_a_restricted_stripe_key_without_the_balance_permission_is_live(apis: Apis, tmp_path: Path) -> None:
    key = apis.stripe.new_key(prefix="rk_live_")
    apis.stripe.restricted_without_balance.add(key)

    run = run_verify([finding(key, "stripe", "restricted-key")], apis, tmp_path)

    assert (run.of(key).status, run.of(key).reason) == (LIVE, "lacks-permission")


def test_a_stripe_test_key_is_live_in_test_mode(apis: Apis, tmp_path: Path) -> None:
    key = apis.stripe.new_key(prefix="sk_test_")

    run = run_verify([finding(key, "stripe", "secret-key")], apis, tmp_path)

    assert run.of(key).status is LIVE and "test mode" in run.of(key).detail


def test_a_twilio_api_key_is_checked_with_its_secret_and_the_account_sid(apis: Apis, tmp_path: Path) -> None:
    account, _ = apis.twilio.new_account()
    key_sid, secret = apis.twilio.new_api_key(account)

    run = run_verify(
        [
            finding(account, "twilio", "account-id", identifier=True, line=1),
            finding(key_sid, "twilio", "api-key", line=2),
            finding(secret, "twilio", "api-key-secret", line=3),
        ],
        apis,
        tmp_path,
    )

    assert run.of(key_sid).status is LIVE and run.of(secret).status is LIVE
    assert run.of(key_sid).account == "Acme prod"
    assert [r.path for r in apis.twilio.requests] == [f"/2010-04-01/Accounts/{account}.json"]


def test_a_twilio_api_key_without_an_account_sid_reads_the_account_list(apis: Apis, tmp_path: Path) -> None:
    account, _ = apis.twilio.new_account()
    key_sid, secret = apis.twilio.new_api_key(account)

    run = run_verify(
        [finding(key_sid, "twilio", "api-key", line=1), finding(secret, "twilio", "api-key-secret", line=2)],
        apis,
        tmp_path,
    )

    assert run.of(key_sid).status is LIVE
    assert [r.path for r in apis.twilio.requests] == ["/2010-04-01/Accounts.json"]


def test_a_twilio_half_without_its_partner_is_not_sent(apis: Apis, tmp_path: Path) -> None:
    account, token = apis.twilio.new_account()
    key_sid, _ = apis.twilio.new_api_key(account)

    run = run_verify(
        [finding(key_sid, "twilio", "api-key"), finding(token, "twilio", "auth-token", path="other.env")],
        apis,
        tmp_path,
    )

    assert {run.of(key_sid).reason, run.of(token).reason} == {"missing-partner"}
    assert run.of(token).status is UNKNOWN and apis.requests() == 0


def test_a_twilio_key_read_against_another_account_is_unknown_not_revoked(apis: Apis, tmp_path: Path) -> None:
    mine, _ = apis.twilio.new_account()
    other, _ = apis.twilio.new_account()
    key_sid, secret = apis.twilio.new_api_key(mine)

    run = run_verify(
        [
            finding(other, "twilio", "account-id", identifier=True, line=1),
            finding(key_sid, "twilio", "api-key", line=2),
            finding(secret, "twilio", "api-key-secret", line=3),
        ],
        apis,
        tmp_path,
    )

    assert (run.of(key_sid).status, run.of(key_sid).reason) == (UNKNOWN, "unexpected-answer")
    assert "404" in run.of(key_sid).detail
