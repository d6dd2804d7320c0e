"""keysweep's heuristic predicates agree with detect-secrets' own on the same inputs (they are a port, kept
out of the hook's import path), and the masks and placeholders keysweep adds are recognised."""

from __future__ import annotations

import detect_secrets.filters.heuristic as ds
import pytest

from scanner.engine import placeholders as ks

SECRETS = [
    "ABCDEFGHIJKLMNOP", "0123456789", "abcdef0123456789", "ABCDEF012345", "XYZ=/", "1234567890ABCDEF",
    "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy", "{secret}", "<your-api-key>", "${API_KEY}", "$API_KEY", "x", "",
    "4f6a1c1e-9b0d-4a5e-8f2a-1b2c3d4e5f60", "prefix-4F6A1C1E-9B0D-4A5E-8F2A-1B2C3D4E5F60", "{unbalanced",
]  # fmt: skip
LINES = [
    ('user_id = "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"', "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"),
    ('id: "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"', "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"),
    ('ids = ["hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"]', "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"),
    ('api_key = "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"', "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"),
    ('secret = get_secret_key("hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy")', "hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy"),
    ("token = request.headers['apikey']", "apikey"),
    ("password == os.environ.get('X')", "X"),
    ("a" * 1200 + " = f(x)", "x"),
]


@pytest.mark.parametrize("secret", SECRETS)
def test_value_predicates_agree_with_detect_secrets(secret: str) -> None:
    if secret:
        assert ks.is_sequential_string(secret) == ds.is_sequential_string(secret)
    assert ks.is_potential_uuid(secret) == ds.is_potential_uuid(secret)
    assert ks.is_templated_secret(secret) == ds.is_templated_secret(secret)


@pytest.mark.parametrize(("line", "secret"), LINES)
def test_line_predicates_agree_with_detect_secrets(line: str, secret: str) -> None:
    assert ks.is_likely_id_string(secret, line) == ds.is_likely_id_string(secret, line)
    assert ks.is_indirect_reference(line) == ds.is_indirect_reference(line)


@pytest.mark.parametrize(
    ("value", "is_placeholder"),
    [
        ("sk-proj-J1••••••••", True),
        ("sk-…abcd", True),
        ("XXXXXXXXXXXXXXXX", True),
        ("REPLACE_ME", True),
        ("your-api-key-here", True),
        ("hCJ1iOVveuEuNTXqsT1zATjwtMMgpHoy", False),
        ("hereIsNotAWordBoundaryXy7Qz", False),  # `here` glued into letters is no placeholder word
    ],
)
def test_masks_and_placeholder_words(value: str, is_placeholder: bool) -> None:
    assert ks.is_masked_or_placeholder(value) is is_placeholder
