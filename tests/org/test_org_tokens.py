"""A hosting token reaches git as an HTTP header only: never in a clone URL, a mirror's config, the state, the
report or any file under the cache."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest
from repo_builders import TOKEN, build_bare, fake_key

from scanner.config import Settings
from scanner.findings import secret_id
from scanner.org.discovery import OrgSpec, discover
from scanner.org.report import render
from scanner.org.repositories import Selection, select
from scanner.org.run import OrgOptions, run_org_scan
from scanner.org.state import StateFile, settings_fingerprint, state_path
from tests.emulators.git_http import GitHttpServer
from tests.emulators.hosting import HostingEmulator, github_repository

pytestmark = pytest.mark.slow


def test_a_token_cloned_with_is_in_no_file_under_the_cache_the_state_or_the_report(
    dask_client: Any, tmp_path: Path
) -> None:
    key = fake_key(random.Random(5))
    for name in ("acme/api", "acme/web"):
        build_bare(tmp_path / "served" / f"{name}.git", [{"settings.py": f'OPENAI_API_KEY = "{key}"\n'}])
    cache = tmp_path / "cache"
    with GitHttpServer(tmp_path / "served", TOKEN) as git, HostingEmulator(TOKEN) as hosting:
        hosting.orgs["acme"] = [github_repository(n, git.url_of(n)) for n in ("acme/api", "acme/web")]
        listed = select(discover(OrgSpec.parse("github:acme"), {"GITHUB_TOKEN": TOKEN}, hosting.url), Selection())
        state = StateFile(state_path(cache / "state", "github:acme"), "github:acme", settings_fingerprint(Settings()))
        report = run_org_scan(
            dask_client, "github:acme", listed, Settings(), state, OrgOptions(mirrors=cache / "mirrors")
        )
        requests = list(git.requests)
    documents = {fmt: render(fmt, report) for fmt in ("text", "json", "sarif")}

    assert {row["secret_id"] for row in report.findings} == {secret_id(key)}
    assert {row["repository"] for row in report.findings} == {"acme/api", "acme/web"}
    assert requests and all(authorised for _, authorised in requests), "git sent the token on every request"
    header = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert any(p.name == "config" for p in files)
    for file in files:
        data = file.read_bytes()
        assert TOKEN.encode() not in data and header.encode() not in data, file
    for fmt, text in documents.items():
        assert TOKEN not in text and header not in text, fmt
    for config in cache.glob("mirrors/*.git/config"):
        text = config.read_text()
        assert "extraheader" not in text.lower() and "@" not in text
        assert f"url = {git.url_of('acme/api')}" in text or f"url = {git.url_of('acme/web')}" in text
    assert json.loads(documents["json"])["summary"]["scanned"] == 2
