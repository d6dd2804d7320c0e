from msgspec.structs import replace

from scanner.findings import Commit
from scanner.rotation.rewrite.engine import (
    plan_rewrites,
    remaining_literals,
    render_diff,
    write_plan,
)
from tests.rewrite.fakes import after, findings_for, findings_in, plan_for, project_key, write_tree

KEY = project_key()
OTHER = project_key(2)


def test_unknown_file_kind_is_untouched_and_listed_as_manual(tmp_path):
    plan = plan_for(tmp_path, {"notes.xyz": f"key {KEY}\n", "a.py": f'K = "{KEY}"\n'}, [KEY])
    assert [c.path for c in plan.changes] == ["a.py"]
    assert [(m.path, m.line, m.reason) for m in plan.manual] == [
        ("notes.xyz", 1, "unknown file kind; replace the value by hand")
    ]
    assert plan.manual[0].redacted == f"sk-proj-{KEY[8:10]}…{KEY[-4:]}"


def test_a_finding_whose_span_moved_is_found_on_its_line_and_a_stale_one_is_manual(tmp_path):
    text = f'A = "{KEY}"\nB = 1\n'
    write_tree(tmp_path, {"a.py": text})
    [finding] = findings_in("a.py", text, KEY)
    shifted = replace(finding, column=finding.column + 3, end_column=finding.end_column + 3)
    plan = plan_rewrites(tmp_path, [shifted])
    assert after(plan, "a.py").startswith('import os\nA = os.environ["')
    stale = replace(finding, line=2)
    text2 = f'A = "{KEY}"\nB = "{KEY}" + "{KEY}"\n'
    write_tree(tmp_path, {"b.py": text2})
    moved = replace(stale, path="b.py", column=stale.column + 1, end_column=stale.end_column + 1)
    plan = plan_rewrites(tmp_path, [moved])
    assert plan.changes == ()
    assert [m.reason for m in plan.manual] == ["the file changed since the scan; re-scan and run again"]


def test_history_findings_and_vanished_literals_are_skipped(tmp_path):
    write_tree(tmp_path, {"a.py": "A = 1\n"})
    [finding] = findings_in("a.py", f'A = "{KEY}"\n', KEY)
    in_history = replace(finding, commit=Commit("abc123", "Ada", "ada@example.com", "2024-05-01T10:00:00+00:00"))
    plan = plan_rewrites(tmp_path, [finding, in_history])
    assert plan.changes == () and plan.manual == ()


def test_dry_run_diff_never_shows_a_secret(tmp_path):
    files = {"a.py": f'A = "{KEY}"\n', ".env": f"NEXUS_API_KEY={KEY}\n"}
    write_tree(tmp_path, files)
    findings = findings_for(files, [KEY])
    plan = plan_rewrites(tmp_path, findings)
    diff = render_diff(plan, findings)
    assert KEY not in diff and KEY[8:-4] not in diff
    assert f'-A = "sk-proj-{KEY[8:10]}…{KEY[-4:]}"' in diff
    assert '+A = os.environ["NEXUS_API_KEY"]' in diff
    assert "untrack .env (kept on disk, ignored by git)" in diff
    assert "+++ b/.env.example" in diff


def test_written_files_keep_crlf_and_rescan_reports_leftovers(tmp_path):
    files = {"a.py": f'A = "{KEY}"\r\nB = 2\r\n'}
    plan = plan_for(tmp_path, files, [KEY])
    write_plan(tmp_path, plan)
    assert (tmp_path / "a.py").read_bytes() == b'import os\r\nA = os.environ["NEXUS_API_KEY"]\r\nB = 2\r\n'

    seen = []

    def rescan(paths):
        seen.extend(paths)
        found = []
        for p in paths:
            rel = p[len(str(tmp_path)) + 1 :]
            text = (tmp_path / rel).read_text()
            if KEY in text:
                found += findings_in(rel, text, KEY)
        return found

    assert remaining_literals(tmp_path, plan, rescan) == ()
    assert seen == [str(tmp_path / "a.py")]
    (tmp_path / "a.py").write_text(f'A = "{KEY}"\n')
    [left] = remaining_literals(tmp_path, plan, rescan)
    assert (left.path, left.line, left.reason) == ("a.py", 1, "still present after the rewrite")
