"""The provider adapter against the contract's error cases: auth, 404, 429, 5xx, timeouts, bad JSON."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from scanner.errors import ConfigError, ProviderAuthError, ProviderError, ProviderOrgMismatch, ProviderRateLimited
from scanner.rotation.config import ProviderConfig
from scanner.rotation.providers import Liveness, is_redaction_of, split_redacted
from scanner.rotation.providers.openai_compatible import OpenAICompatibleProvider
from tests.emulators.provider import ProviderEmulator, fake_key


@pytest.fixture
def em() -> Iterator[ProviderEmulator]:
    emulator = ProviderEmulator()
    yield emulator
    emulator.stop()


def connect(em: ProviderEmulator, env: dict[str, str] | None = None, **options: object):  # type: ignore[no-untyped-def]
    base_url = em.start()
    admin = em.add_admin_key()
    sleeps: list[float] = []
    cfg = ProviderConfig(name="nexus", kind="openai-compatible", base_url=base_url, admin_key_env="NEXUS_ADMIN_KEY")
    provider = OpenAICompatibleProvider(
        cfg, env if env is not None else {"NEXUS_ADMIN_KEY": admin}, sleep=sleeps.append, **options
    )  # type: ignore[arg-type]
    return provider, sleeps


@pytest.mark.parametrize(
    ("redacted", "secret", "expected"),
    [
        ("sk-proj-J1" + "•" * 30 + "3uyw", "sk-proj-J1abcdefghijklmnop3uyw", True),
        ("sk-proj-J1********3uyw", "sk-proj-J1abcdefghijklmnop3uyw", True),
        ("sk-proj-J1...3uyw", "sk-proj-J1abcdefghijklmnop3uyw", True),
        ("sk-proj-J1…3uyw", "sk-proj-J1abcdefghijklmnop3uyx", False),
        ("sk-proj-J2***3uyw", "sk-proj-J1abcdefghijklmnop3uyw", False),
        ("sk-proj-J1abc", "sk-proj-J1abcdefghijklmnop3uyw", False),
    ],
)
def test_a_key_is_a_candidate_only_when_prefix_and_suffix_both_match(
    redacted: str, secret: str, expected: bool
) -> None:
    assert is_redaction_of(redacted, secret) is expected


def test_split_redacted_treats_stars_bullets_and_dots_as_the_mask() -> None:
    assert (
        split_redacted("sk-ab**cd") == split_redacted("sk-ab•••cd") == split_redacted("sk-ab...cd") == ("sk-ab", "cd")
    )


def test_lists_follow_every_page(em: ProviderEmulator) -> None:
    provider, _ = connect(em)
    project = em.add_project("p")
    ids = {em.add_user_key(project, f"k{n}", fake_key("sk-proj-")) for n in range(230)}
    assert {k.id for k in provider.list_project_keys(None, project)} == ids
    assert em.calls("GET", "api_keys$") == 3


def test_archived_projects_are_searched_too(em: ProviderEmulator) -> None:
    provider, _ = connect(em)
    archived = em.add_project("old", archived=True)
    assert archived in {p.id for p in provider.list_projects(None)}


def test_429_waits_as_long_as_retry_after_says(em: ProviderEmulator) -> None:
    provider, sleeps = connect(em)
    em.fail("GET", "/organization/projects$", 429, headers={"Retry-After": "7"})
    assert list(provider.list_projects(None)) == []
    assert sleeps == [7.0]


def test_429_without_retry_after_waits_for_the_rate_limit_reset(em: ProviderEmulator) -> None:
    provider, sleeps = connect(em)
    em.fail("GET", "/organization/projects$", 429, headers={"X-RateLimit-Reset": "3"})
    list(provider.list_projects(None))
    assert sleeps == [3.0]


def test_429_that_never_ends_is_reported_after_the_retry_budget(em: ProviderEmulator) -> None:
    provider, sleeps = connect(em, max_attempts=3)
    em.fail("GET", "/organization/projects$", 429, times=10, headers={"Retry-After": "1"})
    with pytest.raises(ProviderRateLimited, match="--resume"):
        list(provider.list_projects(None))
    assert len(sleeps) == 2


def test_5xx_is_retried_with_bounded_exponential_backoff(em: ProviderEmulator) -> None:
    provider, sleeps = connect(em)
    em.fail("GET", "/organization/projects$", 503, times=3)
    list(provider.list_projects(None))
    assert sleeps == [0.5, 1.0, 2.0]


def test_5xx_that_persists_names_the_status_and_request_id(em: ProviderEmulator) -> None:
    provider, sleeps = connect(em, max_attempts=4)
    em.fail("GET", "/organization/projects$", 500, times=10)
    with pytest.raises(ProviderError) as caught:
        list(provider.list_projects(None))
    assert caught.value.status == 500 and caught.value.request_id and caught.value.request_id.startswith("req_")
    assert len(sleeps) == 3 and max(sleeps) <= 8


def test_minting_is_never_retried_blindly_after_a_5xx(em: ProviderEmulator) -> None:
    provider, sleeps = connect(em)
    project = em.add_project("p")
    em.fail("POST", "service_accounts$", 500, after_effect=True)
    with pytest.raises(ProviderError) as caught:
        provider.create_service_account(None, project, "keysweep-x")
    assert caught.value.status == 500 and sleeps == []
    assert len(em.accounts_named("keysweep-x")) == 1, "the caller reconciles by name; the adapter did not mint twice"


def test_malformed_json_is_a_provider_error_not_a_traceback(em: ProviderEmulator) -> None:
    provider, _ = connect(em)
    em.fail("GET", "/organization/projects$", 200, malformed=True)
    with pytest.raises(ProviderError, match="malformed"):
        list(provider.list_projects(None))


def test_401_names_the_admin_key_variable(em: ProviderEmulator) -> None:
    provider, _ = connect(em, env={"NEXUS_ADMIN_KEY": fake_key("sk-admin-")})
    with pytest.raises(ProviderAuthError, match=r"NEXUS_ADMIN_KEY.*invalid, revoked or unknown") as caught:
        list(provider.list_projects(None))
    assert caught.value.status == 401


def test_403_names_the_missing_scope(em: ProviderEmulator) -> None:
    provider, _ = connect(em)
    em.fail("GET", "/organization/projects$", 403)
    with pytest.raises(ProviderAuthError, match="lacks organization admin rights"):
        list(provider.list_projects(None))


def test_a_missing_admin_key_is_a_clear_config_error(em: ProviderEmulator) -> None:
    provider, _ = connect(em, env={})
    with pytest.raises(ConfigError, match="NEXUS_ADMIN_KEY"):
        list(provider.list_projects(None))


def test_deleting_what_is_already_gone_counts_as_done(em: ProviderEmulator) -> None:
    provider, _ = connect(em)
    project = em.add_project("p")
    key = em.add_user_key(project, "k", fake_key("sk-proj-"))
    assert provider.delete_project_key(None, project, key).already_gone is False
    assert provider.delete_project_key(None, project, key).already_gone is True


def test_a_service_account_key_cannot_be_deleted_through_the_project_keys_endpoint(
    em: ProviderEmulator,
) -> None:
    provider, _ = connect(em)
    project = em.add_project("p")
    _, key, _ = em.add_service_account(project, "ci")
    with pytest.raises(ProviderError) as caught:
        provider.delete_project_key(None, project, key)
    assert caught.value.status == 400


def test_liveness_distinguishes_live_restricted_and_dead(em: ProviderEmulator) -> None:
    provider, _ = connect(em)
    project = em.add_project("p")
    live, restricted = fake_key("sk-proj-"), fake_key("sk-proj-")
    em.add_user_key(project, "a", live)
    em.add_user_key(project, "b", restricted)
    em.restricted.add(restricted)
    assert provider.liveness(live) is Liveness.LIVE
    assert provider.liveness(restricted) is Liveness.RESTRICTED and Liveness.RESTRICTED.is_live
    assert provider.liveness(fake_key("sk-proj-")) is Liveness.DEAD


def test_timeouts_are_retried_a_bounded_number_of_times() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    cfg = ProviderConfig(name="nexus", kind="openai-compatible", base_url="http://127.0.0.1:9/v1", admin_key_env="K")
    sleeps: list[float] = []
    provider = OpenAICompatibleProvider(cfg, {"K": "x"}, transport=httpx.MockTransport(handler), sleep=sleeps.append)
    with pytest.raises(ProviderError, match=r"ReadTimeout.*--resume"):
        list(provider.list_projects(None))
    assert len(attempts) == 5 and sleeps == [0.5, 1.0, 2.0, 4.0]


def test_the_org_header_is_sent_when_an_org_is_known() -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("OpenAI-Organization"))
        return httpx.Response(
            200, json={"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
        )

    cfg = ProviderConfig(name="n", kind="openai-compatible", base_url="http://h/v1", admin_key_env="K")
    provider = OpenAICompatibleProvider(cfg, {"K": "x"}, transport=httpx.MockTransport(handler))
    list(provider.list_projects("org-abc"))
    assert seen == ["org-abc"]


def test_a_key_echoed_in_a_provider_error_is_redacted() -> None:
    key = fake_key("sk-admin-")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            json={
                "error": {
                    "message": f"Incorrect API key provided: {key}",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                }
            },
        )

    cfg = ProviderConfig(name="n", kind="openai-compatible", base_url="http://h/v1", admin_key_env="K")
    provider = OpenAICompatibleProvider(cfg, {"K": key}, transport=httpx.MockTransport(handler))
    with pytest.raises(ProviderAuthError) as caught:
        list(provider.list_projects(None))
    assert key not in str(caught.value) and "Incorrect API key provided" in str(caught.value)


def test_an_organization_the_admin_key_does_not_belong_to_is_reported_as_such_not_as_a_bad_key(
    em: ProviderEmulator,
) -> None:
    provider, _ = connect(em)
    with pytest.raises(ProviderOrgMismatch) as caught:
        list(provider.list_projects("org-SomebodyElse"))
    message = str(caught.value)
    assert "organization mismatch" in message and "org-SomebodyElse" in message and "NEXUS_ADMIN_KEY" in message
    assert "invalid, revoked or unknown" not in message and "must be an admin key" not in message


def test_a_placeholder_left_in_the_org_setting_is_a_config_error_naming_it() -> None:
    from scanner.rotation.config import parse_rotation_config

    raw = {"providers": {"nexus": {"base_url": "https://x", "admin_key_env": "K", "org": "<your NEXUS_ORG_ID>"}}}
    with pytest.raises(ConfigError, match=r"providers\.nexus\.org: '<your NEXUS_ORG_ID>' is not an org ID"):
        parse_rotation_config(raw, "pyproject.toml")
