"""Property tests: keys of every prefixed family, in every file format keysweep reads (JSON, YAML, TOML, .env,
XML, shell, Python, Markdown tables, URLs, JSON and URL escapes), under random names and trailing comments, are
found whole; the same keys glued to a word on their left, or one token character short of a fixed-length shape,
are not (issue 16 item 3).

tests/test_detection_properties.py draws keys from each rule's regex and places them on plain lines; here the
keys are each rule's own `match` secrets and random OpenAI-shaped keys, and hypothesis draws the format, the
name, the comment and the key.
"""

from __future__ import annotations

import functools
import json
import os
import re
import string

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from scanner.engine.examples import ExampleChecker
from scanner.engine.rule import Rule
from scanner.engine.ruleset import load_ruleset

RULESET = load_ruleset()
EXAMPLES = int(os.environ.get("KEYSWEEP_PROPERTY_EXAMPLES", 30))
ALNUM = string.ascii_letters + string.digits


def _is_self_identifying(rule: Rule) -> bool:
    """Rules whose key carries its own prefix: found by the key alone, whatever the name beside it."""
    return (
        rule.anchored
        and bool(rule.prefixes)
        and not rule.generic
        and rule.near is None
        and rule.validate is None
        and not rule.paths
        and rule.id != "private-key"
    )


# Keys every format holds as written (no quote, `&`, `#`, `%` or space to escape).
_PLAIN = re.compile(r"[A-Za-z0-9_\-+/=.:~]+")


def _secrets_of(rule: Rule) -> list[str]:
    return sorted(
        {e.secret for e in rule.match if e.secret and rule.prefix_of(e.secret) and _PLAIN.fullmatch(e.secret)}
    )


RULES = [r for r in RULESET.rules if _is_self_identifying(r) and _secrets_of(r)]

FORMATS = {
    "json": lambda name, key, note: json.dumps({"service": {name.lower(): key, "note": note}}, indent=2) + "\n",
    "json-compact": lambda name, key, note: json.dumps({name: key}) + "\n",
    "json-escaped-newline": lambda name, key, note: json.dumps({"text": f"{note}:\n{key}\n"}) + "\n",
    "yaml": lambda name, key, note: f"env:\n  {name}: {key}  # {note}\n",
    "yaml-quoted": lambda name, key, note: f'env:\n  - name: {name}\n    value: "{key}"\n',
    "toml": lambda name, key, note: f'[secrets]\n{name.lower()} = "{key}" # {note}\n',
    "toml-literal": lambda name, key, note: f"{name.lower()} = '{key}'\n",
    "dotenv": lambda name, key, note: f"# {note}\n{name}={key}\n",
    "dotenv-export": lambda name, key, note: f'export {name}="{key}"\n',
    "xml-element": lambda name, key, note: f"<config>\n  <{name}>{key}</{name}>\n</config>\n",
    "xml-attribute": lambda name, key, note: f'<add key="{name}" value="{key}" />\n',
    "shell": lambda name, key, note: f'curl -H "Authorization: Bearer {key}" https://api.example.com # {note}\n',
    "python": lambda name, key, note: f'client = Client(api_key="{key}")  # {note}\n',
    "markdown-table": lambda name, key, note: f"| name | key |\n|---|---|\n| {name} | {key} |\n",
    "url-query": lambda name, key, note: f"https://proxy.example.com/v1?{name.lower()}={key}&x=1\n",
    "url-encoded": lambda name, key, note: f"https://proxy.example.com/v1?q=token%3D{key}&x=1\n",
    "line-end-no-newline": lambda name, key, note: f"{name}: {key}",
}

NAMES = st.from_regex(r"[A-Z][A-Z0-9]{1,6}(_[A-Z0-9]{1,6}){0,2}", fullmatch=True).filter(
    lambda n: not any(w in n for w in ("TODO", "NONE", "NULL", "FAKE", "HERE", "YOUR"))
)
NOTES = st.text(alphabet=string.ascii_lowercase + " ,.", min_size=0, max_size=30)


