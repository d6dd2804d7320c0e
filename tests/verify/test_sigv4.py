"""keysweep's Signature Version 4 signer against AWS's published vectors.

The request vectors are AWS's Signature Version 4 test suite (credentials AKIDEXAMPLE /
wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 2015-08-30T12:36:00Z, us-east-1, service `service`; the suite ships
with AWS's SDKs, for example awslabs/aws-c-auth tests/aws-signing-test-suite/v4/<name>/header-signed-request.txt).
The signing-key vector is the IAM User Guide's "derive a signing key" example (2012-02-15, us-east-1, iam).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scanner.verify.sigv4 import AwsKey, canonical_request, sign, signing_key, string_to_sign

SUITE_KEY = AwsKey("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SUITE_TIME = datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC)
SUITE_TOKEN = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
HOST = "https://example.amazonaws.com"


def suite_signature(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b"", key: AwsKey = SUITE_KEY
) -> str:
    signed = sign(method, url, headers or {}, body, key, region="us-east-1", service="service", when=SUITE_TIME)
    return signed["Authorization"].rsplit("Signature=", 1)[1]


VECTORS = [
    ("get-vanilla", "GET", f"{HOST}/", {}, b"", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    ("get-vanilla-query-order-key-case", "GET", f"{HOST}/?Param2=value2&Param1=value1", {}, b"",
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    ("get-vanilla-utf8-query", "GET", f"{HOST}/?ሴ=bar", {}, b"",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
    ("get-utf8", "GET", f"{HOST}/ሴ", {}, b"", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    ("get-unreserved", "GET", f"{HOST}/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", {}, b"",
     "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
    ("get-header-value-trim", "GET", f"{HOST}/", {"My-Header1": " value1", "My-Header2": ' "a   b   c"'}, b"",
     "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
    ("post-vanilla", "POST", f"{HOST}/", {}, b"", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    ("post-x-www-form-urlencoded", "POST", f"{HOST}/", {"Content-Type": "application/x-www-form-urlencoded"},
     b"Param1=value1", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "method", "url", "headers", "body", "signature"), VECTORS, ids=[v[0] for v in VECTORS]
)
def test_the_signer_reproduces_awss_test_suite(
    name: str, method: str, url: str, headers: dict[str, str], body: bytes, signature: str
) -> None:
    assert suite_signature(method, url, headers, body) == signature, name


def test_a_session_token_is_sent_and_signed_as_in_the_suites_get_vanilla_with_session_token() -> None:
    key = AwsKey(SUITE_KEY.access_key_id, SUITE_KEY.secret_access_key, SUITE_TOKEN)

    signed = sign("GET", f"{HOST}/", {}, b"", key, region="us-east-1", service="service", when=SUITE_TIME)

    assert signed["X-Amz-Security-Token"] == SUITE_TOKEN
    assert signed["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-security-token, "
        "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"
    )


def test_the_post_form_vector_canonical_request_and_string_to_sign_are_awss() -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Host": "example.amazonaws.com",
               "X-Amz-Date": "20150830T123600Z"}  # fmt: skip

    canonical, signed = canonical_request("POST", f"{HOST}/", headers, b"Param1=value1")

    assert signed == "content-type;host;x-amz-date"
    assert canonical == (
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
    )
    assert string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical).endswith(
        "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"
    )


def test_the_signing_key_is_the_iam_user_guides_example() -> None:
    key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")

    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


@pytest.mark.parametrize(
    ("changed", "value"),
    [("region", "eu-west-1"), ("service", "sts"), ("secret", "x" * 40), ("when", datetime(2015, 8, 31, tzinfo=UTC))],
)
def test_every_input_of_the_signature_changes_it(changed: str, value: object) -> None:
    args: dict[str, object] = {"region": "us-east-1", "service": "service", "when": SUITE_TIME}
    key = SUITE_KEY
    if changed == "secret":
        key = AwsKey(SUITE_KEY.access_key_id, str(value))
    else:
        args[changed] = value

    signed = sign("GET", f"{HOST}/", {}, b"", key, **args)  # type: ignore[arg-type]

    assert not signed["Authorization"].endswith("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")


def test_the_host_header_keeps_a_non_default_port_and_drops_the_default_one() -> None:
    on_port = sign(
        "GET", "http://127.0.0.1:8123/", {}, b"", SUITE_KEY, region="us-east-1", service="sts", when=SUITE_TIME
    )
    default = sign(
        "GET", "https://sts.amazonaws.com:443/", {}, b"", SUITE_KEY, region="us-east-1", service="sts", when=SUITE_TIME
    )

    assert (on_port["Host"], default["Host"]) == ("127.0.0.1:8123", "sts.amazonaws.com")


def test_the_secret_key_is_never_in_the_signed_headers_or_the_keys_repr() -> None:
    signed = sign("GET", f"{HOST}/", {}, b"", SUITE_KEY, region="us-east-1", service="service", when=SUITE_TIME)

    assert SUITE_KEY.secret_access_key not in repr(signed) and SUITE_KEY.secret_access_key not in repr(SUITE_KEY)
