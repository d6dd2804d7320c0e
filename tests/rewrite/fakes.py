"""Fake keys made at run time and Findings placed exactly where a scanner would put them."""

from __future__ import annotations

import random
import string
from pathlib import Path

from scanner.findings import Finding, Severity

_ALNUM = string.ascii_letters + string.digits


def fake_key(prefix: str = "sk-proj-", length: int = 48, seed: int = 1) -> str:
    """A key-shaped value that never existed: a seeded random body, so no literal sits in the repository."""
    rng = random.Random(f"{prefix}{seed}")
    return prefix + "".join(rng.choice(_ALNUM) for _ in range(length))


def project_key(seed: int = 1) -> str:
    return fake_key("sk-proj-", 48, seed)


def org_id(name: str = "NexusProd01") -> str:
    return "org-" + name


def webhook_secret(seed: int = 1) -> str:
    return fake_key("whsec_", 32, seed)


def findings_in(path: str, text: str, secret: str, **fields: object) -> list[Finding]:
    """One Finding per occurrence of `secret` in `text`, with 1-based line and character columns."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        start = line.find(secret)
        while start >= 0:
            found.append(_finding(path, secret, number, start + 1, start + 1 + len(secret), **fields))
            start = line.find(secret, start + 1)
    assert found, f"{secret[:8]}… not in {path}"
    return found


def _finding(path: str, secret: str, line: int, column: int, end: int, **fields: object) -> Finding:
    kind = "org-id" if secret.startswith("org-") else "webhook-secret" if secret.startswith("whsec_") else "project-key"
    defaults: dict[str, object] = {
        "rule_id": {"org-id": "nexus-org-id", "webhook-secret": "webhook-secret"}.get(kind, "openai-project-key"),
        "severity": Severity.INFO if kind == "org-id" else Severity.CRITICAL,
        "prefix": {"org-id": "org-", "webhook-secret": "whsec_"}.get(kind, "sk-proj-"),
        "identifier": kind == "org-id",
        "kind": kind,
        "provider": "openai-compatible",
        "env_var": {"org-id": "NEXUS_ORG_ID", "webhook-secret": "NEXUS_WEBHOOK_SECRET"}.get(kind, "NEXUS_API_KEY"),
    }
    defaults.update(fields)
    return Finding(secret=secret, path=path, line=line, column=column, end_column=end, **defaults)  # type: ignore[arg-type]


def write_tree(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")


def findings_for(files: dict[str, str], secrets: list[str], **fields: object) -> list[Finding]:
    """Every occurrence of every secret in every file, like a scan of the tree."""
    out = []
    for path, text in files.items():
        for secret in secrets:
            if secret in text:
                out.extend(findings_in(path, text, secret, **fields))
    return out


def plan_for(root: Path, files: dict[str, str], secrets: list[str], names: dict[str, str] | None = None, **kw):  # type: ignore[no-untyped-def]
    """Write `files` under `root`, find every secret in them, and plan the rewrite."""
    from scanner.rotation.rewrite.engine import plan_rewrites

    write_tree(root, files)
    return plan_rewrites(root, findings_for(files, secrets), names, **kw)


def after(plan, path: str) -> str | None:  # type: ignore[no-untyped-def]
    """The planned new text of `path` (None if the plan leaves it unchanged or only untracks it)."""
    return next((c.after for c in plan.changes if c.path == path), None)
