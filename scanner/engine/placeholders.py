"""Predicates that recognise values that look like secrets but are not: masks, placeholders, references, ids.

NOTE: these follow detect-secrets' heuristic filters (`detect_secrets.filters.heuristic`) rule for rule, and
tests/test_placeholders.py checks that they agree with the real package on a table of inputs. They are not
imported from it because importing detect-secrets costs over 100 ms and pulls in `requests`, and this code
runs in the pre-commit hook, which must start fast and load no HTTP client.

NOTE: they live in the engine, not in scanner.filters, because the detector runs them on every candidate
before a match exists: a rejected candidate lets the regex try the next one, a generic rule's reading of the
span survive, and glue and history attribution see only plausible secrets. The filter stage acts later, on
reported findings (allowed values, baseline).
"""

from __future__ import annotations

import itertools
import re

from scanner import re_cache
from scanner.engine.entropy import is_repetitive, is_sequential

# NOTE: `*` masks come in runs (`sk-…****abcd`, `********`); a lone `*` is one character of a Django or
# WordPress key.
_MASK = re_cache.compile(r"[•…]|\*{3,}|\.\.\.|#{4,}")
# NOTE: `xxxx` masks short values; inside long random bodies such runs happen by chance (one RSA key in
# ~700 holds `xXxX`), so the run a mask needs grows with the body.
_X_RUN = re_cache.compile(r"[xX]{4,}|0{8,}")
# NOTE: a word counts only between non-letters, so a random 48-character body that happens to spell
# `here` between two letters is still a key; `sk-proj-your-key-here` and `REPLACE_ME` are not.
_WORDS = re_cache.compile(
    r"(?<![a-z])(?:your|example|placeholder|replace|changeme|change_me|dummy|redacted|sample|insert"
    r"|here|todo|fixme|fake|notreal|not_real|secret_value|my_?key|none|null|undefined)(?![a-z])",
    re.IGNORECASE,
)
_TEMPLATE = re_cache.compile(r"^\$|\$\{|\$\(|#\{|%\{|<%|\{\{|\}\}|^<.*>$|^%\(|%s$|^\{.*\}$|^\[.*\]$")
# The whole value is a template's field, filled in at run time: `{password}` (str.format, f-strings),
# `{{ db_password }}` (Jinja, Handlebars), `${DB_PASSWORD}`, `%(password)s`.
_TEMPLATE_FIELD = re_cache.compile(
    r"^(?:\{\{?[ \t]*[A-Za-z_.][\w.\[\]'\"-]*[ \t]*\}?\}|\$\{[A-Za-z_][\w.:-]*\}|%\([A-Za-z_]\w*\)s)$"
)
_REFERENCE = re_cache.compile(
    r"process\.env\.|os\.environ|os\.getenv|getenv\(|secrets\.|vars\.|env\(|ENV\[|\.Values\.|System\.getenv"
)
# NOTE: the name reading of the generic rules. A name is split into words (`NextContinuationToken` → next,
# continuation, token; `app.signing.key` → app, signing, key); lower-case run-together names
# (`csrfmiddlewaretoken`, `secrethash`) are matched by their parts.
_TRAILING_NAME = re_cache.compile(r"([A-Za-z0-9_.-]*[A-Za-z0-9_])[^A-Za-z0-9_.$@-]*$")
_NOT_NAMES = frozenset({"str", "string", "bytes", "value", "bearer", "basic"})
_WORD = re_cache.compile(r"[A-Z]{2,}(?=[A-Z][a-z]|[^A-Za-z]|$)|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_PROPERTY_WORDS = frozenset({
    "id", "ids", "arn", "arns", "name", "names", "path", "paths", "file", "files", "filename", "dir", "url", "urls",
    "uri", "uris", "endpoint", "host", "type", "types", "kind", "length", "len", "size", "count", "version",
    "versions", "field", "fields", "header", "headers", "param", "params", "parameter", "policy", "ttl", "timeout",
    "expiry", "expires", "expiration", "lifetime", "duration", "prefix", "suffix", "format", "env", "var", "ref",
    "label", "hint", "manager", "store", "provider", "source", "location", "mode", "enabled", "required", "regex",
    "pattern", "description", "template", "class", "module", "scope", "scopes", "audience", "issuer", "algorithm",
    "alg", "method", "min", "max", "limit", "rotation", "validators", "validator", "hasher", "hashers", "reset",
    "strength", "used", "date", "time", "at", "created", "updated", "changed", "complexity", "prompt", "placeholder",
    "attribute", "option", "flag",
})  # fmt: skip
_NON_SECRET_WORDS = frozenset({
    "hash", "hashed", "hashes", "sha", "md", "digest", "checksum", "checksums", "etag", "integrity", "crc",
    "fingerprint", "continuation", "cursor", "marker", "pagination", "paginator", "paging",
    "idempotency", "idempotent", "nonce", "csrf", "xsrf", "authenticity", "public", "publishable",
    "example", "sample", "dummy", "fake", "mock",
})  # fmt: skip
_TOKEN_KINDS = frozenset({
    "next", "page", "client", "change", "request", "sync", "delta", "start", "starting", "resume", "resumption",
    "input", "output",
})  # fmt: skip
# A form's or an API call's password fields (`NewPassword`, `old_password`, `confirmPassword`), not a stored one.
_FORM_WORDS = frozenset({"new", "old", "current", "confirm", "confirmation", "previous", "retype", "repeat"})
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pass"})
_NON_SECRET_PARTS = re_cache.compile(
    r"hash|digest|checksum|integrity|csrf|xsrf|nexttoken|pagetoken|continuation|idempot"
)
# A value that is a resource name or a link, not a credential.
_RESOURCE = re_cache.compile(r"^(?:arn|urn):|://")
# A regular expression, not a value (`([a-f0-9]{48}(?![a-f0-9]))` under `password =` in a scanner's plugin).
_REGEX_SYNTAX = re_cache.compile(r"\(\?[:!=<P]|\[[^\]\s]{1,30}\][*+?{]|\\[dswbDSWB]")
# A value that names its own kind is documentation (`SomeKindOfPassword123!@#`, `my-secret-token`, `P@ssw0rd`).
_OWN_KIND = re_cache.compile(r"p[a@4][s5$]{2}w[o0]r[dt]|passwd|secret|token|api[_-]?key|credential", re.IGNORECASE)
_INTEGRITY = re_cache.compile(r"^(?:sha1|sha256|sha384|sha512)-", re.IGNORECASE)
_DATA_URI = re_cache.compile(r"data:[\w/+.-]+;base64,", re.IGNORECASE)
_LOCK_FILES = (
    "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock", "Cargo.lock",
    "composer.lock", "Gemfile.lock", "go.sum", "uv.lock", "npm-shrinkwrap.json", "bun.lock",
)  # fmt: skip


