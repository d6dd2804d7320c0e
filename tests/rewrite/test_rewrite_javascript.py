from tests.rewrite.fakes import after, org_id, plan_for, project_key, webhook_secret

KEY = project_key()
CI_KEY = project_key(2)
ORG = org_id()
HOOK = webhook_secret()


def test_strings_templates_and_comments(tmp_path):
    text = (
        "import NexusAI from 'nexus-ai';\n"
        "\n"
        "const client = new NexusAI({\n"
        f"  apiKey: process.env.NEXUS_API_KEY, // {CI_KEY}\n"
        f"  organization: '{ORG}',\n"
        "});\n"
        f'const secret = "{HOOK}";\n'
        f"const auth = `Bearer ${{'x'}} {KEY}`;\n"
        f"/* legacy: {KEY} */\n"
        f'const header = "Bearer {KEY}";\n'
    )
    plan = plan_for(tmp_path, {"src/client.ts": text}, [KEY, CI_KEY, ORG, HOOK])
    assert after(plan, "src/client.ts") == (
        "import NexusAI from 'nexus-ai';\n"
        "\n"
        "const client = new NexusAI({\n"
        "  apiKey: process.env.NEXUS_API_KEY, // <your NEXUS_API_KEY>\n"
        "  organization: process.env.NEXUS_ORG_ID,\n"
        "});\n"
        "const secret = process.env.NEXUS_WEBHOOK_SECRET;\n"
        "const auth = `Bearer ${'x'} ${process.env.NEXUS_API_KEY_2}`;\n"
        "/* legacy: <your NEXUS_API_KEY_2> */\n"
        'const header = ("Bearer " + process.env.NEXUS_API_KEY_2);\n'
    )
    # Two keys with the same conventional name: the first seen keeps it, the other is numbered.
    assert sorted(plan.names.values()) == [
        "NEXUS_API_KEY",
        "NEXUS_API_KEY_2",
        "NEXUS_ORG_ID",
        "NEXUS_WEBHOOK_SECRET",
    ]


def test_public_bundle_names_are_never_used(tmp_path):
    text = f'const NEXT_PUBLIC_NEXUS_KEY = "{KEY}";\n'
    plan = plan_for(tmp_path, {"web/config.js": text}, [KEY])
    assert after(plan, "web/config.js") == "const NEXT_PUBLIC_NEXUS_KEY = process.env.NEXUS_KEY;\n"
