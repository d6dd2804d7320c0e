"""A gitleaks config works as a keysweep rule file: `[[rules]]`, Go regex syntax and allowlists carry over."""

from __future__ import annotations

import re
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.engine.gitleaks import convert_gitleaks_rules, derive_keywords, go_to_python_regex
from scanner.engine.ruleset import load_rule_file, load_ruleset
from scanner.errors import RuleError
from scanner.scan import scan_bytes

LOWER = string.ascii_lowercase + string.digits

# gitleaks' generic assignment pattern, as its default config writes it.
CORP_REGEX = (
    r"(?i)(?:corp_secret)(?:[0-9a-z\-_\t .]{0,20})(?:[\s|']|[\s|\"]){0,3}"
    r"(?:=|>|:{1,3}=|\|\|:|<=|=>|:|\?=)(?:'|\"|\s|=|\x60){0,5}([0-9a-z]{40})(?:['|\"|\n|\r|\s|\x60|;]|$)"
)
# Shaped like the configs teams keep next to `gitleaks detect`: a title, `[extend]`, a global allowlist,
# rules with and without keywords, a secret group inside an assignment pattern, POSIX classes, tags.
GITLEAKS_TOML = r"""
title = "acme gitleaks config"

[extend]
useDefault = true

[allowlist]
description = "global allow list"
paths = ['''(?:^|/)vendor/''']
regexes = ['''^acme_0{32}$''']

[[rules]]
id = "acme-api-token"
description = "ACME internal API token"
regex = '''(?i)\b(acme_[a-z0-9]{32})(?:[^a-z0-9]|\z)'''
entropy = 3
keywords = ["acme_"]
tags = ["internal", "api"]

[[rules]]
id = "corp-service-secret"
description = "Corp service secret assigned to a corp_secret variable"
regex = '''CORP_REGEX'''
secretGroup = 1
keywords = ["corp_secret"]
[rules.allowlist]
stopwords = ["sample"]

[[rules]]
id = "zebra-live-key"
description = "Zebra payments live key"
regex = '''zb_live_[[:alnum:]]{24}'''

[[rules]]
id = "legacy-token"
description = "Legacy token, case-insensitive after the prefix"
regex = '''LEG-(?i)[a-z0-9]{20}'''
keywords = ["leg-"]
[[rules.allowlists]]
regexes = ['''^LEG-TEST''']
""".replace("CORP_REGEX", CORP_REGEX)


@pytest.fixture
def gitleaks_file(tmp_path: Path) -> Path:
    path = tmp_path / "gitleaks.toml"
    path.write_text(GITLEAKS_TOML)
    return path


def test_gitleaks_config_rules_load_with_their_ids_descriptions_and_keywords(gitleaks_file: Path) -> None:
    rules = {r.id: r for r in load_rule_file(gitleaks_file)}
    assert list(rules) == ["acme-api-token", "corp-service-secret", "zebra-live-key", "legacy-token"]
    assert rules["acme-api-token"].description == "ACME internal API token"
    assert rules["acme-api-token"].entropy == 3.0
    assert rules["zebra-live-key"].keywords == ("zb_live_",)  # derived from the literal prefix
    assert rules["corp-service-secret"].secret_group == 1
    assert rules["acme-api-token"].source == str(gitleaks_file)


def test_gitleaks_rules_match_what_gitleaks_would_find(gitleaks_file: Path, make_key: Callable[..., str]) -> None:
    ruleset = load_ruleset([gitleaks_file])
    acme = make_key("acme_", 32, LOWER)
    corp = make_key("", 40, LOWER)
    zebra = make_key("zb_live_", 24)
    legacy = "LEG-" + make_key("", 20).upper()
    text = (
        f'headers = {{"X-Acme": "{acme}"}}\n'
        f"CORP_SECRET = '{corp}'\n"
        f"zebra: {zebra}\n"
        f"token={legacy.replace('LEG-', 'LEG-')}\n"
    )
    found = {(f.rule_id, f.secret, f.line) for f in scan_bytes(text.encode(), ruleset)}
    assert found == {
        ("acme-api-token", acme, 1),
        ("corp-service-secret", corp, 2),  # the secret group, not the whole assignment
        ("zebra-live-key", zebra, 3),
        ("legacy-token", legacy, 4),
    }


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("CORP_SECRET = 'sample{tail}'", "a rule stopword"),
        ("token=LEG-TEST{upper}", "a rule allowlist regex ([[rules.allowlists]])"),
        ("key acme_00000000000000000000000000000000", "the global allowlist regex"),
    ],
)
def test_gitleaks_allowlists_become_value_allowlists(
    gitleaks_file: Path, make_key: Callable[..., str], line: str, why: str
) -> None:
    ruleset = load_ruleset([gitleaks_file])
    text = line.format(tail=make_key("", 34, LOWER), upper=make_key("", 16).upper())
    imported = {r.id for r in load_rule_file(gitleaks_file)}
    assert [f.rule_id for f in scan_bytes(text.encode(), ruleset) if f.rule_id in imported] == [], why


