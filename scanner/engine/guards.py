"""Where a rule's keyword may start a secret: the regexes that search for its candidates at C speed (a keyword glued
onto a word starts none: `flask-` holds `sk-`; dense hits are searched with the rule's own regex), and the gates the
matcher's hyperscan pass answers for each rule (its regex widened, or for an anchored rule its keyword where it may
start a secret, or a literal its matches hold past the keyword), with which of them wait for a second pass. The
detector builds these once per rule; they decide cost, never what is found.
"""

from __future__ import annotations

import functools
import re
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

from scanner import re_cache
from scanner.engine.lazy_regex import LazyPattern
from scanner.engine.lines import WORDISH
from scanner.engine.prefilter import gate_source
from scanner.engine.rule import Rule


def gate_for(rule: Rule) -> tuple[bytes | None, bool]:
    """A rule's gate in the matcher's pass (None: it runs wherever its keyword is), and whether it waits for the
    second pass: its regex widened (`regex_gate`), else for an anchored rule its keyword where it may start a secret
    (`keyword_gate`) or a literal its matches hold past the keyword (`literal_gate`)."""
    pattern = regex_gate(rule)
    if pattern is not None:
        return gate_source(pattern), waits_for_second_pass(rule)
    return keyword_gate(rule) or literal_gate(rule), False


def regex_gate(rule: Rule) -> bytes | None:
    if rule.near is not None or not isinstance(rule.regex, LazyPattern) or not isinstance(rule.regex.pattern, bytes):
        return None
    if rule.anchored:
        # NOTE: an anchored rule searches from its keyword's hits at C speed already, so a gate saves it little;
        # and a gate that starts with a literal runs hyperscan's engine at each hit of it even once it has
        # matched: a flood of `AKCp` went at ~1 MB/s for two such gates.
        return None
    return rule.regex.pattern


def waits_for_second_pass(rule: Rule) -> bool:
    """Whether a rule's regex gate waits for a second pass, run only on buffers holding one of the rule's keywords:
    a rule for one provider whose keywords are 5 bytes or longer (rare in code: `discord`, `vault_token`), or one
    for some files only (`.pypirc`). The gates of generic rules and short keywords (`pass`, `akia`), held by most
    buffers, stay in the first pass. Either way the same rules run on the same buffers: only the cost moves."""
    return not rule.generic and (bool(rule.paths) or min(map(len, rule.keywords), default=0) >= 5)


_LITERAL_BYTES = 8
"""The longest literal hyperscan's literal matchers look for; of a longer one it picks a part."""


def keyword_gate(rule: Rule) -> bytes | None:
    """An anchored rule's gate (hyperscan, caseless): one of its keywords where it may start a secret, at the start
    of the buffer, after a character that ends a token, or after an escape (`\\n`, `%3D`): the positions both
    `guarded_regex` and `candidate_regex` try, and more. `flask-` holds `sk-`, but starts no OpenAI key there.

    NOTE: only a keyword and the byte before it, no repeat after it: a gate led by a literal runs hyperscan's engine
    at every hit of that literal (a flood of `AKCp` at ~1 MB/s with the whole regex as gate)."""
    if not rule.anchored or rule.secret_group != 0 or rule.near is not None or not rule.keywords:
        return None
    before = _not_glue(rule.token_chars)
    if before is None:
        return None
    # NOTE: each keyword's first 8 bytes only (a looser gate, never a narrower one): hyperscan looks for literals of
    # at most 8 bytes, and for a longer one picked its last 8 (`_secret_` of `sb_secret_`), which a flood of the
    # keyword's tail (`secret_` repeated) hit every 7 bytes, each hit a run of the engine: 0.11 s per 10 MB.
    heads = dict.fromkeys(k.encode()[:_LITERAL_BYTES] for k in rule.keywords)
    keywords = b"|".join(b"".join(b"\\x%02x" % c for c in k) for k in heads)
    return b"hs:(?:^|" + before + rb"|\\[nrtbf]|%[0-9a-f][0-9a-f])(?:" + keywords + b")"


@functools.cache
def _not_glue(token_chars: frozenset[int]) -> bytes | None:
    """A hyperscan class of the bytes that do not glue a keyword onto a word: the complement of `candidate_regex`'s
    glue (the narrower one); None when nothing glues. Once per set of token characters: every start-up builds the
    gates of 127 rules from a few such sets."""
    glue = _glue(token_chars, both_cases=True)
    return b"[^" + b"".join(b"\\x%02x" % c for c in glue) + b"]" if glue else None


