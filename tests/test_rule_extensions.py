"""The rule-schema extensions, each at and beyond its boundary: `near` pairs, `paths` globs, `validate = "jwt"`
with `jwt_claims`, `prefix` lists, and the decoders that find every secret in a base64 value."""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.engine.examples import check_examples
from scanner.engine.path_globs import compile_globs
from scanner.engine.rule import Rule
from scanner.engine.ruleset import RuleSet, load_rule_file, load_ruleset
from scanner.errors import RuleError
from scanner.findings import Finding, secret_id
from scanner.scan import scan_bytes
from tests.conftest import BACKENDS

BUNDLED = load_ruleset()
_ALNUM = string.ascii_letters + string.digits


def _custom(tmp_path: Path, body: str) -> RuleSet:
    path = tmp_path / "custom.toml"
    path.write_text(body)
    return RuleSet((*BUNDLED.rules, *load_rule_file(path)))


def _found(text: str, ruleset: RuleSet = BUNDLED, *, path: str = "-", backend: str = "python") -> list[Finding]:
    return scan_bytes(text.encode(), ruleset, path=path, backend=backend)


def _random(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


# --- near ------------------------------------------------------------------------------------------------------

AWS_ID = "AKIA" + _random(random.Random(5), 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
AWS_SECRET = _random(random.Random(6), 36, _ALNUM + "+/") + "Zq9/"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("gap", "found"), [(0, True), (4, True), (5, False), (6, False)])
def test_a_near_rule_counts_a_value_only_within_its_lines_of_the_partner(gap: int, found: bool, backend: str) -> None:
    # `aws-secret-access-key-near-id` has `lines = 5`: the secret on the 5th line after the id is within reach.
    text = f"credentials:\n  key: {AWS_ID}\n" + "  note: x\n" * gap + f"  secret: {AWS_SECRET}\n"
    pairs = [f for f in _found(text, backend=backend) if f.rule_id == "aws-secret-access-key-near-id"]
    assert [f.secret for f in pairs] == ([AWS_SECRET] if found else [])


def test_a_near_finding_points_at_its_partner() -> None:
    text = f"key: {AWS_ID}\nsecret: {AWS_SECRET}\n"
    [pair] = [f for f in _found(text) if f.rule_id == "aws-secret-access-key-near-id"]
    assert pair.related == (secret_id(AWS_ID),)


def test_a_near_rule_yields_to_a_rule_that_recognises_the_value_itself() -> None:
    text = f"aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    assert [f.rule_id for f in _found(text)] == ["aws-access-key-id", "aws-secret-access-key"]


def test_a_near_regex_partner_and_the_partners_own_span(tmp_path: Path) -> None:
    ruleset = _custom(
        tmp_path,
        '[[rule]]\nid = "acme-secret"\ndescription = "x"\nkeywords = ["acme_user"]\n'
        "near = { regex = '''acme_user=[a-f0-9]{32}''', lines = 1 }\n"
        "regex = '''(?m)(?:^|[^a-f0-9])([a-f0-9]{32})(?:$|[^a-f0-9])'''\n",
    )
    rng = random.Random(1)
    user, token = _random(rng, 32, "abcdef0123456789"), _random(rng, 32, "abcdef0123456789")
    near = [f.secret for f in _found(f"acme_user={user}\npassword {token}\n", ruleset) if f.rule_id == "acme-secret"]
    far = [f.secret for f in _found(f"acme_user={user}\n\n\npassword {token}\n", ruleset) if f.rule_id == "acme-secret"]
    assert near == [token]  # the partner's own 32 hex are not its secret
    assert far == []


# --- paths -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("globs", "path", "selected"),
    [
        ([".pgpass"], ".pgpass", True),
        ([".pgpass"], "home/ci/.pgpass", True),
        ([".pgpass"], "home/ci/.pgpass.bak", False),
        (["**/.docker/config.json"], ".docker/config.json", True),
        (["**/.docker/config.json"], "a/b/.docker/config.json", True),
        (["**/.docker/config.json"], "a/docker/config.json", False),
        (["config/*.key"], "config/master.key", True),
        (["config/*.key"], "app/config/master.key", False),
        (["config/*.key"], "config/keys/master.key", False),
        (["*.pgpass"], "-", False),
    ],
)
def test_paths_globs_select_files_as_gitignore_does(globs: list[str], path: str, selected: bool) -> None:
    assert (compile_globs(globs).fullmatch(path) is not None) is selected