_UPPER, _DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
"""`string`'s constants, spelled out: importing `string` compiles a regex for its Template class (the hook's path)."""
_SEQUENCES = (
    _UPPER * 2 + _DIGITS + "+/",
    _DIGITS + _UPPER * 2 + "+/",
    (_DIGITS + _UPPER) * 2,
    _DIGITS * 2,
    (_DIGITS + "ABCDEF" + "ABCDEF") * 2,
    _UPPER + "=/",
)


def is_sequential_string(secret: str) -> bool:
    """`ABCDEF…`, `0123…`, `abcdef0123…`: part of an alphabet or digit run (detect-secrets' rule)."""
    upper = secret.upper()
    return any(upper in sequence for sequence in _SEQUENCES)


def is_templated_secret(secret: str) -> bool:
    """`{secret}`, `<secret>`, `${secret}`; an empty value or a lone `$` is never a secret."""
    if not secret or secret == "$":
        return True
    return (
        (secret[0] == "{" and secret[-1] == "}")
        or (secret[0] == "<" and secret[-1] == ">")
        or (secret[0] == "$" and secret[1:2] == "{" and secret[-1] == "}")
    )


def is_masked_or_placeholder(secret: str) -> bool:
    """`sk-proj-J1•••`, `XXXX`, `<your-api-key>`, `REPLACE_ME`, `sk-proj-your-key-here`."""
    if _MASK.search(secret) or _WORDS.search(secret):
        return True
    needed = 4 if len(secret) < 32 else 6 if len(secret) < 200 else 10
    return any(len(run.group()) >= needed for run in _X_RUN.finditer(secret))


