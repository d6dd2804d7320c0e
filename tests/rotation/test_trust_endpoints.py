"""A repository's config cannot send a credential anywhere: endpoints come from the user, or are confirmed by them.

The repository under test names a capture server (which records every request it gets) as the provider's
admin API, the hosting API or Vault. The runs must stop before any request, in plan mode and with --apply,
naming the endpoint and how to trust it; once the user confirms it outside the repository, it is used.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.emulators.provider import fake_key
from tests.pull_request.conftest import REPOSITORY, TOKEN, Checkout
from tests.rotation.conftest import World

pytestmark = pytest.mark.slow


@dataclass
class Capture:
    """An HTTP server that answers 200 with an empty list to anything, and remembers what it was sent."""

    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def capture() -> Iterator[Capture]:
    seen = Capture()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self) -> None:
            seen.requests.append((self.command, self.path, dict(self.headers)))
            body = json.dumps({"object": "list", "data": [], "has_more": False}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    seen.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=seen.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield seen
    seen.server.shutdown()
    seen.server.server_close()


@dataclass
class Repo:
    world: World
    checkout: Checkout
    state: Path
    user_config: Path

    def config(self, *, base_url: str, api_url: str) -> None:
        """The repository's own `.keysweep.toml`: what anyone who can push to it controls."""
        w = self.world
        text = (
            f'[rotation.vault]\nmount = "secret"\npath_template = "{w.prefix}/{{provider}}/{{env_var}}"\n'
            f'[rotation.providers.nexus]\nkind = "openai-compatible"\nbase_url = "{base_url}"\n'
            'admin_key_env = "NEXUS_ADMIN_KEY"\norg = "org-NexusProd01"\ntimeout = 5\n'
            f'[hosting]\nkind = "github"\napi_url = "{api_url}"\nrepository = "{REPOSITORY}"\n'
        )
        self.checkout.commit_all({".keysweep.toml": text}, "keysweep config")

    def trust(self, text: str) -> None:
        """The user's own config file, outside the repository."""
        self.user_config.parent.mkdir(parents=True, exist_ok=True)
        self.user_config.write_text(text)

    def rotate(self, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        from scanner.cli import main

        try:
            main(["rotate", str(self.checkout.path), "--state-dir", str(self.state), *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err


@pytest.fixture
def repo(world: World, checkout: Checkout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    key = fake_key("sk-proj-")
    world.emulator.add_user_key(world.seeded.default_project, "app", key)
    checkout.commit_all({"app/settings.py": f'NEXUS_API_KEY = "{key}"\n'}, "the app, with a key")
    user_config = tmp_path / "xdg-config" / "keysweep" / "config.toml"
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    # Nothing is confirmed unless a test says so; loopback http stays allowed (the servers are local), so every
    # refusal below is about who named the endpoint, not about its scheme.
    monkeypatch.delenv("KEYSWEEP_TRUSTED_ENDPOINTS")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return Repo(world, checkout, tmp_path / "state", user_config)


@pytest.mark.parametrize("mode", [(), ("--apply",)], ids=["plan", "apply"])
def test_a_repository_naming_the_provider_api_gets_no_request_until_the_user_confirms_it(
    repo: Repo, capture: Capture, capsys: pytest.CaptureFixture[str], mode: tuple[str, ...]
) -> None:
    repo.config(base_url=f"{capture.url}/v1", api_url=capture.url)

    code, out, err = repo.rotate(*mode, capsys=capsys)

    assert code == 2 and "Traceback" not in err
    assert f"provider API {capture.url}/v1" in err and ".keysweep.toml: rotation.providers.nexus.base_url" in err
    assert "Nothing was sent" in err and str(repo.user_config) in err and f"--trust-endpoint {capture.url}/v1" in err
    assert capture.requests == [], "the admin key and the exposed key went to the repository's endpoint"
    assert repo.world.emulator.log == [] and not list(repo.state.glob("rot-*"))
    assert repo.world.seeded.admin_key not in out + err


def test_a_repository_naming_the_hosting_api_stops_the_plan_before_any_request(
    repo: Repo, capture: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.config(base_url=repo.world.base_url, api_url=capture.url)
    repo.trust(f'[trust]\nendpoints = ["{repo.world.base_url}"]\n')  # the provider is trusted; the host is not

    code, _, err = repo.rotate(capsys=capsys)

    assert code == 2 and f"hosting API {capture.url}" in err and "hosting.api_url" in err
    assert capture.requests == [] and repo.world.emulator.log == [], "nothing at all was asked before the refusal"


def test_once_confirmed_outside_the_repository_the_endpoint_is_used(
    repo: Repo, capture: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.config(base_url=f"{capture.url}/v1", api_url=capture.url)

    code, _, err = repo.rotate("--trust-endpoint", f"{capture.url}/v1", "--trust-endpoint", capture.url, capsys=capsys)

    # The capture server knows no key, so the plan stops there; what matters is that it was asked, with the
    # admin key, once the user had said so.
    assert code == 2 and "no key of any project" in err
    admin = [h.get("Authorization") for m, p, h in capture.requests if p.startswith("/v1/organization/projects")]
    assert admin and admin[0] == f"Bearer {repo.world.seeded.admin_key}"


def test_the_users_own_provider_table_wins_over_the_repositorys_and_needs_no_confirmation(
    repo: Repo, capture: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.config(base_url=f"{capture.url}/v1", api_url=capture.url)
    repo.trust(
        f'[rotation.providers.nexus]\nbase_url = "{repo.world.base_url}"\n[hosting]\napi_url = "{capture.url}"\n'
    )

    code, out, err = repo.rotate(capsys=capsys)

    assert code == 0, err
    assert "action: rotate-key" in out and capture.requests == []
    assert repo.world.emulator.calls("GET", "api_keys$") > 0  # the user's endpoint was asked instead


def test_plain_http_vault_is_refused_unless_loopback_http_is_allowed(
    repo: Repo, capture: Capture, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.config(base_url="https://api.nexus.example/v1", api_url="https://api.github.com")
    repo.trust('[trust]\nendpoints = ["https://api.nexus.example/v1"]\n')
    monkeypatch.delenv("KEYSWEEP_ALLOW_LOOPBACK_HTTP")
    monkeypatch.setenv("VAULT_ADDR", capture.url)

    code, _, err = repo.rotate("--apply", capsys=capsys)

    assert code == 2 and f"Vault {capture.url} (from VAULT_ADDR)" in err and "allow_loopback_http = true" in err
    assert capture.requests == []
