"""A glued heading word is cut off a value only with evidence: the shorter value seen whole elsewhere in the scan,
or the cut-off text used as a heading by the same document. Without evidence a key is reported as written."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.config import Settings
from scanner.engine.ruleset import load_ruleset
from scanner.findings import Finding
from scanner.scan import scan, scan_bytes
from scanner.sources.filesystem import BufferSource
from tests.conftest import BACKENDS

RULESET = load_ruleset()
ADMIN = "sk-admin-aMlvP8R49fIbhHqKPXbdvTpMoEDtq1dWp7Qf91OO7Key"  # the key of issue 10, item 1


def _secrets(text: str, backend: str = "python") -> list[tuple[str, str]]:
    return [(f.rule_id, f.secret) for f in scan_bytes(text.encode(), RULESET, backend=backend)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_key_ending_in_a_capitalised_word_at_line_end_is_reported_whole(backend: str) -> None:
    assert _secrets(f"OPENAI_ADMIN_KEY={ADMIN}\n", backend) == [("openai-admin-key", ADMIN)]


def test_an_org_id_ending_in_a_capitalised_word_is_reported_whole() -> None:
    org = "org-U8jzPde0IgxLd6Gncfice9Ew"
    assert _secrets(f'OPENAI_ORG_ID="{org}"\n') == [("openai-org-id", org)]
    assert _secrets(f"OPENAI_ORG_ID={org}") == [("openai-org-id", org)]


def test_the_same_key_at_line_end_and_mid_line_has_one_secret_id() -> None:
    found = scan_bytes(f"KEY={ADMIN}\ncurl -H 'Authorization: Bearer {ADMIN}' x\n".encode(), RULESET)
    assert [f.secret for f in found] == [ADMIN, ADMIN]
    assert len({f.secret_id for f in found}) == 1


def test_a_heading_the_document_uses_as_a_heading_is_cut_off(make_key: Callable[..., str]) -> None:
    key = make_key("sk-admin-", 40)
    page = f"## Rate Limits\n\nexport OPENAI_ADMIN_KEY={key}Rate Limits\n"
    assert _secrets(page) == [("openai-admin-key", key)]


def test_a_heading_word_that_is_no_heading_of_the_document_stays_on(make_key: Callable[..., str]) -> None:
    key = make_key("sk-admin-", 40)
    page = f"rate limits are per org\n\nexport OPENAI_ADMIN_KEY={key}Rate Limits\n"
    assert _secrets(page) == [("openai-admin-key", key + "Rate")]


def test_a_fixed_length_key_with_a_word_glued_on_and_no_evidence_is_a_longer_token(
    make_key: Callable[..., str],
) -> None:
    key = make_key("sk-proj-", 48)
    assert [r for r, _ in _secrets(f"# {key}Docker / Compose\n")] == []
    assert _secrets(f"# {key}Docker / Compose\n\nDocker / Compose\n") == [("openai-project-key", key)]


def _scan_files(files: dict[str, str]) -> list[Finding]:
    sources = [BufferSource(path, text.encode()) for path, text in files.items()]
    return scan(sources, Settings(), ruleset=RULESET, backend="python").findings


def test_the_value_seen_whole_in_another_file_is_evidence_for_the_cut(make_key: Callable[..., str]) -> None:
    key = make_key("sk-admin-", 40)
    glued = {"docs/page.txt": f"export OPENAI_ADMIN_KEY={key}Key\n"}
    with_evidence = {**glued, ".env": f"OPENAI_ADMIN_KEY={key}\n"}

    assert {f.secret for f in _scan_files(glued)} == {key + "Key"}
    assert {f.secret for f in _scan_files(with_evidence)} == {key}


def test_a_reading_that_cannot_stand_alone_is_cut_at_the_heading_not_inside_the_key(
    make_key: Callable[..., str],
) -> None:
    key = make_key("sk-admin-", 38) + "Ab"  # the key itself ends in a capitalised word
    page = f"Docker / Compose\n\n{key}Docker / Compose\n"
    assert _secrets(page) == [("openai-admin-key", key)]


def test_a_key_ending_in_a_capitalised_word_seen_at_line_end_is_evidence_for_its_glued_copy(
    make_key: Callable[..., str],
) -> None:
    key = make_key("sk-admin-", 38) + "Ab"  # as read at line end it could also be `…` without `Ab`
    found = _scan_files({".env": f"OPENAI_ADMIN_KEY={key}\n", "docs/page.txt": f"# {key}Docker / Compose\n"})
    assert [f.secret for f in found] == [key, key]
