"""Property tests: random keys of every rule, generated from the rule's own regex, are found whole and with one
secret_id wherever they sit on a line: at its end, mid-line, quoted, and glued to a heading the document uses.

Keys come from `hypothesis.strategies.from_regex` over each rule's regex (so every alternative and length a
format allows is tried, not one hand-picked example); values the engine rejects on purpose (low entropy,
placeholder words such as `here` or `todo` that random bodies sometimes spell, allow-listed values) are
assumed away with the engine's own plausibility check, which tests/test_rules.py and test_decoys.py pin.
`KEYSWEEP_PROPERTY_EXAMPLES` sets the number of keys per rule (default 30: about 3,300 keys, each in five to eight
placements, per run).
"""

from __future__ import annotations

import functools
import os
import random

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from scanner.engine.detector import is_plausible_secret
from scanner.engine.examples import ExampleChecker
from scanner.engine.rule import Rule
from scanner.engine.ruleset import load_ruleset
from scanner.findings import secret_id

RULESET = load_ruleset()
DEFAULT_EXAMPLES = 30
EXAMPLES = int(os.environ.get("KEYSWEEP_PROPERTY_EXAMPLES", DEFAULT_EXAMPLES))
# NOTE: headings of the sample docs page whose first word can glue onto a value (`…Kj3XDocker / Compose`).
HEADINGS = [
    *("Docker / Compose", "Rate Limits", "Quick Start", "Authentication", "Streaming", "Webhooks"),
    "Signing Secret",
]
# Rules left out, each for a reason: the generic rules' precision heuristics belong to their own property tests
# (tests/test_generic_properties.py); a `near` value needs its partner and a `validate` value its structure,
# which a regex cannot generate (tests/test_rule_extensions.py covers both at their boundaries); and:
SKIPPED = {
    "private-key": "a PEM block's random body is hundreds of bytes over many lines: the examples in "
    "rules/private-key.toml, tests/test_rule_extensions.py (base64) and test_big_content.py (chunk edges) cover it",
}
RULES = [r for r in RULESET.rules if not r.generic and r.near is None and r.validate is None and r.id not in SKIPPED]
# Rules whose match is whole lines (an assignment that starts its line, an .npmrc line, a YAML block, a .ppk
# file): they are placed where such lines sit in a file (alone, after another line, on an unended last line, with
# CRLF), not inside other text on one line, which is not their format.
LINE_RULES = {
    *("django-secret-key", "npm-basic-auth", "spring-yaml-password", "putty-private-key"),
    *("s3cfg-secret-key", "pypirc-password", "pgpass-password"),
}
# Rules whose regex holds a lookahead that `from_regex` cannot satisfy: keys come from this pattern, and the rule's
# own regex (in `keys`) keeps only the ones it matches (Airtable's: a digit among the 14 characters).
GENERATED_FROM = {"airtable-api-key": r"key[A-Za-z0-9]{14}"}
_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_PRINTABLE_LINES = st.characters(min_codepoint=0x20, max_codepoint=0x7E, include_characters="\r\n")


@functools.cache
def checker() -> ExampleChecker:
    return ExampleChecker(RULESET, "python")


def _secrets(rule: Rule, text: str) -> list[str]:
    return [f.secret for f in checker().findings(text, _path_for(rule)) if f.rule_id == rule.id]


def _path_for(rule: Rule) -> str:
    """A file the rule reads: stdin for most, a file its `paths` name (`**/.s3cfg` → `home/ci/.s3cfg`) for the
    rules of credential files known by their name."""
    return f"home/ci/{rule.paths[0].removeprefix('**/')}" if rule.paths else "-"


@st.composite
def keys(draw: st.DrawFn, rule: Rule) -> tuple[str, str]:
    """(the text the rule's regex matches, the secret in it), for a value the engine means to report."""
    pattern = GENERATED_FROM.get(rule.id, rule.regex.pattern.decode())
    alphabet = _PRINTABLE_LINES if rule.id in LINE_RULES else _PRINTABLE
    text = draw(st.from_regex(pattern, fullmatch=True, alphabet=alphabet))  # type: ignore[attr-defined]
    raw = text.encode()
    m = rule.regex.match(raw) if rule.anchored else rule.regex.search(raw)
    assume(m is not None and m.start() == 0 and m.end() == len(raw))
    assert m is not None
    secret = raw[m.start(rule.secret_group) : m.end(rule.secret_group)].decode()
    assume(is_plausible_secret(rule, secret, text, ""))
    if rule.id in LINE_RULES and text.endswith("\r") and not text.endswith("\r\n"):
        text = text[:-1]  # the regex's own `\r?` before the line end: the placements end the line themselves
    if not any(k in text.lower() for k in rule.keywords):
        text = f"{rule.keywords[0]} = {text}"  # a context rule (`twilio` … `SK…`): its keyword leads the line
        # NOTE: the added keyword may itself start an earlier match (`gitlab_token = gITlABpeRsOnALAccesS.token…`
        # holds a 20-character legacy token right after `=`): such a line holds another key than the one drawn.
        first = rule.regex.search(text.encode())
        assume(first is not None and first.group(rule.secret_group).decode() == secret)
    return text, secret


