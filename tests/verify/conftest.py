"""Fixtures for `scan --verify`: every provider's emulator running, a user config that names them, helpers."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scanner.config import Settings
from scanner.findings import Commit, Finding, Severity, Verification, secret_id
from scanner.user_config import UserConfig, load_user_config
from scanner.verify.options import VerifyOptions, verify_options
from scanner.verify.registry import VERIFIERS
from scanner.verify.runner import verify_findings
from tests.emulators.verify.anthropic import AnthropicEmulator
from tests.emulators.verify.aws_sts import StsEmulator
from tests.emulators.verify.github import GitHubEmulator
from tests.emulators.verify.gitlab import GitLabEmulator
from tests.emulators.verify.huggingface import HuggingFaceEmulator
from tests.emulators.verify.openai import OpenAIEmulator
from tests.emulators.verify.sendgrid import SendGridEmulator
from tests.emulators.verify.server import ApiEmulator
from tests.emulators.verify.slack import SlackEmulator
from tests.emulators.verify.stripe import StripeEmulator
from tests.emulators.verify.twilio import TwilioEmulator


@dataclass
class Apis:
    """One running emulator per provider, by verifier name."""

    openai: OpenAIEmulator = field(default_factory=OpenAIEmulator)
    anthropic: AnthropicEmulator = field(default_factory=AnthropicEmulator)
    github: GitHubEmulator = field(default_factory=GitHubEmulator)
    gitlab: GitLabEmulator = field(default_factory=GitLabEmulator)
    slack: SlackEmulator = field(default_factory=SlackEmulator)
    stripe: StripeEmulator = field(default_factory=StripeEmulator)
    huggingface: HuggingFaceEmulator = field(default_factory=HuggingFaceEmulator)
    sendgrid: SendGridEmulator = field(default_factory=SendGridEmulator)
    twilio: TwilioEmulator = field(default_factory=TwilioEmulator)
    aws: StsEmulator = field(default_factory=StsEmulator)

    @property
    def all(self) -> list[ApiEmulator]:
        return [self.openai, self.anthropic, self.github, self.gitlab, self.slack, self.stripe, self.huggingface,
                self.sendgrid, self.twilio, self.aws]  # fmt: skip

    def by_provider(self, provider: str) -> ApiEmulator:
        return next(e for e in self.all if e.name == provider)

    def requests(self) -> int:
        return sum(len(e.requests) for e in self.all)

    def config_toml(self, extra: str = "") -> str:
        """The user's own config: each provider's endpoint is its emulator, on loopback http (allowed)."""
        lines = [f'"{e.name}" = "{e.base_url}"' for e in self.all]  # type: ignore[attr-defined]
        return "[trust]\nallow_loopback_http = true\n\n[verify.endpoints]\n" + "\n".join(lines) + "\n" + extra


@pytest.fixture
def apis() -> Iterator[Apis]:
    running = Apis()
    for emulator in running.all:
        emulator.start()
    yield running
    with ThreadPoolExecutor(len(running.all)) as pool:  # each shutdown waits for its poll interval: wait once
        list(pool.map(ApiEmulator.stop, running.all))


@pytest.fixture
def user_home(apis: Apis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_CONFIG_HOME with a user config naming every emulator; the environment trusts nothing else."""
    home = tmp_path / "xdg-config"
    (home / "keysweep").mkdir(parents=True)
    (home / "keysweep" / "config.toml").write_text(apis.config_toml())
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    for name in ("KEYSWEEP_TRUSTED_ENDPOINTS", "KEYSWEEP_ALLOW_LOOPBACK_HTTP", "KEYSWEEP_VERIFY_ENDPOINTS"):
        monkeypatch.delenv(name, raising=False)
    return home


def user_config(apis: Apis, tmp_path: Path, extra: str = "", text: str | None = None) -> UserConfig:
    """The user config as keysweep reads it (from a real file): `text`, else one naming every emulator."""
    home = tmp_path / "xdg-user"
    (home / "keysweep").mkdir(parents=True, exist_ok=True)
    (home / "keysweep" / "config.toml").write_text(apis.config_toml(extra) if text is None else text)
    return load_user_config({"XDG_CONFIG_HOME": str(home)})


@dataclass
class Run:
    """The outcome of verifying some findings against the emulators, and the waits the runner asked for."""

    verifications: dict[str, Verification]
    waits: list[float]

    def of(self, secret: str) -> Verification:
        return self.verifications[secret_id(secret)]


def run_verify(
    findings: list[Finding],
    apis: Apis,
    tmp_path: Path,
    *,
    config: str | None = None,
    settings: Settings | None = None,
    **limits: float,
) -> Run:
    """`verify_findings` against the emulators (or what `config` names), with a recorded (not slept) Retry-After."""
    user = user_config(apis, tmp_path, text=config)
    options = verify_options(user, {}, frozenset(VERIFIERS))
    defaults = {"timeout": options.timeout, "concurrency": options.concurrency, "attempts": options.attempts,
                "max_wait": options.max_wait}  # fmt: skip
    options = VerifyOptions(**{**defaults, **limits}, endpoints=options.endpoints)  # type: ignore[arg-type]
    waits: list[float] = []
    found = verify_findings(findings, settings or Settings(), user, options, sleep=waits.append)
    return Run(found, waits)


def finding(
    secret: str,
    provider: str | None,
    kind: str,
    *,
    rule_id: str = "",
    path: str = "app/settings.env",
    line: int = 1,
    identifier: bool = False,
    commit: str | None = None,
) -> Finding:
    """A finding as the scan reports it (the rule id defaults to `<provider>-<kind>`)."""
    return Finding(
        rule_id=rule_id or f"{provider}-{kind}",
        severity=Severity.INFO if identifier else Severity.HIGH,
        secret=secret,
        path=path,
        line=line,
        column=1,
        end_column=1 + len(secret),
        identifier=identifier,
        kind=kind,
        provider=provider,
        commit=Commit(commit, "Ada", "ada@example.com", "2024-05-01T10:00:00+00:00") if commit else None,
    )