def test_gitleaks_config_listed_in_keysweep_config_is_used_by_scan(
    tmp_path: Path, gitleaks_file: Path, make_key: Callable[..., str]
) -> None:
    (tmp_path / ".keysweep.toml").write_text('rules = ["gitleaks.toml"]\n')
    (tmp_path / "app.py").write_text(f'ZEBRA = "{make_key("zb_live_", 24)}"\n')
    run = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    assert "zebra-live-key" in run.stdout and "app.py:1:" in run.stdout


@pytest.mark.parametrize(
    ("go", "python"),
    [
        (r"(?i)\b(AKIA[0-9A-Z]{16})\b", r"(?i)\b(AKIA[0-9A-Z]{16})\b"),  # a leading flag is fine as it is
        (r"key_[a-f0-9]{8}\z", r"key_[a-f0-9]{8}\Z"),
        (r"(?P<key>x[[:alpha:]]+)", r"(?P<key>x[a-zA-Z]+)"),
        (r"[[:alnum:]_-]{8}", r"[a-zA-Z0-9_-]{8}"),
        (r"[^[:space:]]+", r"[^ \t\n\r\f\v]+"),
        (r"LEG-(?i)[a-z]{4}", r"LEG-(?i:[a-z]{4})"),
        (r"(a(?i)b|c)d", r"(a(?i:b)|(?i:c))d"),  # RE2 flags run to the group's end, across `|`
        (r"\Qa.b+\E[0-9]", r"a\.b\+[0-9]"),
        (r"[]a]x", r"[]a]x"),
    ],
)
def test_go_regex_syntax_is_translated(go: str, python: str) -> None:
    translated = go_to_python_regex(go)
    assert translated == python
    re.compile(translated)


@pytest.mark.parametrize(
    ("regex", "keywords"),
    [
        (r"zb_live_[a-z]{24}", ["zb_live_"]),
        (r"(?i)\b((?:ghp|gho)_[0-9a-zA-Z]{36})", ["ghp_", "gho_"]),
        (r"(?:A3T[A-Z0-9]|AKIA|ASIA)[A-Z0-9]{16}", ["a3t", "akia", "asia"]),
        (r"\bxoxb-[0-9]+", ["xoxb-"]),
        (r"[a-z0-9]{32}", []),
        (r"ab[0-9]{32}", []),  # too short to be a useful prefilter
        (r"(?:acme_)?[a-z0-9]{32}", []),  # the prefix is optional
        (r"abc_?def[0-9]+", ["abc"]),  # `_` may be absent, so the prefix stops before it
    ],
)
def test_keywords_are_derived_from_a_literal_prefix_only(regex: str, keywords: list[str]) -> None:
    assert derive_keywords(regex) == keywords


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"id": "no-prefix", "regex": r"[a-z0-9]{32}"},
            "gitleaks rule 'no-prefix': `keywords` are required: keysweep needs them as a prefilter",
        ),
        ({"id": "path-only", "path": r"\.pem$"}, "gitleaks rule 'path-only': `regex` is required"),
        (
            {"id": "typo", "regex": "abc_[0-9]+", "keyword": ["abc_"]},
            "gitleaks rule 'typo': unknown key(s) keyword",
        ),
        ({"id": "unicode", "regex": r"abc_\pL+"}, "cannot translate: Unicode class \\p"),
        ({"id": "ungreedy", "regex": r"(?U)abc_.+"}, "cannot translate: the ungreedy flag"),
    ],
)
def test_unusable_gitleaks_rules_are_errors_naming_file_and_rule(rule: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError) as error:
        convert_gitleaks_rules({"rules": [rule]}, "custom/gitleaks.toml")
    assert str(error.value).startswith("custom/gitleaks.toml: ")
    assert message in str(error.value)


def test_gitleaks_rule_ids_become_kebab_case(make_key: Callable[..., str]) -> None:
    tables = convert_gitleaks_rules(
        {"rules": [{"id": "My_Custom Token", "regex": "mct_[a-z]{8}", "keywords": ["mct_"]}]}, "g.toml"
    )
    assert tables[0]["id"] == "my-custom-token"
    assert tables[0]["description"] == "My_Custom Token"