@functools.cache
def checker() -> ExampleChecker:
    return ExampleChecker(RULESET, "python")


def found(rule: Rule, text: str) -> list[str]:
    return [f.secret for f in checker().findings(text) if f.rule_id == rule.id]


def _settings() -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_keys_are_found_whole_in_every_file_format(rule: Rule) -> None:
    @_settings()
    @given(st.sampled_from(_secrets_of(rule)), st.sampled_from(sorted(FORMATS)), NAMES, NOTES)
    def check(key: str, fmt: str, name: str, note: str) -> None:
        text = FORMATS[fmt](name, key, note)
        assert key in found(rule, text), (fmt, text)

    check()


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_keys_glued_to_a_word_on_their_left_are_not_found(rule: Rule) -> None:
    @_settings()
    @given(st.sampled_from(_secrets_of(rule)), st.sampled_from(sorted(FORMATS)), NAMES, st.sampled_from("xQnrtbf7_"))
    def check(key: str, fmt: str, name: str, glued: str) -> None:
        if ord(glued) not in rule.token_chars:
            return  # this rule's tokens do not continue with that character: nothing is glued
        text = FORMATS[fmt](name, "word" + glued + key, "")
        assert key not in found(rule, text), (fmt, text)

    check()


# Random OpenAI-shaped keys: the rules' examples are a handful; these are thousands --------------------------------

BODY = st.text(alphabet=ALNUM, min_size=48, max_size=48)
MARKED = st.tuples(
    st.text(alphabet=ALNUM + "_-", min_size=20, max_size=200), st.text(alphabet=ALNUM + "_-", min_size=20, max_size=200)
)


def _plausible(key: str) -> bool:
    from scanner.engine.detector import is_plausible_secret

    return is_plausible_secret(RULESET.by_id("openai-project-key"), key, "", "")


@_settings()
@given(st.one_of(BODY.map(lambda b: "sk-proj-" + b), MARKED.map(lambda p: f"sk-proj-{p[0]}T3BlbkFJ{p[1]}")),
       st.sampled_from(sorted(FORMATS)), NAMES, NOTES)  # fmt: skip
def test_random_project_keys_are_found_whole_in_every_file_format(key: str, fmt: str, name: str, note: str) -> None:
    rule = RULESET.by_id("openai-project-key")
    text = FORMATS[fmt](name, key, note)
    expected = [key] if _plausible(key) else []
    assert found(rule, text) == expected, (fmt, text)


@_settings()
@given(BODY, st.sampled_from(sorted(FORMATS)), NAMES, st.integers(min_value=1, max_value=8))
def test_random_project_keys_one_to_eight_characters_short_are_not_found(
    body: str, fmt: str, name: str, short: int
) -> None:
    rule = RULESET.by_id("openai-project-key")
    text = FORMATS[fmt](name, "sk-proj-" + body[:-short], "")
    assert found(rule, text) == []


@_settings()
@given(BODY, st.sampled_from(sorted(FORMATS)), NAMES, st.text(alphabet=ALNUM, min_size=1, max_size=8))
def test_random_project_keys_with_digits_or_lower_case_glued_on_are_not_found(
    body: str, fmt: str, name: str, more: str
) -> None:
    rule = RULESET.by_id("openai-project-key")
    more = more if not more[0].isupper() else more.lower()  # a capital may start a glued heading word
    text = FORMATS[fmt](name, "sk-proj-" + body + more, "")
    assert ("sk-proj-" + body) not in found(rule, text)


def test_the_format_properties_cover_most_families() -> None:
    families = {r.source.rsplit("/", 1)[-1] for r in RULES}
    assert len(RULES) >= 100
    assert {"openai.toml", "github.toml", "stripe.toml", "aws.toml", "slack.toml", "anthropic.toml"} <= families