def test_a_path_scoped_rule_runs_only_on_its_files(tmp_path: Path, make_key: Callable[..., str]) -> None:
    ruleset = _custom(
        tmp_path,
        '[[rule]]\nid = "pgpass-password"\ndescription = "x"\nkeywords = [":5432:"]\n'
        'paths = [".pgpass", "pgpass.conf"]\n'
        "regex = '''(?m)^[^:\\n]+:5432:[^:\\n]+:[^:\\n]+:([^:\\n]{8,128})$'''\nentropy = 3.0\n",
    )
    password = make_key("", 24)
    line = f"db.internal:5432:app:app:{password}\n"
    assert [f.secret for f in _found(line, ruleset, path="home/ci/.pgpass")] == [password]
    assert _found(line, ruleset, path="notes.txt") == []
    assert _found(line, ruleset, path="-") == []


# --- validate = "jwt" ------------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(header: dict[str, object], payload: dict[str, object], signature_bytes: int) -> str:
    signature = random.Random(signature_bytes).randbytes(signature_bytes)
    return ".".join(_b64url(part) for part in (json.dumps(header).encode(), json.dumps(payload).encode(), signature))


@pytest.fixture(scope="module")
def jwt_rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    folder = tmp_path_factory.mktemp("jwt")
    return _custom(
        folder,
        '[[rule]]\nid = "any-jwt"\ndescription = "x"\nkeywords = ["eyj"]\nprefix = "eyJ"\n'
        'validate = "jwt"\nwindow = 2048\n'
        "regex = '''eyJ[A-Za-z0-9_-]{10,400}\\.eyJ[A-Za-z0-9_-]{10,1000}\\.[A-Za-z0-9_-]{20,400}'''\n"
        '[[rule]]\nid = "acme-admin-jwt"\ndescription = "x"\nkeywords = ["eyj"]\nprefix = "eyJ"\n'
        "window = 2048\njwt_claims = { role = \"admin\", iss = { regex = '''^https://[a-z]+\\.acme\\.test/$''' } }\n"
        "regex = '''eyJ[A-Za-z0-9_-]{10,400}\\.eyJ[A-Za-z0-9_-]{10,1000}\\.[A-Za-z0-9_-]{20,400}'''\n",
    )


@pytest.mark.parametrize(
    ("alg", "signature_bytes", "valid"),
    [
        ("HS256", 32, True),
        ("HS256", 31, False),
        ("HS256", 33, False),
        ("HS512", 64, True),
        ("ES256", 64, True),
        ("RS256", 256, True),
        ("RS256", 32, False),
        ("none", 32, False),
        ("XS999", 32, False),
    ],
)
def test_a_jwt_needs_a_real_algorithm_and_a_signature_of_its_length(
    jwt_rules: RuleSet, alg: str, signature_bytes: int, valid: bool
) -> None:
    token = _jwt({"alg": alg, "typ": "JWT"}, {"sub": "42"}, signature_bytes)
    found = [f.secret for f in _found(f"token: {token}\n", jwt_rules) if f.rule_id == "any-jwt"]
    assert found == ([token] if valid else [])


def test_a_jwt_whose_payload_is_not_json_is_not_a_jwt(jwt_rules: RuleSet) -> None:
    header = _b64url(b'{"alg":"HS256"}')
    token = f"{header}.{_b64url(b'eyJ not json at all')}.{_b64url(bytes(range(32)))}"
    assert [f for f in _found(f"t={token}\n", jwt_rules) if f.rule_id == "any-jwt"] == []


