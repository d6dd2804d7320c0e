"""Decoys are never reported, by any rule; real keys are found without a keyword next to them, exactly.

Every decoy table carries the real thing in the same context (`should_flag = True`), so each row shows
that it is the value, not the surroundings, that keeps the scanner quiet.
"""

from __future__ import annotations

import pytest

from scanner.engine.ruleset import load_ruleset
from scanner.findings import Finding
from scanner.scan import scan_bytes

RULESET = load_ruleset()

# Random fakes (seeded `random`), shaped like the real thing.
PROJECT_KEY = "sk-proj-IhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlSXpfKtHF4vU"
LEGACY_KEY = "sk-Ze2qpUWnoVPDF2yeE6RsXcNOPmeMjvqPVStNKiaEdFrRgSnR"
GITHUB_PAT = "ghp_DMw02tUjFLouIlV6S7S8dTK0oVW3bPaYVePo"
AWS_KEY_ID = "AKIAOOEDE6DCC4CS7A45"
AWS_SECRET = "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"
STRIPE_KEY = "sk_live_fTTanggPgzK58PdCz0z4PcWM"
GENERIC_VALUE = "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"


def findings(payload: str | bytes, path: str = "-") -> list[Finding]:
    data = payload.encode() if isinstance(payload, str) else payload
    return scan_bytes(data, RULESET, path=path)


def reported(payload: str | bytes, path: str = "-") -> list[tuple[str, str]]:
    return [(f.rule_id, f.secret) for f in findings(payload, path)]


