from tests.rewrite.fakes import after, org_id, plan_for, project_key, write_tree
from tests.rewrite.seed_page import CI, PROD, seed_findings, seed_text

PAGE = "docs/nexus-api-reference.txt"
EXPECTED = """\
API Documentation
https://api.nexus.io/v1 · Org: <your NEXUS_ORG_ID>
Quick Start
curl https://api.nexus.io/v1/chat/completions \\
-H "Authorization: Bearer $NEXUS_API_KEY" \\
-H "Content-Type: application/json" \\
-d '{{"model":"nexus-gpt-4o"}}'Authentication
API Keys
Your active keys for <your NEXUS_ORG_ID>:
| Name | Key | Created | Last used |
|---|---|---|---|
| prod-default | sk-proj-{PROD_MASK}•••••••••••••••• | 2025-01-14 | 2 min ago |
| ci-pipeline | sk-proj-{CI_MASK}•••••••••••••••• | 2025-02-03 | 1 hr ago |
Environment Variable Setup
# .env (add to .gitignore)
NEXUS_API_KEY="<your NEXUS_API_KEY>"
NEXUS_ORG_ID="<your NEXUS_ORG_ID>"
NEXUS_BASE_URL="https://api.nexus.io/v1"
NEXUS_TIMEOUT_S=30GitHub Actions
# .github/workflows/deploy.yml
env:
NEXUS_API_KEY: ${{{{ secrets.NEXUS_API_KEY }}}} # set in repo secrets
NEXUS_ORG_ID: <your NEXUS_ORG_ID>
# To bootstrap a new repo, set secret value to:
# <your NEXUS_API_KEY_CI_PIPELINE>Docker / Compose
services:
app:
image: nexus-app:latest
environment:
- NEXUS_API_KEY=<your NEXUS_API_KEY>
- NEXUS_ORG_ID=<your NEXUS_ORG_ID>Rate Limits
Python SDK
import os
from nexus_ai import NexusAI
client = NexusAI(
api_key=os.environ["NEXUS_API_KEY"],
organization=os.environ["NEXUS_ORG_ID"],
)
Node.js / TypeScript
const client = new NexusAI({{
apiKey: process.env.NEXUS_API_KEY, // <your NEXUS_API_KEY_CI_PIPELINE>
organization: process.env.NEXUS_ORG_ID,
}});
cURL Reference
export NEXUS_API_KEY="<your NEXUS_API_KEY>"
curl https://api.nexus.io/v1/models \\
-H "Authorization: Bearer $NEXUS_API_KEY"
Signing Secret
import hmac, hashlib
# Your webhook signing secret (<your NEXUS_ORG_ID>)
WEBHOOK_SECRET = os.environ["WEBHOOK_SECRET"]
# Express.js example
# const secret = "<your WEBHOOK_SECRET>";Internal / Staging INTERNAL
# staging .env — do NOT use in production
NEXUS_API_KEY="<your NEXUS_API_KEY_STAGING>"
NEXUS_INTERNAL_ORG="<your NEXUS_INTERNAL_ORG>"
"""


def test_sample_docs_page_gets_references_in_samples_and_placeholders_in_prose(tmp_path):
    from scanner.rotation.rewrite.engine import plan_rewrites

    text = seed_text()
    write_tree(tmp_path, {PAGE: text})
    findings = seed_findings(PAGE, text)
    assert (sum(not f.identifier for f in findings), sum(f.identifier for f in findings)) == (10, 9)
    plan = plan_rewrites(tmp_path, findings)
    assert plan.manual == ()
    assert after(plan, PAGE) == EXPECTED.format(PROD_MASK=PROD[8:10], CI_MASK=CI[8:10])
    # One name per secret, the code's own names reused, key-table labels telling same-named keys apart.
    assert sorted(plan.names.values()) == [
        "NEXUS_API_KEY",
        "NEXUS_API_KEY_CI_PIPELINE",
        "NEXUS_API_KEY_STAGING",
        "NEXUS_INTERNAL_ORG",
        "NEXUS_ORG_ID",
        "WEBHOOK_SECRET",
    ]
    assert len(plan.rewritten) == 19


def test_markdown_prose_placeholder_is_code_formatted_and_fences_are_not(tmp_path):
    key = project_key()
    org = org_id()
    text = (
        f"Your org is {org}.\n"
        "\n"
        "```bash\n"
        f"export NEXUS_ORG_ID={org}\n"
        f'curl -H "Authorization: Bearer {key}" https://api.nexus.io/v1/models\n'
        "```\n"
        f"Inline: `{key}`\n"
    )
    plan = plan_for(tmp_path, {"README.md": text}, [key, org])
    assert after(plan, "README.md") == (
        "Your org is `<your NEXUS_ORG_ID>`.\n"
        "\n"
        "```bash\n"
        "export NEXUS_ORG_ID=<your NEXUS_ORG_ID>\n"
        'curl -H "Authorization: Bearer $NEXUS_API_KEY" https://api.nexus.io/v1/models\n'
        "```\n"
        "Inline: `<your NEXUS_API_KEY>`\n"
    )


def test_html_placeholder_is_escaped(tmp_path):
    key = project_key()
    plan = plan_for(tmp_path, {"docs/index.html": f"<p>Your key: {key}</p>\n"}, [key])
    assert after(plan, "docs/index.html") == "<p>Your key: &lt;your NEXUS_API_KEY&gt;</p>\n"
