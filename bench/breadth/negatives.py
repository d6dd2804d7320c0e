"""Negatives: near-misses of every format (masked, placeholders, references, truncated, wrong length, documented
examples) and the look-alikes of real code (hashes, pagination and idempotency tokens, ARNs, Kubernetes secret
names, code identifiers), each planted in a realistic file with its line labelled."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from random import Random

from .contexts import CONTEXTS, render
from .files import FILES, FRAMEWORK, GENERIC, HASHES, JWT, KEYS, URLS, jwt_io_example
from .formats import FORMATS, Format
from .sample import Sample
from .shapes import B64, b64_bytes, b64json, digits, hexs, jwt_unsigned, pem, pick, uuid4

Variant = Callable[[Random, Format, str], str | None]


def literal_prefix(fmt: Format) -> str:
    """The constant head every value of `fmt` starts with (empty for unprefixed formats)."""
    a, b = fmt.make(Random(1)), fmt.make(Random(2))
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _masked(r: Random, fmt: Format, value: str) -> str:
    head = literal_prefix(fmt)
    return head + "*" * max(8, len(value) - len(head) - 4) + value[-4:] if head else "*" * 12 + value[-4:]


def _placeholder(r: Random, fmt: Format, value: str) -> str:
    return r.choice(
        (f"<your-{fmt.name}>", f"YOUR_{fmt.env}_HERE", f"{literal_prefix(fmt)}xxxxxxxxxxxxxxxx", "changeme")
    )


def _reference(r: Random, fmt: Format, value: str) -> str:
    return r.choice(
        (f"${{{fmt.env}}}", f"${{{{ secrets.{fmt.env} }}}}", f"%{fmt.env}%", f"{{{{ .Values.{fmt.env.lower()} }}}}")
    )


def _truncated(r: Random, fmt: Format, value: str) -> str:
    return value[: max(len(literal_prefix(fmt)) + 4, len(value) // 4)] + "..."


def _wrong_length(r: Random, fmt: Format, value: str) -> str | None:
    head = literal_prefix(fmt)
    return value[:-3] if fmt.exact and len(head) >= 3 else None


NEUTRAL_NAMES = ("BUILD_REF", "TRACE_SAMPLE", "FIXTURE_NAME", "CACHE_BUSTER", "RELEASE_TAG")

VARIANTS: dict[str, Variant] = {
    "masked": _masked,
    "placeholder": _placeholder,
    "reference": _reference,
    "truncated": _truncated,
    "wrong-length": _wrong_length,
}


def format_near_misses(rng: Random, per_format: int = 2) -> list[Sample]:
    """`per_format` near-misses of every provider format, plus each documented example value."""
    samples = []
    contexts = sorted(CONTEXTS)
    for fmt in FORMATS:
        kinds = rng.sample(sorted(VARIANTS), len(VARIANTS))
        made = 0
        for kind in kinds:
            if made == per_format:
                break
            value = VARIANTS[kind](rng, fmt, fmt.make(rng))
            if value is None:
                continue
            shown = fmt.around(rng, value) if fmt.around else value
            context = rng.choice(contexts)
            # NOTE: a value of the wrong length under a credential name is still a secret to a generic detector;
            # under a neutral name it tests only that the provider format is exact.
            name = rng.choice(NEUTRAL_NAMES) if kind == "wrong-length" else fmt.env
            path, text = render(context, rng, [(name, shown)])
            samples.append(Sample(fmt.family, kind, context, path, text, value, False, fmt.cite))
            made += 1
        for example in fmt.examples:
            context = rng.choice(contexts)
            path, text = render(context, rng, [(fmt.env, example)])
            samples.append(Sample(fmt.family, "documented-example", context, path, text, example, False, fmt.cite))
    return samples


def _in(context: str, env: str, value: str) -> Callable[[Random], tuple[str, str, str]]:
    def make(r: Random) -> tuple[str, str, str]:
        path, text = render(context, r, [(env, value)])
        return path, text, value

    return make


def _file(path: str, text: str, value: str) -> Callable[[Random], tuple[str, str, str]]:
    return lambda r: (path, text, value)


def _lookalikes(r: Random) -> list[tuple[str, str, Callable[[Random], tuple[str, str, str]]]]:
    """(family, kind, maker) of every look-alike; built per run so the random parts come from `r`."""
    sha = hexs(r, 64)
    next_token = b64json({"ExclusiveStartKey": {"id": {"S": uuid4(r)}}, "boto_truncate_amount": 2})
    arn = f"arn:aws:secretsmanager:eu-west-1:{digits(r, 12)}:secret:prod/MyDbSecret-{pick(r, 'abcdefghijklmnopqrstuvwxyz0123456789', 6)}"
    schema_hash = hexs(r, 16)
    public_key = pem("PUBLIC KEY", r.randbytes(294))
    certificate = pem("CERTIFICATE", r.randbytes(900))
    ssh_public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + pick(r, B64, 43) + " deploy@build"
    # fmt: off
    return [
        # hashes and digests, labelled as such
        (GENERIC, "hash", _in("json", "SHA256", sha)),
        (GENERIC, "hash", _in("yaml", "CHECKSUM", hexs(r, 32))),
        (GENERIC, "hash", _in("env", "GIT_COMMIT_SHA", hexs(r, 40))),
        (GENERIC, "hash", _in("ts-object", "INTEGRITY", "sha512-" + b64_bytes(r, 64))),
        (GENERIC, "hash", _in("python", "CONTENT_HASH", hexs(r, 64))),
        (GENERIC, "hash", _in("toml", "DIGEST", "sha256:" + hexs(r, 64))),
        (GENERIC, "hash", _in("ini", "ETAG", hexs(r, 32))),
        (GENERIC, "hash", _file("cloudformation/schema-hashes.json", f'{{\n  "AWS::IAM::AccessKey": "{schema_hash}",\n  "AWS::IAM::Role": "{hexs(r, 16)}"\n}}\n', schema_hash)),
        (GENERIC, "hash", _file("package-lock.json", f'{{\n  "packages": {{\n    "node_modules/left-pad": {{\n      "version": "1.3.0",\n      "integrity": "{(i := "sha512-" + b64_bytes(r, 64))}"\n    }}\n  }}\n}}\n', i)),
        # pagination, idempotency and CSRF tokens
        (GENERIC, "pagination-token", _file("tests/data/list_tables.json", f'{{\n  "TableNames": ["orders"],\n  "NextToken": "{next_token}"\n}}\n', next_token)),
        (GENERIC, "pagination-token", _in("python-kwarg", "PAGE_TOKEN", b64_bytes(r, 48))),
        (GENERIC, "pagination-token", _in("json", "CONTINUATION_TOKEN", b64json({"offset": 500, "marker": hexs(r, 16)}))),
        (GENERIC, "idempotency-token", _in("python-kwarg", "CLIENT_TOKEN", uuid4(r))),
        (GENERIC, "idempotency-token", _file("route53/change.json", f'{{\n  "ChangeInfo": {{"Status": "PENDING"}},\n  "ChangeToken": "{(cht := uuid4(r))}"\n}}\n', cht)),
        (GENERIC, "idempotency-token", _in("js-const", "IDEMPOTENCY_KEY", uuid4(r))),
        (GENERIC, "csrf-token", _file("templates/login.html", f'<form method="post">\n  <input type="hidden" name="csrfmiddlewaretoken" value="{(csrf := pick(r, B64[:62], 64))}">\n</form>\n', csrf)),
        (GENERIC, "csrf-token", _in("yaml", "CSRF_TOKEN", pick(r, B64[:62], 32))),
        # resource names that contain "secret"
        (GENERIC, "secret-arn", _in("yaml", "SECRET_ARN", arn)),
        (GENERIC, "secret-arn", _file("iam/policy.json", f'{{\n  "Effect": "Allow",\n  "Action": "secretsmanager:GetSecretValue",\n  "Resource": "{(arn2 := arn.replace("MyDbSecret", "ApiKeySecret"))}"\n}}\n', arn2)),
        (GENERIC, "k8s-secret-name", _file("deploy/k8s/deployment.yaml", "spec:\n  containers:\n    - name: api\n      env:\n        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db-password-secret\n              key: password\n", "db-password-secret")),
        (GENERIC, "k8s-secret-name", _file("deploy/k8s/ingress.yaml", "spec:\n  tls:\n    - hosts: [api.example.com]\n      secretName: api-tls-secret-prod\n", "api-tls-secret-prod")),
        # placeholders, masking and references
        (GENERIC, "placeholder", _in("yaml", "DB_PASSWORD", "changeme")),
        (GENERIC, "placeholder", _in("env", "API_SECRET", "<your-api-secret>")),
        (GENERIC, "placeholder", _in("properties", "ADMIN_PASSWORD", "********")),
        (GENERIC, "placeholder", _in("json", "CLIENT_SECRET", "xxxxxxxxxxxxxxxxxxxxxxxx")),
        (GENERIC, "reference", _in("compose", "DB_PASSWORD", "${DB_PASSWORD}")),
        (GENERIC, "reference", _in("github-actions", "API_TOKEN", "${{ secrets.API_TOKEN }}")),
        (GENERIC, "reference", _file("src/db.js", "const password = process.env.DB_PASSWORD;\nconnect({ password });\n", "process.env.DB_PASSWORD")),
        (GENERIC, "reference", _file("app/config.py", 'import os\n\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\nAPI_TOKEN = os.getenv("API_TOKEN", "")\n', 'os.environ["DJANGO_SECRET_KEY"]')),
        (GENERIC, "reference", _file("cfn/template.yaml", "Resources:\n  Db:\n    Properties:\n      MasterUserPassword: !Ref DbPassword\n", "!Ref DbPassword")),
        # code identifiers
        (GENERIC, "code-identifier", _file("app/views.py", 'def login(request):\n    password = request.POST["password"]\n    token = auth.issue_token(user, password=password)\n', 'request.POST["password"]')),
        (GENERIC, "code-identifier", _file("client/session.go", "func (c *Client) refresh() error {\n\ttoken, err := c.tokenSource.Token()\n\tc.accessToken = token.AccessToken\n\treturn err\n}\n", "token.AccessToken")),
        (GENERIC, "code-identifier", _file("src/Auth.java", 'String secretKey = config.getString("auth.secret-key");\nString password = System.getenv("DB_PASSWORD");\n', 'config.getString("auth.secret-key")')),
        (GENERIC, "code-identifier", _file("app/constants.py", 'PASSWORD_RESET_TIMEOUT = 3600\nTOKEN_HEADER = "X-Auth-Token"\nSECRET_KEY_SETTING = "SECRET_KEY"\n', '"X-Auth-Token"')),
        (GENERIC, "example-password", _file("docs/users.md", '## Create a user\n\n```json\n{"username": "jdoe", "password": "example-password"}\n```\n', "example-password")),
        # formats that are public by design or unsigned
        (KEYS, "public-key", _file("certs/server.pub.pem", public_key + "\n", public_key)),
        (KEYS, "certificate", _file("certs/server.crt", certificate + "\n", certificate)),
        (KEYS, "ssh-public-key", _file("ops/authorized_keys", ssh_public + "\n", ssh_public)),
        (KEYS, "code-identifier", _file("crypto/loader.py", 'def is_pem(text):\n    return text.startswith("-----BEGIN PRIVATE KEY-----")\n', '"-----BEGIN PRIVATE KEY-----"')),
        (KEYS, "placeholder", _file("docs/tls.md", "Paste your key:\n\n```\n-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n```\n", "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----")),
        (JWT, "unsigned-jwt", _in("python", "TEST_TOKEN", jwt_unsigned({"sub": uuid4(r), "role": "tester"}))),
        (JWT, "documented-example", _in("markdown-curl", "TOKEN", jwt_io_example())),
        (URLS, "reference", _in("env", "DATABASE_URL", "postgresql://billing:${DB_PASSWORD}@db.internal:5432/billing")),
        (URLS, "placeholder", _in("js-const", "MONGODB_URI", "mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/")),
        (URLS, "placeholder", _in("yaml", "DATABASE_URL", "postgres://user:password@localhost:5432/app")),
        (URLS, "no-password", _in("env", "REDIS_URL", "redis://cache.internal:6379/0")),
        (URLS, "no-password", _in("shell", "GIT_REMOTE", "https://deploy@git.internal.example.com/acme/app.git")),
        (URLS, "masked", _in("python", "DATABASE_URL", "mysql://shop:****@mysql.internal:3306/shop")),
        (URLS, "documented-example", _in("properties", "BROKER_URL", "amqp://guest:guest@localhost:5672/")),
        (FILES, "reference", _file(".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", "${NPM_TOKEN}")),
        (FILES, "no-password", _file(".docker/config.json", '{\n  "auths": {\n    "ghcr.io": {}\n  },\n  "credsStore": "desktop"\n}\n', '"credsStore": "desktop"')),
        (FILES, "placeholder", _file(".pypirc", "[pypi]\nusername = __token__\npassword = <your-pypi-token>\n", "<your-pypi-token>")),
        (FILES, "no-password", _file("sftp-config.json", '{\n    "type": "sftp",\n    "host": "www.example.com",\n    "user": "deploy",\n    "ssh_key_file": "~/.ssh/id_ed25519"\n}\n', "~/.ssh/id_ed25519")),
        (FRAMEWORK, "reference", _file("mysite/settings.py", 'import os\n\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n', 'os.environ["DJANGO_SECRET_KEY"]')),
        (FRAMEWORK, "code-identifier", _file("mysite/settings/dev.py", "from django.core.management.utils import get_random_secret_key\n\nSECRET_KEY = get_random_secret_key()\n", "get_random_secret_key()")),
        (FRAMEWORK, "reference", _file("src/main/resources/application.properties", "spring.datasource.password=${DB_PASSWORD}\n", "${DB_PASSWORD}")),
        (FRAMEWORK, "documented-example", _file("wp-config-sample.php", "<?php\ndefine( 'AUTH_KEY',         'put your unique phrase here' );\ndefine( 'DB_PASSWORD', 'password_here' );\n", "put your unique phrase here")),
        (FRAMEWORK, "reference", _file("config/secrets.yml", "production:\n  secret_key_base: <%= ENV[\"SECRET_KEY_BASE\"] %>\n", '<%= ENV["SECRET_KEY_BASE"] %>')),
        (HASHES, "locked-account", _file("etc/shadow.locked", "root:*:19700:0:99999:7:::\nnobody:!:19700:0:99999:7:::\n", "nobody:!:")),
        ("payments-messaging", "public-key", _in("js-const", "STRIPE_PUBLISHABLE_KEY", "pk_live_51" + pick(r, B64[:62], 97))),
        ("cloud", "public-key", _in("env", "SUPABASE_PUBLISHABLE_KEY", "sb_publishable_" + pick(r, B64[:62], 31))),
        ("cloud", "documented-example", _in("ini", "AWS_ACCESS_KEY_ID", "AKIA" + "IOSFODNN7EXAMPLE")),
    ]
    # fmt: on


def lookalike_samples(rng: Random) -> list[Sample]:
    samples = []
    for family, kind, make in _lookalikes(rng):
        path, text, value = make(rng)
        samples.append(Sample(family, kind, "lookalike", path, text, value, False))
    return samples


TEXT_SUFFIXES = {
    ".py",
    ".json",
    ".yaml",
    ".yml",
    ".txt",
    ".cfg",
    ".ini",
    ".toml",
    ".html",
    ".js",
    ".xml",
    ".rst",
    ".md",
    ".pem",
    ".sh",
}


def real_code_files(
    site_packages: Path, packages: tuple[str, ...], count: int, rng: Random
) -> Iterator[tuple[str, Path]]:
    """A seeded sample of `count` text files under the given packages, as (corpus path, source path)."""
    candidates = []
    for package in packages:
        for folder, dirs, names in os.walk(site_packages / package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                path = Path(folder, name)
                if path.suffix in TEXT_SUFFIXES and path.stat().st_size < 256_000:
                    candidates.append(path)
    for path in sorted(rng.sample(candidates, min(count, len(candidates)))):
        yield "real-code/" + path.relative_to(site_packages).as_posix(), path


def pem_block_lines(text: str) -> tuple[tuple[int, int], ...]:
    """Line ranges (1-based, inclusive) of every `-----BEGIN … PRIVATE KEY-----` block: private-key test fixtures."""
    ranges = []
    start = None
    for n, line in enumerate(text.splitlines(), 1):
        if "-----BEGIN" in line and "PRIVATE KEY" in line:
            start = n
        elif start is not None and "-----END" in line:
            ranges.append((start, n))
            start = None
    return tuple(ranges)


def real_code_samples(site_packages: Path, packages: tuple[str, ...], count: int, rng: Random) -> list[Sample]:
    samples = []
    for rel, source in real_code_files(site_packages, packages, count, rng):
        text = source.read_text(encoding="utf-8", errors="replace")
        samples.append(
            Sample(
                "real-code",
                "real-code",
                source.suffix.lstrip("."),
                rel,
                text,
                "",
                False,
                fixture_lines=pem_block_lines(text),
            )
        )
    return samples
