"""Kubernetes: a container env `value:` becomes `valueFrom.secretKeyRef`; a Secret loses its values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.rotation.rewrite.lexing import line_offsets, yaml_regions
from scanner.rotation.rewrite.rewriter import (
    Document,
    Edit,
    ManualItem,
    Need,
    Rewrite,
    SecretLiteral,
    manual,
    placeholders_in_comments,
)
from scanner.rotation.rewrite.verify import yaml_problem
from scanner.rotation.rewrite.yaml_tree import (
    is_flow,
    iter_mappings,
    key_position,
    load_documents,
    value_position,
)

DEFAULT_SECRET_NAME = "keysweep-secrets"


class KubernetesRewriter:
    kind = "kubernetes"

    def __init__(self, secret_name: str = DEFAULT_SECRET_NAME) -> None:
        self.secret_name = secret_name

    def rewrite(self, doc: Document, literals: Sequence[SecretLiteral]) -> Rewrite:
        regions = yaml_regions(doc.text)
        offsets = line_offsets(doc.text)
        try:
            documents = load_documents(doc.text)
        except Exception:
            documents = []
        env_values, secret_values = _value_slots(doc.text, documents, offsets)
        edits, rest = placeholders_in_comments(regions, literals)
        needs: list[Need] = []
        notes: list[str] = []
        items: list[ManualItem] = []
        nl = doc.newline
        for lit, _ in rest:
            env = next((s for s in env_values if s[1] <= lit.start and lit.end <= s[2]), None)
            if env is not None:
                key_start, value_start, value_end, col, flow = env
                quote = doc.text[value_start] in "'\""
                if (lit.start, lit.end) != (value_start + quote, value_end - quote):
                    items.append(manual(lit, doc, "the secret is part of a longer env value; split it by hand"))
                    continue
                if flow:
                    ref = f"valueFrom: {{secretKeyRef: {{name: {self.secret_name}, key: {lit.name}}}}}"
                else:
                    pad = " " * col
                    ref = (
                        f"valueFrom:{nl}{pad}  secretKeyRef:{nl}{pad}    name: {self.secret_name}"
                        f"{nl}{pad}    key: {lit.name}"
                    )
                edits.append(Edit(key_start, value_end, ref))
                needs.append(Need(lit.name, "k8s-secret", self.secret_name))
                continue
            slot = next((s for s in secret_values if s[0] <= lit.start and lit.end <= s[1]), None)
            if slot is not None:
                # NOTE: a Secret manifest in git is the leak itself; its value is emptied and the Secret must
                # be created out of band (kubectl, External Secrets, Sealed Secrets).
                start, end = slot
                quoted = doc.text[start] in "'\""
                edits.append(Edit(start + quoted, end - quoted, "") if quoted else Edit(start, end, '""'))
                needs.append(Need(lit.name, "k8s-secret", self.secret_name))
                notes.append(f"the Secret's value for {lit.name} was emptied; create the Secret out of band")
                continue
            items.append(manual(lit, doc, "not a container env value or Secret data; move it by hand"))
        return Rewrite(edits=tuple(edits), needs=tuple(needs), notes=tuple(notes), manual=tuple(items))

    def verify(self, text: str) -> str | None:
        return yaml_problem(text)


def _value_slots(
    text: str, documents: list[Any], offsets: list[int]
) -> tuple[list[tuple[int, int, int, int, bool]], list[tuple[int, int]]]:
    """Container env entries `{name, value}` (key start, value span, key column, flow); Secret data."""
    env_values: list[tuple[int, int, int, int, bool]] = []
    secret_values: list[tuple[int, int]] = []
    for document in documents:
        is_secret = hasattr(document, "get") and document.get("kind") == "Secret"
        for mapping, _ in iter_mappings(document):
            if "name" in mapping and "value" in mapping and isinstance(mapping["value"], str):
                kline, kcol = key_position(mapping, "value")
                vline, vcol = value_position(mapping, "value")
                start = offsets[vline] + vcol
                flow = is_flow(mapping)
                env_values.append((offsets[kline] + kcol, start, scalar_end(text, start, flow), kcol, flow))
            if is_secret and any(document.get(k) is mapping for k in ("data", "stringData")):
                for key, value in mapping.items():
                    if isinstance(value, str):
                        vline, vcol = value_position(mapping, key)
                        start = offsets[vline] + vcol
                        secret_values.append((start, scalar_end(text, start, is_flow(mapping))))
    return env_values, secret_values


def scalar_end(text: str, start: int, flow: bool) -> int:
    """One past the last character of the single-line scalar at `start`, quotes included."""
    eol = text.find("\n", start)
    eol = len(text) if eol < 0 else eol
    if text[start] in "'\"":
        quote = text[start]
        i = start + 1
        while i < eol:
            if quote == '"' and text[i] == "\\":
                i += 2
                continue
            if text[i] == quote:
                if quote == "'" and text[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        return eol
    end = start
    while end < eol and not (text[end] == "#" and text[end - 1] in " \t") and not (flow and text[end] in ",}]"):
        end += 1
    return len(text[start:end].rstrip()) + start
