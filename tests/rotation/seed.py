"""The sample docs page's exposed secrets (tests/data/nexus-api-reference.txt): findings and emulator state.

The values are the page's own published examples; they are assembled from pieces so that no key-shaped literal
sits in the source, even under tests/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from scanner.findings import Finding, Severity, secret_id
from tests.emulators.provider import ProviderEmulator, fake_key

P = "sk-" + "proj-"
PROD_DEFAULT = P + "J1j0Gr9GIjHsK1CFqJDV9xFRMYXd0EqjDesAVE9gwACx3uyw"
CI_PIPELINE = P + "9C5cSvoAO2otfdqD4eQ4kE3pk6VH3cadaAlm4AVXDKFuKj3X"
LEGACY_STAGING = "sk-" + "4A7rGe2tdqvhXp9klueS9wopuAxccPUFQIlRBfEMTtmmp8ro"
WEBHOOK = "whsec_" + P + "sPaDvtplAxTvwRvpoDCCBh1R"
ORG_PROD = "org-NexusProd01"
ORG_INTERNAL = "org-NexusInternal"
DOC = "docs/nexus-api-reference.txt"


@dataclass
class Seeded:
    """Ids the emulator gave the sample page's keys."""

    admin_key: str
    default_project: str
    ci_project: str
    prod_key_id: str
    ci_sa_id: str
    ci_key_id: str
    ci_backup_key_id: str
    lookalike_key_id: str
    webhook_id: str


def seed_emulator(em: ProviderEmulator, *, fillers: int = 130) -> Seeded:
    """Projects, keys and a webhook as the page describes, plus noise that makes matching and paging real."""
    admin = em.add_admin_key()
    for n in range(3):
        em.add_project(f"old-{n}", archived=True)
    default = em.add_project("Default project")
    # Paging: the exposed key sits behind more than one page of keys, in an archived-free project.
    for n in range(fillers):
        em.add_user_key(default, f"filler-{n}", fake_key(P))
    lookalike = em.add_user_key(default, "lookalike", PROD_DEFAULT[:10] + fake_key("", 34) + "zzzz")
    prod = em.add_user_key(default, "prod-default", PROD_DEFAULT)
    ci_project = em.add_project("CI")
    ci_sa, ci_key, _ = em.add_service_account(ci_project, "ci-pipeline", CI_PIPELINE)
    backup = em.add_user_key(ci_project, "ci-pipeline-backup", fake_key(P))
    # The backup key belongs to the same service account: it dies with it (the plan must say so).
    em.keys[backup].owner_type, em.keys[backup].service_account_id = "service_account", ci_sa
    em.legacy_keys.add(LEGACY_STAGING)
    hook = em.add_webhook("https://hooks.example.test/nexus", WEBHOOK)
    return Seeded(admin, default, ci_project, prod, ci_sa, ci_key, backup, lookalike, hook)


def _f(
    rule: str,
    secret: str,
    line: int,
    *,
    kind: str,
    prefix: str = "",
    env: str | None = None,
    related: tuple[str, ...] = (),
    labels: tuple[str, ...] = (),
    identifier: bool = False,
) -> Finding:
    return Finding(
        rule_id=rule,
        severity=Severity.INFO if identifier else Severity.CRITICAL,
        secret=secret,
        path=DOC,
        line=line,
        column=5,
        end_column=5 + len(secret),
        prefix=prefix,
        identifier=identifier,
        kind=kind,
        provider="openai-compatible",
        env_var=env,
        labels=labels,
        related=related,
    )


def seed_findings() -> list[Finding]:
    """What the scanner reports for the page: 10 key occurrences and 9 org IDs."""
    # As the core links them: every org ID in the file is related to every key in it.
    prod_org = internal_org = (secret_id(ORG_PROD), secret_id(ORG_INTERNAL))
    key = dict(kind="project-key", prefix=P, env="NEXUS_API_KEY")
    out = [
        _f("nexus-project-key", PROD_DEFAULT, line, related=prod_org, labels=("prod-default",), **key)  # type: ignore[arg-type]
        for line in (7, 17, 31, 45, 78)
    ]
    out += [
        _f("nexus-project-key", CI_PIPELINE, line, related=prod_org, labels=("ci-pipeline",), **key)  # type: ignore[arg-type]
        for line in (26, 66)
    ]
    out += [
        _f(
            "nexus-webhook-secret",
            WEBHOOK,
            line,
            kind="webhook-secret",
            prefix="whsec_",
            env="NEXUS_WEBHOOK_SECRET",
            related=prod_org,
        )
        for line in (99, 108)
    ]
    out.append(
        _f(
            "nexus-legacy-key",
            LEGACY_STAGING,
            118,
            kind="legacy-key",
            prefix="sk-",
            env="NEXUS_API_KEY",
            related=internal_org,
        )
    )
    out += [
        _f("nexus-org-id", ORG_PROD, line, kind="org-id", identifier=True) for line in (3, 11, 18, 27, 32, 47, 70, 97)
    ]
    out.append(_f("nexus-org-id", ORG_INTERNAL, 121, kind="org-id", identifier=True))
    return out


def write_report(path: Path, findings: list[Finding], *, reveal: bool = True) -> Path:
    """The JSON report `keysweep scan --format json [--reveal]` writes."""
    rows = [f.to_dict(reveal=reveal) for f in findings]
    path.write_text(json.dumps({"version": 1, "findings": rows, "summary": {"findings": len(rows)}}))
    return path
