"""Limits of the unanchored and `near` paths at, below and above (issue 16): the keyword density at which one pass
over the lines replaces the per-line path (same results either side), the 4096-byte window beyond which a rule
reads past its line, and the 4 kB reach of a `near` partner."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest

from scanner.engine import lines as lines_module
from scanner.engine import near as near_module
from scanner.engine.detector import Detector
from scanner.engine.rule import Rule, compile_rule
from scanner.engine.ruleset import RuleSet

ALNUM = string.ascii_letters + string.digits


def body(seed: int, length: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(ALNUM) for _ in range(length))


def rule_of(**fields: Any) -> Rule:
    table: dict[str, Any] = {"id": "t", "description": "t", "keywords": ["token"], "regex": r"token=([A-Za-z0-9]{24})"}
    table.update(fields)
    return compile_rule(table, "t.toml")


def detect(rule: Rule, text: str) -> list[str]:
    return [m.secret for m in Detector(RuleSet((rule,)), "python").detect(text.encode()).matches]


@pytest.mark.parametrize("block", [255, 256, 257])
def test_results_are_the_same_on_either_side_of_the_density_switch(block: int) -> None:
    # One keyword per `block` bytes: denser than one per 256 bytes takes the one-pass path.
    assert lines_module._DENSE == 1 / 256
    value = body(1, 24)
    line = f"token={value}\n"
    text = (line + "x" * (block - len(line) - 1) + "\n") * 20
    assert len(text) == 20 * block
    assert detect(rule_of(), text) == [value] * 20
    # a match across lines sends those lines to the per-line path: the same answer
    spread = rule_of(regex=r"token=\s*([A-Za-z0-9]{24})")
    assert detect(spread, text.replace("=", "=\n")) == []
    assert detect(spread, text) == [value] * 20


@pytest.mark.parametrize(("window", "found_it"), [(4096, False), (4097, True)])
def test_a_window_over_4096_bytes_reads_past_the_keyword_line(window: int, found_it: bool) -> None:
    value = body(2, 24)
    rule = rule_of(regex=r"token\s*=\s*([A-Za-z0-9]{24})", window=window)
    assert detect(rule, f"token\n=\n{value}\n") == ([value] if found_it else [])


def test_a_long_window_still_ends_window_bytes_after_the_keyword() -> None:
    value = body(3, 24)
    rule = rule_of(regex=r"token[ \n]*=[ \n]*([A-Za-z0-9]{24})", window=5000)
    assert detect(rule, "token" + "\n" * 4900 + "=" + value + "\n") == [value]
    assert detect(rule, "token" + "\n" * 5000 + "=" + value + "\n") == []


@pytest.mark.parametrize(("gap", "found_it"), [(4000, True), (4200, False)])
def test_a_near_partner_reaches_4096_bytes(gap: int, found_it: bool) -> None:
    assert near_module._REACH == 4096
    value = body(4, 24)
    rule = rule_of(keywords=["pass"], regex=r"pass=([A-Za-z0-9]{24})", near={"regex": "user=[a-z]+", "lines": 1})
    text = "pass user=alice " + "x" * gap + f" pass={value}\n"
    assert detect(rule, text) == ([value] if found_it else [])
