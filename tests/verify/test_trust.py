"""A liveness check sends the exposed key; only the provider's official API, or an endpoint the user trusts under
the trust model (scanner/trust.py), may receive it. A repository's config cannot redirect it: a capture server
named there gets nothing, and the scan stops before any request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scanner.config import Settings
from scanner.errors import ConfigError, TrustError
from scanner.trust import Origin
from scanner.user_config import load_user_config
from scanner.verify.endpoints import EndpointChooser
from scanner.verify.options import verify_options
from scanner.verify.registry import VERIFIERS
from scanner.verify.verifier import Credential
from tests.verify.conftest import Apis

OFFICIAL = {
    "openai-compatible": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "github": "https://api.github.com",
    "gitlab": "https://gitlab.com",
    "slack": "https://slack.com/api",
    "stripe": "https://api.stripe.com",
    "huggingface": "https://huggingface.co",
    "sendgrid": "https://api.sendgrid.com",
    "twilio": "https://api.twilio.com",
    "aws": "https://sts.amazonaws.com",
}


@dataclass
class Capture:
    """Answers 200 with an empty list to anything, and remembers what it was sent."""

    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def capture() -> Iterator[Capture]:
    seen = Capture()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self) -> None:
            seen.requests.append((self.command, self.path, dict(self.headers)))
            body = json.dumps({"object": "list", "data": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    seen.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield seen
    server.shutdown()
    server.server_close()


def scan(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from scanner.cli import main

    try:
        main(["scan", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def repository(root: Path, apis: Apis, config: str) -> tuple[Path, str]:
    """A checkout holding an OpenAI-compatible key and a GitHub token, with its own `.keysweep.toml`."""
    root.mkdir()
    key = apis.openai.new_key()
    (root / "app.env").write_text(f"OPENAI_API_KEY={key}\nGITHUB_TOKEN={apis.github.new_key()}\n")
    (root / ".keysweep.toml").write_text(config)
    return root, key


def nexus(base_url: str) -> str:
    return (
        f'[rotation.providers.nexus]\nkind = "openai-compatible"\nbase_url = "{base_url}/v1"\n'
        'admin_key_env = "NEXUS_ADMIN_KEY"\n'
    )


def test_a_repository_naming_the_liveness_endpoint_gets_nothing_and_the_scan_stops(
    apis: Apis, user_home: Path, tmp_path: Path, capture: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = repository(tmp_path / "repo", apis, nexus(capture.url))

    code, out, err = scan(str(repo), "--verify", capsys=capsys)

    assert code == 2 and out == ""
    assert capture.requests == [] and apis.requests() == 0  # stopped before the first request of the run
    assert err.startswith("keysweep: error: liveness check ") and len(err.strip().splitlines()) == 1
    assert f"{capture.url}/v1" in err and ".keysweep.toml: rotation.providers.nexus.base_url" in err
    assert "[trust]" in err and "KEYSWEEP_TRUSTED_ENDPOINTS" in err


def test_once_the_user_confirms_it_the_repositorys_endpoint_is_asked(
    apis: Apis,
    user_home: Path,
    tmp_path: Path,
    capture: Capture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, key = repository(tmp_path / "repo", apis, nexus(capture.url))
    monkeypatch.setenv("KEYSWEEP_TRUSTED_ENDPOINTS", capture.url)

    code, out, _ = scan(str(repo), "--verify", "--format", "json", capsys=capsys)

    assert code == 1
    assert [(m, p, h.get("Authorization")) for m, p, h in capture.requests] == [("GET", "/v1/models", f"Bearer {key}")]
    assert apis.openai.requests == []
    verification = next(r["verification"] for r in json.loads(out)["findings"] if r["provider"] == "openai-compatible")
    assert verification["endpoint"] == f"{capture.url}/v1"


def test_a_repository_config_cannot_have_a_verify_table(
    apis: Apis, user_home: Path, tmp_path: Path, capture: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = repository(tmp_path / "repo", apis, f'[verify.endpoints]\ngithub = "{capture.url}"\n')

    code, _, err = scan(str(repo), "--verify", capsys=capsys)

    assert code == 2 and "`verify`: unknown key" in err
    assert capture.requests == [] and apis.requests() == 0


def test_a_config_file_given_with_config_is_the_repositorys_too(
    apis: Apis, user_home: Path, tmp_path: Path, capture: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = repository(tmp_path / "repo", apis, "")
    other = tmp_path / "shared.toml"
    other.write_text(nexus(capture.url))

    code, _, err = scan(str(repo), "--verify", "--config", str(other), capsys=capsys)

    assert code == 2 and "shared.toml: rotation.providers.nexus.base_url" in err
    assert capture.requests == [] and apis.requests() == 0


@pytest.mark.parametrize(
    ("endpoint", "allow_loopback", "message"),
    [
        ("http://verify.example.com", True, "plain http would send the exposed key in clear"),
        ("LOOPBACK", False, "allow_loopback_http = true"),
    ],
)
def test_the_users_own_endpoint_must_be_https_or_allowed_loopback(
    endpoint: str, allow_loopback: bool, message: str, apis: Apis, tmp_path: Path, capture: Capture
) -> None:
    url = capture.url if endpoint == "LOOPBACK" else endpoint
    home = tmp_path / "home"
    (home / "keysweep").mkdir(parents=True)
    (home / "keysweep" / "config.toml").write_text(
        f'[trust]\nallow_loopback_http = {str(allow_loopback).lower()}\n[verify.endpoints]\ngithub = "{url}"\n'
    )
    user = load_user_config({"XDG_CONFIG_HOME": str(home)})
    chooser = EndpointChooser(Settings(), user, verify_options(user, {}, frozenset(VERIFIERS)))

    with pytest.raises(TrustError, match=message):
        chooser.endpoint(VERIFIERS["github"], Credential("github", ("x",), "token"))
    assert capture.requests == []


@pytest.mark.parametrize("provider", sorted(VERIFIERS))
def test_without_configuration_each_key_goes_to_its_providers_official_api(provider: str, tmp_path: Path) -> None:
    user = load_user_config({"XDG_CONFIG_HOME": str(tmp_path)})
    chooser = EndpointChooser(Settings(), user, verify_options(user, {}, frozenset(VERIFIERS)))

    endpoint = chooser.endpoint(VERIFIERS[provider], Credential(provider, ("x",), "value", "api-key", "rule"))

    assert (endpoint.url, endpoint.origin) == (OFFICIAL[provider], Origin.BUILTIN)


def test_the_environment_can_name_an_endpoint(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "KEYSWEEP_VERIFY_ENDPOINTS": "github=https://ghe.example.com/api/v3"}
    user = load_user_config(env)
    chooser = EndpointChooser(Settings(), user, verify_options(user, env, frozenset(VERIFIERS)))

    endpoint = chooser.endpoint(VERIFIERS["github"], Credential("github", ("x",), "token"))

    assert (endpoint.url, endpoint.origin) == ("https://ghe.example.com/api/v3", Origin.ENVIRONMENT)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[verify.endpoints]\ngithb = "https://x.example"\n', "no verifier is called 'githb'"),
        ('[verify.endpoints]\ngithub = "ftp://x.example"\n', "an https URL is required"),
        ("[verify]\ntimeout = 0\n", "verify.timeout: must be a positive number"),
        ("[verify]\nconcurrency = 2.5\n", "verify.concurrency: must be a positive whole number"),
        ("[verify]\nretries = 3\n", "verify.retries: unknown key"),
    ],
)
def test_a_malformed_verify_table_names_the_file_and_key(table: str, message: str, tmp_path: Path) -> None:
    (tmp_path / "keysweep").mkdir()
    (tmp_path / "keysweep" / "config.toml").write_text(table)
    user = load_user_config({"XDG_CONFIG_HOME": str(tmp_path)})

    with pytest.raises(ConfigError, match=message) as raised:
        verify_options(user, {}, frozenset(VERIFIERS))
    assert str(tmp_path / "keysweep" / "config.toml") in str(raised.value)
