"""Inline allow comments: `keysweep:allow [rule-id]` on the line or the line before, and the markers teams
migrating from detect-secrets and gitleaks already wrote; a named rule never hides a different rule."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.engine.ruleset import load_ruleset
from scanner.scan import scan_bytes

RULESET = load_ruleset()


def rule_ids(text: str) -> list[str]:
    return [f.rule_id for f in scan_bytes(text.encode(), RULESET)]


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        ('OPENAI_API_KEY = "{key}"', True),
        ('OPENAI_API_KEY = "{key}"  # keysweep:allow', False),
        ('OPENAI_API_KEY = "{key}"  # KEYSWEEP:ALLOW', False),
        ('# keysweep:allow\nOPENAI_API_KEY = "{key}"', False),
        ('// keysweep:allow sk-proj\nconst key = "{key}";', False),
        ('<!-- keysweep:allow -->\n<meta name="key" content="{key}">', False),
        ('OPENAI_API_KEY = "{key}"  # keysweep:allow openai-project-key', False),
        ('OPENAI_API_KEY = "{key}"  # keysweep:allow sk-proj', False),
        ('OPENAI_API_KEY = "{key}"  # keysweep:allow openai', False),  # the family word
        ('OPENAI_API_KEY = "{key}"  # keysweep:allow github-pat', True),  # another rule named
        ('# keysweep:allow github-pat\nOPENAI_API_KEY = "{key}"', True),
        ('OPENAI_API_KEY = "{key}"  # pragma: allowlist secret', False),
        ('OPENAI_API_KEY = "{key}"  # gitleaks:allow', False),
        ('# keysweep:allow\n\nOPENAI_API_KEY = "{key}"', True),  # two lines above is too far
        ('retries = 3  # keysweep:allow\nOPENAI_API_KEY = "{key}"', True),  # that comment is for its own line
        ('# pragma: allowlist secret\nOPENAI_API_KEY = "{key}"', True),  # detect-secrets: its own line only
        ('# gitleaks:allow\nOPENAI_API_KEY = "{key}"', True),  # gitleaks: its own line only
        ('OPENAI_API_KEY = "{key}"\nOTHER = 1  # keysweep:allow', True),  # the line after does not count
        ('# pragma: allowlist nextline secret\nOPENAI_API_KEY = "{key}"', False),  # detect-secrets' next-line form
        ('OPENAI_API_KEY = "{key}"  # keysweep:allow sk-proj -- test fixture', False),  # a reason after `--`
        ('OPENAI_API_KEY = "{key}"  # keysweep:allow key', True),  # a word inside ids names no rule
    ],
)
def test_allow_comment(make_key: Callable[..., str], payload: str, should_flag: bool) -> None:
    found = rule_ids(payload.format(key=make_key()))
    assert ("openai-project-key" in found) is should_flag


def test_allow_with_a_rule_id_hides_only_that_rules_finding_on_the_line(make_key: Callable[..., str]) -> None:
    line = f"keys: {make_key()} {make_key('ghp_', 36)}  # keysweep:allow sk-proj"
    assert rule_ids(line) == ["github-pat"]


def test_allow_with_several_rule_ids_hides_each_of_them(make_key: Callable[..., str]) -> None:
    line = f"keys: {make_key()} {make_key('ghp_', 36)}  # keysweep:allow openai-project-key, github-pat"
    assert rule_ids(line) == []


def test_prose_after_the_ids_does_not_widen_the_allow(make_key: Callable[..., str]) -> None:
    line = f"keys: {make_key()} {make_key('ghp_', 36)}  # keysweep:allow sk-proj test fixture"
    assert rule_ids(line) == ["github-pat"]


def test_allow_without_a_rule_id_hides_every_finding_on_the_line(make_key: Callable[..., str]) -> None:
    assert rule_ids(f"keys: {make_key()} {make_key('ghp_', 36)}  # keysweep:allow") == []


def test_allow_comment_hides_one_line_not_the_rest_of_the_file(make_key: Callable[..., str]) -> None:
    first, second = make_key(), make_key()
    text = f'A = "{first}"  # keysweep:allow\nB = "{second}"\n'
    assert [(f.secret, f.line) for f in scan_bytes(text.encode(), RULESET)] == [(second, 2)]
