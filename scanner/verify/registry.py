"""The verifiers keysweep has, keyed by the `provider` of the rules whose findings they check."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from scanner.verify.anthropic import Anthropic
from scanner.verify.aws import Aws
from scanner.verify.github import GitHub
from scanner.verify.gitlab import GitLab
from scanner.verify.huggingface import HuggingFace
from scanner.verify.openai_compatible import OpenAICompatible
from scanner.verify.sendgrid import SendGrid
from scanner.verify.slack import Slack
from scanner.verify.stripe import Stripe
from scanner.verify.twilio import Twilio
from scanner.verify.verifier import Verifier

VERIFIERS: Mapping[str, Verifier] = MappingProxyType(
    {
        v.provider: v
        for v in (
            OpenAICompatible(),
            Anthropic(),
            GitHub(),
            GitLab(),
            Slack(),
            Stripe(),
            HuggingFace(),
            SendGrid(),
            Twilio(),
            Aws(),
        )
    }
)
"""provider → verifier; a finding whose provider is not here is `unknown` (`unsupported`)."""
