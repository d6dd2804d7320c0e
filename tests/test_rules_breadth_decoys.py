"""Provider credentials that look real but are not: documented public example keys, emulator keys, code that happens
to share a prefix, references, masks and placeholders. Each table carries the real thing in the same context
(`should_flag = True`), so every row shows it is the value, not the surroundings, that keeps the scanner quiet.
"""

from __future__ import annotations

import random
import string

import pytest

from scanner.engine.rule import Rule
from scanner.engine.ruleset import load_ruleset
from scanner.scan import scan_bytes

RULESET = load_ruleset()
FAMILIES = {
    "openai", "anthropic", "huggingface", "google", "ai-providers", "github", "gitlab", "bitbucket", "azure-devops",
    "circleci", "buildkite", "aws", "azure", "digitalocean", "heroku", "cloudflare", "fastly", "vercel", "netlify",
    "flyio", "supabase", "databricks", "alibaba",
}  # fmt: skip
FAMILY_RULES = [r for r in RULESET.rules if r.source.rsplit("/", 1)[-1].removesuffix(".toml") in FAMILIES]
_RNG = random.Random(2024)
_ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


def reported(payload: str, path: str = "-") -> list[tuple[str, str]]:
    return [(f.rule_id, f.secret) for f in scan_bytes(payload.encode(), RULESET, path=path)]


def assert_flagged_as_expected(payload: str, should_flag: bool) -> None:
    found = reported(payload)
    assert bool(found) == should_flag, f"{payload!r} gave {found}"


AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
COSMOS_EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
STORAGE_KEY = rand(86, _ALNUM + "+/") + "=="


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        # Firebase's sample web config (support.google.com/firebase/answer/7015592).
        (
            'firebaseConfig = { apiKey: "AIzaSyDOCAbC123dEf456GhI789jKl01-MnO", projectId: "myapp-project-123" };',
            False,
        ),
        (f'const firebaseConfig = {{ apiKey: "AIzaSy{rand(33)}", projectId: "acme-prod" }};', True),
        # The storage and Cosmos DB emulators' published keys.
        (f"UseDevelopmentStorage=true;AccountName=devstoreaccount1;AccountKey={AZURITE_KEY}", False),
        (f"AccountEndpoint=https://localhost:8081/;AccountKey={COSMOS_EMULATOR_KEY}", False),
        (f"DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={STORAGE_KEY}", True),
        # Azure's documentation sample client secret.
        ("AZURE_CLIENT_SECRET=abc8Q~defghijklmnopqrstuvwxyz-_.~0123456", False),
        (f"AZURE_CLIENT_SECRET={rand(3)}8Q~{rand(34)}", True),
    ],
)
def test_documented_public_example_credentials_are_not_secrets(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        ("model_cls = 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", False),
        ("path = hf_hub_download(repo_id='gpt2', filename='config.json')", False),
        (f"HF_TOKEN = hf_{rand(34, string.ascii_letters)}", True),
        ("@pytest.mark.vcr_cassette_name('test_vcr_get_user_with_long_cassette_name')", False),
        ("log.info_GetServiceRoleForAccountResponseMetadata(result)", False),
        ('{"ServiceRole": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole"}', False),
        ("id = models.AutoField(primary_key=True)", False),
        ("version: v1.0-beta.2+build.20250114", False),
        ("if token.startswith(('glpat-', 'glrt-', 'gldt-', 'glptt-', 'gloas-', 'glcbt-')):", False),
        ("ATCTT3xFfGN0 is the prefix of Bitbucket access tokens; ATBB of app passwords", False),
        ("dapi is the Databricks token prefix, see pandapi and dapi_client", False),
        (f"DATABRICKS_TOKEN=dapi{rand(32, '0123456789abcdef')}", True),
    ],
)
def test_code_that_shares_a_prefix_is_not_a_secret(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


@pytest.mark.parametrize("rule", [r for r in FAMILY_RULES if r.env_var], ids=lambda r: r.id)
def test_references_to_each_rules_variable_are_not_secrets(rule: Rule) -> None:
    var = rule.env_var
    for payload in (
        f"{var}: ${{{{ secrets.{var} }}}}",
        f"{var}=${{{var}}}",
        f'export {var}="$(vault kv get -field=value secret/{var.lower()})"',
        f'{var.lower()} = os.environ["{var}"]',
        f"{var}: process.env.{var}",
    ):
        assert reported(payload) == [], payload


ANCHORED = [r for r in FAMILY_RULES if r.anchored and not r.identifier]


@pytest.mark.parametrize("rule", ANCHORED, ids=lambda r: r.id)
def test_masked_and_placeholder_values_after_each_prefix_are_not_secrets(rule: Rule) -> None:
    var = rule.env_var or "TOKEN"
    for payload in (
        f"{var}={rule.prefix}••••••••••••••••",
        f"{var}={rule.prefix}...",
        f"{var}={rule.prefix}<your-token>",
        f"{var}={rule.prefix}your_token_here",
        f"{var}={rule.prefix}{'x' * 40}",
        f"{var}={rule.prefix}****************************************",
    ):
        assert [f for f in reported(payload) if f[0] == rule.id] == [], payload
