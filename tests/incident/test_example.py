"""The committed example (docs/incident-report-example.md and .html) is the Markdown snapshot of a fixed
repository: regenerated here, it must come out byte for byte the same, and it holds no secret value."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import Settings
from scanner.findings import redact
from scanner.scan import scan_paths
from tests.incident.example import DOCS, rendered
from tests.rotation.seed import CI_PIPELINE, LEGACY_STAGING, PROD_DEFAULT, WEBHOOK

EXAMPLES = ("incident-report-example.md", "incident-report-example.html")


@pytest.fixture(scope="module")
def regenerated() -> dict[str, str]:
    return dict(rendered())


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_committed_example_is_what_the_generator_writes(name: str, regenerated: dict[str, str]) -> None:
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert regenerated[name] == committed, f"docs/{name} is stale: run `make docs-example` and commit it"


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_example_holds_no_secret_value_only_redacted_forms(name: str, regenerated: dict[str, str]) -> None:
    text = regenerated[name]
    for value, prefix in (
        (PROD_DEFAULT, "sk-proj-"),
        (CI_PIPELINE, "sk-proj-"),
        (LEGACY_STAGING, "sk-"),
        (WEBHOOK, "whsec_"),
    ):
        assert value not in text
        assert redact(value, prefix) in text, "the redacted form names each secret"
    found = scan_paths([Path(DOCS / name)], Settings()).findings
    assert [f.rule_id for f in found if not f.identifier] == [], "keysweep's self-scan stays clean"


def test_the_markdown_snapshot_tells_the_whole_story(regenerated: dict[str, str]) -> None:
    text = regenerated["incident-report-example.md"]
    for needle in (
        "| 1 | [`sk-proj-9C…Kj3X`](#secret-25f253779de42105)",
        "**now**: Live and in HEAD: run `keysweep rotate . --apply`.",
        "copied to services/worker/.env (from docs/nexus-api-reference.txt)",
        "| 2023-11-15 01:13Z | `a3ff1908db` | Cy | removed from services/worker/.env |",
        "Reachable from: tag v1.2 (in the files), branch main (in the files)",
        "stored: Vault secret/keysweep/nexus/NEXUS_API_KEY version 1",
        "PR #4: https://github.com/acme/nexus-app/pull/4 — open",
        "**soon**: Revoked, but the literal is still in HEAD: PR #4 open: merge it.",
        "Manual steps outstanding (rotation rot-20240301T100000Z-4e1c2a)",
        "Liveness: revoked (401 from GET /v1/models), scan --verify",
        "Names: prod-default (key table); variable NEXUS_API_KEY",
        "Docs pages: `docs/nexus-api-reference.txt`",
    ):
        assert needle in text, needle
