"""GitLab tokens as GitLab's own generators build them are found whole, by the rule for their type, exactly once.

The tokens are built at test time the way gitlabhq builds them: `Devise.friendly_token` bodies, and the routable
form of lib/authn/token_field/generator/routable_token.rb (base64url of random bytes and routing fields, then
`.01.`, the payload length and the CRC32, both in base36). Many seeds stand in for a property test.
"""

from __future__ import annotations

import base64
import random
import string
import zlib

import pytest

from scanner.engine.ruleset import load_ruleset
from scanner.scan import scan_bytes

RULESET = load_ruleset()
SEEDS = range(40)
_B36 = string.digits + string.ascii_lowercase


def _base36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _B36[r] + out
        if n == 0:
            return out


def friendly_token(rng: random.Random, length: int = 20) -> str:
    """Devise.friendly_token: url-safe base64 with `lIO0` swapped for `sxyz` (never `-`/`_` at the ends here)."""
    raw = base64.urlsafe_b64encode(rng.randbytes(length)).decode()[:length]
    body = raw.translate(str.maketrans("lIO0", "sxyz"))
    return "a" + body[1:-1] + "b" if body[0] in "-_" or body[-1] in "-_" else body


def routable_token(prefix: str, rng: random.Random, *, version: bool = True) -> str:
    """GitLab's routable token: `<prefix><base64url payload>.01.<length><crc>` (the first release had no `01.`)."""
    fields = {"o": rng.randrange(1, 10**6), "c": rng.randrange(1, 99), "u": rng.randrange(1, 10**8)}
    if rng.random() < 0.5:
        fields["g"] = rng.randrange(1, 10**7)
    routing = "\n".join(f"{k}:{_base36(v)}" for k, v in sorted(fields.items())).encode()
    payload = base64.urlsafe_b64encode(rng.randbytes(16) + routing + bytes([len(routing)])).decode().rstrip("=")
    body = f"{prefix}{payload}.{'01.' if version else ''}{_base36(len(payload)).rjust(2, '0')}"
    return body + _base36(zlib.crc32(body.encode())).rjust(7, "0")


def found(text: str) -> list[tuple[str, str]]:
    return [(f.rule_id, f.secret) for f in scan_bytes(text.encode(), RULESET) if f.provider == "gitlab"]


FRIENDLY = [
    ("glpat-", "gitlab-pat"),
    ("glrt-", "gitlab-runner-token"),
    ("glrtr-", "gitlab-runner-token"),
    ("glrt-t2_", "gitlab-runner-token"),
    ("gldt-", "gitlab-deploy-token"),
    ("glft-", "gitlab-feed-token"),
    ("glsoat-", "gitlab-scim-token"),
    ("glffct-", "gitlab-feature-flag-client-token"),
    ("GR1348941", "gitlab-runner-registration-token"),
]
ROUTABLE = [
    ("glpat-", "gitlab-pat"),
    ("glrt-", "gitlab-runner-token"),
    ("gldt-", "gitlab-deploy-token"),
    ("glagent-", "gitlab-agent-token"),
    ("glsoat-", "gitlab-scim-token"),
    ("glft-", "gitlab-feed-token"),
]


@pytest.mark.parametrize(("prefix", "rule_id"), FRIENDLY)
@pytest.mark.parametrize("seed", SEEDS[:10])
def test_friendly_token_of_every_prefix_is_found_whole_by_its_rule(prefix: str, rule_id: str, seed: int) -> None:
    token = prefix + friendly_token(random.Random(seed))
    assert found(f'GITLAB_TOKEN="{token}"\n') == [(rule_id, token)]


@pytest.mark.parametrize(("prefix", "rule_id"), FRIENDLY)
def test_friendly_token_one_short_or_one_long_is_not_a_token(prefix: str, rule_id: str) -> None:
    token = prefix + friendly_token(random.Random(7))
    assert found(f"token: {token[:-1]}\n") == []
    assert found(f"token: {token}Q\n") == []


@pytest.mark.parametrize(("prefix", "rule_id"), ROUTABLE)
@pytest.mark.parametrize("seed", SEEDS)
def test_routable_token_is_found_whole_with_and_without_version(prefix: str, rule_id: str, seed: int) -> None:
    rng = random.Random(seed)
    for token in (routable_token(prefix, rng), routable_token(prefix, rng, version=False)):
        assert found(f"PRIVATE-TOKEN: {token}\n") == [(rule_id, token)]


@pytest.mark.parametrize("seed", SEEDS[:10])
def test_routable_token_cut_short_or_run_on_is_not_reported(seed: int) -> None:
    token = routable_token("glpat-", random.Random(seed))
    assert found(f"PRIVATE-TOKEN: {token[:-1]}\n") == []
    assert found(f"PRIVATE-TOKEN: {token}0\n") == []
    assert found(f"PRIVATE-TOKEN: {token[: token.index('.')]}\n") == []  # the payload alone is no 20-char token


@pytest.mark.parametrize("seed", SEEDS[:10])
def test_hex_and_base36_token_types_are_found_at_their_documented_lengths(seed: int) -> None:
    rng = random.Random(seed)
    trigger = "glptt-" + rng.randbytes(20).hex()
    oauth_secret = "gloas-" + rng.randbytes(32).hex()
    mail = "glimt-" + _base36(rng.getrandbits(128) | 1 << 127)
    agent = "glagent-" + friendly_token(rng, 50)
    job = f"glcbt-{rng.randrange(100, 4000):x}_" + friendly_token(rng)
    for token, rule_id in [
        (trigger, "gitlab-pipeline-trigger-token"),
        (oauth_secret, "gitlab-oauth-app-secret"),
        (mail, "gitlab-incoming-mail-token"),
        (agent, "gitlab-agent-token"),
        (job, "gitlab-ci-job-token"),
    ]:
        assert found(f"value = '{token}'\n") == [(rule_id, token)], token
        assert found(f"value = '{token}0'\n") == [], token
    # Fixed lengths: one character short is not a token (base36 mail tokens vary in length, so they are exempt).
    for token in (trigger, oauth_secret, agent, job):
        assert found(f"value = '{token[:-1]}'\n") == [], token


def test_incoming_mail_token_is_found_inside_its_reply_address() -> None:
    token = "glimt-" + _base36(random.Random(3).getrandbits(128) | 1 << 127)
    assert found(f"incoming+acme-app-42-{token}-issue@incoming.gitlab.com\n") == [("gitlab-incoming-mail-token", token)]


@pytest.mark.parametrize("seed", SEEDS[:10])
def test_instance_prefixed_tokens_are_reported_whole_once(seed: int) -> None:
    rng = random.Random(seed)
    pat = "acme-glpat-" + friendly_token(rng)
    routable = "SIE-" + routable_token("glpat-", rng)
    trigger = "corp_it-glptt-" + rng.randbytes(20).hex()
    for token in (pat, routable, trigger):
        assert found(f"token: {token}\n") == [("gitlab-instance-prefixed-token", token)]


def test_session_cookie_is_reported_with_its_name_and_a_legacy_token_by_its_name() -> None:
    rng = random.Random(11)
    session = rng.randbytes(16).hex()
    legacy = friendly_token(rng)
    assert found(f"Cookie: a=1; _gitlab_session={session}; b=2\n") == [
        ("gitlab-session-cookie", f"_gitlab_session={session}")
    ]
    assert found(f'curl --header "PRIVATE-TOKEN: {legacy}" https://gitlab.example.com/api/v4/user\n') == [
        ("gitlab-legacy-token", legacy)
    ]
    assert found(f"GITLAB_PROJECT_NAME={legacy}\n") == []
