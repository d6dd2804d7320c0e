"""Every bundled rule's entropy floor sits below the entropy of its own format's random bodies: a floor too close
to it silently misses real keys (gitlab-pat's 3.5 missed 1 random 20-character token in ~740).

Each `match` example of a rule gives a shape: the secret is matched against the rule's own regex, each
character is kept when the regex spells it out (prefixes, `-` and `.` separators, `T3BlbkFJ`) and drawn anew
from its character class otherwise, narrowed to the character kinds the example's run uses (lower-case hex from
`[0-9a-fA-F]` when the example is lower-case hex, letters and digits from `[A-Za-z0-9_-]` when it holds no `_` or
`-`): the narrowest alphabet a real token of that format can have, so the lowest entropy one can have.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

import pytest

from scanner.engine.entropy import shannon_entropy
from scanner.engine.rule import Rule
from scanner.engine.ruleset import load_ruleset

RULESET = load_ruleset()
RULES = [r for r in RULESET.rules if r.entropy > 0 and not r.identifier and not r.generic and r.kind != "password"]
"""Every rule with a floor but these: an identifier's floor is never read (an org ID is reported as it is), and a
generic rule's or a password's value has no format to draw from (a person types `hunter2-prod`): their floors tell
values from typed placeholders, a trade against noise that tests/test_generic_properties.py and the rules' own
examples hold."""
DRAWS = 3000
"""Random bodies per rule. A rule whose floor misses 1 random body in 1,000 (gitlab-pat's old 3.5 missed 1 in
~740) is caught with probability 1 - e^-4 (98%), and each rule's draws are seeded by its id, so the result is the
same on every run. The audit that set the floors drew 200,000 to 5,000,000 bodies of every example of every rule
and left no rule here with more than 1 in 100,000 under its floor (most with none of 1,000,000): a rule that fails
here is a floor raised, or a format changed, since."""
_PRINTABLE = frozenset(chr(c) for c in range(0x20, 0x7F)) | frozenset("\t\r\n")
_HEX_LOWER = frozenset(string.digits + "abcdef")
_HEX_UPPER = frozenset(string.digits + "ABCDEF")
_BASE32_UPPER = frozenset(string.ascii_uppercase + "234567")
_BASE32_LOWER = frozenset(string.ascii_lowercase + "234567")
_KINDS = (frozenset(string.digits), frozenset(string.ascii_lowercase), frozenset(string.ascii_uppercase))


@dataclass(frozen=True)
class Run:
    """Characters of a secret the regex leaves to chance: `count` of them from `alphabet`."""

    alphabet: str
    count: int


Shape = tuple[str | Run, ...]
"""A secret's shape: literal text kept as it is, and runs drawn at random."""


def secret_shape(rule: Rule, secret: str) -> Shape:
    """The shape of `secret` as `rule`'s regex reads it (see the module's docstring)."""
    pattern = rule.regex.pattern.decode() if isinstance(rule.regex.pattern, bytes) else rule.regex.pattern
    parsed = _sre_parse.parse(pattern)
    tree = _group(list(parsed), rule.secret_group) if rule.secret_group else list(parsed)
    assert tree is not None, f"{rule.id}: its regex has no group {rule.secret_group}"
    marks = next((m for end, m in _match(tree, secret, 0, bool(parsed.state.flags & re.I)) if end == len(secret)), None)
    assert marks is not None, f"{rule.id}: its regex does not read its own example secret {secret!r}"
    spans: list[list[Any]] = []  # [start, end, allowed, negated]: a class's marks side by side read as one run
    for start, end, allowed, negated in marks:
        if spans and allowed is not None and spans[-1][2:] == [allowed, negated] and spans[-1][1] == start:
            spans[-1][1] = end
        else:
            spans.append([start, end, allowed, negated])
    shape = [
        secret[start:end]
        if allowed is None
        else Run("".join(sorted(_alphabet(secret[start:end], allowed, neg))), end - start)
        for start, end, allowed, neg in spans
    ]
    return _merged(shape)


def draw(shape: Shape, rng: random.Random, n: int) -> list[str]:
    """`n` random secrets of `shape`: each run's characters uniform over its alphabet."""
    columns = [[p] * n if isinstance(p, str) else _uniform(p, rng, n) for p in shape]
    return ["".join(parts) for parts in zip(*columns, strict=True)]


def _uniform(run: Run, rng: random.Random, n: int) -> list[str]:
    """`n` strings of `run.count` characters uniform over `run.alphabet`: random bytes, the ones over the largest
    multiple of the alphabet's size dropped (no bias), the rest read modulo its size."""
    size = len(run.alphabet)
    usable = 256 // size * size
    table = bytes(ord(run.alphabet[b % size]) if b < usable else 0 for b in range(256))
    needed, text = run.count * n, ""
    while len(text) < needed:
        text += rng.randbytes(needed - len(text) + 64).translate(table, bytes(range(usable, 256))).decode("latin-1")
    return [text[i : i + run.count] for i in range(0, needed, run.count)]


