"""Pure parsers of git's output (raw diffs, patches, logs, object listings) into small records; no git runs here."""

from __future__ import annotations

import re
from collections.abc import Iterator

from msgspec import Struct

from scanner import re_cache
from scanner.findings import Commit

EMPTY_BLOB = "0" * 40
GITLINK_MODE = "160000"
SYMLINK_MODE = "120000"
COMMIT_FORMAT = "%H%x1f%an%x1f%ae%x1f%aI"
"""The `--format` of a commit header that `parse_commit` reads (fields split by 0x1f)."""

_BINARY_MARKS = re_cache.compile(rb"^\x01(\S+)$|^index [0-9a-f,]+\.\.([0-9a-f]+)|^(Binary files )", re.M)
_HUNK = re_cache.compile(rb"^@@+ (?:-\S+ )+\+(\d+)(?:,(\d+))? @@+")
_IDENT = re_cache.compile(r"^(.*) <(.*)> (\d+) ([+-]\d{4})$")


class BlobRef(Struct, frozen=True):
    """A blob reachable from some ref, with the first path git named it by."""

    oid: str
    path: str


class AddedLines(Struct, frozen=True):
    """What a patch adds: lines per (commit, new blob id), and the changes git showed as binary (no lines)."""

    lines: dict[tuple[str, str], set[int]]
    binary: frozenset[tuple[str, str]]
    """(commit, new blob) pairs of `Binary files … differ`: UTF-16 text among them needs a `--text` diff."""


class Change(Struct, frozen=True):
    """One path a commit changed: the blob it now has and the blobs its parents had there."""

    commit: Commit
    path: str
    new: str
    """The new blob id; EMPTY_BLOB when the commit deletes the path."""
    old: tuple[str, ...]
    """One blob per parent (one for ordinary commits); EMPTY_BLOB where the parent had no such path."""
    new_mode: str = "100644"


def parse_commit(header: bytes) -> Commit:
    """A `COMMIT_FORMAT` header: id, author name, email and ISO-8601 date."""
    fields = header.decode("utf-8", "replace").strip("\n").split("\x1f")
    fields += [""] * (4 - len(fields))
    return Commit(fields[0], fields[1], fields[2], fields[3])


def parse_log_changes(out: bytes) -> Iterator[Change]:
    """`git log --raw -z --format=%x01<COMMIT_FORMAT>` output: each commit's changed paths."""
    for chunk in out.split(b"\x01")[1:]:
        header, _, rest = chunk.partition(b"\0")
        yield from parse_raw_changes(rest, parse_commit(header))


def parse_raw_changes(raw: bytes, commit: Commit) -> Iterator[Change]:
    """`--raw -z` records (`:mode… oid… status\\0path\\0`), combined (`::…`) and renamed ones included."""
    tokens = raw.split(b"\0")
    index = 0
    while index < len(tokens):
        meta = tokens[index].lstrip(b"\n")
        index += 1
        if not meta.startswith(b":"):
            continue
        colons = len(meta) - len(meta.lstrip(b":"))
        fields = meta[colons:].decode().split(" ")
        modes, oids, status = fields[: colons + 1], fields[colons + 1 : 2 * colons + 2], fields[-1]
        # NOTE: renames and copies name two paths, the old then the new.
        index += 1 if status[:1] in ("R", "C") else 0
        name = tokens[index].decode("utf-8", "surrogateescape") if index < len(tokens) else ""
        index += 1
        yield Change(commit, name, oids[-1], tuple(oids[:-1]), modes[-1])