_UPPER = bytes(range(128)).upper()


@functools.cache
def _glue(token_chars: frozenset[int], *, both_cases: bool) -> bytes:
    """The ASCII bytes, in order, that glue a keyword onto the word before it: they continue a token and a word
    (`WORDISH`), in both cases when `both_cases` (for a search of the lower-cased buffer)."""
    glues = token_chars & WORDISH
    return bytes(c for c in range(128) if c in glues and (not both_cases or _UPPER[c] in glues))


def guarded_regex(rule: Rule) -> re.Pattern[bytes] | None:
    if not isinstance(rule.regex, (re.Pattern, LazyPattern)) or rule.secret_group != 0 or not rule.prefix:
        return None
    source = rule.regex.pattern
    if not isinstance(source, bytes):
        return None
    glue = _glue(rule.token_chars, both_cases=False)
    if not glue:
        return None
    prefix = rule.prefix.encode()
    cls = b"[" + b"".join(re.escape(bytes([c])) for c in glue) + b"]"
    # NOTE: every top-level branch starts with the prefix, and the prefix and guard are said once before them all
    # (`LTAI…{20}|LTAI…{12}` is `LTAI(?:…{20}|…{12})`): guarding only the first branch let the other match at every
    # keyword of a glued flood, one Python step each (`LTAILTAI…` at ~2 MB/s), and a literal said once is what
    # `re` searches for at C speed.
    rests = []
    literal = b""
    for branch in top_level_branches(source):
        literal = _leading_literal(branch, prefix) or b""
        if not literal:
            return None
        rests.append(branch[len(literal) :])
    guard = b"(?:(?<!" + cls + literal + b")|(?<=\\\\[nrtbf]" + literal + b")|(?<=%[0-9A-Fa-f]{2}" + literal + b"))"
    rest = rests[0] if len(rests) == 1 else b"(?:" + b"|".join(rests) + b")"
    try:
        return re_cache.compile(literal + guard + rest, rule.regex.flags)
    except re.error:
        return None


def _leading_literal(branch: bytes, prefix: bytes) -> bytes | None:
    """How `branch` spells `prefix` at its start (escaped or not), when nothing quantifies its last character."""
    minimal = re.sub(rb"([.^$*+?{}\[\]\\|()])", rb"\\\1", prefix)
    for literal in (re.escape(prefix), minimal, prefix):
        if branch.startswith(literal) and branch[len(literal) : len(literal) + 1] not in (b"?", b"*", b"+", b"{"):
            return literal
    return None


def top_level_branches(source: bytes) -> list[bytes]:
    """`source` split at each `|` outside groups, classes and escapes."""
    branches, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(source):
        c = source[i]
        if c == 0x5C:  # backslash: the next byte is escaped
            i += 2
            continue
        if in_class:
            in_class = c != 0x5D
        elif c == 0x5B:  # `[`: a `]` right after `[` or `[^` is a member, not the end
            in_class = True
            i += 2 if source[i + 1 : i + 2] == b"]" else 3 if source[i + 1 : i + 3] == b"^]" else 1
            continue
        elif c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
        elif c == 0x7C and depth == 0:
            branches.append(source[start:i])
            start = i + 1
        i += 1
    branches.append(source[start:])
    return branches


def dense_regex(rule: Rule) -> re.Pattern[bytes] | None:
    """An anchored rule's regex, when searching with it from one of its keywords to the next gives exactly what
    matching it at each keyword does, and costs a few nanoseconds a byte: None otherwise.

    Exact because no path of the regex can read a byte `window` bytes or more past where it starts (its longest
    match, plus one byte for `$` or `\\b` at its end, and no lookahead): the window never cuts what it reads, so a
    search at C speed finds, at each place, what a match bounded by the window finds there. Cheap because it starts
    with what `re` searches for without trying every byte: a literal (`define\\(`), a set of bytes or a
    choice of literals (`'PASSWORD'|"PASSWORD"`). A lookbehind or a case-insensitive start tries every byte.
    """
    if not rule.anchored or not isinstance(rule.regex, (re.Pattern, LazyPattern)):
        return None
    parsed = _parsed(rule.regex.pattern)
    if parsed is None or parsed.state.flags & re.IGNORECASE or not _reads_forward_only(parsed.data):
        return None
    if parsed.getwidth()[1] + 1 > rule.window or not _starts_fast(parsed.data):
        return None
    compiled = rule.regex.compiled() if isinstance(rule.regex, LazyPattern) else rule.regex
    return compiled


