"""The pure-Python and hyperscan keyword engines give identical findings on a generated corpus, and no input
makes a scan slow: pathological buffers finish in bounded time with the expected (usually empty) result."""

from __future__ import annotations

import base64
import random
import string
import subprocess
import sys
import time
from urllib.parse import quote

import pytest

from scanner.engine.ruleset import load_ruleset
from scanner.findings import Finding
from scanner.scan import scan_bytes

pytest.importorskip("hyperscan")

RULESET = load_ruleset()
SEED = 20250214
FILES = 300
TIME_BOUND_S = 10.0  # a guard against catastrophic backtracking, not a benchmark

_ALNUM = string.ascii_letters + string.digits
# Words that are, contain or sit next to keywords, so the prefilter fires all over the corpus.
_WORDS = [
    *("task", "risk", "ask", "desk", "disk", "usage", "project", "proj", "token", "secret", "password"),
    *("key", "api", "org", "chart", "mode", "level", "Asia", "hooks", "slack", "begin", "private"),
    *("public", "certificate", "live", "test", "admin", "service", "account", "bearer", "auth"),
    *("credential", "npm", "pypi", "glpat", "vault", "twilio", "stripe", "github", "AKIA", "whsec"),
    *("sk", "pk", "rk", "ghp", "gho", "xoxb"),
]
_UNICODE = ["é", "ß", "漢字", "•", "…", "—", "🔑", "Ω", "\u200b", "ﬁ", "İ", "ǅ", "\u0301"]
_CODE = [
    "import os\n",
    "def handler(event, context):\n    return {{'statusCode': 200, 'body': {w!r}}}\n",
    "const {w} = require('{w}');\n",
    "{W}_URL=https://{w}.example.com/v1\n",
    "    {w}: ${{{{ secrets.{W} }}}}\n",
    "  {w}: {{{{ .Values.{w} }}}}\n",
    '{w} = os.environ["{W}"]\n',
    "export {W}=${W}\n",
    "| {w} | {w}-{w} | 2025-01-14 |\n",
    "2025-01-14T10:00:00Z INFO {w} ok latency_ms=12\n",
    '<a href="https://{w}.example.com/?q={w}">{w}</a>\n',
    "# {w} {w} {w}\n",
]


def _examples() -> tuple[list[str], list[str]]:
    planted = [ex.text for rule in RULESET.rules for ex in rule.match]
    decoys = [ex.text for rule in RULESET.rules for ex in rule.no_match]
    return planted, decoys


def _mutate(rng: random.Random, text: str) -> str:
    """A variation a real tree has: case flipped, cut short, glued, JSON- or URL-escaped, or as is."""
    choice = rng.randrange(8)
    if choice == 0:
        return text.upper()
    if choice == 1:
        return text[: rng.randrange(1, len(text) + 1)]
    if choice == 2:
        return text + rng.choice(["Docker / Compose", "Rate Limits", "xyz", "-", "=="])
    if choice == 3:
        return '{"text": ["out:\\n' + text.replace("\n", "\\n").replace('"', '\\"') + '\\n"]}'
    if choice == 4:
        return "https://example.com/cb?next=" + quote(text, safe="")
    return text


def _kubernetes_secret(rng: random.Random, value: str) -> str:
    encoded = base64.b64encode(value.encode()).decode()
    return f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s{rng.randrange(99)}\ndata:\n  key: {encoded}\n"


def _file(rng: random.Random, index: int, planted: list[str], decoys: list[str]) -> tuple[str, bytes]:
    parts: list[str] = []
    for _ in range(rng.randrange(5, 40)):
        roll = rng.random()
        w = rng.choice(_WORDS)
        if roll < 0.35:
            parts.append(rng.choice(_CODE).format(w=w, W=w.upper()))
        elif roll < 0.55:
            parts.append(" ".join(rng.choice(_WORDS + _UNICODE) for _ in range(rng.randrange(3, 20))) + "\n")
        elif roll < 0.70:
            parts.append(_mutate(rng, rng.choice(planted)) + "\n")
        elif roll < 0.85:
            parts.append(rng.choice(decoys) + "\n")
        elif roll < 0.90:
            parts.append(_kubernetes_secret(rng, rng.choice(planted).split("=")[-1]))
        else:
            parts.append("".join(rng.choice(_ALNUM + "+/=_-") for _ in range(rng.randrange(20, 400))) + "\n")
    text = "".join(parts)
    if index % 10 == 0:  # a minified bundle: everything on one very long line
        text = ";".join(text.splitlines()) * rng.randrange(5, 30)
    data = text.encode("utf-8")
    if index % 7 == 0:  # invalid UTF-8 scattered through, including inside keywords
        raw = bytearray(data)
        for _ in range(rng.randrange(1, 20)):
            raw.insert(rng.randrange(len(raw) + 1), rng.choice([0x80, 0xC0, 0xE2, 0xF0, 0xFF, 0xFE, 0xC3]))
        data = bytes(raw)
    if index % 11 == 0:
        data = data.replace(b"\n", b"\r\n")
    return f"corpus/{index:03d}.txt", data