def parse_added_lines(patch: bytes) -> dict[tuple[str, str], set[int]]:
    """`git diff/log -p -U0 --full-index` output: added lines per (commit, new blob id); commit "" for diffs.

    Commits are announced by a `\\x01<id>` line. Combined diffs of merges count a line only when it is new
    against every parent.
    """
    result: dict[tuple[str, str], set[int]] = {}
    commit = ""
    current: set[int] | None = None
    parents = 1
    line_no = 0
    in_hunk = False
    for raw in patch.split(b"\n"):
        if raw.startswith(b"\x01"):
            commit, current, in_hunk = raw[1:].decode().strip(), None, False
            continue
        if raw.startswith(b"diff --"):
            current, in_hunk = None, False
            parents = 2 if raw.startswith(b"diff --cc") or raw.startswith(b"diff --combined") else 1
            continue
        if not in_hunk and raw.startswith(b"index "):
            ids = raw.split(b" ")[1].split(b"..")
            if len(ids) == 2:
                old_ids = ids[0].split(b",")
                parents = len(old_ids)
                current = result.setdefault((commit, ids[1].decode()), set())
            continue
        if current is None:
            continue
        if raw.startswith(b"@@"):
            match = _HUNK.match(raw)
            if match is None:
                continue
            in_hunk = True
            line_no = int(match.group(1))
            if parents == 1:
                # NOTE: with -U0 a plain hunk is only its removed and added lines; the header says which.
                count = 1 if match.group(2) is None else int(match.group(2))
                current.update(range(line_no, line_no + count))
                in_hunk = False
            continue
        if in_hunk and len(raw) >= parents and not raw.startswith(b"\\"):
            prefix = raw[:parents]
            if b"-" in prefix:
                continue
            if prefix == b"+" * parents:
                current.add(line_no)
            line_no += 1
    return result


def parse_binary_changes(patch: bytes) -> frozenset[tuple[str, str]]:
    """The (commit, new blob id) pairs of a patch that git showed as `Binary files … differ`."""
    binary: set[tuple[str, str]] = set()
    commit, blob = "", ""
    for match in _BINARY_MARKS.finditer(patch):
        if match.group(1) is not None:
            commit, blob = match.group(1).decode(), ""
        elif match.group(2) is not None:
            blob = match.group(2).decode()
        elif blob:
            binary.add((commit, blob))
    return frozenset(binary)


def parse_ident(text: str) -> tuple[str, str, str] | None:
    """`git var GIT_AUTHOR_IDENT` (`Name <email> 1700000000 +0100`) as (name, email, ISO-8601 date)."""
    from datetime import datetime, timedelta, timezone  # NOTE: here: a clean commit never asks for its author

    match = _IDENT.match(text.strip())
    if match is None:
        return None
    offset = match.group(4)
    tz = timezone((1 if offset[0] == "+" else -1) * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:])))
    date = datetime.fromtimestamp(int(match.group(3)), tz).isoformat()
    return match.group(1), match.group(2), date


def parse_staged_files(out: bytes) -> list[tuple[str, str, str]]:
    """`git ls-files -z --stage`: (mode, index blob id, path), at stage 0 or the first conflicted stage."""
    entries: dict[str, tuple[str, str, str]] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, oid, _stage = meta.decode().split(" ")
        path = name.decode("utf-8", "surrogateescape")
        entries.setdefault(path, (mode, oid, path))
    return list(entries.values())


def parse_paths(out: bytes) -> list[str]:
    """NUL-separated paths (`ls-files -z`)."""
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def parse_listing_line(line: bytes) -> BlobRef | str | None:
    """One line of `git rev-list --objects --missing=print`: a named object, `?<id>` for one git could not find,
    or None for an unnamed one (a commit, a root tree)."""
    if line.startswith(b"?"):
        return "?" + line[1:].strip().decode()
    oid, space, name = line.rstrip(b"\n").partition(b" ")
    if space and name:
        return BlobRef(oid.decode(), name.decode("utf-8", "surrogateescape"))
    return None


def parse_object_sizes(out: bytes) -> dict[str, tuple[str, int]]:
    """`git cat-file --batch-check='%(objectname) %(objecttype) %(objectsize)'`: type and size by id; an object
    git answers `<id> missing` for is ("missing", 0)."""
    sizes: dict[str, tuple[str, int]] = {}
    for line in out.decode().splitlines():
        parts = line.split(" ")
        if len(parts) == 3:
            sizes[parts[0]] = (parts[1], int(parts[2]))
        elif len(parts) == 2 and parts[1] == "missing":
            sizes[parts[0]] = ("missing", 0)
    return sizes


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (SHA-1 repositories)."""
    import hashlib  # NOTE: here: loading OpenSSL is 4 ms of a commit's wait, and a commit's scan never asks

    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def is_lfs_pointer(data: bytes) -> bool:
    """A Git LFS pointer file: the content lives in LFS storage, not in the repository."""
    return len(data) < 1024 and data.startswith(b"version https://git-lfs.github.com/spec/")
