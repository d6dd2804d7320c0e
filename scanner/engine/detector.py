"""Detection over one buffer: the keywords the matcher finds, confirmed by each rule's regex on a small window.

Regexes only run where a rule's keyword is (at the keyword for anchored rules, on its line otherwise), bounded
by the rule's window, and no step costs Python work per keyword hit, so no input can make a scan slow.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator

from msgspec import Struct
from msgspec.structs import replace

from scanner.engine import placeholders
from scanner.engine.decoders import BASE64_GATES, ESCAPE_GATES, ESCAPE_STARTS, EscapeForms, EscapeStarts, may_escape
from scanner.engine.entropy import shannon_entropy
from scanner.engine.glue import Glue, HeadingIndex, glue_readings
from scanner.engine.guards import candidate_regex, dense_regex, gate_for, guarded_regex
from scanner.engine.lines import WORDISH, KeywordLines, keyword_lines, line_of, unanchored_matches
from scanner.engine.masked import MASK_GATES, MaskedRef, has_mask, masked_refs
from scanner.engine.matcher import KeywordMatcher, make_matcher
from scanner.engine.near import Partners, candidates_near, find_partners
from scanner.engine.overlaps import prefer_specific
from scanner.engine.path_globs import compile_globs
from scanner.engine.rule import RegexMatch, Rule
from scanner.engine.ruleset import RuleSet
from scanner.engine.validators import is_valid
from scanner.findings import shown_repr

_HEX = b"0123456789abcdefABCDEF"
_ESCAPES = b"nrtbf"
_MAX_GLUED = 64  # a glued heading word is short; a longer run is a longer token
_DENSE_BYTES = 32
_DENSE_CHECK = 256
"""Keyword hits of an anchored rule are dense where `_DENSE_CHECK` of them in a row lie within fewer than
`_DENSE_CHECK * _DENSE_BYTES` bytes: from there on its regex searches from one to the next at C speed (a few ns a
byte) instead of one Python step per hit (~0.3-0.8 us). Sparser hits cost the per-hit loop at most ~25 ns a byte;
there a search would cost more than the hits it saves. Checked every `_DENSE_CHECK` hits, so a buffer with few hits
pays nothing for it."""


class Match(Struct, frozen=True):
    """A confirmed secret in a buffer, by byte offsets."""

    rule: Rule
    start: int
    end: int
    secret: str
    glue: Glue | None = None
    """Readings without a glued heading word, when one may be glued on (`…Kj3XDocker`)."""
    decoded: str | None = None
    partner: str | None = None
    """The nearest partner value of a `near` rule (the AWS key id of a secret access key)."""

    def __repr__(self) -> str:
        return shown_repr(self, ("secret", "partner"))


class Detection(Struct, frozen=True):
    """What one buffer held: confirmed matches, masked keys, and which lines hold keywords (for the decoders)."""

    matches: list[Match]
    masked: list[MaskedRef]
    keyword_lines: KeywordLines
    escapes: EscapeForms | None = None
    """Which forms of escape the decoders undo the buffer may hold (None: not known, they look for themselves)."""
    base64: bool | None = None
    """Whether it may hold a value the base64 decoders read (None: not known)."""


# The decoders' and the masked keys' marks, as gates after the rules' (escapes, base64, masks: in that order).
_SIDE_GATES = tuple(b"hs:" + gate for gate in (*ESCAPE_GATES, *BASE64_GATES, *MASK_GATES))


class Detector:
    """All rules of a RuleSet behind one keyword matcher.

    Anchored rules search with their own regex from one candidate to the next (C speed: a flood of near-misses
    costs no Python work); the others run over each line that holds one of their keywords, once per line.
    """

    def __init__(self, ruleset: RuleSet, backend: str = "auto") -> None:
        self.ruleset = ruleset
        keywords: list[str] = []
        index: dict[str, int] = {}
        self._keyword_ids: dict[str, tuple[int, ...]] = {}
        for rule in ruleset.rules:
            for keyword in rule.keywords:
                if keyword not in index:
                    index[keyword] = len(keywords)
                    keywords.append(keyword)
            self._keyword_ids[rule.id] = tuple(index[k] for k in rule.keywords)
        self._keywords = tuple(k.encode() for k in keywords)
        self._candidate_cache: dict[tuple[str, bytes], re.Pattern[bytes]] = {}
        self._path_cache: dict[str, re.Pattern[str]] = {}
        # Rules with a `near` partner run last, when their partner rules' matches are known.
        self._ordered = sorted(ruleset.rules, key=lambda r: r.near is not None)
        # NOTE: per keyword, the places in `_ordered` of the rules it may start: a buffer visits only the rules
        # whose keywords it holds, not all of them (most buffers hold few of hundreds of rules' keywords).
        rules_of: list[set[int]] = [set() for _ in keywords]
        for place, rule in enumerate(self._ordered):
            for i in self._keyword_ids[rule.id]:
                rules_of[i].add(place)
        self._rules_of = tuple(frozenset(places) for places in rules_of)
        self._guarded_cache: dict[str, re.Pattern[bytes] | None] = {}
        self._dense_cache: dict[str, re.Pattern[bytes] | None] = {}
        self._mask_keywords = frozenset(i for i, k in enumerate(keywords) if k.startswith(("sk-", "whsec_")))
        # NOTE: per rule, its regex as a gate in the matcher's pass: a rule whose keyword is in a buffer but whose
        # regex cannot match anywhere in it is not run (`key` is in most code, `key = '…'` in little of it). An
        # anchored rule is gated by its keyword where it may start a secret, or by a literal its matches hold past
        # the keyword. A rule with a `near` partner is gated by its partner's match and user rules (RE2 syntax) by
        # nothing (`_gate_ids` None). Gate ids follow the keywords'; the escape, base64 and mask gates come last.
        self._keyword_count = count = len(keywords)
        gates: list[bytes] = []
        gate_ids: list[int | None] = []
        later: set[int] = set()
        triggers: set[int] = set()
        path_triggers: list[tuple[Rule, frozenset[int]]] = []
        for rule in self._ordered:
            gate, waits = gate_for(rule)
            gate_ids.append(None if gate is None else count + len(gates))
            if gate is None:
                continue
            if waits:
                later.add(len(gates))
                ids = frozenset(self._keyword_ids[rule.id])
                if rule.paths:
                    path_triggers.append((rule, ids))
                else:
                    triggers |= ids
            gates.append(gate)
        self._triggers = frozenset(triggers)
        self._path_triggers = tuple(path_triggers)
        self._path_trigger_ids = frozenset(i for _, ids in path_triggers for i in ids)
        self._gate_ids = tuple(gate_ids)
        first = count + len(gates)
        after_escapes, after_base64 = first + len(ESCAPE_GATES), first + len(ESCAPE_GATES) + len(BASE64_GATES)
        self._escape_gates = tuple(range(first, after_escapes))
        self._base64_gates = frozenset(range(after_escapes, after_base64))
        self._mask_gates = frozenset(range(after_base64, first + len(_SIDE_GATES)))
        self.matcher: KeywordMatcher = make_matcher(keywords, backend, (*gates, *_SIDE_GATES), later)
        self._starts: EscapeStarts | None = None

    def escape_starts(self) -> EscapeStarts | None:
        """The decoders' one-pass search for escapes, built on first need (hyperscan's); None with the Python
        matcher (the decoders then search for each form of escape themselves)."""
        if self._starts is None and self.matcher.name == "hyperscan":
            from scanner.engine.matcher import HyperscanStarts

            self._starts = HyperscanStarts(ESCAPE_STARTS)
        return self._starts

    def detect(self, data: bytes, path: str = "") -> Detection:
        """Every secret in `data` (specific rules win over generic ones on the same span), and masked keys."""
        present = self.matcher.present(data, lambda found: self._wants_later(found, path))
        count = self._keyword_count
        keywords = sorted(i for i in present if i < count)
        if not keywords:
            # NOTE: most buffers hold no keyword at all: they are not even lower-cased.
            return Detection([], [], KeywordLines(b"", ()), (False, False, False), self._may_base64(present))
        lines = KeywordLines(data, tuple(self._keywords[i] for i in keywords))
        escapes = self._may_escape(present)
        masked = masked_refs(data) if present & self._mask_keywords and self._may_mask(present, data) else []
        places: set[int] = set()
        for i in keywords:
            places |= self._rules_of[i]
        gate_ids = self._gate_ids
        places = {p for p in places if (gate := gate_ids[p]) is None or gate in present}
        if not places:
            return Detection([], masked, lines, escapes, self._may_base64(present))
        lowered = lines.lowered
        matches: dict[tuple[str, int, int], Match] = {}
        headings = HeadingIndex(data)
        for place in sorted(places):
            rule = self._ordered[place]
            mine = tuple(self._keywords[i] for i in self._keyword_ids[rule.id] if i in present)
            if rule.paths and not self._is_in_paths(rule, path):
                continue
            partners: Partners | None = None
            if rule.near is not None:
                partners = find_partners(rule, rule.near, matches.values(), data, keyword_lines(lowered, mine))
                found: Iterable[RegexMatch] = candidates_near(rule, rule.near, data, partners)
            elif rule.anchored:
                found = self._anchored(rule, data, lowered, mine)
            else:
                found = unanchored_matches(rule, data, lowered, mine)
            confirmed_to = -1
            for m in found:
                s, e = m.start(rule.secret_group), m.end(rule.secret_group)
                if rule.anchored and s < confirmed_to:
                    continue  # a keyword inside this rule's own secret (`…,fm2_…`) starts no second reading
                if partners is not None and partners.overlaps(s, e):
                    continue  # the partner's own span (`AC<32 hex>`) is not its secret
                match = self._check(rule, data, s, e, path, headings)
                if match is not None:
                    if partners:
                        match = replace(match, partner=partners.nearest(s))
                    matches.setdefault((rule.id, match.start, match.end), match)
                    confirmed_to = max(confirmed_to, match.end)
        return Detection(prefer_specific(matches.values()), masked, lines, escapes, self._may_base64(present))

    def _wants_later(self, found: frozenset[int], path: str) -> bool:
        """Whether the gates looked for later can matter: a keyword of one of their rules is here (in a file that
        rule applies to)."""
        if found & self._triggers:
            return True
        if not found & self._path_trigger_ids:
            return False  # NOTE: most buffers: no rule's paths to match against
        return any(found & ids and self._is_in_paths(rule, path) for rule, ids in self._path_triggers)

    def _may_mask(self, present: frozenset[int], data: bytes) -> bool:
        return self._mask_gates <= present if self.matcher.tells_gates else has_mask(data)

    def _may_base64(self, present: frozenset[int]) -> bool | None:
        return bool(present & self._base64_gates) if self.matcher.tells_gates else None

    def _may_escape(self, present: frozenset[int]) -> EscapeForms | None:
        if not self.matcher.tells_gates:
            return None
        return may_escape([gate in present for gate in self._escape_gates])

    def _anchored(self, rule: Rule, data: bytes, lowered: bytes, keywords: tuple[bytes, ...]) -> Iterator[RegexMatch]:
        """Matches starting at one of the rule's keywords, each seeing at most `window` bytes."""
        guarded = self._guarded(rule)
        if guarded is not None:
            # One C-speed search from candidate to candidate: near-misses cost no Python work at all.
            yield from _searched(guarded, rule, data, lowered, keywords, 0)
            return
        regex, window, dense = rule.regex, rule.window, self._dense(rule)
        last, tried, since = -1, 0, 0
        streams = [(m.start() for m in self._candidates(rule, k).finditer(lowered)) for k in keywords]
        for start in streams[0] if len(streams) == 1 else heapq.merge(*streams):
            if start != last:
                last = start
                found = regex.match(data, start, start + window)
                if found is not None:
                    yield found
                tried += 1
                if dense is not None and tried % _DENSE_CHECK == 0:
                    if start - since < _DENSE_CHECK * _DENSE_BYTES:
                        # NOTE: exact (see `dense_regex`): the search finds, past here, what matching at each hit
                        # does; the hits a candidate regex skips (glued onto a word) are the ones `_check` rejects.
                        yield from _searched(dense, rule, data, lowered, keywords, start + 1)
                        return
                    since = start

    def _is_in_paths(self, rule: Rule, path: str) -> bool:
        if rule.id not in self._path_cache:
            self._path_cache[rule.id] = compile_globs(rule.paths)
        return self._path_cache[rule.id].fullmatch(path.removeprefix("./")) is not None

    def _guarded(self, rule: Rule) -> re.Pattern[bytes] | None:
        """The rule's own regex with the left-boundary test spliced in after its literal prefix, when it starts
        with one (Python `re` rules whose secret is the whole match); None otherwise."""
        if rule.id not in self._guarded_cache:
            self._guarded_cache[rule.id] = guarded_regex(rule)
        return self._guarded_cache[rule.id]

    def _dense(self, rule: Rule) -> re.Pattern[bytes] | None:
        if rule.id not in self._dense_cache:
            self._dense_cache[rule.id] = dense_regex(rule)
        return self._dense_cache[rule.id]

    def _candidates(self, rule: Rule, keyword: bytes) -> re.Pattern[bytes]:
        """Where `keyword` occurs in the lower-cased buffer and, when the secret starts there, is not preceded
        by a character that continues a token: a run of near-misses glued together (`gldt-gldt-…`) is skipped at
        C speed instead of being tried one by one."""
        key = (rule.id, keyword)
        if key not in self._candidate_cache:
            self._candidate_cache[key] = candidate_regex(keyword, rule.token_chars if rule.secret_group == 0 else None)
        return self._candidate_cache[key]

    def _check(self, rule: Rule, data: bytes, s: int, e: int, path: str, headings: HeadingIndex) -> Match | None:
        if s == e or not _is_left_boundary(data, s, rule.token_chars):
            return None
        secret = data[s:e].decode("utf-8", "replace")
        run = ""
        if e < len(data) and data[e] in rule.token_chars:
            # The token goes on: a truncated or longer value, unless a heading word is glued on.
            if not rule.glue:
                return None
            run_end, limit = e, min(len(data), e + _MAX_GLUED)
            while run_end < limit and data[run_end] in rule.token_chars:
                run_end += 1
            if run_end == limit:
                return None
            run = data[e:run_end].decode("ascii", "replace")
        # Only the generic rule's filters read the line; the provider rules never pay for decoding it.
        if not is_plausible_secret(rule, secret, line_of(data, s) if rule.generic else "", path):
            return None
        glue = glue_readings(rule, secret, run, data, e, headings) if rule.glue else None
        if (run and glue is None) or not is_valid(rule, secret):
            return None
        return Match(rule, s, e, secret, glue)


