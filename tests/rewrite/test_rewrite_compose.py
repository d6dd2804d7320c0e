from tests.rewrite.fakes import after, org_id, plan_for, project_key

KEY = project_key()
ORG = org_id()


def test_compose_list_form_becomes_required_interpolation_with_comments_kept(tmp_path):
    text = (
        "# app stack\n"
        "services:\n"
        "  app:\n"
        "    image: nexus-app:latest   # pinned later\n"
        "    environment:\n"
        f"      - NEXUS_API_KEY={KEY}\n"
        f"      - NEXUS_ORG_ID={ORG}\n"
        "      - LOG_LEVEL=info\n"
    )
    plan = plan_for(tmp_path, {"docker-compose.yml": text}, [KEY, ORG])
    assert after(plan, "docker-compose.yml") == (
        "# app stack\n"
        "services:\n"
        "  app:\n"
        "    image: nexus-app:latest   # pinned later\n"
        "    environment:\n"
        "      - NEXUS_API_KEY=${NEXUS_API_KEY:?set NEXUS_API_KEY}\n"
        "      - NEXUS_ORG_ID=${NEXUS_ORG_ID:?set NEXUS_ORG_ID}\n"
        "      - LOG_LEVEL=info\n"
    )
    assert {n.name for n in plan.needs} == {"NEXUS_API_KEY", "NEXUS_ORG_ID"}


def test_compose_map_form_quoted_and_unquoted_and_anchor(tmp_path):
    text = (
        "x-secrets: &secrets\n"
        f'  NEXUS_API_KEY: "{KEY}"\n'
        "services:\n"
        "  api:\n"
        "    environment:\n"
        "      <<: *secrets\n"
        f"      ORG: '{ORG}'\n"
        "  worker:\n"
        f"    environment: {{AUTH: Bearer {KEY}}}\n"
    )
    plan = plan_for(tmp_path, {"compose.yaml": text}, [KEY, ORG])
    new = after(plan, "compose.yaml")
    assert new == (
        "x-secrets: &secrets\n"
        '  NEXUS_API_KEY: "${NEXUS_API_KEY:?set NEXUS_API_KEY}"\n'
        "services:\n"
        "  api:\n"
        "    environment:\n"
        "      <<: *secrets\n"
        "      ORG: '${NEXUS_ORG_ID:?set NEXUS_ORG_ID}'\n"
        "  worker:\n"
        f"    environment: {{AUTH: Bearer {KEY}}}\n"
    )
    # A plain scalar in a flow mapping cannot take `${…:?…}` unquoted: left for a human, and said so.
    assert [(m.path, m.line) for m in plan.manual] == [("compose.yaml", 9)]
    assert "break the file" in plan.manual[0].reason
    from ruamel.yaml import YAML

    assert YAML().load(new)["x-secrets"]["NEXUS_API_KEY"] == "${NEXUS_API_KEY:?set NEXUS_API_KEY}"


def test_compose_comment_carrying_a_key_loses_it(tmp_path):
    text = f"services:\n  app:\n    # old key: {KEY}\n    image: x\n"
    plan = plan_for(tmp_path, {"compose.yml": text}, [KEY])
    assert after(plan, "compose.yml") == "services:\n  app:\n    # old key: <your NEXUS_API_KEY>\n    image: x\n"
