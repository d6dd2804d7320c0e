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


class _Every:
    """Every line holds a keyword (the dense case)."""

    def holds_keyword(self, start: int, end: int) -> bool:
        return True

    def few_lines(self, start: int = 0) -> None:
        return None


def test_percent_escapes_without_a_url_in_the_buffer_decode_nothing() -> None:
    from scanner.engine.decoders import decoded_spans

    assert list(decoded_spans(b"token %2F\n" * 1000, _Every())) == []
    # The same lines in a buffer holding a URL elsewhere: still nothing, since none of them is a URL line.
    assert list(decoded_spans(b"see https://example.com\n" + b"token %2F\n" * 3, _Every())) == []


def test_consecutive_escaped_lines_decode_as_one_span_mapped_back_byte_for_byte() -> None:
    from scanner.engine.decoders import decoded_spans, map_span

    data = b'a = "x\\/y"\nb = "p\\/q"\nplain\nc = "r\\/s"\n'
    spans = list(decoded_spans(data, _Every()))
    assert [s.data for s in spans] == [b'a = "x/y"\nb = "p/q"', b'c = "r/s"']
    first = spans[0]
    assert data[slice(*map_span(first, 10, 19))] == b'b = "p\\/q"'
    assert data[slice(*map_span(first, 5, 8))] == b"x\\/y"


def test_escaped_secrets_on_consecutive_lines_keep_their_own_lines(make_key: Callable[..., str]) -> None:
    heads = [make_key("whsec_", 16) for _ in range(3)]
    tail = make_key("", 20)
    text = "".join(f'{{"secret": "{h}\\/{tail}"}}\n' for h in heads)
    found = sorted((f.line, f.column, f.secret, f.decoded) for f in scan_bytes(text.encode(), RULES))
    assert found == [(i + 1, 13, f"{h}/{tail}", "json") for i, h in enumerate(heads)]


def test_a_url_password_keeps_its_percent_escapes_where_decoding_would_move_the_split() -> None:
    """`%40` and `%3a` in a URL's password are its data: decoding them first reads another user and password."""
    for line, rule, secret in [
        (
            b"DATABASE_URL=postgres://app:Zq7%40xK9%3amP2vL8nR@db.internal:5432/app\n",
            "database-url-password",
            "Zq7%40xK9%3amP2vL8nR",
        ),
        (b"FTPs://!%3aC=][5,bfz*(NRT:!%3aC=][5,bfz*(NRT@T\n", "url-password", "!%3aC=][5,bfz*(NRT"),  # by hypothesis
    ]:
        [finding] = scan_bytes(line, RULES)
        assert (finding.rule_id, finding.secret, finding.decoded) == (rule, secret, None)
