"""The seed docs page scans to exactly its 10 key occurrences (4 unique secrets) and 9 org IDs, with each engine."""

from __future__ import annotations

import pytest

from scanner.config import Settings
from scanner.scan import scan_paths
from tests.conftest import BACKENDS, SEED

J1 = "sk-proj-J1j0Gr9GIjHsK1CFqJDV9xFRMYXd0EqjDesAVE9gwACx3uyw"
C9 = "sk-proj-9C5cSvoAO2otfdqD4eQ4kE3pk6VH3cadaAlm4AVXDKFuKj3X"
LEGACY = "sk-4A7rGe2tdqvhXp9klueS9wopuAxccPUFQIlRBfEMTtmmp8ro"
WHSEC = "whsec_sk-proj-sPaDvtplAxTvwRvpoDCCBh1R"
PROD = "org-NexusProd01"
INTERNAL = "org-NexusInternal"

EXPECTED = [
    ("openai-org-id", 3, 32, 47, PROD),
    ("openai-project-key", 7, 27, 83, J1),
    ("openai-org-id", 12, 22, 37, PROD),
    ("openai-project-key", 22, 16, 72, J1),
    ("openai-org-id", 23, 15, 30, PROD),
    ("openai-org-id", 29, 15, 30, PROD),
    ("openai-project-key", 31, 3, 59, C9),  # `…Kj3XDocker / Compose`: the glued heading is cut off
    ("openai-project-key", 36, 17, 73, J1),
    ("openai-org-id", 37, 16, 31, PROD),  # `org-NexusProd01Rate Limits`
    ("openai-project-key", 60, 10, 66, J1),
    ("openai-org-id", 61, 15, 30, PROD),
    ("openai-project-key", 79, 39, 95, C9),
    ("openai-org-id", 80, 16, 31, PROD),
    ("openai-project-key", 87, 23, 79, J1),
    ("openai-org-id", 104, 32, 47, PROD),
    ("webhook-signing-secret", 105, 19, 57, WHSEC),
    ("webhook-signing-secret", 112, 19, 57, WHSEC),
    ("openai-legacy-key", 119, 16, 67, LEGACY),
    ("openai-org-id", 122, 21, 38, INTERNAL),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_seed_page_yields_exactly_its_keys_and_org_ids(backend: str) -> None:
    findings = scan_paths([SEED], Settings(), backend=backend).findings
    got = [(f.rule_id, f.line, f.column, f.end_column, f.secret) for f in findings]
    assert got == EXPECTED
    keys = [f for f in findings if not f.identifier]
    orgs = [f for f in findings if f.identifier]
    assert (len(keys), len({f.secret for f in keys}), len(orgs)) == (10, 4, 9)


def test_masked_key_table_rows_label_the_full_keys_they_abbreviate() -> None:
    findings = scan_paths([SEED], Settings()).findings
    labels = {f.secret: f.labels for f in findings}
    assert labels[J1] == ("prod-default",)
    assert labels[C9] == ("ci-pipeline",)
    assert labels[LEGACY] == ("staging",)
    assert labels[WHSEC] == ()


def test_keys_point_at_the_org_ids_of_their_file_nearest_first() -> None:
    findings = scan_paths([SEED], Settings()).findings
    by_secret = {f.secret: f for f in findings}
    prod, internal = by_secret[PROD].secret_id, by_secret[INTERNAL].secret_id
    legacy = next(f for f in findings if f.secret == LEGACY)
    first_j1 = next(f for f in findings if f.secret == J1 and f.line == 7)
    assert legacy.related[0] == internal  # line 122 is nearer than any org-NexusProd01
    assert first_j1.related[0] == prod
    assert set(first_j1.related) == {prod, internal}
    assert by_secret[PROD].related  # orgs point back at keys
