"""Encoded secrets are decoded, found, and reported at the place they are written."""

from __future__ import annotations

import base64
from collections.abc import Callable

from scanner.engine.ruleset import load_ruleset
from scanner.scan import scan_bytes

RULES = load_ruleset()


def test_kubernetes_secret_data_is_base64_decoded(make_key: Callable[..., str]) -> None:
    key = make_key()
    encoded = base64.b64encode(key.encode()).decode()
    manifest = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: nexus\ndata:\n  NEXUS_API_KEY: {encoded}\n"
    [finding] = scan_bytes(manifest.encode(), RULES)
    assert (finding.secret, finding.decoded) == (key, "base64")
    assert (finding.line, finding.column, finding.end_column) == (6, 18, 18 + len(encoded))


def test_base64_outside_a_kubernetes_secret_is_left_alone(make_key: Callable[..., str]) -> None:
    encoded = base64.b64encode(make_key().encode()).decode()
    assert scan_bytes(f"kind: ConfigMap\ndata:\n  blob: {encoded}\n".encode(), RULES) == []


def test_json_escaped_slash_inside_a_secret_is_undone(make_key: Callable[..., str]) -> None:
    head, tail = make_key("whsec_", 16), make_key("", 20)
    text = '{"secret": "' + head + "\\/" + tail + '"}'
    [finding] = scan_bytes(text.encode(), RULES)
    assert (finding.secret, finding.decoded) == (f"{head}/{tail}", "json")
    assert (finding.column, finding.end_column) == (13, 13 + len(head) + 2 + len(tail))


def test_url_encoded_secret_in_a_query_string(make_key: Callable[..., str]) -> None:
    head, tail = make_key("whsec_", 16), make_key("", 20)
    text = f"https://hooks.example.com/?secret={head}%2B{tail}%3D&a=1"
    [finding] = scan_bytes(text.encode(), RULES)
    assert (finding.secret, finding.decoded) == (f"{head}+{tail}=", "url")


def test_notebook_output_cell_with_escaped_newline(make_key: Callable[..., str]) -> None:
    key = make_key()
    cell = '{"outputs": [{"text": ["client ready\\n' + key + '\\n"]}]}'
    [finding] = scan_bytes(cell.encode(), RULES)
    assert finding.secret == key
