"""Detection over one buffer: keyword hits from the matcher, confirmed by each rule's regex on a small window.

Python `re` only runs at keyword hits, bounded by the rule's window, so no input can make a scan slow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from scanner.engine import placeholders
from scanner.engine.entropy import shannon_entropy
from scanner.engine.matcher import KeywordMatcher, make_matcher
from scanner.engine.rule import Rule
from scanner.engine.ruleset import RuleSet

_GLUED_WORDS = re.compile(r"(?:[A-Z][a-z]+)+")
_HEX = b"0123456789abcdefABCDEF"
# Left of a secret only word characters continue a token: `=` and `/` end base64 on the right but
# start values on the left (`SECRET=whsec_…`).
_WORDISH = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES = b"nrtbf"
# A masked key as it appears in key tables and provider listings: prefix, a mask, optionally the last chars.
_MASKED = re.compile(
    r"(?<![A-Za-z0-9_-])((?:sk-(?:proj-|svcacct-|admin-)?|whsec_)[A-Za-z0-9]{0,16})"
    r"(?:•+|\*{3,}|…|\.\.\.)(?:[•*]*)([A-Za-z0-9]{0,8})(?![A-Za-z0-9])".encode()
)
_TABLE_ROW_NAME = re.compile(r"^\s*\|?\s*([^|]+?)\s*\|")


@dataclass(frozen=True, slots=True)
class Match:
    """A confirmed secret in a buffer, by byte offsets."""

    rule: Rule
    start: int
    end: int
    secret: str = field(repr=False)
    alternatives: tuple[str, ...] = ()
    """Shorter readings of the secret with a glued heading word cut off, most likely first."""
    cut: bool = False
    """True when the first alternative is the plausible boundary even without other evidence."""
    decoded: str | None = None


@dataclass(frozen=True, slots=True)
class MaskedRef:
    """A masked key (`sk-proj-J1•••`), with the name its table row gives it."""

    visible_prefix: str
    visible_suffix: str
    start: int
    label: str | None


@dataclass(frozen=True, slots=True)
class Detection:
    """What one buffer held: confirmed matches, masked keys, and where keywords were (for the decoders)."""

    matches: list[Match]
    masked: list[MaskedRef]
    hits: tuple[int, ...]


class Detector:
    """All rules of a RuleSet behind one keyword matcher."""

    def __init__(self, ruleset: RuleSet, backend: str = "auto") -> None:
        self.ruleset = ruleset
        keywords: list[str] = []
        self._rules_for: list[list[Rule]] = []
        index: dict[str, int] = {}
        for rule in ruleset.rules:
            for keyword in rule.keywords:
                if keyword not in index:
                    index[keyword] = len(keywords)
                    keywords.append(keyword)
                    self._rules_for.append([])
                self._rules_for[index[keyword]].append(rule)
        self.matcher: KeywordMatcher = make_matcher(keywords, backend)
        self._mask_keywords = {i for i, k in enumerate(keywords) if k.startswith(("sk-", "whsec_"))}

    def detect(self, data: bytes, path: str = "") -> Detection:
        """Every secret in `data` (specific rules win over generic ones on the same span), and masked keys."""
        matches: dict[tuple[str, int, int], Match] = {}
        masked: dict[int, MaskedRef] = {}
        tried: set[tuple[str, int]] = set()
        hits = self.matcher.find(data)
        line_start, searched = 0, 0
        for start, kw in hits:
            # Hits come sorted: look back only as far as the previous hit, so a long line costs its length
            # once, not once per hit.
            newline = data.rfind(b"\n", searched, start)
            if newline != -1:
                line_start = newline + 1
            searched = start
            found = False
            for rule in self._rules_for[kw]:
                origin = start if rule.anchored else line_start
                if (rule.id, origin) in tried:
                    continue
                tried.add((rule.id, origin))
                for match in self._confirm(rule, data, start, line_start, path):
                    matches.setdefault((rule.id, match.start, match.end), match)
                    found = True
            if not found and kw in self._mask_keywords and start not in masked:
                ref = _masked_at(data, start)
                if ref is not None:
                    masked[start] = ref
        return Detection(
            _prefer_specific(matches.values()),
            sorted(masked.values(), key=lambda m: m.start),
            tuple(start for start, _ in hits),
        )

    def _confirm(self, rule: Rule, data: bytes, hit: int, line_start: int, path: str) -> list[Match]:
        if rule.anchored:
            m = rule.regex.match(data, hit, min(len(data), hit + rule.window))
            found = [m] if m else []
        else:
            end = data.find(b"\n", hit)
            hi = min(len(data), hit + rule.window) if end == -1 or rule.window > 4096 else end
            found = list(rule.regex.finditer(data, line_start, max(hi, hit)))
        out = []
        for m in found:
            match = self._check(rule, data, m.start(rule.secret_group), m.end(rule.secret_group), path)
            if match is not None:
                out.append(match)
        return out

    def _check(self, rule: Rule, data: bytes, s: int, e: int, path: str) -> Match | None:
        if s == e or not _is_left_boundary(data, s, rule.token_chars):
            return None
        secret = data[s:e].decode("utf-8", "replace")
        if e < len(data) and data[e] in rule.token_chars:
            # The token goes on: a truncated or longer value, unless a heading word is glued on.
            run_end = e
            while run_end < len(data) and data[run_end] in rule.token_chars:
                run_end += 1
            glued = data[e:run_end].decode("ascii", "replace")
            if not (rule.glue and _GLUED_WORDS.fullmatch(glued)):
                return None
        # Only the generic rule's filters read the line; the provider rules never pay for decoding it.
        if not is_plausible_secret(rule, secret, _line_of(data, s) if rule.generic else "", path):
            return None
        alternatives, cut = _glue_alternatives(rule, secret, data, e) if rule.glue else ((), False)
        return Match(rule, s, e, secret, alternatives, cut)


def is_plausible_secret(rule: Rule, secret: str, line: str, path: str) -> bool:
    """The value checks every candidate passes: entropy, not a fake, a placeholder or a reference."""
    if any(p.search(secret) for p in rule.allow_values):
        return False
    if rule.identifier:
        return not placeholders.is_masked_or_placeholder(secret)
    body = secret[len(rule.prefix) :] if rule.prefix and secret.startswith(rule.prefix) else secret
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
    if s == 0 or data[s - 1] not in token or data[s - 1] not in _WORDISH:
        return True
    # `\nsk-proj-…` in JSON strings and `%3Dsk-proj-…` in URLs: the escape, not a word, precedes the key.
    if s >= 2 and data[s - 2] == 0x5C and data[s - 1] in _ESCAPES:
        return True
    return s >= 3 and data[s - 3] == 0x25 and data[s - 2] in _HEX and data[s - 1] in _HEX


def _glue_alternatives(rule: Rule, secret: str, data: bytes, e: int) -> tuple[tuple[str, ...], bool]:
    """Readings of `secret` without a trailing capitalised word (`org-NexusProd01Rate` → `org-NexusProd01`)."""
    alternatives = []
    for cut in range(len(secret) - 1, len(rule.prefix), -1):
        if secret[cut].isupper() and _GLUED_WORDS.fullmatch(secret[cut:]):
            candidate = secret[:cut]
            if rule.regex.fullmatch(candidate.encode()):
                alternatives.append(candidate)
    alternatives.sort(key=len, reverse=True)  # the longest reading first: cut off as little as possible
    if not alternatives:
        return (), False
    # Without evidence elsewhere, cut only where scraped docs glue headings: after a digit, before a heading
    # that runs on (`…Prod01Rate Limits`) or ends the line.
    first = alternatives[0]
    rest = data[e : e + 2]
    runs_on = rest[:1] in (b"", b"\n", b"\r") or (rest[:1] == b" " and rest[1:2].isupper())
    return tuple(alternatives), first[-1].isdigit() and runs_on


def _masked_at(data: bytes, start: int) -> MaskedRef | None:
    m = _MASKED.match(data, start, min(len(data), start + 200))
    if m is None or len(m.group(1)) < 3:
        return None
    prefix = m.group(1).decode()
    if prefix.endswith(("-", "_")):  # a bare prefix names no key
        return None
    line = _line_of(data, start)
    row = _TABLE_ROW_NAME.match(line) if "|" in line else None
    label = row.group(1) if row and not row.group(1).startswith(prefix[:3]) else None
    return MaskedRef(prefix, m.group(2).decode(), start, label)


def _prefer_specific(matches: Iterable[Match]) -> list[Match]:
    """Specific rules win over generic ones on overlapping spans; of generic ones, the first (by position, id)."""
    ordered = sorted(matches, key=lambda m: (m.start, m.end, m.rule.id))
    out = [m for m in ordered if not m.rule.generic]
    for m in ordered:
        if m.rule.generic and not any(o.start < m.end and m.start < o.end for o in out):
            out.append(m)
    out.sort(key=lambda m: (m.start, m.end, m.rule.id))
    return out


_CONTEXT = 1000


def _line_of(data: bytes, pos: int) -> str:
    """The line around `pos`, at most 1000 bytes either side: filters need context, not a 5 MB bundle."""
    start = data.rfind(b"\n", max(0, pos - _CONTEXT), pos) + 1 or max(0, pos - _CONTEXT)
    end = data.find(b"\n", pos, pos + _CONTEXT)
    return data[start : end if end != -1 else min(len(data), pos + _CONTEXT)].decode("utf-8", "replace")
