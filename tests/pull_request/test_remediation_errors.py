"""Each way the PR step can fail says what went wrong, where and what to do; nothing half-done goes out."""

from __future__ import annotations

import stat

import pytest

from scanner.errors import HostingError, RotationError
from scanner.rotation.branch import Repository
from scanner.rotation.hosting.config import HostingConfig, compare_url, resolve_hosting, split_remote_url
from scanner.rotation.remediation import RemediationContext, open_remediation
from tests.pull_request.conftest import REPOSITORY, TOKEN, trusting
from tests.rewrite.fakes import findings_for, project_key

KEY = project_key(21)
FILES = {"app/settings.py": f'API_KEY = "{KEY}"\n'}
BRANCH = "keysweep/rotate-a1b2c3"


def ctx(emulator, env=None, **kw) -> RemediationContext:  # type: ignore[no-untyped-def]
    return RemediationContext(
        rotation_id="rot-20250102T030405Z-a1b2c3",
        hosting=HostingConfig(kind="github", api_url=emulator.url, repository=kw.pop("repository", REPOSITORY)),
        env={"GITHUB_TOKEN": TOKEN} if env is None else env,
        user=trusting(emulator.url),
        sleep=kw.pop("sleep", lambda s: None),
        **kw,
    )


@pytest.fixture
def repo(checkout):  # type: ignore[no-untyped-def]
    checkout.commit_all(FILES)
    return checkout


def run(repo, emulator, **kw):  # type: ignore[no-untyped-def]
    return open_remediation(repo.path, findings_for(FILES, [KEY]), None, ctx(emulator, **kw))


def test_dirty_working_tree_is_refused_and_explained(repo, emulator):
    (repo.path / "app/settings.py").write_text("changed\n")
    with pytest.raises(RotationError, match=r"uncommitted changes \(app/settings.py\); commit or stash"):
        run(repo, emulator)
    assert repo.remote_git("branch", "--list", BRANCH) == ""


def test_missing_token_names_the_variables(repo, emulator):
    with pytest.raises(HostingError, match="set GITHUB_TOKEN or GH_TOKEN in the environment"):
        run(repo, emulator, env={})


def test_gh_token_is_accepted_too(repo, emulator):
    assert run(repo, emulator, env={"GH_TOKEN": TOKEN}).pull_request is not None


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (401, {}, "401 the token was rejected .*GITHUB_TOKEN / GH_TOKEN"),
        (403, {}, "403 the token lacks a permission .*`workflow` scope"),
        (404, {}, "404 no repository 'acme/app', or the token cannot see it"),
        (422, {}, "422 validation failed"),
        (429, {"retry-after": "3600"}, "429 rate limited .*retry-after/reset: 3600"),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"}, "403 rate limited"),
    ],
)
def test_api_errors_are_one_clear_line(repo, emulator, status, headers, expected):
    emulator.fail("POST", r"/pulls$", status, headers=headers, times=5)
    with pytest.raises(HostingError, match=expected) as info:
        run(repo, emulator)
    assert getattr(info.value, "status", None) == status
    assert TOKEN not in str(info.value)


def test_rate_limit_with_a_short_retry_after_is_waited_out(repo, emulator):
    waits: list[float] = []
    emulator.fail("GET", r"/pulls$", 429, headers={"retry-after": "2"}, times=2)
    result = run(repo, emulator, sleep=waits.append)
    assert waits == [2.0, 2.0]
    assert result.pull_request is not None and result.pull_request.created


def test_rate_limit_that_outlasts_the_retry_budget_stops(repo, emulator):
    emulator.fail("GET", r"/pulls$", 429, headers={"retry-after": "0"}, times=3)
    with pytest.raises(HostingError, match="429 rate limited"):
        run(repo, emulator)


def test_unknown_repository_is_a_404(repo, emulator):
    with pytest.raises(HostingError, match="404 no repository 'acme/other'"):
        run(repo, emulator, repository="acme/other")


def test_branch_protection_refusing_the_push(repo, emulator):
    hook = repo.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'GH006: Protected branch update failed for refs/heads/keysweep/*' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(HostingError, match=r"refused by branch protection or a server hook .*keysweep/"):
        run(repo, emulator)
    assert emulator.repos[REPOSITORY].pulls == []


def test_push_with_a_stale_lease_is_rejected(repo, emulator):
    run(repo, emulator)
    handle = Repository.open(repo.path)
    head = repo.git("rev-parse", "HEAD")
    with pytest.raises(HostingError, match="was rejected: the branch changed on the remote"):
        handle.push("origin", head, BRANCH, expected=head)


def test_leftover_literal_after_rewrite_stops_before_push(repo, emulator):
    def rescan(paths):  # type: ignore[no-untyped-def]
        return findings_for({"app/settings.py": f'API_KEY = "{KEY}"\n'}, [KEY])

    with pytest.raises(RotationError, match=r"literals remain after the rewrite at app/settings.py:1; nothing"):
        run(repo, emulator, rescan=rescan)
    assert repo.remote_git("branch", "--list", BRANCH) == ""


def test_remote_that_is_not_github_or_gitlab_gets_the_branch_and_a_compare_url(repo):
    repo.git("remote", "set-url", "--push", "origin", str(repo.remote))
    config = HostingConfig(web_url="https://git.example.org/acme/app")
    context = RemediationContext(rotation_id="rot-x-a1b2c3", hosting=config, env={})
    result = open_remediation(repo.path, findings_for(FILES, [KEY]), None, context)
    assert result.pull_request is None and result.pushed
    assert (
        result.compare_url == f"https://git.example.org/acme/app/compare/main...{BRANCH.replace('/', '%2F')}?expand=1"
    )
    assert result.compare_url in result.message
    assert repo.branch_file(BRANCH, "app/settings.py") == 'import os\nAPI_KEY = os.environ["API_KEY"]'


def test_remote_urls_and_hosts():
    assert split_remote_url("git@github.com:acme/app.git") == ("github.com", "acme/app")
    assert split_remote_url("https://user:pw@gitlab.example.com/group/sub/app.git") == (
        "gitlab.example.com",
        "group/sub/app",
    )
    assert split_remote_url("ssh://git@github.com:22/acme/app") == ("github.com", "acme/app")
    assert split_remote_url("/srv/git/app.git") is None
    assert split_remote_url("file:///srv/git/app.git") is None
    gh = resolve_hosting("git@github.com:acme/app.git", HostingConfig())
    assert gh is not None and (gh.kind, gh.api_url, gh.repository) == (
        "github",
        "https://api.github.com",
        "acme/app",
    )
    ghe = resolve_hosting("https://ghe.corp/acme/app.git", HostingConfig(kind="github"))
    assert ghe is not None and ghe.api_url == "https://ghe.corp/api/v3"
    gl = resolve_hosting("git@gitlab.com:group/app.git", HostingConfig())
    assert gl is not None and (gl.kind, gl.api_url) == ("gitlab", "https://gitlab.com")
    assert resolve_hosting("git@bitbucket.org:acme/app.git", HostingConfig()) is None
    assert compare_url("git@bitbucket.org:acme/app.git", "main", "keysweep/rotate-1") == (
        "https://bitbucket.org/acme/app/pull-requests/new?source=keysweep%2Frotate-1&dest=main"
    )
    assert compare_url("git@gitlab.com:g/app.git", "main", "b") == (
        "https://gitlab.com/g/app/-/merge_requests/new?"
        "merge_request%5Bsource_branch%5D=b&merge_request%5Btarget_branch%5D=main"
    )
    assert compare_url("/srv/git/app.git", "main", "b") is None
