"""Realistic places a value gets assigned: one row per file kind and idiom (the path people give such a file,
the lines around the assignments, and how one `NAME = value` is written in that idiom)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from random import Random

Pairs = Sequence[tuple[str, str]]
"""(NAME in UPPER_SNAKE form, literal value) in file order; the secret comes last, companions before it."""


def snake(env: str) -> str:
    return env.lower()


def camel(env: str) -> str:
    head, *rest = env.lower().split("_")
    return head + "".join(part.title() for part in rest)


def pascal(env: str) -> str:
    return "".join(part.title() for part in env.lower().split("_"))


@dataclass(frozen=True, slots=True)
class Context:
    """A file kind: its path, the text before and after the assignments, and one assignment's spelling."""

    path: str
    head: str
    line: Callable[[str, str], str]
    tail: str = ""

    def render(self, r: Random, pairs: Pairs) -> tuple[str, str]:
        return self.path, self.head + "".join(self.line(k, v) + "\n" for k, v in pairs) + self.tail


@dataclass(frozen=True, slots=True)
class CurlContext:
    """A curl example in a README: companions as headers, the secret as the bearer token."""

    path: str = "docs/quickstart.md"

    def render(self, r: Random, pairs: Pairs) -> tuple[str, str]:
        *companions, (_, secret) = pairs
        headers = "".join(f'  -H "X-{pascal(k).replace("_", "-")}: {v}" \\\n' for k, v in companions)
        return self.path, (
            "# Quickstart\n\nCall the API:\n\n```bash\ncurl https://api.example.com/v1/items \\\n"
            f'{headers}  -H "Authorization: Bearer {secret}" \\\n  -H "Content-Type: application/json"\n```\n'
        )


