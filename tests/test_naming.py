"""One variable name per secret, decided from the findings alone (scanner/naming.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.naming import choose_names, name_hint, names_for, sighting
from tests.rewrite.fakes import findings_in, project_key

KEY = project_key()
OTHER = project_key(2)


@pytest.mark.parametrize(
    ("before", "previous", "generic", "hint"),
    [
        ("export NEXUS_API_KEY=", "", False, "NEXUS_API_KEY"),
        ('  "NEXUS_API_KEY": "', "", False, "NEXUS_API_KEY"),
        ("      - NEXUS_ORG_ID=", "", False, "NEXUS_ORG_ID"),
        ("              value: ", "            - name: NEXUS_TOKEN", False, "NEXUS_TOKEN"),
        ('client = NexusAI(api_key="', "", False, None),  # a provider rule knows better than `api_key`
        ("Authorization: Bearer ", "", False, None),
        # A credential-style assignment (the generic rule): the code's own identifier names it.
        ("db_password = '", "", True, "DB_PASSWORD"),
        ('  "auth_token": "', "", True, "AUTH_TOKEN"),
        ("  apiKey: '", "", True, "API_KEY"),
        ("client_secret: ", "", True, "CLIENT_SECRET"),
        ("self.token = '", "", True, None),  # an attribute is not a variable a deployment can set
        ("Authorization: Bearer ", "", True, None),
    ],
)
def test_the_name_the_code_gives_a_literal(before: str, previous: str, generic: bool, hint: str | None) -> None:
    assert name_hint(before, previous, generic=generic) == hint


def test_an_explicit_name_wins_and_loses_a_browser_publishing_prefix() -> None:
    a = findings_in("a", KEY, KEY)
    b = findings_in("b", OTHER, OTHER)
    names = names_for(a + b, explicit={b[0].secret_id: "next_public_nexus_key"})
    assert names == {b[0].secret_id: "NEXUS_KEY", a[0].secret_id: "NEXUS_API_KEY"}


def test_a_secret_the_code_never_names_takes_its_siblings_name_and_its_label() -> None:
    named = findings_in("a", KEY, KEY, env_var="OPENAI_API_KEY")
    unnamed = findings_in("b", OTHER, OTHER, env_var="OPENAI_API_KEY", labels=("ci-pipeline",))
    other_rule = findings_in("c", project_key(3), project_key(3), env_var="OPENAI_API_KEY", rule_id="other")
    seen = [sighting(named[0], "NEXUS_API_KEY"), *map(sighting, unnamed + other_rule)]
    assert choose_names(seen) == {
        named[0].secret_id: "NEXUS_API_KEY",
        unnamed[0].secret_id: "NEXUS_API_KEY_CI_PIPELINE",
        other_rule[0].secret_id: "OPENAI_API_KEY",
    }


def test_the_hint_the_scan_read_beside_a_finding_names_it() -> None:
    [finding] = findings_in("a", KEY, KEY, env_var="OPENAI_API_KEY", name_hint="NEXUS_PROD_KEY")
    assert names_for([finding]) == {finding.secret_id: "NEXUS_PROD_KEY"}


def test_fix_names_a_generic_secret_after_the_variable_it_is_assigned_to(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from scanner.cli import cli

    value = "Kq7#vX2!mP9@wL4zR8"  # the generic rule's own example of a typed password
    (tmp_path / "settings.py").write_text(f"import os\n\ndb_password = '{value}'\n")
    scan = CliRunner().invoke(cli, ["scan", str(tmp_path)], standalone_mode=False)
    assert "move the value to DB_PASSWORD" in scan.output
    result = CliRunner().invoke(cli, ["fix", str(tmp_path)], standalone_mode=False)
    assert result.exception is None and result.return_value == 1, result.output
    assert '+db_password = os.environ["DB_PASSWORD"]' in result.output
    assert "API_KEY" not in result.output and value not in result.output