def _property(rule: Rule) -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        # NOTE: no shrinking: a failing key is already short enough to read, and shrinking one re-scans it
        # thousands of times.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_random_keys_are_found_whole_at_line_end_mid_line_and_quoted(rule: Rule) -> None:
    @_property(rule)
    @given(keys(rule))
    def check(key: tuple[str, str]) -> None:
        text, secret = key
        if rule.id in LINE_RULES:
            contexts = [f"{text}\n", f"# rotated 2025-01-14\n{text}\n", f"[default]\n{text}", f"{text}\r\n"]
        else:
            contexts = [
                f"{text}\n",
                f"x = {text}",
                f"{text} # rotated 2025-01-14\n",
                f'"{text}",\n',
                f"cfg: '{text}'\n",
            ]
        found = {context: _secrets(rule, context) for context in contexts}
        assert found == {context: [secret] for context in contexts}

    check()


GLUE_RULES = [r for r in RULES if r.glue]


@pytest.mark.parametrize("rule", GLUE_RULES, ids=[r.id for r in GLUE_RULES])
def test_random_keys_glued_to_a_heading_are_cut_only_with_evidence(rule: Rule) -> None:
    @_property(rule)
    @given(keys(rule), st.sampled_from(HEADINGS))
    def check(key: tuple[str, str], heading: str) -> None:
        text, secret = key
        used_as_heading = f"## {heading}\n\n{text}{heading}\n"
        seen_whole_elsewhere = f"KEY={text}\n# {text}{heading}\n"
        at_line_end = f"KEY={text}\n"
        assert _secrets(rule, used_as_heading) == [secret]
        assert _secrets(rule, seen_whole_elsewhere) == [secret, secret]
        assert {secret_id(s) for s in _secrets(rule, at_line_end) + _secrets(rule, used_as_heading)} == {
            secret_id(secret)
        }

    check()


def test_the_property_tests_cover_every_family() -> None:
    families = {r.source.rsplit("/", 1)[-1] for r in RULES}
    bundled = {r.source.rsplit("/", 1)[-1] for r in RULESET.rules}
    assert families == bundled - {"generic.toml"}
    assert len(RULES) * DEFAULT_EXAMPLES >= 3000  # thousands of keys per run, by default


def test_every_rule_the_property_tests_treat_apart_exists() -> None:
    ids = {r.id for r in RULESET.rules}
    assert set(SKIPPED) | LINE_RULES | set(GENERATED_FROM) <= ids
    assert not LINE_RULES & set(SKIPPED)


def test_every_anchored_rule_window_covers_its_longest_match() -> None:
    import re._parser as sre_parse  # NOTE: the parser's width bounds; a test-time check, not engine code

    too_short = []
    for rule in RULESET.rules:
        longest = sre_parse.parse(rule.regex.pattern.decode()).getwidth()[1]
        if rule.anchored and longest > rule.window:
            too_short.append((rule.id, longest, rule.window))
    assert too_short == []


def test_every_unanchored_rule_window_covers_its_longest_match() -> None:
    """On a text's last line with no newline after it, an unanchored rule reads `window` bytes past its keyword
    (scanner/engine/lines.py), so a window shorter than the longest match cuts the longest values there."""
    import re._parser as sre_parse  # NOTE: the parser's width bounds; a test-time check, not engine code

    too_short = []
    for rule in RULESET.rules:
        longest = sre_parse.parse(rule.regex.pattern.decode()).getwidth()[1]
        if not rule.anchored and longest > rule.window:
            too_short.append((rule.id, longest, rule.window))
    assert too_short == []


@pytest.mark.parametrize("ending", ["", "\n"])
def test_the_longest_rails_secret_on_a_last_line_is_found_whole(ending: str) -> None:
    rng = random.Random(9)
    value = "".join(rng.choice("0123456789abcdef") for _ in range(256))
    text = f"x = SECRET_KEY_BASE='{value}'{ending}"
    assert _secrets(RULESET.by_id("rails-secret-key-base"), text) == [value]
