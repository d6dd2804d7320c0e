"""Gap 6 of issue 16: a key added, removed and added again at the same place names the commit that re-introduced
it (the newest introduction there), not the one that first added it; the first introduction is still reported."""

from __future__ import annotations

from gitrepo import Repo, author_of, commit_of, fake_key, stand_in_scan

from scanner.config import Settings
from scanner.scan import scan
from scanner.sources.git_history import HistorySource

KEY = fake_key(61)


def test_a_reintroduced_key_in_the_working_tree_names_the_reintroducing_commit(repo: Repo) -> None:
    first = repo.commit("add key", {"app.py": f"KEY = '{KEY}'\n"}, author="Ada")
    repo.commit("use env", {"app.py": "KEY = os.environ['KEY']\n"})
    again = repo.commit("add key again", {"app.py": f"KEY = '{KEY}'\n"}, author="Bob")

    findings = stand_in_scan(HistorySource(repo.path, Settings()), [KEY])

    assert sorted((commit_of(f), author_of(f), f.line) for f in findings) == sorted(
        [(first, "Ada", 1), (again, "Bob", 1)]
    )


def test_a_reintroduced_key_names_the_reintroducing_commit_through_the_real_engine(repo: Repo) -> None:
    first = repo.commit("add key", {"app.py": f"KEY = '{KEY}'\n"}, author="Ada")
    repo.commit("drop key", {"app.py": "KEY = None\n"})
    repo.commit("unrelated", {"README.md": "hello\n"})
    again = repo.commit("restore key", {"app.py": f"KEY = '{KEY}'\n"}, author="Bob")
    repo.commit("later", {"README.md": "hello again\n"})

    result = scan([HistorySource(repo.path, Settings())], Settings())

    mine = [f for f in result.findings if f.secret == KEY]
    assert {commit_of(f) for f in mine} == {first, again}
    assert all(f.path == "app.py" and f.line == 1 for f in mine)


def test_a_key_reintroduced_three_times_names_each_introduction_once(repo: Repo) -> None:
    added = []
    for n in range(3):
        added.append(repo.commit(f"add {n}", {"app.py": f"KEY = '{KEY}'\n"}))
        repo.commit(f"remove {n}", {"app.py": "KEY = ''\n"})
    latest = repo.commit("add last", {"app.py": f"KEY = '{KEY}'\n"}, author="Eve")

    findings = stand_in_scan(HistorySource(repo.path, Settings()), [KEY])

    assert sorted(commit_of(f) or "" for f in findings) == sorted([*added, latest])
    [current] = [f for f in findings if commit_of(f) == latest]
    assert author_of(current) == "Eve"


def test_each_introduction_is_reported_as_its_own_commit_wrote_it(repo: Repo) -> None:
    first = repo.commit("add key", {"app.py": f"OLD_KEY = '{KEY}'\n"}, author="Ada")
    repo.commit("drop key", {"app.py": "OLD_KEY = None\n"})
    again = repo.commit("restore key", {"app.py": f"NEW_KEY = '{KEY}'\n"}, author="Bob")

    result = scan([HistorySource(repo.path, Settings())], Settings())

    by_commit = {commit_of(f): f for f in result.findings if f.secret == KEY}
    assert set(by_commit) == {first, again}
    assert (by_commit[first].name_hint, by_commit[again].name_hint) == ("OLD_KEY", "NEW_KEY")
    assert (author_of(by_commit[first]), author_of(by_commit[again])) == ("Ada", "Bob")
