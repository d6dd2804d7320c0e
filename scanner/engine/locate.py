"""From a fragment's matches to findings: line and column, decoded spans mapped back, allow comments and the
added-lines restriction honoured, then glued heading words cut off with the whole scan as evidence."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from msgspec import Struct
from msgspec.structs import replace

from scanner.engine.decoders import decoded_spans, map_span
from scanner.engine.detector import Detector, Match
from scanner.engine.glue import Glue, choose_reading
from scanner.engine.inline import is_allowed_inline
from scanner.engine.masked import MaskedRef
from scanner.findings import Finding, Fragment, secret_id
from scanner.naming import name_hint


class Located(Struct, frozen=True):
    """A finding whose glued heading word may still be cut off once the whole scan is known."""

    finding: Finding
    glue: Glue | None = None
    """The readings without a glued heading word (from `Match.glue`), when one may be glued on."""


def locate(detector: Detector, fragment: Fragment) -> tuple[list[Located], list[MaskedRef]]:
    """The findings of one fragment, and the masked keys it shows (`sk-proj-J1•••`) for labelling."""
    data = fragment.data
    detection = detector.detect(data, fragment.path)
    matches, masked = detection.matches, detection.masked
    escapes = detection.escapes
    finder = detector.escape_starts() if escapes is None or any(escapes) else None
    for span in decoded_spans(data, detection.keyword_lines, escapes, detection.base64, finder):
        inside: list[Match] = []
        for m in detector.detect(span.data, fragment.path).matches:
            start, end = map_span(span, m.start, m.end)
            if not span.whole and end - start == m.end - m.start:
                continue  # nothing was decoded inside it: the raw pass saw it already
            if any(o.start == start and o.end == end and not o.rule.generic for o in matches):
                continue
            if span.how == "url" and any(
                o.rule is m.rule and o.start < end and start < o.end and data[o.end : o.end + 1] != b"%"
                for o in matches
            ):
                # NOTE: the same rule read the encoded text there, and not cut short by an escape: in a URL that
                # reading is right, since `%3a` or `%40` in a password are its data, and decoding them first
                # moves where user and password split.
                continue
            inside.append(Match(m.rule, start, end, m.secret, m.glue, span.how, m.partner))
        # The decoded reading wins over a raw one cut short by the escape (`whsec_abc` of `whsec_abc\/def`) and
        # over a generic rule's reading of the encoded text; every secret a base64 value holds is kept.
        matches = [
            o for o in matches
            if o.decoded is not None or not any(
                o.start < m.end and m.start < o.end and (o.rule is m.rule or (o.rule.generic and not m.rule.generic))
                for m in inside
            )
        ] + inside  # fmt: skip
    if not matches:
        return [], masked
    lines = _LineIndex(data)
    out = []
    for m in matches:
        line, column, text, previous = lines.locate(m.start)
        if fragment.added_lines is not None and line not in fragment.added_lines:
            continue
        if is_allowed_inline(m.rule.id, text, previous):
            continue
        end_line, end_column, _, _ = lines.locate(m.end)
        if end_line != line:
            end_column = len(text) + 1
        rule = m.rule
        finding = Finding(
            rule_id=rule.id,
            severity=rule.severity,
            secret=m.secret,
            path=fragment.path,
            line=line,
            column=column,
            end_column=end_column,
            prefix=rule.prefix_of(m.secret),
            identifier=rule.identifier,
            kind=rule.kind,
            provider=rule.provider,
            env_var=rule.env_var,
            commit=fragment.commit,
            decoded=m.decoded,
            blob=fragment.blob,
            name_hint=name_hint(text[: column - 1], previous, generic=rule.generic),
            related=(secret_id(m.partner),) if m.partner else (),
        )
        out.append(Located(finding, m.glue))
    return out, masked


def resolve_glue(located: Sequence[Sequence[Located]]) -> list[list[Finding]]:
    """Cut glued heading words off where the scan holds evidence (`scanner.engine.glue`); a value that cannot
    stand alone and has none is dropped. Groups (one per source) keep their shape."""
    # Seen whole: a value with nothing glued right after it, whether or not a shorter reading would also fit.
    clean = {item.finding.secret for group in located for item in group if item.glue is None or item.glue.standalone}
    out = []
    for group in located:
        kept = []
        for item in group:
            finding = _resolved(item, clean)
            if finding is not None:
                kept.append(finding)
        out.append(kept)
    return out


def _resolved(item: Located, clean: set[str]) -> Finding | None:
    finding = item.finding
    if item.glue is None:
        return finding
    chosen = choose_reading(finding.secret, item.glue, clean)
    if chosen is None or chosen == finding.secret:
        return finding if chosen else None
    cut = len(finding.secret) - len(chosen)
    return replace(finding, secret=chosen, end_column=finding.end_column - cut)


class _LineIndex:
    """Line and character-column lookups for a buffer, built once per fragment that has findings."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.starts = [0]
        pos = data.find(b"\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = data.find(b"\n", pos + 1)

    def locate(self, offset: int) -> tuple[int, int, str, str]:
        """(1-based line, 1-based character column, line text, previous line text) of a byte offset."""
        index = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[index]
        column = len(self.data[start:offset].decode("utf-8", "replace")) + 1
        return index + 1, column, self._text(index), self._text(index - 1) if index else ""

    def _text(self, index: int) -> str:
        start = self.starts[index]
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.data)
        return self.data[start:end].decode("utf-8", "replace").rstrip("\r")
