"""The sample docs page's shape (scraped Nexus API reference) with fake keys made at run time."""

from __future__ import annotations

from tests.rewrite.fakes import fake_key, findings_in, org_id, project_key

PROD = project_key(11)
CI = project_key(12)
LEGACY = fake_key("sk-", 48, 13)
HOOK = "whsec_" + fake_key("sk-proj-", 24, 14)
ORG = org_id("NexusProd01")
ORG_INTERNAL = org_id("NexusInternal")

TEMPLATE = """\
API Documentation
https://api.nexus.io/v1 · Org: {ORG}
Quick Start
curl https://api.nexus.io/v1/chat/completions \\
-H "Authorization: Bearer {PROD}" \\
-H "Content-Type: application/json" \\
-d '{{"model":"nexus-gpt-4o"}}'Authentication
API Keys
Your active keys for {ORG}:
| Name | Key | Created | Last used |
|---|---|---|---|
| prod-default | sk-proj-{PROD_MASK}•••••••••••••••• | 2025-01-14 | 2 min ago |
| ci-pipeline | sk-proj-{CI_MASK}•••••••••••••••• | 2025-02-03 | 1 hr ago |
Environment Variable Setup
# .env (add to .gitignore)
NEXUS_API_KEY="{PROD}"
NEXUS_ORG_ID="{ORG}"
NEXUS_BASE_URL="https://api.nexus.io/v1"
NEXUS_TIMEOUT_S=30GitHub Actions
# .github/workflows/deploy.yml
env:
NEXUS_API_KEY: ${{{{ secrets.NEXUS_API_KEY }}}} # set in repo secrets
NEXUS_ORG_ID: {ORG}
# To bootstrap a new repo, set secret value to:
# {CI}Docker / Compose
services:
app:
image: nexus-app:latest
environment:
- NEXUS_API_KEY={PROD}
- NEXUS_ORG_ID={ORG}Rate Limits
Python SDK
import os
from nexus_ai import NexusAI
client = NexusAI(
api_key="{PROD}",
organization="{ORG}",
)
Node.js / TypeScript
const client = new NexusAI({{
apiKey: process.env.NEXUS_API_KEY, // {CI}
organization: '{ORG}',
}});
cURL Reference
export NEXUS_API_KEY="{PROD}"
curl https://api.nexus.io/v1/models \\
-H "Authorization: Bearer $NEXUS_API_KEY"
Signing Secret
import hmac, hashlib
# Your webhook signing secret ({ORG})
WEBHOOK_SECRET = "{HOOK}"
# Express.js example
# const secret = "{HOOK}";Internal / Staging INTERNAL
# staging .env — do NOT use in production
NEXUS_API_KEY="{LEGACY}"
NEXUS_INTERNAL_ORG="{ORG_INTERNAL}"
"""


def seed_text() -> str:
    return TEMPLATE.format(
        PROD=PROD, CI=CI, LEGACY=LEGACY, HOOK=HOOK, ORG=ORG, ORG_INTERNAL=ORG_INTERNAL,
        PROD_MASK=PROD[8:10], CI_MASK=CI[8:10],
    )  # fmt: skip


def seed_findings(path: str, text: str):  # type: ignore[no-untyped-def]
    """What the scanner reports on the page: 10 key occurrences, 9 org IDs, with the key table's labels."""
    found = []
    found += findings_in(path, text, PROD, labels=("prod-default",))
    found += findings_in(path, text, CI, labels=("ci-pipeline",))
    found += findings_in(
        path, text, LEGACY, rule_id="openai-legacy-key", kind="legacy-key", prefix="sk-", labels=("staging",)
    )
    found += findings_in(path, text, HOOK)
    found += findings_in(path, text, ORG)
    found += findings_in(path, text, ORG_INTERNAL)
    return found