@pytest.mark.parametrize(
    ("claims", "reported"),
    [
        ({"role": "admin", "iss": "https://tenant.acme.test/"}, True),
        ({"role": "admin", "iss": "https://tenant.acme.test/x"}, False),
        ({"role": "reader", "iss": "https://tenant.acme.test/"}, False),
        ({"iss": "https://tenant.acme.test/"}, False),
        ({"role": ["admin"], "iss": "https://tenant.acme.test/"}, False),
    ],
)
def test_jwt_claims_select_a_providers_tokens(jwt_rules: RuleSet, claims: dict[str, object], reported: bool) -> None:
    token = _jwt({"alg": "HS256"}, claims, 32)
    found = [f.secret for f in _found(f"token: {token}\n", jwt_rules) if f.rule_id == "acme-admin-jwt"]
    assert found == ([token] if reported else [])


# --- prefix lists ----------------------------------------------------------------------------------------------


def test_a_rule_with_several_prefixes_is_anchored_and_reports_the_prefix_each_secret_has(tmp_path: Path) -> None:
    ruleset = _custom(
        tmp_path,
        '[[rule]]\nid = "acme-token"\ndescription = "x"\nkeywords = ["acp_", "acs_"]\n'
        'prefix = ["acp_", "acs_"]\nentropy = 3.5\n'
        "regex = '''ac[ps]_[A-Za-z0-9]{32}'''\n",
    )
    rule = ruleset.by_id("acme-token")
    rng = random.Random(3)
    first, second = "acp_" + _random(rng, 32), "acs_" + _random(rng, 32)
    found = _found(f"a={first}\nb={second}\n", ruleset)
    assert rule.anchored
    assert [(f.secret, f.prefix) for f in found] == [(first, "acp_"), (second, "acs_")]


def test_entropy_leaves_out_the_prefix_the_secret_has(tmp_path: Path) -> None:
    ruleset = _custom(
        tmp_path,
        '[[rule]]\nid = "acme-token"\ndescription = "x"\nkeywords = ["zzzzzzzz_", "yyyyyyyy_"]\n'
        'prefix = ["zzzzzzzz_", "yyyyyyyy_"]\nentropy = 4.5\n'
        "regex = '''(?:zzzzzzzz|yyyyyyyy)_[A-Za-z0-9]{40}'''\n",
    )
    body = _random(random.Random(8), 40)
    # The body alone has > 4.5 bits per character; counted with its low-entropy prefix it would not.
    assert [f.secret for f in _found(f"k=yyyyyyyy_{body}\n", ruleset)] == [f"yyyyyyyy_{body}"]


def _rule(ruleset: RuleSet, rule_id: str) -> Rule:
    return ruleset.by_id(rule_id)


# --- decoders --------------------------------------------------------------------------------------------------


def _secret_manifest(value: str) -> str:
    encoded = base64.b64encode(value.encode()).decode()
    return f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  env: {encoded}\n"


def test_a_base64_value_holding_two_secrets_yields_both(make_key: Callable[..., str]) -> None:
    org, key = "org-" + make_key("", 24), make_key("sk-proj-", 48)
    found = _found(_secret_manifest(f"OPENAI_ORG_ID={org}\nOPENAI_API_KEY={key}\n"))
    assert sorted((f.rule_id, f.secret, f.line, f.decoded) for f in found) == sorted(
        [("openai-org-id", org, 6, "base64"), ("openai-project-key", key, 6, "base64")]
    )


def test_a_pretty_printed_value_is_decoded(make_key: Callable[..., str]) -> None:
    key = make_key("sk-proj-", 48)
    found = _found(_secret_manifest(json.dumps({"openai": {"api_key": key}}, indent=2)))
    assert [(f.rule_id, f.secret, f.decoded) for f in found] == [("openai-project-key", key, "base64")]


def _pem(rng: random.Random, kind: str = "PRIVATE KEY", size: int = 600) -> str:
    body = base64.b64encode(rng.randbytes(size)).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----\n"


