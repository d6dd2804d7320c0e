"""git's output parsed without running git: raw diffs, -U0 patches, log headers, object listings, idents."""

from __future__ import annotations

import pytest

from scanner.findings import Commit
from scanner.sources import git_parse as gp

A = "a" * 40
B = "b" * 40
C = "c" * 40
Z = gp.EMPTY_BLOB
ADA = Commit("1" * 40, "Ada", "ada@example.com", "2024-05-01T10:00:00+02:00")


def raw(*records: str) -> bytes:
    return "\0".join(records).encode() + b"\0"


def test_a_modification_an_addition_and_a_deletion_each_name_their_blobs() -> None:
    out = raw(
        f":100644 100644 {A} {B} M", "app.py",
        f":000000 100644 {Z} {C} A", "new file.txt",
        f":100644 000000 {B} {Z} D", "gone.py",
    )  # fmt: skip

    changes = list(gp.parse_raw_changes(out, ADA))

    assert [(c.path, c.old, c.new, c.new_mode) for c in changes] == [
        ("app.py", (A,), B, "100644"),
        ("new file.txt", (Z,), C, "100644"),
        ("gone.py", (B,), Z, "000000"),
    ]
    assert {c.commit for c in changes} == {ADA}


def test_a_rename_is_the_new_path_and_a_combined_merge_entry_has_one_old_blob_per_parent() -> None:
    out = raw(
        f":100644 100644 {A} {A} R100", "old/name.py", "new/name.py", f"::100644 100644 120000 {A} {B} {C} MM", "x"
    )

    changes = list(gp.parse_raw_changes(out, ADA))

    assert [(c.path, c.old, c.new, c.new_mode) for c in changes] == [
        ("new/name.py", (A,), A, "100644"),
        ("x", (A, B), C, "120000"),
    ]


def test_a_log_is_split_into_commits_with_their_author_and_date() -> None:
    header = f"{'2' * 40}\x1fBob Builder\x1fbob@example.com\x1f2023-11-14T22:13:20+00:00"
    out = b"\x01" + header.encode() + b"\0" + raw(f":000000 100644 {Z} {A} A", "a.py") + b"\x01" + b"3" * 40 + b"\0"

    changes = list(gp.parse_log_changes(out))

    assert [(c.commit, c.path) for c in changes] == [
        (Commit("2" * 40, "Bob Builder", "bob@example.com", "2023-11-14T22:13:20+00:00"), "a.py")
    ]
    assert gp.parse_commit(b"3" * 40) == Commit("3" * 40, "", "", "")  # a header cut short is padded, not a crash


PATCH = (
    b"\x01" + b"1" * 40 + b"\n"
    b"diff --git a/app.py b/app.py\n"
    b"index " + A.encode() + b".." + B.encode() + b" 100644\n"
    b"--- a/app.py\n+++ b/app.py\n"
    b"@@ -2,0 +3,2 @@\n+one\n+two\n"
    b"@@ -9 +11 @@\n-old\n+new\n"
    b"@@ -20,3 +22,0 @@\n-gone\n-gone\n-gone\n"
    b"\\ No newline at end of file\n"
    b"\x01" + b"2" * 40 + b"\n"
    b"diff --cc conf.ini\n"
    b"index " + A.encode() + b"," + B.encode() + b".." + C.encode() + b"\n"
    b"--- a/conf.ini\n+++ b/conf.ini\n"
    b"@@@ -1,2 -1,2 +1,3 @@@\n"
    b"  kept\n"
    b"++resolved\n"
    b" +from the first parent only\n"
)


def test_added_lines_per_commit_and_new_blob_from_plain_and_combined_hunks() -> None:
    added = gp.parse_added_lines(PATCH)

    assert added == {
        ("1" * 40, B): {3, 4, 11},  # `+3,2` is two lines, `+11` one, `+22,0` none
        ("2" * 40, C): {2},  # only the line new against both parents
    }


def test_a_staged_diff_has_no_commit_marker_and_keys_on_the_empty_commit() -> None:
    patch = (
        b"diff --git a/a b/a\nindex "
        + Z.encode()
        + b".."
        + A.encode()
        + b"\n--- /dev/null\n+++ b/a\n@@ -0,0 +1 @@\n+x\n"
    )

    assert gp.parse_added_lines(patch) == {("", A): {1}}


@pytest.mark.parametrize(
    ("ident", "expected"),
    [
        (
            "Ada Lovelace <ada@example.com> 1700000000 +0000\n",
            ("Ada Lovelace", "ada@example.com", "2023-11-14T22:13:20+00:00"),
        ),
        ("Ada <ada@example.com> 1700000000 -0230", ("Ada", "ada@example.com", "2023-11-14T19:43:20-02:30")),
        ("not an ident", None),
    ],
)
def test_an_author_ident_becomes_name_email_and_iso_date(ident: str, expected: tuple[str, str, str] | None) -> None:
    assert gp.parse_ident(ident) == expected


def test_staged_files_keep_the_first_conflict_stage_and_odd_names() -> None:
    out = raw(f"100644 {A} 1\tboth.py", f"100644 {B} 2\tboth.py", f"160000 {C} 0\tvendor/sub module")

    assert gp.parse_staged_files(out) == [("100644", A, "both.py"), ("160000", C, "vendor/sub module")]
    assert gp.parse_paths(b"a.txt\0dir/b c.txt\0") == ["a.txt", "dir/b c.txt"]


def test_an_object_listing_keeps_named_objects_and_the_missing_ones() -> None:
    out = f"{A}\n{B} src/app.py\n?{C}\n{A} docs/read me.md\n".encode()

    listed = [gp.parse_listing_line(line) for line in out.splitlines(keepends=True)]

    assert listed == [None, gp.BlobRef(B, "src/app.py"), f"?{C}", gp.BlobRef(A, "docs/read me.md")]
    assert gp.parse_object_sizes(f"{A} blob 12\n{B} tree 80\n{C} missing\n".encode()) == {
        A: ("blob", 12),
        B: ("tree", 80),
        C: ("missing", 0),  # never mistaken for "not a blob": the history scan is then incomplete
    }


def test_blob_id_is_gits_own() -> None:
    assert gp.blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert gp.blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


@pytest.mark.parametrize(("size", "is_pointer"), [(1023, True), (1024, False)])
def test_an_lfs_pointer_is_small_and_starts_with_the_spec_line(size: int, is_pointer: bool) -> None:
    head = b"version https://git-lfs.github.com/spec/v1\n"
    assert gp.is_lfs_pointer(head + b"x" * (size - len(head))) is is_pointer
    assert not gp.is_lfs_pointer(b"version 1\n")