def literal_gate(rule: Rule) -> bytes | None:
    """An anchored rule's gate when its keyword cannot be one (its secret is a group): the longest run of literal
    bytes, two or more, that every match holds past its start (`DB_PASSWORD` after `define(`, `</` closing an XML
    element, `password` in a `.netrc` line). A buffer without it holds no match, so a flood of the keyword alone
    (`define(` repeated) never runs the rule."""
    if not rule.anchored or rule.secret_group == 0 or rule.near is not None:
        return None
    if not isinstance(rule.regex, (re.Pattern, LazyPattern)) or (parsed := _parsed(rule.regex.pattern)) is None:
        return None
    runs, run = [], bytearray()
    for op, av in parsed.data:
        if op is not _sre.LITERAL:
            runs.append(bytes(run))
            run.clear()
        else:
            run.append(av)
    runs.append(bytes(run))
    # NOTE: not the keyword the regex starts with, which a flood of it holds: only what follows it in that run.
    keyword = max((k for k in rule.keywords if runs[0].lower().startswith(k.encode())), key=len, default=None)
    runs[0] = runs[0][len(keyword) :] if keyword is not None else b""
    literal = max(runs, key=len)
    return b"hs:" + b"".join(b"\\x%02x" % c for c in literal) if len(literal) >= 2 else None


@functools.cache
def _parsed(source: bytes | str) -> Any:
    """A bundled rule's regex as `re` parses it (once per process: `literal_gate` at start-up and `dense_regex` at
    its first dense hits read the same ones); None for a `str` regex or one `re` cannot parse."""
    if not isinstance(source, bytes):
        return None
    try:
        return _sre_parse.parse(source)
    except (re.error, RecursionError):  # pragma: no cover - every bundled regex compiles at its checks
        return None


def _reads_forward_only(items: list[tuple[Any, Any]]) -> bool:
    """Whether a parsed regex holds no lookahead (it reads past the match) and no backreference (its width is
    not known), at any depth."""
    for op, av in items:
        if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS, _sre.GROUPREF_IGNORE):
            return False
        if op in (_sre.ASSERT, _sre.ASSERT_NOT) and av[0] == 1:
            return False
        for nested in av if isinstance(av, (tuple, list)) else (av,):
            for sub in nested if isinstance(nested, list) else (nested,):  # a branch holds a list of sub-regexes
                inner = getattr(sub, "data", None)
                if isinstance(inner, list) and not _reads_forward_only(inner):
                    return False
    return True


def _starts_fast(items: list[tuple[Any, Any]]) -> bool:
    """Whether a parsed regex starts, after plain groups, with a literal, a set, or a choice of literals: what
    `re` looks for before trying a place (its prefix or charset), so a search skips the bytes that cannot start
    a match at C speed."""
    while items and items[0][0] is _sre.SUBPATTERN:
        _group, add_flags, del_flags, inner = items[0][1]
        if add_flags or del_flags:
            return False
        items = inner.data
    if not items:
        return False
    op, av = items[0]
    if op is _sre.LITERAL or op is _sre.IN:
        return True
    return op is _sre.BRANCH and all(b.data and b.data[0][0] is _sre.LITERAL for b in av[1])


def candidate_regex(keyword: bytes, token: frozenset[int] | None) -> re.Pattern[bytes]:
    """`keyword` in a lower-cased buffer, not after a character that surely continues a token (the same test as
    `_is_left_boundary`, made conservative for lower-casing; the exact test still runs on every candidate)."""
    # NOTE: a keyword that ends as it starts (`'password'`) may overlap its next hit (`'x''password'`): the search
    # consumes it up to its period only and looks ahead for the rest, so `finditer` finds the overlapping hit too.
    period = next(p for p in range(1, len(keyword) + 1) if keyword[p:] == keyword[: len(keyword) - p])
    literal, rest = re.escape(keyword[:period]), re.escape(keyword[period:])
    ahead = b"(?=" + rest + b")" if rest else b""
    glue = _glue(token, both_cases=True) if token is not None else b""
    if not glue:
        return re.compile(literal + ahead)
    cls = b"[" + b"".join(re.escape(bytes([c])) for c in glue) + b"]"
    return re.compile(
        literal
        + ahead
        + b"(?:(?<!"
        + cls
        + literal
        + b")|(?<=\\\\[nrtbf]"
        + literal
        + b")|(?<=%[0-9a-f]{2}"
        + literal
        + b"))"
    )
