import ast

from tests.rewrite.fakes import after, org_id, plan_for, project_key, webhook_secret

KEY = project_key()
ORG = org_id()
HOOK = webhook_secret()


def test_literals_become_os_environ_and_import_os_is_added_in_order(tmp_path):
    text = (
        '"""Client set-up."""\n'
        "from __future__ import annotations\n"
        "\n"
        "import json\n"
        "import sys\n"
        "\n"
        "from nexus_ai import NexusAI\n"
        "\n"
        "client = NexusAI(\n"
        f'    api_key="{KEY}",  # prod-default: {KEY}\n'
        f"    organization='{ORG}',\n"
        ")\n"
    )
    plan = plan_for(tmp_path, {"app/client.py": text}, [KEY, ORG])
    new = after(plan, "app/client.py")
    assert new == (
        '"""Client set-up."""\n'
        "from __future__ import annotations\n"
        "\n"
        "import json\n"
        "import os\n"
        "import sys\n"
        "\n"
        "from nexus_ai import NexusAI\n"
        "\n"
        "client = NexusAI(\n"
        '    api_key=os.environ["NEXUS_API_KEY"],  # prod-default: <your NEXUS_API_KEY>\n'
        '    organization=os.environ["NEXUS_ORG_ID"],\n'
        ")\n"
    )
    ast.parse(new)


def test_existing_import_os_is_reused_and_code_name_is_kept(tmp_path):
    text = f'import hmac\nimport os\n\nWEBHOOK_SECRET = "{HOOK}"\n'
    plan = plan_for(tmp_path, {"hooks.py": text}, [HOOK])
    assert after(plan, "hooks.py") == 'import hmac\nimport os\n\nWEBHOOK_SECRET = os.environ["WEBHOOK_SECRET"]\n'
    assert plan.names == {plan.rewritten[0].secret_id: "WEBHOOK_SECRET"}


def test_partial_strings_fstrings_and_docstrings(tmp_path):
    text = (
        "def call():\n"
        f'    """Uses {KEY} for now."""\n'
        f'    headers = {{"Authorization": "Bearer {KEY}"}}\n'
        f'    url = f"https://x/{{1}}?k={KEY}"\n'
        "    return headers, url\n"
    )
    plan = plan_for(tmp_path, {"call.py": text}, [KEY])
    new = after(plan, "call.py")
    assert new == (
        "import os\n"
        "def call():\n"
        '    """Uses <your NEXUS_API_KEY> for now."""\n'
        '    headers = {"Authorization": ("Bearer " + os.environ["NEXUS_API_KEY"])}\n'
        "    url = f\"https://x/{1}?k={os.environ['NEXUS_API_KEY']}\"\n"
        "    return headers, url\n"
    )
    ast.parse(new)


def test_implicit_concatenation_and_bytes_are_left_for_a_human(tmp_path):
    text = f'A = ("x" "{KEY}")\nB = b"{KEY}"\n'
    plan = plan_for(tmp_path, {"odd.py": text}, [KEY])
    assert plan.changes == ()
    assert sorted(m.line for m in plan.manual) == [1, 2]