# fmt: off
CONTEXTS: dict[str, Context | CurlContext] = {
    "env": Context(".env", "# local settings\nAPP_ENV=production\nPORT=8080\n", lambda k, v: f"{k}={v}", "LOG_LEVEL=info\n"),
    "env-quoted": Context("config/.env.production", 'NODE_ENV="production"\n', lambda k, v: f'{k}="{v}"', 'FEATURES="beta"\n'),
    "shell": Context("scripts/deploy.sh", "#!/usr/bin/env bash\nset -euo pipefail\n\n", lambda k, v: f'export {k}="{v}"', "./bin/release --region eu-west-1\n"),
    "powershell": Context("scripts/setup.ps1", '$ErrorActionPreference = "Stop"\n', lambda k, v: f'$env:{k} = "{v}"', ".\\tools\\bootstrap.ps1\n"),
    "yaml": Context("config/settings.yml", "service:\n  name: billing\n  replicas: 3\n  credentials:\n", lambda k, v: f"    {snake(k)}: {v}", "  timeout: 30\n"),
    "compose": Context("docker-compose.yml", "services:\n  api:\n    image: acme/api:1.4\n    environment:\n      - PORT=8080\n",
                       lambda k, v: f"      - {k}={v}", '    ports:\n      - "8080:8080"\n'),
    "k8s-secret": Context("deploy/k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-credentials\ntype: Opaque\nstringData:\n",
                          lambda k, v: f'  {k}: "{v}"'),
    "github-actions": Context(".github/workflows/release.yml", "name: release\non: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    env:\n",
                              lambda k, v: f"      {k}: {v}", "    steps:\n      - uses: actions/checkout@v4\n"),
    "json": Context("config/appsettings.json", '{\n  "name": "billing",\n  "retries": 3,\n', lambda k, v: f'  "{camel(k)}": "{v}",', '  "debug": false\n}\n'),
    "toml": Context("config.toml", '[service]\nname = "billing"\n\n[service.auth]\n', lambda k, v: f'{snake(k)} = "{v}"', "timeout = 30\n"),
    "ini": Context("settings.ini", "[default]\nregion = eu-west-1\n", lambda k, v: f"{snake(k)} = {v}", "output = json\n"),
    "properties": Context("src/main/resources/application.properties", "server.port=8080\n",
                          lambda k, v: f"app.{snake(k).replace('_', '.')}={v}", "logging.level.root=INFO\n"),
    "xml-element": Context("conf/settings.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<settings>\n  <endpoint>https://api.example.com</endpoint>\n',
                           lambda k, v: f"  <{camel(k)}>\n    {v}\n  </{camel(k)}>", "</settings>\n"),
    "xml-attribute": Context("web.config", '<configuration>\n  <appSettings>\n    <add key="Environment" value="Production" />\n',
                             lambda k, v: f'    <add key="{pascal(k)}" value="{v}" />', "  </appSettings>\n</configuration>\n"),
    "php-define": Context("config/constants.php", "<?php\ndefine('APP_NAME', 'billing');\n", lambda k, v: f"define('{k}', '{v}');"),
    "php-array": Context("config/services.php", "<?php\n\nreturn [\n    'driver' => 'http',\n", lambda k, v: f"    '{snake(k)}' => '{v}',", "];\n"),
    "go-short-decl": Context("cmd/server/main.go", 'package main\n\nfunc main() {\n', lambda k, v: f'\t{camel(k)} := "{v}"', "\trun()\n}\n"),
    "go-var": Context("internal/config/config.go", "package config\n\n", lambda k, v: f'var {camel(k)} string = "{v}"', '\nconst Region = "eu-west-1"\n'),
    "js-const": Context("src/config.js", "const region = 'eu-west-1';\n", lambda k, v: f"const {camel(k)} = '{v}';", "\nmodule.exports = { region };\n"),
    "ts-object": Context("src/client.ts", 'import { Client } from "./client";\n\nexport const client = new Client({\n', lambda k, v: f'  {camel(k)}: "{v}",', "  retries: 2,\n});\n"),
    "python": Context("app/settings.py", '"""Settings."""\n\nDEBUG = False\n', lambda k, v: f'{k} = "{v}"', 'ALLOWED_HOSTS = ["api.example.com"]\n'),
    "python-kwarg": Context("scripts/sync.py", "from acme import Client\n\nclient = Client(\n", lambda k, v: f'    {snake(k)}="{v}",', "    timeout=30,\n)\n"),
    "ruby": Context("config/initializers/acme.rb", "Acme.configure do |config|\n", lambda k, v: f"  config.{snake(k)} = '{v}'", "end\n"),
    "ruby-hash": Context("lib/tasks/sync.rake", 'CLIENT_OPTIONS = {\n  region: "eu-west-1",\n', lambda k, v: f'  {snake(k)}: "{v}",', "}.freeze\n"),
    "java": Context("src/main/java/com/acme/Config.java", "package com.acme;\n\npublic final class Config {\n",
                    lambda k, v: f'    private static final String {k} = "{v}";', "}\n"),
    "kotlin": Context("app/src/main/kotlin/Config.kt", 'object Config {\n    const val REGION = "eu-west-1"\n', lambda k, v: f'    val {camel(k)} = "{v}"', "}\n"),
    "csharp": Context("src/Acme/Settings.cs", "namespace Acme\n{\n    public static class Settings\n    {\n",
                      lambda k, v: f'        public const string {pascal(k)} = "{v}";', "    }\n}\n"),
    "makefile": Context("Makefile", "REGION ?= eu-west-1\n", lambda k, v: f"{k} ?= {v}", "\ndeploy:\n\t./bin/deploy --region $(REGION)\n"),
    "makefile-immediate": Context("build/common.mk", "SHELL := /bin/bash\n", lambda k, v: f"{k} := {v}", "export\n"),
    "makefile-posix": Context("GNUmakefile", ".POSIX:\n", lambda k, v: f"{k} ::= {v}", "all:\n\t@true\n"),
    "dockerfile": Context("Dockerfile", "FROM python:3.12-slim\nWORKDIR /app\n", lambda k, v: f"ENV {k}={v}", 'COPY . .\nCMD ["python", "-m", "app"]\n'),
    "terraform": Context("infra/terraform.tfvars", 'region = "eu-west-1"\n', lambda k, v: f'{snake(k)} = "{v}"', "instance_count = 2\n"),
    "markdown-curl": CurlContext(),
}
# fmt: on
"""Every idiom; the generic family cycles through all of them, provider formats draw a few at random."""


def render(context: str, r: Random, pairs: Pairs) -> tuple[str, str]:
    """(path, text) of a file of kind `context` assigning `pairs`."""
    return CONTEXTS[context].render(r, pairs)