def build_corpus(seed: int = SEED, files: int = FILES) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    planted, decoys = _examples()
    return [_file(rng, i, planted, decoys) for i in range(files)]


CORPUS = build_corpus()


def _scan(path: str, data: bytes, backend: str) -> list[Finding]:
    return scan_bytes(data, RULESET, path=path, backend=backend)


def test_python_and_hyperscan_engines_report_identical_findings_on_the_corpus() -> None:
    differing = []
    total = 0
    for path, data in CORPUS:
        by_python = _scan(path, data, "python")
        by_hyperscan = _scan(path, data, "hyperscan")
        total += len(by_python)
        if by_python != by_hyperscan:
            differing.append((path, by_python, by_hyperscan))
    assert differing == [], f"{len(differing)} files differ, first: {differing[0][0]}"
    assert total > FILES, "the corpus must plant enough secrets for the comparison to mean something"


def test_the_corpus_exercises_every_rule() -> None:
    found = {f.rule_id for path, data in CORPUS for f in _scan(path, data, "python")}
    assert found == {rule.id for rule in RULESET.rules}


def test_the_corpus_is_the_same_on_every_run() -> None:
    assert build_corpus(files=20) == CORPUS[:20]


_B64 = (_ALNUM + "+/").encode() * 4  # 256 entries: every byte value maps onto the base64 alphabet
_B64_LINE = random.Random(SEED).randbytes(5_000_000).translate(_B64)
_KEY = "sk-proj-IhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlSXpfKtHF4vU"

PATHOLOGICAL = [
    pytest.param(b"sk-proj-" * 131_072, [], id="1MB-of-sk-proj-prefixes"),
    pytest.param(b"a=" * 100_000, [], id="a=-x100000"),
    pytest.param(_B64_LINE, [], id="5MB-base64ish-single-line"),
    pytest.param(
        _B64_LINE[:2_000_000] + b" " + _KEY.encode(),
        [("openai-project-key", 1, 2_000_002)],
        id="key-after-2MB-line",
    ),
    pytest.param(b"-----BEGIN RSA PRIVATE KEY-----\n" * 32_768, [], id="1MB-of-BEGIN-lines-without-END"),
    pytest.param(b"-----BEGIN PRIVATE KEY-----" * 40_000, [], id="1MB-of-BEGIN-on-one-line"),
    pytest.param(b"api_key=" * 125_000, [], id="1MB-of-api_key="),
    pytest.param(b"api_key=A1b2C3d4E5f6G7h8J9k0" * 40_000, [], id="1MB-of-runon-generic-values"),
    pytest.param(b"token: a1\n" * 100_000, [], id="100k-lines-of-token"),
    pytest.param(b"hooks.slack.com/" * 60_000, [], id="1MB-of-slack-hook-hosts"),
    pytest.param(b"aws_secret_access_key=" * 40_000, [], id="1MB-of-aws-secret-names"),
    pytest.param(("é•…" * 200_000).encode() + b"\xff\xfe" * 100_000, [], id="unicode-and-invalid-utf8"),
    pytest.param(b"\\n" * 500_000 + b"%3D" * 100_000, [], id="escape-sequences"),
]


@pytest.mark.parametrize("backend", ["python", "hyperscan"])
@pytest.mark.parametrize(("data", "expected"), PATHOLOGICAL)
def test_pathological_input_scans_in_bounded_time(
    data: bytes, expected: list[tuple[str, int, int]], backend: str
) -> None:
    started = time.perf_counter()
    found = [(f.rule_id, f.line, f.column) for f in scan_bytes(data, RULESET, backend=backend)]
    elapsed = time.perf_counter() - started
    assert found == expected
    assert elapsed < TIME_BOUND_S, f"{len(data)} bytes took {elapsed:.1f}s"


_LINEAR_PROBE = """
import sys
from scanner.engine.ruleset import load_ruleset
from scanner.scan import scan_bytes
assert scan_bytes(sys.argv[1].encode() * int(sys.argv[2]), load_ruleset(), backend="python") == []
"""


def test_the_linear_time_probe_runs_on_a_small_input() -> None:
    subprocess.run([sys.executable, "-c", _LINEAR_PROBE, "token ", "1000"], check=True, timeout=60)


@pytest.mark.parametrize(("unit", "count"), [("token ", 500_000), ("AKIA", 750_000)])
def test_many_keyword_hits_on_one_long_line_scan_in_linear_time(unit: str, count: int) -> None:
    subprocess.run([sys.executable, "-c", _LINEAR_PROBE, unit, str(count)], check=True, timeout=3)
