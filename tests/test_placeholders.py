"""keysweep's heuristic predicates agree with detect-secrets' own on the same inputs (they are a port, kept
out of the hook's import path), the masks and placeholders keysweep adds are recognised, and the generic rules'
reading of a name says what the value assigned to it is."""

from __future__ import annotations

import detect_secrets.filters.heuristic as ds
import pytest

from scanner.engine import placeholders as ks

SECRETS = [
    "ABCDEFGHIJKLMNOP", "0123456789", "abcdef0123456789", "ABCDEF012345", "XYZ=/", "1234567890ABCDEF",
    "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy", "{secret}", "<your-api-key>", "${API_KEY}", "$API_KEY", "x", "",
    "4f6a1c1e-9b0d-4a5e-8f2a-1b2c3d4e5f60", "{unbalanced",
]  # fmt: skip


@pytest.mark.parametrize("secret", SECRETS)
def test_value_predicates_agree_with_detect_secrets(secret: str) -> None:
    if secret:
        assert ks.is_sequential_string(secret) == ds.is_sequential_string(secret)
    assert ks.is_templated_secret(secret) == ds.is_templated_secret(secret)


@pytest.mark.parametrize(
    ("value", "is_placeholder"),
    [
        ("sk-proj-J1••••••••", True),
        ("sk-…abcd", True),
        ("XXXXXXXXXXXXXXXX", True),
        ("REPLACE_ME", True),
        ("your-api-key-here", True),
        ("sk-proj-J1***3uyw", True),
        ("hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy", False),
        ("hereIsNotAWordBoundaryXy7Qz", False),  # `here` glued into letters is no placeholder word
        ("0)#idwcrj=&v4t0jddfqjq@^3d*47v3oda4&gilw#is)i8tcn%", False),  # one `*` in a Django key is no mask
    ],
)
def test_masks_and_placeholder_words(value: str, is_placeholder: bool) -> None:
    assert ks.is_masked_or_placeholder(value) is is_placeholder


@pytest.mark.parametrize(
    ("value", "is_reference"),
    [
        ("${DB_PASSWORD}", True),
        ("#{ENV['DB_PASSWORD']}", True),
        ("%{db_password}", True),
        ("<%= ENV['SECRET_KEY_BASE'] %>", True),
        ("$(cat /run/secrets/db)", True),
        ("%(password)s", True),
        ("Kq7#vX2!mP9@wL4zR8", False),
    ],
)
def test_templates_of_every_language_are_references(value: str, is_reference: bool) -> None:
    assert ks.is_reference(value, "") is is_reference


@pytest.mark.parametrize(
    ("line", "value", "name"),
    [
        ('API_KEY="hCJ1iOVveuEuNTXq"', "hCJ1iOVveuEuNTXq", "API_KEY"),
        ("define('DB_PASSWORD', 'Kq7#vX2!mP9@wL4z');", "Kq7#vX2!mP9@wL4z", "DB_PASSWORD"),
        ('var dbPassword string = "Kq7#vX2!mP9@wL4z"', "Kq7#vX2!mP9@wL4z", "dbPassword"),
        ('    val apiToken: String = "hCJ1iOVveuEuNTXq"', "hCJ1iOVveuEuNTXq", "apiToken"),
        ('<add key="SigningKey" value="hCJ1iOVveuEuNTXq" />', "hCJ1iOVveuEuNTXq", "SigningKey"),
        ('curl -H "Authorization: Bearer hCJ1iOVveuEuNTXq"', "hCJ1iOVveuEuNTXq", "Authorization"),
        ('$env:API_SECRET = "hCJ1iOVveuEuNTXq"', "hCJ1iOVveuEuNTXq", "API_SECRET"),
        ("  <dbPassword>Kq7#vX2!mP9@wL4z</dbPassword>", "Kq7#vX2!mP9@wL4z", "dbPassword"),
        ("arn:aws:secretsmanager:us-west-2:123456789012:secret:MyDbSecret-a1b2c3", "MyDbSecret-a1b2c3", ""),
        ('"AWS::IAM::AccessKey": "62d91b17309e76c8"', "62d91b17309e76c8", ""),
        ("    hCJ1iOVveuEuNTXq", "hCJ1iOVveuEuNTXq", None),
    ],
)
def test_assigned_name_is_the_name_left_of_the_value(line: str, value: str, name: str | None) -> None:
    assert ks.assigned_name(value, line) == name


