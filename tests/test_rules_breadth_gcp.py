"""A Google Cloud service-account key file: its PEM `private_key` (with `\\n` escapes inside JSON) is the secret,
reported by the `private-key` rule, in the downloaded file and inside a Kubernetes Secret; nothing else in it is.
"""

from __future__ import annotations

import base64
import json
import random

import pytest

from scanner.engine.ruleset import load_ruleset
from scanner.findings import Severity
from scanner.scan import scan_bytes

RULESET = load_ruleset()
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def service_account(seed: int) -> tuple[dict[str, str], str, str]:
    """A service-account key file as the console downloads it, with a random stand-in for the RSA key."""
    rng = random.Random(seed)
    body = "".join(rng.choice(_B64) for _ in range(1620))
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    pem = f"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC{lines}\n-----END PRIVATE KEY-----\n"
    key_id = rng.randbytes(20).hex()
    client_id = "".join(rng.choice("0123456789") for _ in range(21))
    document = {
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": key_id,
        "private_key": pem,
        "client_email": "deployer@acme-prod.iam.gserviceaccount.com",
        "client_id": client_id,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/deployer%40acme-prod.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com",
    }
    return document, pem, key_id


@pytest.mark.parametrize("seed", range(5))
def test_downloaded_key_file_yields_its_private_key_and_the_key_id_to_disable(seed: int) -> None:
    document, pem, key_id = service_account(seed)
    text = json.dumps(document, indent=2)
    findings = scan_bytes(text.encode(), RULESET, path="acme-prod-1a2b3c4d5e6f.json")
    assert [(f.rule_id, f.severity) for f in findings] == [
        ("gcp-service-account-key-id", Severity.INFO),
        ("private-key", Severity.CRITICAL),
    ]
    assert findings[0].secret == key_id
    key = findings[1]
    assert key.secret == json.dumps(pem.rstrip("\n"))[1:-1]  # the escaped PEM, `\n` and all
    assert key.line == text.splitlines().index(next(x for x in text.splitlines() if '"private_key":' in x)) + 1
    assert key.severity == Severity.CRITICAL


def test_compact_key_file_inside_a_kubernetes_secret_is_decoded_and_found() -> None:
    document, _, _ = service_account(9)
    encoded = base64.b64encode(json.dumps(document).encode()).decode()
    manifest = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: gcp-sa\ndata:\n  key.json: {encoded}\n"
    findings = scan_bytes(manifest.encode(), RULESET, path="k8s/gcp-sa.yaml")
    keys = [f for f in findings if f.rule_id == "private-key"]
    assert len(keys) == 1
    assert keys[0].line == 6 and keys[0].decoded == "base64"


@pytest.mark.parametrize("indent", [None, 2])
def test_key_file_inside_a_kubernetes_secret_yields_the_key_and_its_id_compact_or_pretty_printed(
    indent: int | None,
) -> None:
    document, _, key_id = service_account(11)
    encoded = base64.b64encode(json.dumps(document, indent=indent).encode()).decode()
    manifest = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: gcp-sa\ndata:\n  key.json: {encoded}\n"
    findings = scan_bytes(manifest.encode(), RULESET, path="k8s/gcp-sa.yaml")
    assert sorted((f.rule_id, f.line, f.decoded) for f in findings) == [
        ("gcp-service-account-key-id", 6, "base64"),
        ("private-key", 6, "base64"),
    ]
    assert key_id in {f.secret for f in findings}


def test_key_file_with_the_private_key_redacted_reports_only_the_informational_key_id() -> None:
    document, _, _ = service_account(4)
    document["private_key"] = "-----BEGIN PRIVATE KEY-----\n<redacted>\n-----END PRIVATE KEY-----\n"
    findings = scan_bytes(json.dumps(document, indent=2).encode(), RULESET, path="sa.json")
    assert [(f.rule_id, f.severity) for f in findings] == [("gcp-service-account-key-id", Severity.INFO)]