def _searched(
    search: re.Pattern[bytes], rule: Rule, data: bytes, lowered: bytes, keywords: tuple[bytes, ...], pos: int
) -> Iterator[RegexMatch]:
    """The matches of an anchored rule from `pos` on, found by one C-speed search from candidate to candidate (its
    guarded regex, or its own for dense hits), each starting at a keyword and seeing at most `window` bytes."""
    regex, window = rule.regex, rule.window
    while (hit := search.search(data, pos)) is not None:
        start = hit.start()
        pos = start + 1
        m = hit if hit.end() - start <= window else regex.match(data, start, start + window)
        if m is not None and any(lowered.startswith(k, start) for k in keywords):
            yield m


def is_plausible_secret(rule: Rule, secret: str, line: str, path: str) -> bool:
    """The value checks every candidate passes: entropy, not a fake, a placeholder or a reference."""
    if any(p.search(secret) for p in rule.allow_values):
        return False
    if rule.identifier:
        return not placeholders.is_masked_or_placeholder(secret)
    if placeholders.is_template_field(secret):
        return False
    body = secret[len(rule.prefix_of(secret)) :]
    if shannon_entropy(body) < rule.entropy:
        return False
    if placeholders.is_masked_or_placeholder(body) or placeholders.is_documented_example(secret):
        return False
    if placeholders.is_fake_body(body):
        return False
    if rule.generic:
        return not (
            placeholders.is_reference(secret, line)
            or placeholders.is_identifier_like(secret, line)
            or placeholders.is_lock_file(path)
        )
    return True


def _is_left_boundary(data: bytes, s: int, token: frozenset[int]) -> bool:
    if s == 0 or data[s - 1] not in token or data[s - 1] not in WORDISH:
        return True
    # `\nsk-proj-…` in JSON strings and `%3Dsk-proj-…` in URLs: the escape, not a word, precedes the key.
    if s >= 2 and data[s - 2] == 0x5C and data[s - 1] in _ESCAPES:
        return True
    return s >= 3 and data[s - 3] == 0x25 and data[s - 2] in _HEX and data[s - 1] in _HEX
