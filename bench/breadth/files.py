"""Whole-file formats: private keys, JWTs, credentials in URLs, credential files, framework secrets, password
hashes and generic assignments, each a row with a citation and a maker that writes one labelled file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import string
from collections.abc import Callable
from dataclasses import dataclass
from random import Random

from .contexts import CONTEXTS, render
from .sample import Companion, Sample
from .shapes import (
    ALNUM,
    B64URL,
    alnum,
    b64_bytes,
    digits,
    dsa_der,
    ec_der,
    encrypted_pkcs8_der,
    hexs,
    jwt_hs256,
    openssh_blob,
    passphrase,
    password,
    pem,
    pgp_private_block,
    pick,
    pkcs8_der,
    putty_ppk,
    rsa_pkcs1_der,
    uuid4,
)

KEYS, JWT, URLS, FILES, FRAMEWORK, HASHES, GENERIC = (
    "private-keys", "jwt", "url-credentials", "credential-files", "framework-secrets", "password-hashes", "generic",
)  # fmt: skip
RFC7468 = "https://www.rfc-editor.org/rfc/rfc7468 (PEM labels)"

Made = tuple[str, str, str] | tuple[str, str, str, tuple[Companion, ...]]
"""(path, text, secret as written in the text[, companions written beside it])."""


@dataclass(frozen=True, slots=True)
class FileFormat:
    """A format that is a whole file (or a whole block) rather than a value assigned to a name."""

    family: str
    name: str
    context: str
    make: Callable[[Random], Made]
    cite: str
    companions: Callable[[Random], tuple[Companion, ...]] | None = None


def _pem_file(path: str, label: str, der: Callable[[Random], bytes], headers: str = "") -> Callable[[Random], Made]:
    def make(r: Random) -> Made:
        block = pem(label, der(r), headers=headers)
        return path, block + "\n", block

    return make


def _pem_in_python(r: Random) -> Made:
    block = pem("RSA PRIVATE KEY", rsa_pkcs1_der(r))
    return (
        "tests/conftest.py",
        f'import pytest\n\nSIGNING_KEY = """{block}"""\n\n\n@pytest.fixture\ndef key():\n    return SIGNING_KEY\n',
        block,
    )


def _pem_base64_in_k8s(r: Random) -> Made:
    encoded = base64.b64encode((pem("PRIVATE KEY", pkcs8_der(r)) + "\n").encode()).decode()
    cert = base64.b64encode(b"-----BEGIN CERTIFICATE-----\n" + base64.b64encode(r.randbytes(600)) + b"\n").decode()
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ingress-tls\ntype: kubernetes.io/tls\ndata:\n"
        f"  tls.crt: {cert}\n  tls.key: {encoded}\n"
    )
    return "deploy/k8s/tls-secret.yaml", text, encoded


def _openssh(r: Random) -> Made:
    block = pem("OPENSSH PRIVATE KEY", openssh_blob(r), width=70)
    return "ops/.ssh/id_ed25519", block + "\n", block


def _putty(r: Random) -> Made:
    text = putty_ppk(r)
    return "keys/deploy.ppk", text + "\n", text


def _pgp(r: Random) -> Made:
    block = pgp_private_block(r)
    return "keys/release-signing.asc", block + "\n", block


def _github_app_key(r: Random) -> Made:
    block = pem("RSA PRIVATE KEY", rsa_pkcs1_der(r))
    return "acme-deploy-bot.2025-03-14.private-key.pem", block + "\n", block


def _gcp_service_account(r: Random) -> Made:
    escaped = pem("PRIVATE KEY", pkcs8_der(r)).replace("\n", "\\n") + "\\n"
    doc = {
        "type": "service_account",
        "project_id": f"acme-prod-{digits(r, 6)}",
        "private_key_id": hexs(r, 40),
        "private_key": "@@KEY@@",
        "client_email": f"deployer@acme-prod-{digits(r, 6)}.iam.gserviceaccount.com",
        "client_id": digits(r, 21),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    text = json.dumps(doc, indent=2).replace("@@KEY@@", escaped) + "\n"
    return "credentials/service-account.json", text, escaped


def _jwt_claims(r: Random) -> dict[str, object]:
    return {"sub": uuid4(r), "iss": "https://auth.acme.example", "aud": "api", "scope": "read write",
            "iat": 1735689600, "exp": 2051222400}  # fmt: skip


def _jwt_in(path: str, template: str) -> Callable[[Random], Made]:
    def make(r: Random) -> Made:
        token = jwt_hs256(r, _jwt_claims(r))
        return path, template.format(token=token), token

    return make


def _url(path: str, env: str, url: str, context: str = "env") -> Callable[[Random], Made]:
    def make(r: Random) -> Made:
        # NOTE: unreserved punctuation only (RFC 3986 section 2.3), as a URL needs no escaping for it.
        secret = password(r, r.randint(14, 24), punctuation="-_.")
        rel, text = render(context, r, [(env, url.format(pw=secret, n=digits(r, 3)))])
        return path or rel, text, secret

    return make


def _netrc(name: str) -> Callable[[Random], Made]:
    def make(r: Random) -> Made:
        secret = password(r)
        return (
            name,
            f"machine api.internal.example.com\n  login deploy\n  password {secret}\n\nmachine ftp.example.com login anonymous\n",
            secret,
        )

    return make


def _git_credentials(r: Random) -> Made:
    secret = password(r, 20)
    return ".git-credentials", f"https://ci-bot:{secret}@git.internal.example.com\n", secret


def _pgpass(r: Random) -> Made:
    secret = password(r)
    return ".pgpass", f"db.internal.example.com:5432:billing:billing_app:{secret}\n", secret


def _pypirc(r: Random) -> Made:
    secret = password(r)
    text = f"[distutils]\nindex-servers =\n    internal\n\n[internal]\nrepository = https://pypi.internal.example.com/\nusername = release-bot\npassword = {secret}\n"
    return ".pypirc", text, secret


def _npmrc_auth(r: Random) -> Made:
    encoded = base64.b64encode(f"ci-bot:{password(r)}".encode()).decode()
    return (
        ".npmrc",
        f"registry=https://npm.internal.example.com/\n//npm.internal.example.com/:_auth={encoded}\nalways-auth=true\n",
        encoded,
    )


def _npmrc_uuid(r: Random) -> Made:
    token = uuid4(r)
    return ".npmrc", f"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={token}\n", token


def _docker_config(r: Random) -> Made:
    encoded = base64.b64encode(f"deploy:{password(r)}".encode()).decode()
    doc = {
        "auths": {"registry.internal.example.com": {"auth": encoded}},
        "HttpHeaders": {"User-Agent": "Docker-Client"},
    }
    return ".docker/config.json", json.dumps(doc, indent=2) + "\n", encoded


def _dockercfg(r: Random) -> Made:
    encoded = base64.b64encode(f"deploy:{password(r)}".encode()).decode()
    doc = {"registry.internal.example.com": {"auth": encoded, "email": "deploy@example.com"}}
    return ".dockercfg", json.dumps(doc) + "\n", encoded


def _s3cfg(r: Random) -> Made:
    secret, key_id = pick(r, ALNUM + "/+", 40), pick(r, string.ascii_uppercase + string.digits, 20)
    text = f"[default]\naccess_key = {key_id}\nsecret_key = {secret}\nhost_base = s3.internal.example.com\nuse_https = True\n"
    return ".s3cfg", text, secret, (Companion("access_key", key_id, counts=True),)


def _filezilla(name: str) -> Callable[[Random], Made]:
    def make(r: Random) -> Made:
        encoded = base64.b64encode(password(r).encode()).decode()
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<FileZilla3 version="3.66.4" platform="windows">\n  <Servers>\n'
            "    <Server>\n      <Host>ftp.example.com</Host>\n      <Port>21</Port>\n      <Protocol>0</Protocol>\n"
            f'      <User>webmaster</User>\n      <Pass encoding="base64">{encoded}</Pass>\n'
            "    </Server>\n  </Servers>\n</FileZilla3>\n"
        )
        return name, text, encoded

    return make


def _sftp_config(r: Random) -> Made:
    secret = password(r)
    text = f'{{\n    "type": "sftp",\n    "host": "www.example.com",\n    "user": "deploy",\n    "password": "{secret}",\n    "remote_path": "/var/www/"\n}}\n'
    return "sftp-config.json", text, secret


def _ftpconfig(r: Random) -> Made:
    secret = password(r)
    text = f'{{\n    "protocol": "ftp",\n    "host": "ftp.example.com",\n    "port": 21,\n    "user": "webmaster",\n    "pass": "{secret}"\n}}\n'
    return ".ftpconfig", text, secret


_DJANGO_CHARS = string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)"
_WP_CHARS = ALNUM + "!@#$%^&*()-_[]{}<>~+=,.;:/?|"


def _rails_master_key(r: Random) -> Made:
    key = hexs(r, 32)
    return "config/master.key", key + "\n", key


def _rails_secrets(r: Random) -> Made:
    key = hexs(r, 128)
    return (
        "config/secrets.yml",
        f"development:\n  secret_key_base: <%= ENV['SECRET_KEY_BASE'] %>\n\nproduction:\n  secret_key_base: {key}\n",
        key,
    )


def _django_secret(r: Random) -> Made:
    key = pick(r, _DJANGO_CHARS, 50)
    return (
        "mysite/settings/production.py",
        f'from .base import *  # noqa\n\nDEBUG = False\nSECRET_KEY = "{key}"\nALLOWED_HOSTS = ["www.example.com"]\n',
        key,
    )


def _django_databases(r: Random) -> Made:
    secret = password(r)
    text = (
        "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n        'NAME': 'shop',\n"
        f"        'USER': 'shop',\n        'PASSWORD': '{secret}',\n        'HOST': 'db.internal',\n    }}\n}}\n"
    )
    return "shop/settings.py", text, secret


def _flask_secret(r: Random) -> Made:
    key = hexs(r, 64)
    return (
        "app/__init__.py",
        f'from flask import Flask\n\napp = Flask(__name__)\napp.config["SECRET_KEY"] = "{key}"\n',
        key,
    )


def _wp_db_password(r: Random) -> Made:
    secret = password(r)
    text = f"<?php\ndefine( 'DB_NAME', 'wordpress' );\ndefine( 'DB_USER', 'wp_admin' );\ndefine( 'DB_PASSWORD', '{secret}' );\ndefine( 'DB_HOST', 'localhost' );\n"
    return "wp-config.php", text, secret


def _wp_salt(r: Random) -> Made:
    salt = pick(r, _WP_CHARS, 64)
    return "public/wp-config.php", f"<?php\ndefine( 'AUTH_KEY',         '{salt}' );\n$table_prefix = 'wp_';\n", salt


def _spring_properties(r: Random) -> Made:
    secret = password(r)
    text = f"spring.datasource.url=jdbc:postgresql://db.internal:5432/orders\nspring.datasource.username=orders\nspring.datasource.password={secret}\n"
    return "src/main/resources/application-prod.properties", text, secret


def _spring_yaml(r: Random) -> Made:
    secret = password(r)
    text = f"spring:\n  datasource:\n    url: jdbc:mysql://db.internal:3306/orders\n    username: orders\n    password: {secret}\n"
    return "src/main/resources/application.yml", text, secret


def _laravel_key(r: Random) -> Made:
    key = "base64:" + b64_bytes(r, 32)
    return ".env", f"APP_NAME=Shop\nAPP_ENV=production\nAPP_KEY={key}\nAPP_DEBUG=false\n", key


def _htpasswd(r: Random) -> Made:
    digest = f"$apr1${pick(r, B64URL[:-2], 8)}${pick(r, ALNUM + './', 22)}"
    return ".htpasswd", f"admin:{digest}\n", digest


def _htpasswd_bcrypt(r: Random) -> Made:
    digest = f"$2y$10${pick(r, ALNUM + './', 53)}"
    return "conf/.htpasswd", f"deploy:{digest}\nops:{'$2y$10$' + pick(r, ALNUM + './', 53)}\n", digest


def _shadow(r: Random) -> Made:
    digest = f"$6${pick(r, ALNUM + './', 16)}${pick(r, ALNUM + './', 86)}"
    return (
        "etc/shadow",
        f"root:*:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\ndeploy:{digest}:19700:0:99999:7:::\n",
        digest,
    )


# fmt: off
FILE_FORMATS: tuple[FileFormat, ...] = (
    FileFormat(KEYS, "rsa-private-key", "pem-file", _pem_file("deploy/server.key", "RSA PRIVATE KEY", rsa_pkcs1_der), RFC7468 + " and RFC 8017 (PKCS#1)"),
    FileFormat(KEYS, "pkcs8-private-key", "pem-file", _pem_file("certs/tls.key", "PRIVATE KEY", pkcs8_der), RFC7468 + " section 10 (PKCS#8)"),
    FileFormat(KEYS, "ec-private-key", "pem-file", _pem_file("certs/ecdsa.pem", "EC PRIVATE KEY", ec_der), "https://www.rfc-editor.org/rfc/rfc5915 (SEC1 EC keys)"),
    FileFormat(KEYS, "dsa-private-key", "pem-file", _pem_file("keys/legacy_dsa.pem", "DSA PRIVATE KEY", dsa_der), RFC7468 + " (OpenSSL traditional DSA)"),
    FileFormat(KEYS, "encrypted-private-key", "pem-file", _pem_file("certs/client.key", "ENCRYPTED PRIVATE KEY", encrypted_pkcs8_der), RFC7468 + " section 11"),
    FileFormat(KEYS, "openssh-private-key", "ssh-key-file", _openssh, "https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key"),
    FileFormat(KEYS, "putty-private-key", "ppk-file", _putty, "https://the.earth.li/~sgtatham/putty/0.81/htmldoc/AppendixC.html (PPK v3)"),
    FileFormat(KEYS, "pgp-private-key-block", "armored-file", _pgp, "https://www.rfc-editor.org/rfc/rfc4880#section-6.2"),
    FileFormat(KEYS, "pem-in-source", "python", _pem_in_python, RFC7468),
    FileFormat(KEYS, "base64-encoded-pem", "kubernetes-tls", _pem_base64_in_k8s, "https://kubernetes.io/docs/concepts/configuration/secret/#tls-secrets"),
    FileFormat("code-hosting", "github-app-private-key", "pem-file", _github_app_key,
               "https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/managing-private-keys-for-github-apps"),
    FileFormat("cloud", "gcp-service-account-key", "service-account-json", _gcp_service_account,
               "https://cloud.google.com/iam/docs/keys-create-delete (JSON key file with private_key)"),
    FileFormat(JWT, "jwt-env", "env", _jwt_in(".env.local", "API_URL=https://api.example.com\nAPI_JWT={token}\n"), "https://www.rfc-editor.org/rfc/rfc7519"),
    FileFormat(JWT, "jwt-bearer-curl", "markdown-curl", _jwt_in("docs/api.md", "```bash\ncurl https://api.example.com/v2/me \\\n  -H 'Authorization: Bearer {token}'\n```\n"), "https://www.rfc-editor.org/rfc/rfc6750"),
    FileFormat(JWT, "jwt-json", "json", _jwt_in("fixtures/session.json", '{{\n  "user": "ada",\n  "access_token": "{token}",\n  "expires_in": 3600\n}}\n'), "https://www.rfc-editor.org/rfc/rfc7519"),
    FileFormat(JWT, "jwt-http-file", "http-file", _jwt_in("requests/orders.http", "GET https://api.example.com/orders\nAuthorization: Bearer {token}\nAccept: application/json\n"), "https://www.rfc-editor.org/rfc/rfc6750"),
    FileFormat(JWT, "jwt-python", "python", _jwt_in("tests/test_api.py", 'TOKEN = "{token}"\n\n\ndef test_me(client):\n    assert client.get("/me", headers={{"Authorization": f"Bearer {{TOKEN}}"}}).ok\n'), "https://www.rfc-editor.org/rfc/rfc7519"),
    FileFormat(URLS, "postgres-url", "env", _url("", "DATABASE_URL", "postgresql://billing_app:{pw}@db.internal.example.com:5432/billing"), "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS"),
    FileFormat(URLS, "mysql-url", "python", _url("", "DATABASE_URL", "mysql://shop:{pw}@mysql.internal:3306/shop", "python"), "https://dev.mysql.com/doc/refman/8.0/en/connecting-using-uri-or-key-value-pairs.html"),
    FileFormat(URLS, "mongodb-url", "yaml", _url("", "MONGO_URI", "mongodb://admin:{pw}@mongo-0.internal:27017/admin?replicaSet=rs0", "yaml"), "https://www.mongodb.com/docs/manual/reference/connection-string/"),
    FileFormat(URLS, "mongodb-srv-url", "js-const", _url("", "MONGODB_URI", "mongodb+srv://svc-api:{pw}@cluster0.ab1cd.mongodb.net/app?retryWrites=true", "js-const"), "https://www.mongodb.com/docs/manual/reference/connection-string/"),
    FileFormat(URLS, "redis-url", "compose", _url("", "REDIS_URL", "redis://:{pw}@cache.internal:6379/0", "compose"), "https://www.iana.org/assignments/uri-schemes/prov/redis"),
    FileFormat(URLS, "rediss-url", "env", _url("", "REDIS_TLS_URL", "rediss://default:{pw}@cache-{n}.example.com:6380"), "https://www.iana.org/assignments/uri-schemes/prov/rediss"),
    FileFormat(URLS, "amqp-url", "toml", _url("", "BROKER_URL", "amqp://orders:{pw}@mq.internal:5672/orders", "toml"), "https://www.rabbitmq.com/docs/uri-spec"),
    FileFormat(URLS, "https-basic-auth-url", "shell", _url("", "GIT_REMOTE", "https://deploy:{pw}@git.internal.example.com/acme/app.git", "shell"), "https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1"),
    FileFormat(URLS, "ftp-url", "ini", _url("", "UPLOAD_URL", "ftp://uploader:{pw}@ftp.example.com/incoming", "ini"), "https://www.rfc-editor.org/rfc/rfc1738#section-3.2"),
    FileFormat(URLS, "smtp-url", "env", _url("", "EMAIL_URL", "smtp://mailer:{pw}@smtp.example.com:587"), "https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url"),
    FileFormat(URLS, "jdbc-postgres-url", "properties", _url("", "DB_URL", "jdbc:postgresql://db.internal:5432/orders?user=orders&password={pw}", "properties"), "https://jdbc.postgresql.org/documentation/use/#connection-parameters"),
    FileFormat(URLS, "jdbc-sqlserver-url", "xml-attribute", _url("", "CONNECTION", "jdbc:sqlserver://db.internal:1433;databaseName=crm;user=crm;password={pw}", "xml-attribute"), "https://learn.microsoft.com/sql/connect/jdbc/building-the-connection-url"),
    FileFormat(URLS, "jdbc-mysql-url", "java", _url("", "JDBC_URL", "jdbc:mysql://db.internal:3306/crm?user=crm&password={pw}", "java"), "https://dev.mysql.com/doc/connector-j/en/connector-j-reference-jdbc-url-format.html"),
    FileFormat(FILES, "netrc", ".netrc", _netrc(".netrc"), "https://www.gnu.org/software/inetutils/manual/html_node/The-_002enetrc-file.html"),
    FileFormat(FILES, "netrc-windows", "_netrc", _netrc("home/_netrc"), "https://curl.se/docs/manpage.html#-n"),
    FileFormat(FILES, "git-credentials", ".git-credentials", _git_credentials, "https://git-scm.com/docs/git-credential-store#_storage_format"),
    FileFormat(FILES, "pgpass", ".pgpass", _pgpass, "https://www.postgresql.org/docs/current/libpq-pgpass.html"),
    FileFormat(FILES, "pypirc-password", ".pypirc", _pypirc, "https://packaging.python.org/en/latest/specifications/pypirc/"),
    FileFormat(FILES, "npmrc-auth", ".npmrc", _npmrc_auth, "https://docs.npmjs.com/cli/v10/configuring-npm/npmrc#auth-related-configuration"),
    FileFormat("dev-tooling", "npm-legacy-uuid-token", ".npmrc", _npmrc_uuid, "https://docs.npmjs.com/about-access-tokens (legacy UUID tokens in _authToken)"),
    FileFormat(FILES, "docker-config-auths", ".docker/config.json", _docker_config, "https://docs.docker.com/reference/cli/docker/login/#credential-stores"),
    FileFormat(FILES, "dockercfg", ".dockercfg", _dockercfg, "https://kubernetes.io/docs/concepts/configuration/secret/#docker-config-secrets"),
    FileFormat(FILES, "s3cfg", ".s3cfg", _s3cfg, "https://s3tools.org/kb/item14.htm"),
    FileFormat(FILES, "filezilla-sitemanager", "sitemanager.xml", _filezilla("AppData/FileZilla/sitemanager.xml"), "https://wiki.filezilla-project.org/Site_Manager"),
    FileFormat(FILES, "filezilla-recentservers", "recentservers.xml", _filezilla("AppData/FileZilla/recentservers.xml"), "https://wiki.filezilla-project.org/Site_Manager"),
    FileFormat(FILES, "sublime-sftp-config", "sftp-config.json", _sftp_config, "https://codexns.io/products/sftp_for_subime/settings"),
    FileFormat(FILES, "remote-ftp-config", ".ftpconfig", _ftpconfig, "https://github.com/icetee/remote-ftp#configuration"),
    FileFormat(FRAMEWORK, "rails-master-key", "config/master.key", _rails_master_key, "https://guides.rubyonrails.org/security.html#custom-credentials"),
    FileFormat(FRAMEWORK, "rails-secret-key-base", "secrets.yml", _rails_secrets, "https://guides.rubyonrails.org/configuring.html#config-secret-key-base"),
    FileFormat(FRAMEWORK, "django-secret-key", "settings.py", _django_secret, "https://docs.djangoproject.com/en/stable/ref/settings/#secret-key"),
    FileFormat(FRAMEWORK, "django-database-password", "settings.py", _django_databases, "https://docs.djangoproject.com/en/stable/ref/settings/#databases"),
    FileFormat(FRAMEWORK, "flask-secret-key", "python", _flask_secret, "https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY"),
    FileFormat(FRAMEWORK, "wordpress-db-password", "wp-config.php", _wp_db_password, "https://developer.wordpress.org/advanced-administration/wordpress/wp-config/"),
    FileFormat(FRAMEWORK, "wordpress-salt", "wp-config.php", _wp_salt, "https://developer.wordpress.org/advanced-administration/wordpress/wp-config/#security-keys"),
    FileFormat(FRAMEWORK, "spring-datasource-password", "application.properties", _spring_properties, "https://docs.spring.io/spring-boot/appendix/application-properties/index.html#application-properties.data.spring.datasource.password"),
    FileFormat(FRAMEWORK, "spring-yaml-password", "application.yml", _spring_yaml, "https://docs.spring.io/spring-boot/reference/features/external-config.html"),
    FileFormat(FRAMEWORK, "laravel-app-key", ".env", _laravel_key, "https://laravel.com/docs/encryption#configuration"),
    FileFormat(HASHES, "htpasswd-apr1", ".htpasswd", _htpasswd, "https://httpd.apache.org/docs/2.4/misc/password_encryptions.html"),
    FileFormat(HASHES, "htpasswd-bcrypt", ".htpasswd", _htpasswd_bcrypt, "https://httpd.apache.org/docs/2.4/misc/password_encryptions.html"),
    FileFormat(HASHES, "shadow-sha512crypt", "shadow", _shadow, "https://man7.org/linux/man-pages/man5/shadow.5.html and crypt(5)"),
)
# fmt: on

GENERIC_NAMES = (
    "API_SECRET", "CLIENT_SECRET", "AUTH_TOKEN", "ACCESS_TOKEN", "SECRET_KEY", "PRIVATE_TOKEN", "APP_PASSWORD",
    "DB_PASSWORD", "SIGNING_KEY", "ENCRYPTION_KEY", "WEBHOOK_SECRET", "SESSION_SECRET", "SERVICE_API_KEY",
    "ADMIN_PASSWORD", "REDIS_PASSWORD", "SMTP_PASSWORD", "JWT_SECRET", "MASTER_KEY", "INTERNAL_API_TOKEN",
)  # fmt: skip

GENERIC_VALUES: dict[str, Callable[[Random], str]] = {
    "random-alnum": lambda r: alnum(r, r.randint(32, 48)),
    "hex-32": lambda r: hexs(r, 32),
    "hex-40": lambda r: hexs(r, 40),
    "hex-64": lambda r: hexs(r, 64),
    "uuid": uuid4,
    "base64": lambda r: b64_bytes(r, 32),
    "strong-password": password,
    "config-password": passphrase,
}
"""Value shapes of the generic detector (issue 9 item 2): high-entropy strings, hex and UUIDs under secret,
token, password or key names, and plain passwords in configuration."""

GENERIC_CITE = "keysweep issue 9, item 2 (assignment idioms; hex and UUID under credential names; plain passwords)"


def generic_samples(rng: Random, per_context: int = 2) -> list[Sample]:
    """Every idiom `per_context` times, value shapes and names rotating so each shape meets many idioms."""
    samples = []
    shapes = list(GENERIC_VALUES)
    for n, context in enumerate(sorted(CONTEXTS)):
        for k in range(per_context):
            shape = shapes[(n * per_context + k) % len(shapes)]
            name = GENERIC_NAMES[(n * per_context + k) % len(GENERIC_NAMES)]
            if "PASSWORD" not in name and shape.endswith("password"):
                name = "DB_PASSWORD"
            value = GENERIC_VALUES[shape](rng)
            path, text = render(context, rng, [(name, value)])
            samples.append(Sample(GENERIC, f"generic-{shape}", context, path, text, value, True, GENERIC_CITE))
    return samples


def jwt_io_example() -> str:
    """The example token jwt.io documents (HS256, `your-256-bit-secret`), computed rather than pasted."""

    def seg(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

    head = seg({"alg": "HS256", "typ": "JWT"}) + "." + seg({"sub": "1234567890", "name": "John Doe", "iat": 1516239022})
    sig = hmac.new(b"your-256-bit-secret", head.encode(), hashlib.sha256).digest()
    return head + "." + base64.urlsafe_b64encode(sig).decode().rstrip("=")