def body(rule: Rule, secret: str) -> str:
    """The part of `secret` the floor applies to, as the detector measures it: the secret without its prefix."""
    return secret[len(rule.prefix_of(secret)) :]


def _alphabet(run: str, allowed: frozenset[str], negated: bool) -> frozenset[str]:
    """The narrowest alphabet a real token's `run` can come from: hex or base32 when the example's run is, else the
    kinds of character (digits, lower, upper, the class's other characters) it uses, within the class."""
    seen = frozenset(run)
    for hex_digits in (_HEX_LOWER, _HEX_UPPER):
        # a hex class, or a wider one whose run is long enough to tell hex by (`[0-9a-fA-F]`, `[0-9a-z]`)
        if seen <= hex_digits <= allowed and (len(run) >= 12 or allowed <= _HEX_LOWER | _HEX_UPPER):
            return hex_digits
    if allowed <= _HEX_LOWER | _HEX_UPPER:
        return allowed
    for base32 in (_BASE32_UPPER, _BASE32_LOWER):
        if len(run) >= 12 and seen <= base32 <= allowed:
            return base32
    kinds = [k & allowed for k in _KINDS if seen & k]
    others = allowed - frozenset().union(*_KINDS)
    if seen & others:
        # NOTE: a class that names its punctuation (`[A-Za-z0-9_-]`) draws all of it; a negated one (a password's
        # `[^\s"']`) only what the example shows, not every printable character
        kinds.append(seen & others if negated else others)
    return frozenset().union(*kinds)


def _merged(shape: list[str | Run]) -> Shape:
    merged: list[str | Run] = []
    for part in shape:
        last = merged[-1] if merged else None
        if isinstance(part, str) and isinstance(last, str):
            merged[-1] = last + part
        elif isinstance(part, Run) and isinstance(last, Run) and part.alphabet == last.alphabet:
            merged[-1] = Run(part.alphabet, last.count + part.count)
        elif part != "":
            merged.append(part)
    return tuple(merged)


Mark = tuple[int, int, frozenset[str] | None, bool]
"""(start, end, the class's characters or None for a literal, whether the class is negated)."""


def _group(items: list[Any], number: int) -> list[Any] | None:
    """The parsed items of capturing group `number`."""
    for op, av in items:
        if op is _sre.SUBPATTERN:
            if av[0] == number:
                return list(av[3])
            found = _group(list(av[3]), number)
        elif op is _sre.BRANCH:
            found = next((g for alt in av[1] if (g := _group(list(alt), number)) is not None), None)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            found = _group(list(av[2]), number)
        elif op is _sre.ATOMIC_GROUP:
            found = _group(list(av), number)
        else:
            continue
        if found is not None:
            return found
    return None


def _class(op: Any, av: Any, icase: bool) -> tuple[frozenset[str], bool] | None:
    """The printable characters one single-character item matches, and whether it is negated; None for others."""
    if op is _sre.NOT_LITERAL:
        return frozenset(c for c in _PRINTABLE if ord(c) != av), True
    if op is _sre.ANY:
        return _PRINTABLE, True
    if op is not _sre.IN:
        return None
    negated = bool(av) and av[0][0] is _sre.NEGATE
    cased = (lambda c: {c, c.lower(), c.upper()}) if icase else (lambda c: {c})
    return frozenset(c for c in _PRINTABLE if any(_in(x, av) for x in cased(c)) != negated), negated


def _in(c: str, items: Any) -> bool:
    """Whether `c` is one of a class's parsed items (its negation aside)."""
    code = ord(c)
    for op, av in items:
        if op is _sre.LITERAL and code == av:
            return True
        if op is _sre.RANGE and av[0] <= code <= av[1]:
            return True
        if op is _sre.CATEGORY and _CATEGORIES[av](c):
            return True
    return False


_CATEGORIES = {
    _sre.CATEGORY_DIGIT: lambda c: c in string.digits,
    _sre.CATEGORY_NOT_DIGIT: lambda c: c not in string.digits,
    _sre.CATEGORY_SPACE: lambda c: c in string.whitespace,
    _sre.CATEGORY_NOT_SPACE: lambda c: c not in string.whitespace,
    _sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    _sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
}


def _one_character(items: list[Any], icase: bool) -> tuple[frozenset[str], bool] | None:
    """The class of `items` when they always match one character (`[a-z]`, `(?:[^-]|-(?!----))`), else None."""
    items = [(op, av) for op, av in items if op not in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)]
    if len(items) != 1:
        return None
    op, av = items[0]
    if op is _sre.LITERAL:
        return frozenset({chr(av)}), False
    if op is _sre.SUBPATTERN:
        return _one_character(list(av[3]), (icase or bool(av[1] & re.I)) and not av[2] & re.I)
    if op is _sre.BRANCH:
        alternatives = [_one_character(list(alt), icase) for alt in av[1]]
        if any(a is None for a in alternatives):
            return None
        return frozenset().union(*(a[0] for a in alternatives if a)), any(a[1] for a in alternatives if a)
    return _class(op, av, icase)


