from tests.rewrite.fakes import after, org_id, plan_for, project_key

KEY = project_key()
CI_KEY = project_key(2)
ORG = org_id()
WF = ".github/workflows/deploy.yml"


def test_env_and_with_literals_become_secrets_expressions(tmp_path):
    text = (
        "name: deploy\n"
        "on: push\n"
        "env:\n"
        f"  NEXUS_API_KEY: {KEY}  # set in repo secrets\n"
        f"  NEXUS_ORG_ID: {ORG}\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: nexus/setup@v1\n"
        "        with:\n"
        f"          api-key: '{KEY}'\n"
    )
    plan = plan_for(tmp_path, {WF: text}, [KEY, ORG])
    assert after(plan, WF) == (
        "name: deploy\n"
        "on: push\n"
        "env:\n"
        "  NEXUS_API_KEY: ${{ secrets.NEXUS_API_KEY }}  # set in repo secrets\n"
        "  NEXUS_ORG_ID: ${{ secrets.NEXUS_ORG_ID }}\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: nexus/setup@v1\n"
        "        with:\n"
        "          api-key: '${{ secrets.NEXUS_API_KEY }}'\n"
    )
    assert {(n.name, n.where) for n in plan.needs} == {
        ("NEXUS_API_KEY", "ci-secret"),
        ("NEXUS_ORG_ID", "ci-secret"),
    }


def test_run_literal_moves_into_a_new_step_env(tmp_path):
    text = (
        "jobs:\n"
        "  call:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - name: Call the API\n"
        "        run: |\n"
        f'          curl -H "Authorization: Bearer {KEY}" https://api.nexus.io/v1/models\n'
        "      - run: echo done\n"
    )
    plan = plan_for(tmp_path, {WF: text}, [KEY])
    assert after(plan, WF) == (
        "jobs:\n"
        "  call:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - name: Call the API\n"
        "        env:\n"
        "          NEXUS_API_KEY: ${{ secrets.NEXUS_API_KEY }}\n"
        "        run: |\n"
        '          curl -H "Authorization: Bearer ${NEXUS_API_KEY:?}" https://api.nexus.io/v1/models\n'
        "      - run: echo done\n"
    )


def test_run_as_first_key_gets_env_after_the_script_and_existing_env_is_extended(tmp_path):
    text = (
        "jobs:\n"
        "  a:\n"
        "    steps:\n"
        "      - run: |\n"
        f"          nexus login --token {KEY}\n"
        "\n"
        "      - name: second\n"
        "        env:\n"
        "          A: b\n"
        f"        run: nexus call --org {ORG}\n"
    )
    plan = plan_for(tmp_path, {WF: text}, [KEY, ORG])
    assert after(plan, WF) == (
        "jobs:\n"
        "  a:\n"
        "    steps:\n"
        "      - run: |\n"
        '          nexus login --token "${NEXUS_API_KEY:?}"\n'
        "        env:\n"
        "          NEXUS_API_KEY: ${{ secrets.NEXUS_API_KEY }}\n"
        "\n"
        "      - name: second\n"
        "        env:\n"
        "          NEXUS_ORG_ID: ${{ secrets.NEXUS_ORG_ID }}\n"
        "          A: b\n"
        '        run: nexus call --org "${NEXUS_ORG_ID:?}"\n'
    )


def test_comment_lines_carrying_a_key_lose_it(tmp_path):
    text = (
        "env:\n"
        "  NEXUS_API_KEY: ${{ secrets.NEXUS_API_KEY }}\n"
        "# To bootstrap a new repo, set secret value to:\n"
        f"# {CI_KEY}\n"
    )
    plan = plan_for(tmp_path, {WF: text}, [CI_KEY])
    assert after(plan, WF) == (
        "env:\n"
        "  NEXUS_API_KEY: ${{ secrets.NEXUS_API_KEY }}\n"
        "# To bootstrap a new repo, set secret value to:\n"
        "# <your NEXUS_API_KEY>\n"
    )