@pytest.mark.parametrize("wrap", [None, 76])
def test_a_base64_encoded_private_key_anywhere_is_decoded_and_found(wrap: int | None) -> None:
    encoded = base64.b64encode(_pem(random.Random(4)).encode()).decode()
    if wrap:
        encoded = "\n    ".join(encoded[i : i + wrap] for i in range(0, len(encoded), wrap))
    values = f"tls:\n  enabled: true\n  key: |\n    {encoded}\n  port: 443\n"
    found = _found(values, path="charts/app/values.yaml")
    assert [(f.rule_id, f.line, f.decoded) for f in found] == [("private-key", 4, "base64")]


def test_a_base64_encoded_certificate_is_no_private_key() -> None:
    encoded = base64.b64encode(_pem(random.Random(5), "CERTIFICATE").encode()).decode()
    assert _found(f"ca: {encoded}\n") == []


# --- anchor ----------------------------------------------------------------------------------------------------


def test_an_anchored_rule_without_a_prefix_matches_at_its_keyword_and_reports_a_later_group(
    tmp_path: Path, make_key: Callable[..., str]
) -> None:
    ruleset = _custom(
        tmp_path,
        '[[rule]]\nid = "xml-password"\ndescription = "x"\nkeywords = ["<dbpassword>"]\nanchor = true\n'
        "window = 400\nentropy = 3.0\nregex = '''<dbPassword>\\s{0,40}([^<\\s]{8,64})\\s{0,40}</dbPassword>'''\n",
    )
    password = make_key("", 20)
    found = _found(f"<config>\n  <dbPassword>\n    {password}\n  </dbPassword>\n</config>\n", ruleset)
    assert ruleset.by_id("xml-password").anchored
    assert [(f.rule_id, f.secret, f.line, f.prefix) for f in found] == [("xml-password", password, 3, "")]


def test_anchor_with_a_prefix_that_is_no_keyword_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(
        '[[rule]]\nid = "x-rule"\ndescription = "x"\nkeywords = ["acme"]\nanchor = true\nprefix = "zz_"\n'
        "regex = '''acme_[a-z]{8}'''\n"
    )
    with pytest.raises(RuleError, match="rule 'x-rule': `anchor = true` with a `prefix` that is not one of"):
        load_rule_file(path)


@pytest.mark.parametrize(("gap", "found"), [(4, True), (5, False)])
def test_a_near_rule_reaches_as_far_before_the_partner_as_after(gap: int, found: bool) -> None:
    text = f"  secret: {AWS_SECRET}\n" + "  note: x\n" * gap + f"  key: {AWS_ID}\n"
    pairs = [f.secret for f in _found(text) if f.rule_id == "aws-secret-access-key-near-id"]
    assert pairs == ([AWS_SECRET] if found else [])


def test_a_near_rule_finds_partners_of_a_rule_defined_after_it(tmp_path: Path) -> None:
    ruleset = RuleSet(
        load_rule_file(
            _write(
                tmp_path,
                '[[rule]]\nid = "acme-secret"\ndescription = "x"\nkeywords = ["acmeid"]\n'
                "near = { rule = \"acme-id\", lines = 2 }\nregex = '''(?m)secret: ([A-Za-z0-9]{30})$'''\n"
                '[[rule]]\nid = "acme-id"\ndescription = "x"\nkeywords = ["acmeid"]\nprefix = "ACMEID"\n'
                "identifier = true\nregex = '''ACMEID[0-9]{8}'''\n",
            )
        )
    )
    secret = _random(random.Random(12), 30)
    found = _found(f"id: ACMEID48213977\nsecret: {secret}\n", ruleset)
    assert [(f.rule_id, f.secret) for f in found] == [("acme-id", "ACMEID48213977"), ("acme-secret", secret)]


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(body)
    return path