def _match(items: list[Any], s: str, pos: int, icase: bool) -> Iterator[tuple[int, tuple[Mark, ...]]]:
    """Every way `items` match `s` from `pos`, greedy first: (end, marks). Assertions are taken to hold."""
    if not items:
        yield pos, ()
        return
    (op, av), rest = items[0], items[1:]
    for end, marks in _item(op, av, s, pos, icase):
        for last, more in _match(rest, s, end, icase):
            yield last, marks + more


def _item(op: Any, av: Any, s: str, pos: int, icase: bool) -> Iterator[tuple[int, tuple[Mark, ...]]]:
    if op is _sre.LITERAL:
        if pos < len(s) and (s[pos] == chr(av) or (icase and s[pos].lower() == chr(av).lower())):
            yield pos + 1, ((pos, pos + 1, None, False),)
    elif op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        yield pos, ()
    elif op is _sre.SUBPATTERN:
        yield from _match(list(av[3]), s, pos, (icase or bool(av[1] & re.I)) and not av[2] & re.I)
    elif op is _sre.ATOMIC_GROUP:
        yield from _match(list(av), s, pos, icase)
    elif op is _sre.BRANCH:
        for alt in av[1]:
            yield from _match(list(alt), s, pos, icase)
    elif op is _sre.GROUPREF_EXISTS:  # `(?(1)…|…)`: either reading
        for alt in av[1:]:
            if alt is not None:
                yield from _match(list(alt), s, pos, icase)
    elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        yield from _repeat(av[0], av[1], list(av[2]), s, pos, icase)
    elif (cls := _class(op, av, icase)) is not None:
        if pos < len(s) and s[pos] in cls[0]:
            yield pos + 1, ((pos, pos + 1, *cls),)
    else:
        raise ValueError(f"regex item {op} not read")


def _repeat(
    low: int, high: int, body: list[Any], s: str, pos: int, icase: bool
) -> Iterator[tuple[int, tuple[Mark, ...]]]:
    cls = _one_character(body, icase)
    if cls is not None:  # a run of one class: its longest reading first
        end = pos
        while end < len(s) and end - pos < high and s[end] in cls[0]:
            end += 1
        for stop in range(end, pos + low - 1, -1):
            yield stop, ((pos, stop, *cls),) if stop > pos else ()
        return
    if high > 0:
        for end, marks in _match(body, s, pos, icase):
            if end == pos:
                continue
            for last, more in _repeat(max(low - 1, 0), high - 1, body, s, end, icase):
                yield last, marks + more
    if low == 0:
        yield pos, ()


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_random_keys_of_the_rules_format_clear_its_entropy_floor(rule: Rule) -> None:
    shapes = dict.fromkeys(secret_shape(rule, ex.secret) for ex in rule.match if ex.secret)
    for n, shape in enumerate(shapes):
        # NOTE: every shape the examples show (django's hex key and its 50-character one, Alibaba's 12- and
        # 24-character ids), the first drawn most, the others a third as many
        draws = DRAWS if n == 0 else DRAWS // 3
        missed = _under_floor(rule, draw(shape, random.Random(f"{rule.id}:{n}"), draws))
        assert not missed, (
            f"{rule.id}: {len(missed)} of {draws} random keys shaped like {missed[0]!r} measure under its entropy "
            f"floor of {rule.entropy} bits ({shannon_entropy(body(rule, missed[0])):.2f}) and would be missed: "
            "lower the floor"
        )


def test_a_shape_keeps_what_the_regex_spells_out_and_draws_the_rest_from_the_examples_alphabet() -> None:
    letters_and_digits = "".join(sorted(string.ascii_letters + string.digits))
    hex_digits = "0123456789abcdef"

    gitlab = RULESET.by_id("gitlab-pat")
    heroku = RULESET.by_id("heroku-legacy-api-key")
    openai = RULESET.by_id("openai-service-account-key")

    assert secret_shape(gitlab, gitlab.match[0].secret or "") == ("glpat-", Run(letters_and_digits, 20))
    uuid = secret_shape(heroku, heroku.match[0].secret or "")
    assert uuid == (Run(hex_digits, 8), "-", Run(hex_digits, 4), "-", Run(hex_digits, 4), "-", Run(hex_digits, 4), "-",
                    Run(hex_digits, 12))  # fmt: skip
    assert "T3BlbkFJ" in secret_shape(openai, openai.match[0].secret or "")


def test_drawn_keys_are_read_by_the_rules_own_regex() -> None:
    for rule_id in ("gitlab-pat", "aws-access-key-id", "slack-bot-token", "stripe-secret-key"):
        rule = RULESET.by_id(rule_id)
        example = rule.match[0]
        for secret in draw(secret_shape(rule, example.secret or ""), random.Random(rule_id), 20):
            found = rule.regex.search(example.text.replace(example.secret or "", secret).encode())
            assert found is not None and found.group(rule.secret_group).decode() == secret, (rule_id, secret)


def _under_floor(rule: Rule, secrets: list[str]) -> list[str]:
    """The secrets whose body falls under the rule's floor, as the detector decides it."""
    return [s for s in secrets if shannon_entropy(body(rule, s)) < rule.entropy]
