"""The HTML page, parsed: one page with its structure, every internal link resolving, nothing external, a
Content Security Policy that matches the inline style and script, and no secret value unless --reveal."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scanner.incident import html
from scanner.incident.model import IncidentReport
from tests.incident.example import build_example
from tests.rotation.seed import CI_PIPELINE, LEGACY_STAGING, PROD_DEFAULT, WEBHOOK

VALUES = (PROD_DEFAULT, CI_PIPELINE, LEGACY_STAGING, WEBHOOK)


class Page(HTMLParser):
    """Every element with its attributes, the ids, the links, and the text of <style> and <script>."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.ids: list[str] = []
        self.inline: dict[str, list[str]] = {"style": [], "script": []}
        self.doctype = ""
        self._inside: str | None = None
        self.feed(text)

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.elements.append((tag, values))
        if "id" in values:
            self.ids.append(values["id"])
        if tag in self.inline:
            self._inside = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.inline[self._inside][-1] += data

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.elements if t == tag and all(a.get(k, "").split().count(v) for k, v in attrs.items())
        ]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> IncidentReport:
    return build_example(tmp_path_factory.mktemp("example"))


@pytest.fixture(scope="module")
def page(report: IncidentReport) -> Page:
    return Page(html.render(report))


def test_one_page_a_sortable_table_and_a_section_with_a_timeline_per_secret(page: Page, report: IncidentReport) -> None:
    assert page.doctype.lower() == "doctype html"
    assert page.all("html")[0]["lang"] == "en" and len(page.all("h1")) == 1
    assert len(page.all("table", id="secrets-table")) == 1
    headers = page.all("button", type="button")
    assert [h["data-column"] for h in headers] == [str(n) for n in range(len(html.COLUMNS))]
    assert len(page.all("th", scope="col")) >= len(html.COLUMNS)
    assert all(th.get("aria-sort") == "none" for th in page.all("th") if "aria-sort" in th)
    rows = [a for t, a in page.elements if t == "tr" and "data-secret" in a]
    assert [r["data-secret"] for r in rows] == [s.secret_id for s in report.keys]
    sections = page.all("section", **{"class": "secret"})
    assert [s["id"] for s in sections] == [s.anchor for s in report.keys]
    timelines = [a for t, a in page.elements if t == "svg"]
    assert len(timelines) == len(report.keys) and all(svg["role"] == "img" for svg in timelines)
    assert page.all("p", id="sort-status")[0]["aria-live"] == "polite"


def test_every_internal_link_resolves_and_ids_are_unique(page: Page) -> None:
    links = [a["href"] for a in page.all("a") if "href" in a]
    internal = [href[1:] for href in links if href.startswith("#")]
    assert internal and set(internal) <= set(page.ids)
    assert len(page.ids) == len(set(page.ids))
    labelled = [ref for _, a in page.elements for ref in a.get("aria-labelledby", "").split()]
    assert labelled and set(labelled) <= set(page.ids)
    assert all(href.startswith("https://") for href in links if not href.startswith("#")), "only the PR's URL"


def test_nothing_external_and_the_policy_allows_only_the_inline_style_and_script(page: Page) -> None:
    assert not [t for t, a in page.elements if "src" in a or t in ("link", "img", "iframe", "object", "embed")]
    assert not [a for t, a in page.elements if t == "a" and a.get("href", "").startswith("http") and "rel" not in a]
    [style], [script] = page.inline["style"], page.inline["script"]
    assert "@import" not in style and not re.search(r"url\(", style)
    [policy] = [a["content"] for a in page.all("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in policy

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"style-src '{digest(style)}'" in policy and f"script-src '{digest(script)}'" in policy


def test_no_secret_value_is_on_the_page_unless_revealed(report: IncidentReport, tmp_path: Path) -> None:
    text = html.render(report)
    assert not [v for v in VALUES if v in text]
    revealed = replace(
        report,
        reveal=True,
        secrets=tuple(replace(s, value=v) for s in report.secrets for v in [_value_of(s.secret_id)] if True),
    )
    shown = html.render(revealed)
    assert [v for v in VALUES if v in shown] == list(VALUES), "the check above can fail"


def _value_of(sid: str) -> str | None:
    from scanner.findings import secret_id

    return next((v for v in VALUES if secret_id(v) == sid), None)
