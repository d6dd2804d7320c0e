"""Choose one conventional environment-variable name per secret: the code's own name, else the rule's."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scanner.findings import Finding

# NOTE: these prefixes publish a variable into browser bundles (Next.js, Vite, CRA, Nuxt, Expo, Gatsby,
# SvelteKit); a secret must never be named so, even where the code already did.
PUBLIC_PREFIXES = (
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "NUXT_PUBLIC_",
    "EXPO_PUBLIC_",
    "GATSBY_",
    "PUBLIC_",
)

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The text right before a literal that names it: `NAME=`, `export NAME="`, `NAME: '`, `- NAME=`, `ENV NAME `,
# `const NAME = "`, `NAME = "` (Python constant).
_NAMED_BEFORE = re.compile(
    r"""(?:^|[\s{,(])["']?(?:export\s+|ENV\s+|ARG\s+|const\s+|let\s+|var\s+|readonly\s+)?"""
    r"""([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])["']?\s*(?:=|:|\s)\s*["'`]?$"""
)
# Kubernetes: `- name: NAME` on the line above `value: <literal>`.
_K8S_VALUE = re.compile(r"""^\s*value:\s*["']?$""")
_K8S_NAME = re.compile(r"""^\s*-?\s*name:\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*$""")


@dataclass(frozen=True, slots=True)
class NameHint:
    """What the code around one occurrence calls its secret, if anything."""

    secret_id: str
    name: str


def is_env_name(name: str) -> bool:
    return bool(_ENV_NAME.match(name))


def hint_from_context(before: str, previous_line: str) -> str | None:
    """The variable name the code gives a literal, from the text before it on its line (or the line above)."""
    m = _NAMED_BEFORE.search(before)
    if m:
        return m.group(1)
    if _K8S_VALUE.match(before):
        k = _K8S_NAME.match(previous_line)
        if k:
            return k.group(1)
    return None


def assign_names(
    findings: Sequence[Finding],
    hints: Iterable[NameHint] = (),
    explicit: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """One name per secret_id, unique across secrets (a CI secret or Vault path holds one value).

    Order of preference: an explicit name (the rotation plan's), the name the code already uses most,
    the name the code gives other secrets of the same rule, the rule's conventional name, a name from the
    kind. A secret whose preferred name is taken by a secret with more evidence gets the name plus its
    label (`NEXUS_API_KEY_CI_PIPELINE`), else a number.
    """
    explicit = dict(explicit or {})
    by_secret: dict[str, list[Finding]] = {}
    for f in findings:
        by_secret.setdefault(f.secret_id, []).append(f)
    counts: dict[str, Counter[str]] = {sid: Counter() for sid in by_secret}
    for hint in hints:
        if hint.secret_id in counts:
            counts[hint.secret_id][public_safe(hint.name)] += 1

    preferred: dict[str, tuple[str, int]] = {}
    for sid, group in by_secret.items():
        if sid in explicit:
            preferred[sid] = (public_safe(explicit[sid]), 1_000_000)
        elif counts[sid]:
            # Most used wins; on a tie the rule's own name, then the first one seen (Counter keeps order).
            default = default_name(group[0])
            name, n = max(counts[sid].items(), key=lambda kv: (kv[1], kv[0] == default))
            preferred[sid] = (name, n)

    # A secret the code never names takes the name its code-named siblings of the same rule got
    # (`NEXUS_API_KEY`, not the rule's `OPENAI_API_KEY`), and is then told apart by its label.
    family: dict[str, tuple[str, int]] = {}
    for sid, (name, n) in preferred.items():
        rule = by_secret[sid][0].rule_id
        if sid not in explicit and n > family.get(rule, ("", 0))[1]:
            family[rule] = (name, n)
    for sid, group in by_secret.items():
        if sid not in preferred:
            preferred[sid] = (family.get(group[0].rule_id, (default_name(group[0]), 0))[0], 0)

    order = sorted(by_secret, key=lambda sid: (-preferred[sid][1], _first_position(by_secret[sid])))
    names: dict[str, str] = {}
    taken: set[str] = set()
    for sid in order:
        base = preferred[sid][0]
        labels = [label for f in by_secret[sid] for label in f.labels]
        candidates = [base] + [f"{base}_{_upper_snake(label)}" for label in labels if _upper_snake(label)]
        free = [c for c in candidates if c not in taken]
        counter = 2
        while not free:
            free = [f"{base}_{counter}"] if f"{base}_{counter}" not in taken else []
            counter += 1
        name = free[0]
        names[sid] = name
        taken.add(name)
    return names


def public_safe(name: str) -> str:
    """Strip a browser-publishing prefix (`NEXT_PUBLIC_OPENAI_KEY` → `OPENAI_KEY`) and upper-case."""
    name = name.upper()
    for prefix in PUBLIC_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


def default_name(finding: Finding) -> str:
    """The rule's conventional name, or one derived from the provider and kind."""
    if finding.env_var and is_env_name(finding.env_var):
        return public_safe(finding.env_var)
    suffix = {"org-id": "ORG_ID", "webhook-secret": "WEBHOOK_SECRET"}.get(finding.kind, "API_KEY")
    provider = finding.provider or ""
    if provider and provider not in ("openai-compatible", "generic"):
        return f"{_upper_snake(provider)}_{suffix}"
    return suffix


def _upper_snake(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


def _first_position(group: list[Finding]) -> tuple[str, int, int]:
    f = min(group, key=lambda f: (f.path, f.line, f.column))
    return (f.path, f.line, f.column)