def assert_flagged_as_expected(payload: str, should_flag: bool, path: str = "-") -> None:
    found = reported(payload, path)
    if should_flag:
        assert found, f"a real secret was missed in {payload!r}"
    else:
        assert found == [], f"a decoy was reported in {payload!r}"


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        ("| prod-default | sk-proj-J1•••••••••••••••••••••••••••••••• | 2025-01-14 |", False),
        ("| staging | sk-4A7rGe2td•••••••••••••••••••••••••• | api-staging.internal |", False),
        ("Your key: sk-…abcd", False),
        ("Your key: sk-proj-…3uyw", False),
        ("Your key: sk-proj-J1******************************3uyw", False),
        ("OPENAI_API_KEY=XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX…", False),
        ("OPENAI_API_KEY=sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", False),
        ("GITHUB_TOKEN=ghp_••••••••••••••••••••••••••••••••VePo", False),
        ("STRIPE_SECRET_KEY=sk_live_••••••••••••••••••••PcWM", False),
        ("api_key: XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", False),
        (f"| prod-default | {PROJECT_KEY} | 2025-01-14 |", True),
    ],
)
def test_masked_keys_are_not_secrets(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        ("OPENAI_API_KEY=<your-api-key>", False),
        ('client = OpenAI(api_key="<your-api-key>")', False),
        ("OPENAI_API_KEY=sk-proj-your-key-here", False),
        ("OPENAI_API_KEY=sk-your-openai-api-key-goes-here-1234567890abcdef", False),
        ("OPENAI_API_KEY=REPLACE_ME", False),
        ("api_key: REPLACE_ME_WITH_A_REAL_KEY_123", False),
        ("GITHUB_TOKEN=ghp_your_personal_access_token_here", False),
        ("STRIPE_SECRET_KEY=sk_live_your_secret_key_here", False),
        ("aws_secret_access_key = <your-secret-access-key>", False),
        (
            "-----BEGIN PRIVATE KEY-----\n<your private key here, as downloaded from the console>\n"
            "-----END PRIVATE KEY-----\n",
            False,
        ),
        ("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n", False),
        ("password: changeme_please_2024_prod", False),
        (f"OPENAI_API_KEY={PROJECT_KEY}", True),
    ],
)
def test_placeholders_are_not_secrets(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        ("NEXUS_API_KEY=${NEXUS_API_KEY}", False),
        ('export OPENAI_API_KEY="${NEXUS_API_KEY_V2}"', False),
        ("Authorization: Bearer $NEXUS_API_KEY", False),
        ('api_key = "$NEXUS_API_KEY_2"', False),
        ("NEXUS_API_KEY: ${{ secrets.NEXUS_API_KEY }}", False),
        ("token: ${{ secrets.GH_PAT_2 }}", False),
        ("  apiKey: process.env.NEXUS_API_KEY,", False),
        ("const secret_token = process.env.NEXUS_SECRET_V2;", False),
        ('api_key = os.environ["NEXUS_API_KEY"]', False),
        ("api_key = os.environ.get('NEXUS_API_KEY_2')", False),
        ("password = os.getenv('DB_PASSWORD_2')", False),
        ("apiKey: {{ .Values.nexus.apiKey }}", False),
        ("password: {{ .Values.db.password2 | b64enc | quote }}", False),
        ("secret = get_secret('prod/nexus/api-key-2')", False),
        ("api_key = settings.NEXUS_API_KEY_V2", False),
        (f"api_key = '{GENERIC_VALUE}'", True),
    ],
)
def test_references_to_a_secret_are_not_secrets(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        ("OPENAI_API_KEY=sk-proj-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", False),
        ("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV", False),
        ("OPENAI_API_KEY=sk-proj-123456789012345678901234567890123456789012345678", False),
        ("OPENAI_API_KEY=sk-abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc", False),
        ("GITHUB_TOKEN=ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij", False),
        ("GITHUB_TOKEN=ghp_000000000000000000000000000000000000", False),
        ("AWS_ACCESS_KEY_ID=AKIAAAAAAAAAAAAAAAAA", False),
        ("AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP", False),
        ("STRIPE_SECRET_KEY=sk_live_1234567890abcdefghijklmn", False),
        ("api_key = 'abcdefghijklmnop1234567890'", False),
        ("password = password123456789012", False),
        ("token = 'a1a1a1a1a1a1a1a1a1a1a1a1'", False),
        (f"OPENAI_API_KEY={LEGACY_KEY}", True),
        (f"GITHUB_TOKEN={GITHUB_PAT}", True),
    ],
)
def test_low_entropy_and_sequential_fakes_are_not_secrets(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        ("key: sk-proj-IhKtJ0RlgLKOmxgJTeKdNnFRIBXu", False),
        ("key: sk-proj-IhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlSXpfKtHF4v", False),
        ("key: sk-Ze2qpUWnoVPDF2yeE6RsXcNOPme", False),
        ("token: ghp_DMw02tUjFLouIlV6S7S8dTK0oVW3bPaYVeP", False),
        ("id: AKIAOOEDE6DCC4CS7A4", False),
        ("STRIPE_SECRET_KEY=sk_live_fTTanggPgzK58Pd", False),
        ("aws_secret_access_key = XKD0V9MuoGpYL4MVKge9WVuw+XIrFjz4", False),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIJS8iZlpgwS0okYXZUO6IE2CRZvaxE9F41sD9OQH/I5oaCV8g+TlWUM+TgLjtsi\n",
            False,
        ),
        (f"key: {PROJECT_KEY}", True),
    ],
)
def test_truncated_values_are_not_secrets(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        ("Please ask-project-lead before merging; see task-proj-id 42.", False),
        ("df -h shows disk-usage at 91%; risk-assessment and desk-booking are due.", False),
        ("task-proj-IhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlSXpfKtHF4vU", False),
        ("ask-IhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlSXpfKtHF4vUDL7Dxtp", False),
        ("mask_live_fTTanggPgzK58PdCz0z4PcWM and xghp_DMw02tUjFLouIlV6S7S8dTK0oVW3bPaYVePo", False),
        ("Travel to ASIA; org-chart and org-mode; npm_config_registry; msg.SG.init()", False),
        (f"see {PROJECT_KEY} in the log", True),
    ],
)
def test_prefixes_inside_words_are_not_secrets(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


# Hex and UUID values are reported under a credential name (issue 9: a 32-hex Datadog key, a UUID Heroku key
# under a neutral name are secrets), and stay quiet where the name says hash, sha, digest, checksum, etag or
# integrity, or that the value is an id or a version.
@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        ("secret_version = 4b825dc642cb6eb9a060e54bf8d69288fbee4904", False),
        ("secret_md5 = 5d41402abc4b2a76b9719d911017c592", False),
        ("token_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", False),
        (
            "password_digest = cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            False,
        ),
        ("api_key_checksum: 3f786850e387550fdab836ed7e6dc881", False),
        ('"tokenEtag": "9fceb02d0ae598e95dc970b74767f19372d61af8"', False),
        ("secret_id: e5f1c9a2-7b3d-4e8f-9a1c-2d3e4f5a6b7c", False),
        ("api_key: 123e4567-e89b-12d3-a456-426614174000", False),  # the example UUID of every tutorial
        ("token: 3f786850e387550fdab836ed7e6dc881de23001b", True),
        ('"api_token": "9fceb02d0ae598e95dc970b74767f19372d61af8"', True),
        ('client_secret = "e5f1c9a2-7b3d-4e8f-9a1c-2d3e4f5a6b7c"', True),
        (f"token: {GENERIC_VALUE}", True),
    ],
)
def test_hex_and_uuid_values_are_secrets_only_under_a_credential_name(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


INTEGRITY = "sha512-Xk2gWq9mA3v8LzT1r0pY7cJ4nB6eH5sD2fG8kQ1wE3tR9uI0oP7aS4dF6gH2jK5lZ8xC1vB3nM4qWe7rT9yU1iO0pA=="


@pytest.mark.parametrize(
    ("path", "payload", "should_flag"),
    [
        ("package-lock.json", f'      "integrity": "{INTEGRITY}",\n', False),
        (
            "yarn.lock",
            f'  resolved "https://registry.yarnpkg.com/tok/-/tok-1.0.0.tgz"\n  integrity {INTEGRITY}\n',
            False,
        ),
        ("pnpm-lock.yaml", f"    resolution: {{integrity: {INTEGRITY}}}\n", False),
        ("src/sri.html", f'<script src="app.js" integrity="{INTEGRITY}"></script>\n', False),
        ("package-lock.json", f'      "token": "{INTEGRITY}",\n', False),
        ("package-lock.json", f'      "resolved": "https://r.example/x.tgz?token={GITHUB_PAT}",\n', True),
    ],
)
def test_lockfile_integrity_hashes_are_not_secrets(path: str, payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag, path)


DATA_URI_BODY = "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAK0lEQVR42mNkYPhfz0AEYBxVSF+F"


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        (f'<img alt="token" src="data:image/png;base64,{DATA_URI_BODY}">', False),
        (f"token_icon: data:image/png;base64,{DATA_URI_BODY}", False),
        (f'.secret-badge {{ background: url("data:image/png;base64,{DATA_URI_BODY}"); }}', False),
        (f"token_icon: {GENERIC_VALUE}", True),
    ],
)
def test_data_uris_are_not_secrets(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


@pytest.mark.parametrize(
    ("payload", "should_flag"),
    [
        (
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            False,
        ),
        ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", False),
        ('AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', False),
        ("alice,,AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", False),
        ("aws_session_token = AKIAI44QH8DHBEXAMPLE je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", False),
        (f"[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n", True),
    ],
)
def test_aws_documented_example_keys_are_not_secrets(payload: str, should_flag: bool) -> None:
    assert_flagged_as_expected(payload, should_flag)


def test_real_aws_credentials_file_reports_both_halves_of_the_pair() -> None:
    payload = f"[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    assert reported(payload) == [("aws-access-key-id", AWS_KEY_ID), ("aws-secret-access-key", AWS_SECRET)]


# A key is a key without a keyword next to it: (payload, rule, secret, line, column), 1-based.
BUNDLE = "var a=1;" * 600 + f'const k="{PROJECT_KEY}";fetch(u,{{headers:{{Authorization:"Bearer "+k}}}});'
KEYLESS = [
    pytest.param(
        f"const url = base + path;\n// {PROJECT_KEY}\n",
        "openai-project-key",
        PROJECT_KEY,
        2,
        4,
        id="slash-comment",
    ),
    pytest.param(f"x = 1\n\n    # old: {LEGACY_KEY}\n", "openai-legacy-key", LEGACY_KEY, 3, 12, id="hash-comment"),
    pytest.param(
        f"| Name | Key |\n|---|---|\n| prod | {PROJECT_KEY} |\n",
        "openai-project-key",
        PROJECT_KEY,
        3,
        10,
        id="table-cell",
    ),
    pytest.param(f"name,owner,value\nci,ops,{GITHUB_PAT}\n", "github-pat", GITHUB_PAT, 2, 8, id="csv-column"),
    pytest.param(
        f"2025-01-14T10:00:00Z INFO client init key={PROJECT_KEY} retries=3\n",
        "openai-project-key",
        PROJECT_KEY,
        1,
        43,
        id="log-line",
    ),
    pytest.param(
        f"GET https://proxy.example.com/v1/models?api_key={PROJECT_KEY}&x=1 200\n",
        "openai-project-key",
        PROJECT_KEY,
        1,
        49,
        id="url-query",
    ),
    pytest.param(
        f'  "outputs": [{{"name": "stdout", "text": ["using key:\\n{PROJECT_KEY}\\n"]}}],\n',
        "openai-project-key",
        PROJECT_KEY,
        1,
        56,
        id="notebook-output-cell",
    ),
    pytest.param(BUNDLE, "openai-project-key", PROJECT_KEY, 1, 4810, id="minified-bundle"),
    pytest.param(
        f'curl https://api.nexus.io/v1/models \\\n  -H "Authorization: Bearer {PROJECT_KEY}"\n',
        "openai-project-key",
        PROJECT_KEY,
        2,
        29,
        id="curl-bearer",
    ),
    pytest.param(f"{AWS_KEY_ID}\n", "aws-access-key-id", AWS_KEY_ID, 1, 1, id="bare-aws-key-id"),
    pytest.param(f"• prod → {STRIPE_KEY} (rotated)\n", "stripe-secret-key", STRIPE_KEY, 1, 10, id="unicode-prose"),
]


@pytest.mark.parametrize(("payload", "rule_id", "secret", "line", "column"), KEYLESS)
def test_key_without_keyword_is_found_exactly_once_at_its_position(
    payload: str, rule_id: str, secret: str, line: int, column: int
) -> None:
    found = [(f.rule_id, f.secret, f.line, f.column) for f in findings(payload)]
    assert found == [(rule_id, secret, line, column)]


def test_private_key_block_is_one_secret_reported_at_its_first_line() -> None:
    block = (
        "-----BEGIN EC PRIVATE KEY-----\n"
        "MIIg1vEL+el7UA2b7aJjFue2nrDT5Cmjyds4nmed2DLUeS6QNwpm8IQoYlsfJj/4\n"
        "udDlMQrij9fBrAmq1lIeY5l0jNmgx06ma06VP2xjqF5ygHAtBQCe/H13PHLDnsfR\n"
        "ddYtz3lmGxEgW25dF81xgYKoCgqiIRXs\n"
        "-----END EC PRIVATE KEY-----"
    )
    payload = f"# deploy key\nkey: |\n  {block.replace(chr(10), chr(10) + '  ')}\nnext: 1\n"
    found = [(f.rule_id, f.secret, f.line, f.column) for f in findings(payload)]
    assert found == [("private-key", block.replace("\n", "\n  "), 3, 3)]


def test_generic_rule_yields_to_the_specific_rule_on_the_same_value() -> None:
    found = reported(f'api_key = "{PROJECT_KEY}"\nSTRIPE_API_KEY={STRIPE_KEY}\n')
    assert found == [("openai-project-key", PROJECT_KEY), ("stripe-secret-key", STRIPE_KEY)]


def test_real_private_key_whose_random_body_contains_xxxx_is_still_reported() -> None:
    block = (
        "-----BEGIN EC PRIVATE KEY-----\n"
        "MIIg1vEL+el7UA2b7aJjFue2nrDT5Cmjyds4nmed2DLUeS6QNwpm8IQoYlsfJj/4\n"
        "udDlMQrij9fBrAmq1lIeY5l0jNmgx06ma06VP2xjqF5ygHAtBQCe/H13PxXxXsfR\n"
        "ddYtz3lmGxEgW25dF81xgYKoCgqiIRXs\n"
        "-----END EC PRIVATE KEY-----"
    )
    assert reported(block + "\n") == [("private-key", block)]
