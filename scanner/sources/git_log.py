"""The attribution's `git log --raw` over the whole history: started beside the scan at its first finding, split
between gits by runs of the same walk, and searched afterwards only for the commits that name the blobs asked
about (`HistorySource.attribute`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from scanner import re_cache
from scanner.cores import cpu_count
from scanner.errors import GitError
from scanner.sources import git_parse, git_runner
from scanner.sources.git_parse import Change

LOG_PART_COMMITS = 2000
"""Commits a part of the attribution log walks at least: below it a second git costs more than it saves."""
LOG_PARTS = 4
"""Parts of the attribution log at most, however many cores: each part walks (without diffing) all the commits
before its own, so more parts cost more than they save."""


def log_parts(commits: int | None, cores: int | None = None) -> int:
    """How many gits share the attribution log of `commits` commits (None: not known yet, one git): one per core,
    at most `LOG_PARTS`, each with at least `LOG_PART_COMMITS` commits."""
    if commits is None:
        return 1
    cores = cores or cpu_count()
    return max(1, min(cores, LOG_PARTS, commits // LOG_PART_COMMITS))


class LogLater:
    """`changes(repo, ["--all"], covered)` started now, at low priority, into temporary files: the attribution
    of history findings needs it only at the end, and only if there are findings, so it runs on whatever core the
    scan leaves idle meanwhile; `changes` waits for it and parses only the commits that name the blobs asked for.

    Given how many `commits` the history has, the log is split between gits (`log_parts`), each diffing its own
    run of commits of the same walk (`--skip`, `--max-count`): their outputs, one after another, are the one log.
    NOTE: a finding deep in a big history starts the log late; its diffs then run on every core the scan freed
    (sympy: 1.9 s of tree diffs in one git, 1.0 s in each of two).
    """

    def __init__(self, repo: Path, covered: Sequence[str] = (), commits: int | None = None) -> None:
        self._repo = repo
        parts = log_parts(commits)
        share = -(-(commits or 0) // parts)
        self._runs = [
            _LogRun(repo, covered, part * share, share if part + 1 < parts else None) for part in range(parts)
        ]

    def changes(self, oids: Iterable[str]) -> list[Change]:
        """The changes (newest first) of every commit whose changes name one of `oids`, old or new."""
        out = b"".join(run.output(self._repo) for run in self._runs)
        starts = {out.rfind(b"\x01", 0, at) for at in _places(out, {oid.encode() for oid in oids})}
        ends = {start: out.find(b"\x01", start + 1) for start in starts}
        picked = b"".join(out[s : e if e != -1 else len(out)] for s, e in sorted(ends.items()) if s != -1)
        return list(git_parse.parse_log_changes(picked))

    def close(self) -> None:
        for run in self._runs:
            run.close()


_FINDS = 128
"""Blob ids looked for one `bytes.find` pass each, at most; past them, one regex pass over the log lists every id in
it (sympy's 25 MB log: 3 ms a find, 0.45 s for the regex pass, whatever the number of ids)."""
_OBJECT_ID = re_cache.compile(rb"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])")
"""An object id on its own, as the raw lines print them: between spaces, or a field's first or last word."""


def _places(out: bytes, needles: set[bytes]) -> Iterator[int]:
    """Where the ids of `needles` occur in the log `out`, each standing on its own (as raw lines print them).

    NOTE: a file whose history holds a key in each of its thousand versions asks for a thousand ids: one search each
    would read the log a thousand times."""
    if len(needles) > _FINDS:
        yield from (m.start() for m in _OBJECT_ID.finditer(out) if m.group() in needles)
        return
    for needle in needles:
        at = out.find(needle)
        while at != -1:
            yield at
            at = out.find(needle, at + len(needle))


class _LogRun:
    """One git of a `LogLater`: the log's commits from the `skip`th of the walk on, `count` of them (None: all)."""

    def __init__(self, repo: Path, covered: Sequence[str], skip: int, count: int | None) -> None:
        import tempfile

        self._out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), after the scan
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        window = ([f"--skip={skip}"] if skip else []) + ([f"--max-count={count}"] if count is not None else [])
        self._proc = git_runner.log_changes_into(repo, covered, window, self._out, self._errors)

    def output(self, repo: Path) -> bytes:
        if self._proc.wait() != 0:
            self._errors.seek(0)
            raise GitError(git_runner.complaint(("log",), self._errors.read(), repo))
        self._out.seek(0)
        return self._out.read()

    def close(self) -> None:
        self._proc.kill()
        self._proc.wait()
        self._out.close()
        self._errors.close()
