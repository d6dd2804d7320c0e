"""The one variable name each secret gets, decided from the findings alone, wherever it is printed or used.

The scan's fix hint, the rotation plan, `keysweep fix`, the manual steps, the Vault paths and the pull
request all ask `names_for` (or `choose_names`) and so say the same name: the name the code already gives the
secret (`NEXUS_API_KEY="sk-…"`), else the name its code-named siblings of the same rule got, else the rule's
conventional one (`OPENAI_API_KEY`), made unique per secret with its label (`NEXUS_API_KEY_CI_PIPELINE`).
This module depends on `findings` only, so the reporters and rotation can both use it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from msgspec import Struct

from scanner import re_cache
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

_ENV_NAME = re_cache.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The text right before a literal that names it: `NAME=`, `export NAME="`, `NAME: '`, `- NAME=`, `ENV NAME `,
# `const NAME = "`, `NAME = "` (Python constant).
_NAMED_BEFORE = re_cache.compile(
    r"""(?:^|[\s{,(])["']?(?:export\s+|ENV\s+|ARG\s+|const\s+|let\s+|var\s+|readonly\s+)?"""
    r"""([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])["']?\s*(?:=|:|\s)\s*["'`]?$"""
)
# A code identifier assigned the literal: `db_password = "`, `password: `, `"auth_token": "`, `apiKey: '`.
_ASSIGNED_TO = re_cache.compile(r"""(?:^|[\s{,(])["']?([a-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)["']?\s*(?:=|:)\s*["'`]?$""")
# Kubernetes: `- name: NAME` on the line above `value: <literal>`.
_K8S_VALUE = re_cache.compile(r"""^\s*value:\s*["']?$""")
_K8S_NAME = re_cache.compile(r"""^\s*-?\s*name:\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*$""")
_KIND_SUFFIX = {"org-id": "ORG_ID", "webhook-secret": "WEBHOOK_SECRET"}


class Sighting(Struct, frozen=True):
    """One place a secret was seen, as naming needs it."""

    secret_id: str
    rule_id: str
    kind: str
    provider: str | None
    env_var: str | None
    """The rule's conventional name (`OPENAI_API_KEY`)."""
    labels: tuple[str, ...]
    hint: str | None
    """What the code there calls the secret (`NEXUS_API_KEY`), if anything."""
    place: tuple[str, int, int]
    """(path, line, column): the first place seen breaks ties."""


def sighting(finding: Finding, hint: str | None = None) -> Sighting:
    """How naming sees a finding; `hint` overrides the one the scan read beside it."""
    return Sighting(
        secret_id=finding.secret_id,
        rule_id=finding.rule_id,
        kind=finding.kind,
        provider=finding.provider,
        env_var=finding.env_var,
        labels=finding.labels,
        hint=hint or finding.name_hint,
        place=(finding.path, finding.line, finding.column),
    )


def names_for(findings: Iterable[Finding], explicit: Mapping[str, str] | None = None) -> dict[str, str]:
    """secret_id → its variable name, for every secret among `findings`."""
    return choose_names([sighting(f) for f in findings], explicit)


def name_hint(before: str, previous_line: str = "", *, generic: bool = False) -> str | None:
    """The variable name the code gives a literal, from the text before it on its line (or the line above).

    `generic`: the finding's rule knows no better name (a credential-style assignment), so a code identifier
    (`db_password = "…"`) names it too: `DB_PASSWORD`.
    """
    m = _NAMED_BEFORE.search(before)
    if m:
        return m.group(1)
    if _K8S_VALUE.match(before):
        k = _K8S_NAME.match(previous_line)
        if k:
            return k.group(1)
    if generic:
        a = _ASSIGNED_TO.search(before)
        if a:
            return _upper_snake(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", a.group(1)))
    return None


def choose_names(sightings: Iterable[Sighting], explicit: Mapping[str, str] | None = None) -> dict[str, str]:
    """One name per secret_id, unique across secrets (a CI secret or Vault path holds one value).

    Order of preference: an explicit name (the rotation plan's), the name the code already uses most,
    the name the code gives other secrets of the same rule, the rule's conventional name, a name from the
    kind. A secret whose preferred name is taken by a secret with more evidence gets the name plus its
    label (`NEXUS_API_KEY_CI_PIPELINE`), else a number.
    """
    explicit = dict(explicit or {})
    by_secret: dict[str, list[Sighting]] = {}
    for s in sightings:
        by_secret.setdefault(s.secret_id, []).append(s)
    counts: dict[str, Counter[str]] = {sid: Counter() for sid in by_secret}
    for sid, group in by_secret.items():
        for s in group:
            if s.hint:
                counts[sid][public_safe(s.hint)] += 1

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

    order = sorted(by_secret, key=lambda sid: (-preferred[sid][1], min(s.place for s in by_secret[sid])))
    names: dict[str, str] = {}
    taken: set[str] = set()
    for sid in order:
        base = preferred[sid][0]
        labels = [label for s in by_secret[sid] for label in s.labels]
        candidates = [base] + [f"{base}_{_upper_snake(label)}" for label in labels if _upper_snake(label)]
        free = [c for c in candidates if c not in taken]
        counter = 2
        while not free:
            free = [f"{base}_{counter}"] if f"{base}_{counter}" not in taken else []
            counter += 1
        names[sid] = free[0]
        taken.add(free[0])
    return names


def is_env_name(name: str) -> bool:
    return bool(_ENV_NAME.match(name))


def public_safe(name: str) -> str:
    """Strip a browser-publishing prefix (`NEXT_PUBLIC_OPENAI_KEY` → `OPENAI_KEY`) and upper-case."""
    name = name.upper()
    for prefix in PUBLIC_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


def default_name(s: Sighting) -> str:
    """The rule's conventional name, or one derived from the provider and kind."""
    if s.env_var and is_env_name(s.env_var):
        return public_safe(s.env_var)
    suffix = _KIND_SUFFIX.get(s.kind, "API_KEY")
    provider = s.provider or ""
    if provider and provider not in ("openai-compatible", "generic"):
        return f"{_upper_snake(provider)}_{suffix}"
    return suffix


def _upper_snake(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")
