"""One credential per provider, live or dead, as the scan would report it: the table the per-provider tests run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scanner.findings import Finding
from tests.verify.conftest import Apis, finding


@dataclass(frozen=True)
class Case:
    provider: str
    make: Callable[[Apis, bool], tuple[list[Finding], str]]
    """(the findings of one credential, live or not; the secret whose verification the test reads)."""

    def __str__(self) -> str:
        return self.provider


def _single(
    provider: str, kind: str, new: Callable[[Apis, bool], str]
) -> Callable[[Apis, bool], tuple[list[Finding], str]]:
    def make(apis: Apis, live: bool) -> tuple[list[Finding], str]:
        secret = new(apis, live)
        return [finding(secret, provider, kind)], secret

    return make


def _twilio(apis: Apis, live: bool) -> tuple[list[Finding], str]:
    sid, token = apis.twilio.new_account()
    if not live:
        token = token[::-1]  # the account exists; this is not its token
    return [
        finding(sid, "twilio", "account-id", line=1, identifier=True),
        finding(token, "twilio", "auth-token", line=2),
    ], token


def _aws(apis: Apis, live: bool) -> tuple[list[Finding], str]:
    key_id, secret, _ = apis.aws.new_key(active=live)
    return [
        finding(key_id, "aws", "aws-access-key-id", line=1),
        finding(secret, "aws", "aws-secret-access-key", line=2),
    ], secret


CASES = [
    Case("openai-compatible", _single("openai-compatible", "project-key", lambda a, live: a.openai.new_key(live=live))),
    Case("anthropic", _single("anthropic", "api-key", lambda a, live: a.anthropic.new_key(live=live))),
    Case("github", _single("github", "github-token", lambda a, live: a.github.new_key(live=live))),
    Case("gitlab", _single("gitlab", "gitlab-token", lambda a, live: a.gitlab.new_key(live=live))),
    Case("slack", _single("slack", "slack-token", lambda a, live: a.slack.new_key(live=live, revoked=not live))),
    Case("stripe", _single("stripe", "secret-key", lambda a, live: a.stripe.new_key(live=live))),
    Case("huggingface", _single("huggingface", "access-token", lambda a, live: a.huggingface.new_key(live=live))),
    Case("sendgrid", _single("sendgrid", "api-key", lambda a, live: a.sendgrid.new_key(live=live))),
    Case("twilio", _twilio),
    Case("aws", _aws),
]
