"""Five of the six gaps of issue 16, each pinned by inputs that a plausible one-line bug gets wrong (the sixth,
history provenance, needs a git repository: tests/git/test_six_gaps_history.py).

1. the confirmation window (a key exactly `window` bytes long), 2. the entropy comparison (a value exactly on the
threshold), 3. the escape exception at the left boundary (`xnsk-proj-…` glued to a word, `\\nsk-proj-…` after an
escape), 4. the placeholder-word lookbehind (`…Qhere7…` in a random body), 5. baseline entries keyed on the rule id.
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import pytest

from scanner.engine.detector import Detector, _is_left_boundary
from scanner.engine.entropy import shannon_entropy
from scanner.engine.examples import ExampleChecker
from scanner.engine.placeholders import is_masked_or_placeholder
from scanner.engine.rule import Rule, compile_rule
from scanner.engine.ruleset import RuleSet, load_ruleset
from scanner.filters.baseline import Baseline, BaselineEntry, match_baseline
from scanner.findings import Finding, Severity, secret_id

RULESET = load_ruleset()
CHECKER = ExampleChecker(RULESET, "python")
ALNUM = string.ascii_letters + string.digits


def body(seed: int, length: int, alphabet: str = ALNUM) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


def found(text: str, rule_id: str) -> list[str]:
    return [f.secret for f in CHECKER.findings(text) if f.rule_id == rule_id]


def detect(rule: Rule, text: str, backend: str = "python") -> list[str]:
    return [m.secret for m in Detector(RuleSet((rule,)), backend).detect(text.encode()).matches]


def project_rule(**overrides: Any) -> Rule:
    """The project-key shape as a rule of its own, with its window (and path through the detector) chosen."""
    table: dict[str, Any] = {
        "id": "test-project-key",
        "description": "a project key",
        "prefix": "sk-proj-",
        "keywords": ["sk-proj-"],
        "regex": "sk-proj-[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}",
        "entropy": 3.0,
    }
    table.update(overrides)
    table = {k: v for k, v in table.items() if v is not None}
    return compile_rule(table, "test.toml", user=bool(table.pop("user", False)))


# 1. The confirmation window ---------------------------------------------------------------------------------------

# 8 + 120 + 8 + 120 bytes: exactly the default window of 256.
WINDOW_KEY = "sk-proj-" + body(1, 120) + "T3BlbkFJ" + body(2, 120)

# Each way the detector confirms a candidate: the guarded regex (Python `re`, the secret is the whole match), the
# candidate walk (a secret group), RE2 (user rules), and the unanchored per-line path on an unended last line.
WINDOW_PATHS = {
    "guarded": {},
    "secret-group": {"regex": "(sk-proj-[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200})"},
    "re2": {"user": True},
    "unanchored": {"prefix": None},
}


def test_the_window_key_is_exactly_the_default_window_long() -> None:
    assert len(WINDOW_KEY) == 256 == project_rule().window


@pytest.mark.parametrize("path", WINDOW_PATHS, ids=list(WINDOW_PATHS))
def test_a_key_exactly_as_long_as_the_window_is_found_whole(path: str) -> None:
    rule = project_rule(**WINDOW_PATHS[path])
    assert detect(rule, f"OPENAI_API_KEY={WINDOW_KEY}") == [WINDOW_KEY]
    assert detect(rule, f"key: {WINDOW_KEY}\n") == [WINDOW_KEY]


@pytest.mark.parametrize("path", WINDOW_PATHS, ids=list(WINDOW_PATHS))
def test_a_key_one_byte_longer_than_the_window_is_not_read_as_a_truncated_key(path: str) -> None:
    rule = project_rule(**WINDOW_PATHS[path], window=255)
    assert detect(rule, f"OPENAI_API_KEY={WINDOW_KEY}") == []
    assert detect(project_rule(**WINDOW_PATHS[path], window=257), f"OPENAI_API_KEY={WINDOW_KEY}") == [WINDOW_KEY]


def test_the_bundled_project_key_rule_finds_its_longest_key() -> None:
    longest = "sk-proj-" + body(3, 200, ALNUM + "_-") + "T3BlbkFJ" + body(4, 200, ALNUM + "_-")
    assert found(f"OPENAI_API_KEY={longest}\n", "openai-project-key") == [longest]


# 2. The entropy comparison ----------------------------------------------------------------------------------------


def on_threshold_body() -> str:
    """8 symbols used 4 times each, shuffled: exactly 3.0 bits per character, neither repetitive nor a run."""
    symbols = list("Q7mZ2kPw" * 4)
    random.Random(5).shuffle(symbols)
    return "".join(symbols)


def test_a_webhook_secret_exactly_on_the_entropy_threshold_is_reported() -> None:
    value = "whsec_" + on_threshold_body()
    assert shannon_entropy(value.removeprefix("whsec_")) == 3.0 == RULESET.by_id("webhook-signing-secret").entropy
    assert found(f"WEBHOOK_SECRET={value}\n", "webhook-signing-secret") == [value]


def test_a_webhook_secret_just_under_the_entropy_threshold_is_not_reported() -> None:
    # 7 symbols in 32 characters: one symbol short of 3.0 bits.
    symbols = list("Q7mZ2kP" * 4 + "Q7mZ")
    random.Random(5).shuffle(symbols)
    value = "whsec_" + "".join(symbols)
    assert shannon_entropy(value.removeprefix("whsec_")) < 3.0
    assert found(f"WEBHOOK_SECRET={value}\n", "webhook-signing-secret") == []


@pytest.mark.parametrize(("threshold", "reported"), [(2.99, True), (3.0, True), (3.01, False)])
def test_a_rule_entropy_is_a_minimum_the_value_may_equal(threshold: float, reported: bool) -> None:
    rule = compile_rule(
        {
            "id": "test-webhook",
            "description": "x",
            "prefix": "whsec_",
            "keywords": ["whsec_"],
            "regex": "whsec_[A-Za-z0-9]{32}",
            "entropy": threshold,
        },
        "test.toml",
    )
    value = "whsec_" + on_threshold_body()
    assert detect(rule, f"s={value}\n") == ([value] if reported else [])


# 3. The escape exception at the left boundary ---------------------------------------------------------------------

PROJECT_KEY = "sk-proj-" + body(6, 48)


@pytest.mark.parametrize("letter", "nrtbf")
def test_a_key_glued_to_a_word_ending_in_an_escape_letter_is_not_reported(letter: str) -> None:
    assert found(f"word{letter}{PROJECT_KEY}\n", "openai-project-key") == []
    assert found(f'"x{letter}{PROJECT_KEY}"\n', "openai-project-key") == []


@pytest.mark.parametrize("letter", "nrtbf")
def test_a_key_after_an_escape_sequence_is_reported(letter: str) -> None:
    assert found(f'{{"text": "key:\\{letter}{PROJECT_KEY}"}}\n', "openai-project-key") == [PROJECT_KEY]


def test_a_key_after_a_percent_escape_is_reported_but_not_after_hex_without_the_percent() -> None:
    assert found(f"https://x.example/?q=%3D{PROJECT_KEY}\n", "openai-project-key") == [PROJECT_KEY]
    assert found(f"https://x.example/?q=x3D{PROJECT_KEY}\n", "openai-project-key") == []
    assert found(f"https://x.example/?q=%3G{PROJECT_KEY}\n", "openai-project-key") == []


@pytest.mark.parametrize("path", ["guarded", "secret-group", "re2", "unanchored"])
@pytest.mark.parametrize("letter", "nrtbf")
def test_every_detector_path_holds_the_escape_exception(path: str, letter: str) -> None:
    rule = project_rule(**WINDOW_PATHS[path])
    key = "sk-proj-" + body(7, 30) + "T3BlbkFJ" + body(8, 30)
    assert detect(rule, f"x{letter}{key}\n") == []
    assert detect(rule, f'"\\{letter}{key}"\n') == [key]


@pytest.mark.parametrize(
    ("before", "boundary"),
    [
        (b"", True),
        (b" ", True),
        (b"=", True),
        (b"a", False),
        (b"n", False),
        (b"xn", False),
        (b"/n", False),
        (b"\\n", True),
        (b"\\r", True),
        (b"\\t", True),
        (b"\\b", True),
        (b"\\f", True),
        (b"\\a", False),
        (b"\\x", False),
        (b"%3D", True),
        (b"%2f", True),
        (b"x3D", False),
        (b"%G0", False),
        (b"%0G", False),
        (b"3D", False),
    ],
)
def test_left_boundary_table(before: bytes, boundary: bool) -> None:
    token = frozenset(ALNUM.encode() + b"_-")
    data = before + b"sk-proj-abc"
    assert _is_left_boundary(data, len(before), token) is boundary


# 4. The placeholder-word lookbehind --------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["here", "None", "todo", "fake", "null"])
def test_a_placeholder_word_inside_a_random_body_after_a_letter_is_not_a_placeholder(word: str) -> None:
    value = body(9, 20) + "Q" + word + "7" + body(10, 23)
    assert not is_masked_or_placeholder(value)
    assert is_masked_or_placeholder(body(9, 20) + "_" + word + "_" + body(10, 23))
    assert is_masked_or_placeholder(body(9, 20) + "7" + word + "7" + body(10, 23))


def test_keys_whose_random_body_spells_a_placeholder_word_are_reported() -> None:
    project = "sk-proj-" + body(11, 20) + "Qhere7" + body(12, 22)
    github = "ghp_" + body(13, 10) + "xNone4" + body(14, 20)
    assert found(f"OPENAI_API_KEY={project}\n", "openai-project-key") == [project]
    assert found(f"GITHUB_TOKEN={github}\n", "github-pat") == [github]
    assert found("OPENAI_API_KEY=sk-proj-your-key-here\n", "openai-project-key") == []


# 5. Baseline entries carry the rule id -----------------------------------------------------------------------------


def finding(rule_id: str, secret: str, path: str = "app.py") -> Finding:
    return Finding(rule_id, Severity.parse("high"), secret, path, 1, 1, 1 + len(secret))


def test_a_baseline_entry_for_another_rule_does_not_silence_a_finding(tmp_path: Path) -> None:
    key = "sk-proj-" + body(15, 48)
    baseline = Baseline(tmp_path / "b.json", "keysweep", (BaselineEntry("app.py", "generic-api-key", secret_id(key)),))
    match = match_baseline(baseline, [finding("openai-project-key", key)], str(tmp_path))
    assert [f.rule_id for f in match.kept] == ["openai-project-key"]
    assert match.accepted == []
    assert match.stale == list(baseline.entries)


def test_a_baseline_entry_silences_only_its_own_rule_secret_and_path(tmp_path: Path) -> None:
    key, other = "sk-proj-" + body(16, 48), "sk-proj-" + body(17, 48)
    entry = BaselineEntry("app.py", "openai-project-key", secret_id(key))
    baseline = Baseline(tmp_path / "b.json", "keysweep", (entry,))
    findings = [
        finding("openai-project-key", key),
        finding("generic-api-key", key),
        finding("openai-project-key", other),
        finding("openai-project-key", key, "lib.py"),
    ]
    match = match_baseline(baseline, findings, str(tmp_path))
    assert match.accepted == findings[:1]
    assert match.kept == findings[1:]
    assert match.stale == []