def test_a_base64_private_key_in_a_kubernetes_secret_is_reported_once() -> None:
    encoded = base64.b64encode(_pem(random.Random(6)).encode()).decode()
    found = _found(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ndata:\n  tls.key: {encoded}\n")
    assert [(f.rule_id, f.line, f.decoded) for f in found] == [("private-key", 6, "base64")]


def test_a_wrapped_value_ends_at_its_short_last_line() -> None:
    rng = random.Random(7)
    for size in range(600, 700):  # a key whose encoding's last wrapped line is shorter than the rest but 40+ long
        encoded = base64.b64encode(_pem(rng, size=size).encode()).decode()
        if len(encoded) % 76 >= 40:
            break
    assert len(encoded) % 76 >= 40
    wrapped = "\n  ".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    found = _found(f"key: |\n  {wrapped}\n  done\n")
    assert [(f.rule_id, f.line) for f in found] == [("private-key", 2)]


def test_percent_escapes_are_url_decoding_only_in_a_url() -> None:
    literal = "%2aOH6vH%o9!K3Y@!"  # a password that holds `%2a`, in a .env file
    assert [(f.secret, f.decoded) for f in _found(f"PASSWORD={literal}\n")] == [(literal, None)]


# --- twilio-auth-token-near-sid (a `near` rule activated from the rules-b drafts) --------------------------------

TWILIO_SID = "AC" + _random(random.Random(21), 32, "0123456789abcdef")
TWILIO_TOKEN = _random(random.Random(22), 32, "0123456789abcdef")


@pytest.mark.parametrize(("gap", "found"), [(0, True), (2, True), (3, False)])
def test_a_twilio_auth_token_counts_within_three_lines_of_its_account_sid(gap: int, found: bool) -> None:
    text = f"account_sid = '{TWILIO_SID}'\n" + "# -\n" * gap + f"token = '{TWILIO_TOKEN}'\n"
    pairs = [(f.secret, f.related, f.severity.name) for f in _found(text) if f.rule_id == "twilio-auth-token-near-sid"]
    assert pairs == ([(TWILIO_TOKEN, (secret_id(TWILIO_SID),), "CRITICAL")] if found else [])


def test_an_account_sids_own_hex_tail_is_no_auth_token() -> None:
    found = _found(f"account_sid = '{TWILIO_SID}'\n")
    assert [f.rule_id for f in found] == ["twilio-account-sid"]


# --- `paths` rules and their examples ----------------------------------------------------------------------------


def test_an_example_is_scanned_as_the_path_it_names(tmp_path: Path) -> None:
    ruleset = _custom(
        tmp_path,
        '[[rule]]\nid = "acme-conf-password"\ndescription = "x"\nkeywords = ["pw="]\npaths = [".acme.conf"]\n'
        "regex = '''pw=([A-Za-z0-9]{12})'''\n"
        'match = [{ text = "pw=Qx7vR2mK9tLp", secret = "Qx7vR2mK9tLp", path = "home/ci/.acme.conf" }]\n'
        'no_match = [{ text = "pw=Qx7vR2mK9tLp", path = "docs/acme.md" }, "pw=Qx7vR2mK9tLp"]\n',
    )
    rule = ruleset.by_id("acme-conf-password")
    assert [ex.path for ex in rule.match + rule.no_match] == ["home/ci/.acme.conf", "docs/acme.md", "-"]
    assert check_examples([rule], ruleset, backend="python") == []


def test_an_example_path_that_is_not_a_string_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(
        "[[rule]]\nid = \"x-rule\"\ndescription = \"x\"\nkeywords = [\"acme\"]\nregex = '''acme_[a-z]{8}'''\n"
        'match = [{ text = "acme_abcdefgh", path = 3 }]\n'
    )
    with pytest.raises(RuleError, match="rule 'x-rule': `match` must be a list of strings or tables with `text`"):
        load_rule_file(path)


# --- one owner for a JWT: the rule that knows its claims ---------------------------------------------------------


@pytest.mark.parametrize("rule_id", ["auth0-management-token", "supabase-service-role-jwt"])
def test_a_jwt_a_rule_knows_by_its_claims_is_reported_once_by_that_rule(rule_id: str) -> None:
    example = BUNDLED.by_id(rule_id).match[0]
    assert [(f.rule_id, f.secret) for f in _found(example.text)] == [(rule_id, example.secret)]


def test_a_jwt_with_other_claims_is_still_the_jwt_rules() -> None:
    id_token = BUNDLED.by_id("auth0-management-token").no_match[0].text
    assert [f.rule_id for f in _found(id_token)] == ["jwt"]
