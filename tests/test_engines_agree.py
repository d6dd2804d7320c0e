"""The pure-Python and hyperscan keyword engines give identical findings on a generated corpus (skipped where
hyperscan is not installed; tests/test_bounded_time.py holds the engine-independent time bounds)."""

from __future__ import annotations

import base64
import random
import string
from urllib.parse import quote

import pytest

from scanner.engine.ruleset import load_ruleset
from scanner.findings import Finding
from scanner.scan import scan_bytes

pytest.importorskip("hyperscan")

RULESET = load_ruleset()
SEED = 20250214
FILES = 300

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
    # Every rule's first example is planted as is in some file, so the corpus exercises every rule however the
    # random choices fall.
    parts: list[str] = [RULESET.rules[index % len(RULESET.rules)].match[0].text + "\n"]
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
    """Random files, then one file per rule holding its first `match` example as is.

    With a couple of hundred rules a random draw of examples leaves some rule out now and then; the per-rule
    files make sure both engines are compared on every rule, whatever the draw.
    """
    rng = random.Random(seed)
    planted, decoys = _examples()
    corpus = [_file(rng, i, planted, decoys) for i in range(files)]
    corpus += [(_rule_file(rule.id, rule.match[0].path), rule.match[0].text.encode()) for rule in RULESET.rules]
    return corpus


def _rule_file(rule_id: str, example_path: str) -> str:
    """Where a rule's example file sits: the file its example names (a `paths` rule reads only those), else one of
    the corpus's own."""
    return f"corpus/rule-{rule_id}/{example_path}" if example_path != "-" else f"corpus/rule-{rule_id}.txt"


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
    assert build_corpus(files=20)[:20] == CORPUS[:20]