def is_template_field(secret: str) -> bool:
    """`{password}`, `{{ db_password }}`, `${DB_PASSWORD}`, `%(password)s`: a field a template fills in, whatever the
    rule (a password rule's value may be any text, so its quotes can hold a field name)."""
    return _TEMPLATE_FIELD.match(secret) is not None


def is_fake_body(body: str) -> bool:
    """Low-effort fakes: one unit repeated, or a run of consecutive characters (`abcdef…`, `123456…`)."""
    return is_repetitive(body) or is_sequential(body) or is_sequential_string(body)


def is_reference(value: str, line: str) -> bool:
    """`${VAR}`, `$VAR`, `${{ secrets.X }}`, `{{ .Values.x }}`, `process.env.X`, `os.environ["X"]`, …"""
    return bool(_TEMPLATE.search(value) or _REFERENCE.search(value) or is_templated_secret(value))


def is_identifier_like(value: str, line: str) -> bool:
    """What a generic rule meets beside a credential-style name that is no credential: a digest, a data URI, a
    resource name or URL, a value that names its own kind, or a name that says the value is something else."""
    return bool(
        _INTEGRITY.match(value)
        or _DATA_URI.search(line)
        or "integrity" in line
        or _RESOURCE.search(value)
        or _REGEX_SYNTAX.search(value)
        or _OWN_KIND.search(value)
        or is_non_secret_name(assigned_name(value, line))
    )


def assigned_name(value: str, line: str) -> str | None:
    """The name `value` is assigned to on `line` (`DB_PASSWORD` in `define('DB_PASSWORD', '…')`, `dbPassword`
    in `var dbPassword string = "…"` and `<add key="dbPassword" value="…"/>`), `""` when that name sits inside an
    ARN or a type name (`…:secret:MyDb-a1b2c3`, `AWS::IAM::AccessKey`), None when the line shows no name."""
    index = line.find(value)
    left = line[:index] if index > 0 else ""
    while True:
        found = _TRAILING_NAME.search(left)
        if found is None:
            return None
        name = found.group(1).strip(".-")
        if name.lower() not in _NOT_NAMES:
            break
        left = left[: found.start(1)]  # a type, an auth scheme or XML's `value=`: the name is before it
    before = left[: found.start(1)]
    inside_a_resource_name = before.endswith(":") and (before[-2:-1].isalnum() or before.endswith("::"))
    return "" if inside_a_resource_name and not before.endswith("env:") else name


def is_non_secret_name(name: str | None) -> bool:
    """The name says the value is no credential: a hash or digest, a pagination, idempotency or CSRF token, a
    property of a secret (`SECRET_NAME`, `TOKEN_URL`, `secretArn`), something public or an example."""
    if name is None:
        return False
    if name == "":
        return True
    words = [w.lower() for w in _WORD.findall(name)]
    if not words:
        return False
    lowered = name.lower()
    return bool(
        words[-1] in _PROPERTY_WORDS
        or any(w in _NON_SECRET_WORDS for w in words)
        or any(a in _TOKEN_KINDS and b == "token" for a, b in itertools.pairwise(words))
        or (words[-1] in _PASSWORD_WORDS and any(w in _FORM_WORDS for w in words))
        or _NON_SECRET_PARTS.search(lowered)
    )


def is_lock_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in _LOCK_FILES


def is_documented_example(secret: str) -> bool:
    """AWS's documented example credentials and anything else that says EXAMPLE in capitals."""
    return "EXAMPLE" in secret
