"""Discovery through the hosting emulator: every page on both hosts, archived repositories and forks marked,
tokens sent as the contract says, errors in one line; `--repos` files; the selection filters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from repo_builders import TOKEN

from scanner.errors import SourceError, UsageError
from scanner.org.discovery import OrgSpec, discover
from scanner.org.repositories import Repository, Selection, read_repos_file, safe_url, select, unique_names
from tests.emulators.hosting import HostingEmulator, github_repository, gitlab_project


@pytest.fixture
def hosting() -> Iterator[HostingEmulator]:
    with HostingEmulator(TOKEN) as emulator:
        yield emulator


def test_github_listing_follows_the_link_header_through_every_page(hosting: HostingEmulator) -> None:
    hosting.orgs["acme"] = [
        github_repository(f"acme/r{n:03d}", f"https://github.example/acme/r{n:03d}.git", archived=n == 7, fork=n == 8)
        for n in range(250)
    ]

    listed = discover(OrgSpec.parse("github:acme"), {"GITHUB_TOKEN": TOKEN}, hosting.url)

    assert [r.name for r in listed] == [f"acme/r{n:03d}" for n in range(250)]
    pages = [(r.path, r.query["page"], r.query["per_page"], r.query["type"]) for r in hosting.calls("GET")]
    assert pages == [("/orgs/acme/repos", str(p), "100", "all") for p in (1, 2, 3)]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in hosting.calls("GET"))
    assert (listed[7].archived, listed[7].fork, listed[8].archived, listed[8].fork) == (True, False, False, True)
    assert listed[0] == Repository("acme/r000", "https://github.example/acme/r000.git", "github", size_kib=1)


def test_a_single_page_listing_makes_one_request(hosting: HostingEmulator) -> None:
    hosting.orgs["acme"] = [github_repository(f"acme/r{n}", f"/srv/r{n}.git") for n in range(100)]

    listed = discover(OrgSpec.parse("github:acme"), {"GH_TOKEN": TOKEN}, hosting.url)

    assert len(listed) == 100 and len(hosting.calls("GET")) == 1


def test_a_github_user_account_is_listed_through_users(hosting: HostingEmulator) -> None:
    hosting.orgs["ada"] = [github_repository("ada/notes", "/srv/notes.git")]

    listed = discover(OrgSpec.parse("github:user/ada"), {"GITHUB_TOKEN": TOKEN}, hosting.url)

    assert [r.name for r in listed] == ["ada/notes"] and hosting.calls("GET")[0].path == "/users/ada/repos"


def test_gitlab_listing_includes_subgroups_and_follows_x_next_page(hosting: HostingEmulator) -> None:
    hosting.groups["acme"] = [gitlab_project(f"acme/p{n:03d}", f"/srv/p{n:03d}.git") for n in range(150)]
    hosting.groups["acme/infra"] = [
        gitlab_project("acme/infra/old", "/srv/old.git", archived=True),
        gitlab_project("acme/infra/copy", "/srv/copy.git", fork=True),
    ]
    hosting.groups["other"] = [gitlab_project("other/x", "/srv/x.git")]

    listed = discover(OrgSpec.parse("gitlab:acme"), {"GITLAB_TOKEN": TOKEN}, hosting.url + "/api/v4")

    assert len(listed) == 152 and {r.host for r in listed} == {"gitlab"}
    calls = hosting.calls("GET")
    assert [(c.path, c.query["page"], c.query["include_subgroups"]) for c in calls] == [
        ("/api/v4/groups/acme/projects", str(p), "true") for p in (1, 2)
    ]
    assert all(c.headers["private-token"] == TOKEN for c in calls)
    marks = {r.name: (r.archived, r.fork) for r in listed}
    assert marks["acme/infra/old"] == (True, False) and marks["acme/infra/copy"] == (False, True)
    assert marks["acme/p000"] == (False, False) and "other/x" not in marks


def test_a_gitlab_subgroup_path_is_url_encoded(hosting: HostingEmulator) -> None:
    hosting.groups["acme/infra"] = [gitlab_project("acme/infra/tools", "/srv/tools.git")]

    listed = discover(OrgSpec.parse("gitlab:acme/infra"), {"GITLAB_TOKEN": TOKEN}, hosting.url + "/api/v4")

    assert [r.name for r in listed] == ["acme/infra/tools"]


@pytest.mark.parametrize(
    ("spec", "environ", "status", "words"),
    [
        ("github:nobody", {"GITHUB_TOKEN": TOKEN}, 404, "no such organization"),
        ("github:acme", {"GITHUB_TOKEN": "wrong"}, 401, "check GITHUB_TOKEN or GH_TOKEN"),
        ("gitlab:nobody", {"GITLAB_TOKEN": TOKEN}, 404, "no such group"),
    ],
)
def test_listing_errors_say_what_went_wrong_in_one_line(
    hosting: HostingEmulator, spec: str, environ: dict[str, str], status: int, words: str
) -> None:
    hosting.orgs["acme"] = []
    base = hosting.url + ("/api/v4" if spec.startswith("gitlab") else "")

    with pytest.raises(SourceError) as error:
        discover(OrgSpec.parse(spec), environ, base)

    assert f"HTTP {status}" in str(error.value) and words in str(error.value) and "\n" not in str(error.value)
    assert "wrong" not in str(error.value) and TOKEN not in str(error.value)


def test_tokens_go_to_https_or_loopback_only() -> None:
    with pytest.raises(UsageError, match="use https"):
        discover(OrgSpec.parse("github:acme"), {"GITHUB_TOKEN": TOKEN}, "http://ghe.example.com/api/v3")


@pytest.mark.parametrize("text", ["acme", "bitbucket:acme", "github:", "gitlab:/"])
def test_org_spec_needs_a_known_host_and_a_name(text: str) -> None:
    with pytest.raises(UsageError, match="expected github:ORG"):
        OrgSpec.parse(text)


def test_archived_repositories_and_forks_are_left_out_unless_asked() -> None:
    repos = [
        Repository("acme/app", "/a"),
        Repository("acme/old", "/b", archived=True),
        Repository("acme/copy", "/c", fork=True),
    ]

    default = {r.name: r.skip_reason for r in select(repos, Selection())}
    everything = {r.name: r.skip_reason for r in select(repos, Selection(archived=True, forks=True))}

    assert default == {
        "acme/app": None,
        "acme/old": "archived (--include-archived scans it)",
        "acme/copy": "fork (--include-forks scans it)",
    }
    assert everything == dict.fromkeys(everything)


def test_include_and_exclude_globs_match_full_names() -> None:
    repos = [Repository(n, "/x") for n in ("acme/api", "acme/api-docs", "acme/web", "acme/infra/ci")]

    chosen = select(repos, Selection(include=("acme/api*", "acme/infra/*"), exclude=("*-docs",)))

    reasons = {r.name: r.skip_reason for r in chosen}
    assert reasons["acme/api"] is None and reasons["acme/infra/ci"] is None
    assert reasons["acme/api-docs"] == "excluded by --exclude *-docs"
    assert reasons["acme/web"] == "not matched by --include acme/api* acme/infra/*"


def test_a_repos_file_takes_urls_and_paths_and_ignores_comments(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text(
        "# nightly sweep\n\nhttps://github.com/acme/api.git\n  ../mirrors/web.git   # the web app\n"
        "/srv/git/tools.git\nhttps://github.com/acme/api.git\n"
    )

    repos = read_repos_file(listing)

    assert [(r.name, r.clone_url, r.host) for r in repos] == [
        ("acme/api", "https://github.com/acme/api.git", "github"),
        (str(tmp_path.parent / "mirrors" / "web.git"), str(tmp_path.parent / "mirrors" / "web.git"), "file"),
        ("/srv/git/tools.git", "/srv/git/tools.git", "file"),
    ]


def test_a_repos_file_with_credentials_in_a_url_is_refused_without_echoing_them(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text("https://ada:hunter2-token@github.com/acme/api.git\n")

    with pytest.raises(UsageError) as error:
        read_repos_file(listing)

    assert "repos.txt:1" in str(error.value) and "hunter2" not in str(error.value)


def test_urls_in_reports_carry_no_user_info_and_names_stay_unique() -> None:
    assert safe_url("https://x-access-token:abc@github.com/acme/api.git") == "https://github.com/acme/api.git"
    names = [r.name for r in unique_names([Repository("a/b", "/1"), Repository("a/b", "/2"), Repository("c", "/3")])]
    assert names == ["a/b", "a/b#2", "c"]
