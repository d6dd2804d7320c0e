"""Where a credential may go: the user's own config, environment and flags decide; a repository cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import ConfigError, TrustError
from scanner.trust import EndpointKind, Origin, is_loopback, trusted_endpoint
from scanner.user_config import UserConfig, load_user_config, user_config_path

NEXUS = "https://api.nexus.io/v1"


def user(*endpoints: str, loopback: bool = False) -> UserConfig:
    return UserConfig(
        Path("/home/u/.config/keysweep/config.toml"), True, tuple((e, "the test") for e in endpoints), loopback
    )


@pytest.mark.parametrize("origin", [Origin.BUILTIN, Origin.USER_CONFIG, Origin.ENVIRONMENT, Origin.FLAG])
def test_what_the_user_wrote_down_is_trusted_as_it_is(origin: Origin) -> None:
    endpoint = trusted_endpoint(EndpointKind.PROVIDER, NEXUS, user(), origin=origin, source="s")
    assert (endpoint.url, endpoint.origin) == (NEXUS, origin)


@pytest.mark.parametrize("origin", [Origin.REPOSITORY, Origin.GIT_REMOTE])
def test_an_endpoint_named_by_the_repository_is_refused_with_the_way_to_trust_it(origin: Origin) -> None:
    with pytest.raises(TrustError) as caught:
        trusted_endpoint(EndpointKind.PROVIDER, NEXUS, user(), origin=origin, source=".keysweep.toml: base_url")
    message = str(caught.value)
    assert NEXUS in message and ".keysweep.toml: base_url" in message and "Nothing was sent" in message
    assert "/home/u/.config/keysweep/config.toml" in message
    assert "KEYSWEEP_TRUSTED_ENDPOINTS" in message and f"--trust-endpoint {NEXUS}" in message


@pytest.mark.parametrize(
    ("confirmed", "url", "trusted"),
    [
        (NEXUS, NEXUS, True),
        (NEXUS + "/", NEXUS, True),
        ("https://api.nexus.io", NEXUS, True),  # a confirmed origin covers every path below it
        ("https://api.nexus.io:443", NEXUS, True),
        (NEXUS, "https://api.nexus.io/v1beta", False),  # a path boundary, not a string prefix
        (NEXUS, "https://api.nexus.io/v2", False),
        (NEXUS, "https://api.nexus.io.evil.example/v1", False),
        (NEXUS, "https://api.nexus.io:8443/v1", False),
        ("http://api.nexus.io/v1", NEXUS, False),  # the scheme is part of what was confirmed
        ("https://API.Nexus.io/v1", NEXUS, True),  # host names are case-insensitive
    ],
)
def test_a_confirmation_covers_its_own_origin_and_the_paths_below_it(confirmed: str, url: str, trusted: bool) -> None:
    def check() -> object:
        return trusted_endpoint(EndpointKind.HOSTING, url, user(confirmed), origin=Origin.REPOSITORY, source="s")

    if trusted:
        assert check()
    else:
        with pytest.raises(TrustError):
            check()


def test_plain_http_is_refused_even_when_the_user_wrote_it() -> None:
    with pytest.raises(TrustError, match="over https only"):
        trusted_endpoint(
            EndpointKind.VAULT, "http://vault.internal:8200", user(), origin=Origin.ENVIRONMENT, source="VAULT_ADDR"
        )


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "[::1]", "localhost"])
def test_loopback_http_only_when_explicitly_allowed(host: str) -> None:
    url = f"http://{host}:8200"
    with pytest.raises(TrustError, match=r"allow_loopback_http = true.*KEYSWEEP_ALLOW_LOOPBACK_HTTP=1"):
        trusted_endpoint(EndpointKind.VAULT, url, user(), origin=Origin.ENVIRONMENT, source="VAULT_ADDR")
    assert trusted_endpoint(
        EndpointKind.VAULT, url, user(loopback=True), origin=Origin.ENVIRONMENT, source="VAULT_ADDR"
    )


def test_loopback_is_the_machine_itself_and_nothing_else() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("LOCALHOST")
    assert not is_loopback("10.0.0.1") and not is_loopback("localhost.evil.example") and not is_loopback("0.0.0.0")


@pytest.mark.parametrize("url", ["ftp://api.nexus.io", "api.nexus.io/v1", "https://", "https://h:port/"])
def test_what_is_not_an_https_url_is_refused(url: str) -> None:
    with pytest.raises(TrustError):
        trusted_endpoint(EndpointKind.LIVENESS, url, user(url), origin=Origin.BUILTIN, source="s")


def test_a_url_with_credentials_in_it_is_refused_without_repeating_them() -> None:
    with pytest.raises(TrustError) as caught:
        trusted_endpoint(
            EndpointKind.HOSTING, "https://bob:hunter2@ghe.example/api/v3", user(), origin=Origin.FLAG, source="s"
        )
    assert "hunter2" not in str(caught.value) and "ghe.example" in str(caught.value)


def test_the_user_config_file_and_the_environment_confirm_endpoints(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "KEYSWEEP_TRUSTED_ENDPOINTS": "https://a.example, https://b.example"}
    path = user_config_path(env)
    assert path == tmp_path / "keysweep" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(
        '[trust]\nendpoints = ["https://api.nexus.io/v1"]\n[hosting]\napi_url = "https://ghe.example/api/v3"\n'
    )
    loaded = load_user_config(env)
    assert [url for url, _ in loaded.trusted_endpoints] == [
        "https://api.nexus.io/v1",
        "https://a.example",
        "https://b.example",
    ]
    assert loaded.hosting == {"api_url": "https://ghe.example/api/v3"} and not loaded.allow_loopback_http
    assert load_user_config({**env, "KEYSWEEP_ALLOW_LOOPBACK_HTTP": "1"}).allow_loopback_http


def test_the_user_config_defaults_to_home_config_and_may_be_absent(tmp_path: Path) -> None:
    loaded = load_user_config({"HOME": str(tmp_path)})
    assert loaded.path == tmp_path / ".config" / "keysweep" / "config.toml" and not loaded.exists
    assert loaded.trusted_endpoints == () and loaded.rotation == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[trust]\nendpoints = 'https://x'\n", "trust.endpoints"),
        ("[trust]\nallow_loopback_http = 'yes'\n", "allow_loopback_http"),
        ("[trust]\ntrusted = []\n", "trust.trusted"),
        ("[scan]\n", "unknown table 'scan'"),
        ("[trust\n", "not valid TOML"),
    ],
)
def test_user_config_errors_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "keysweep" / "config.toml"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_user_config({"XDG_CONFIG_HOME": str(tmp_path)})
    assert str(path) in str(caught.value)


def test_the_public_hosting_apis_are_trusted_whoever_names_them() -> None:
    for url in ("https://api.github.com", "https://gitlab.com/api/v4"):
        assert trusted_endpoint(EndpointKind.HOSTING, url, user(), origin=Origin.REPOSITORY, source="s")
    with pytest.raises(TrustError):  # the hosting token's home is not a provider's
        trusted_endpoint(EndpointKind.PROVIDER, "https://api.github.com", user(), origin=Origin.REPOSITORY, source="s")