@pytest.mark.parametrize(
    ("name", "says_not_a_secret"),
    [
        ("NextToken", True),
        ("NextContinuationToken", True),
        ("nextPageToken", True),
        ("PAGE_TOKEN", True),
        ("ClientToken", True),
        ("ChangeToken", True),
        ("ClientRequestToken", True),
        ("output_token", True),
        ("CSRF_TOKEN", True),
        ("csrfmiddlewaretoken", True),
        ("authenticity_token", True),
        ("idempotencyKey", True),
        ("secret_sha256", True),
        ("password_digest", True),
        ("api_key_checksum", True),
        ("tokenEtag", True),
        ("PasswordHash", True),
        ("SECRET_NAME", True),
        ("secretArn", True),
        ("TOKEN_URL", True),
        ("AccessKeyId", True),
        ("PASSWORD_MIN_LENGTH", True),
        ("PasswordLastUsed", True),
        ("public_key", True),
        ("EXAMPLE_API_KEY", True),
        ("NewPassword", True),
        ("confirm_password", True),
        ("", True),  # a name inside an ARN
        ("API_KEY", False),
        ("DB_PASSWORD", False),
        ("client_secret", False),
        ("PAGE_ACCESS_TOKEN", False),  # a Facebook page's token is a credential
        ("next_signing_secret", False),
        ("shared_secret", False),  # `sha` is a word, not a prefix
        ("SECRET_KEY_BASE", False),
        ("NEW_RELIC_LICENSE_KEY", False),
        ("session_token", False),
        (None, False),  # no name on the line: nothing to say
    ],
)
def test_a_name_that_says_hash_pagination_property_or_example_is_not_a_secrets_name(
    name: str | None, says_not_a_secret: bool
) -> None:
    assert ks.is_non_secret_name(name) is says_not_a_secret


@pytest.mark.parametrize(
    ("value", "line", "is_identifier"),
    [
        ("MyTestDatabaseSecret-a1b2c3", '"Name": "MyTestDatabaseSecret-a1b2c3"', True),
        ("SomeKindOfPassword123!@#", '"Password": "SomeKindOfPassword123!@#"', True),
        ("P@ssw0rd-2024", "password: P@ssw0rd-2024", True),
        ("arn:aws:secretsmanager:eu-west-1:1:secret:x", "db: arn:aws:secretsmanager:eu-west-1:1:secret:x", True),
        ("https://auth.example.com/token", "TOKEN=https://auth.example.com/token", True),
        ("([a-f0-9]{48}(?![a-f0-9]))", "password = r'([a-f0-9]{48}(?![a-f0-9]))'", True),
        ("sha512-Xk2gWq9mA3v8LzT1r0pY7cJ4nB6eH5sD", "token: sha512-Xk2gWq9mA3v8LzT1r0pY7cJ4nB6eH5sD", True),
        ("hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy", "api_key: hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy", False),
        ("7af691e74482fb3ed7de434209f49d1b", "DATADOG_API_KEY=7af691e74482fb3ed7de434209f49d1b", False),
        ("775c10f2-3fe4-47d4-aa7b-3d3bf345e18c", "client_secret: 775c10f2-3fe4-47d4-aa7b-3d3bf345e18c", False),
        ("7af691e74482fb3ed7de434209f49d1b", "token_md5=7af691e74482fb3ed7de434209f49d1b", True),
    ],
)
def test_values_that_are_no_credential_beside_a_credential_name(value: str, line: str, is_identifier: bool) -> None:
    assert ks.is_identifier_like(value, line) is is_identifier
