"""Size alone never skips text: big files and streams are scanned in bounded, overlapping chunks (a key on a
chunk boundary is found once, at its place), only the head is read before the binary check, a size limit the
user sets applies to streams too, and memory stays bounded."""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from scanner.config import Settings
from scanner.scan import scan_paths
from scanner.sources import BINARY_SNIFF
from scanner.sources.content import CHUNK_SIZE, OVERLAP

_ALNUM = string.ascii_letters + string.digits


def keysweep(*args: str, cwd: Path, stdin: object = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        stdin=stdin,  # type: ignore[arg-type]
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def key(rng: random.Random) -> str:
    return "sk-proj-" + "".join(rng.choice(_ALNUM) for _ in range(48))


def planted(data: bytes, secrets: list[str]) -> list[tuple[int, int, str]]:
    """Where each secret is in `data`: (line, character column, secret), as a finding reports it."""
    out = []
    for secret in secrets:
        offset = data.find(secret.encode())
        line_start = data.rfind(b"\n", 0, offset) + 1
        out.append((data.count(b"\n", 0, offset) + 1, len(data[line_start:offset].decode()) + 1, secret))
    return sorted(out)


def filler(rng: random.Random, size: int) -> bytes:
    words = ["alpha", "beta", "the", "config", "é", "résumé", "value", "→", "x = 1", "# note"]
    text = []
    length = 0
    while length < size:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(0, 14))) + "\n"
        text.append(line)
        length += len(line.encode())
    return "".join(text).encode()


def test_keys_across_chunk_boundaries_of_a_big_file_are_found_once_at_their_place(tmp_path: Path) -> None:
    rng = random.Random(7)
    secrets = [key(rng) for _ in range(12)]
    parts = []
    for index, secret in enumerate(secrets):
        parts.append(filler(rng, CHUNK_SIZE // 3 + rng.randint(-OVERLAP, OVERLAP)))
        parts.append(f"KEY_{index}={secret}\n".encode())
    data = b"".join(parts)
    (tmp_path / "big.env").write_bytes(data)

    run = keysweep("scan", "big.env", "--format", "json", "--reveal", cwd=tmp_path)

    found = sorted((f["line"], f["column"], f["secret"]) for f in json.loads(run.stdout)["findings"])
    assert len(data) > 3 * CHUNK_SIZE
    assert found == planted(data, secrets)


@pytest.mark.parametrize("shift", [-40, -20, -1, 0, 1, 30])
def test_a_key_straddling_a_chunk_boundary_on_one_long_line_is_found_whole(tmp_path: Path, shift: int) -> None:
    rng = random.Random(shift)
    secret = key(rng)
    head = ("ab" * CHUNK_SIZE)[: CHUNK_SIZE + shift].encode()  # one line: the cut falls exactly at CHUNK_SIZE
    data = head + b" " + secret.encode() + b" " + b"cd" * CHUNK_SIZE + b"\n"
    (tmp_path / "bundle.min.js").write_bytes(data)

    result = scan_paths([tmp_path / "bundle.min.js"], Settings())

    assert [(f.line, f.column, f.end_column, f.secret) for f in result.findings] == [
        (1, CHUNK_SIZE + shift + 2, CHUNK_SIZE + shift + 2 + len(secret), secret)
    ]
    assert result.files_scanned == 1 and result.bytes_scanned == len(data)


def test_a_text_file_over_ten_mib_is_scanned_by_default(tmp_path: Path) -> None:
    rng = random.Random(3)
    secret = key(rng)
    data = filler(rng, 11 << 20) + f"OPENAI_API_KEY={secret}\n".encode()
    (tmp_path / "dump.sql").write_bytes(data)

    run = keysweep("scan", ".", "--format", "json", cwd=tmp_path)

    doc = json.loads(run.stdout)
    assert run.returncode == 1 and doc["summary"]["skipped"] == []
    assert [(f["path"], f["line"]) for f in doc["findings"]] == [("dump.sql", data.count(b"\n"))]


def test_big_stdin_is_chunked_and_keys_keep_their_places(tmp_path: Path) -> None:
    rng = random.Random(11)
    secrets = [key(rng) for _ in range(5)]
    data = b"".join(filler(rng, CHUNK_SIZE // 2) + f"token: {s}\n".encode() for s in secrets)
    (tmp_path / "in.txt").write_bytes(data)

    with (tmp_path / "in.txt").open("rb") as stdin:
        run = keysweep("scan", "-", "--format", "json", "--reveal", cwd=tmp_path, stdin=stdin)

    found = sorted((f["line"], f["column"], f["secret"]) for f in json.loads(run.stdout)["findings"])
    assert found == planted(data, secrets)


def test_stdin_over_the_users_size_limit_is_listed_not_scanned(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_bytes(b"x" * 5000 + b"\n" + key(random.Random(1)).encode())

    with (tmp_path / "in.txt").open("rb") as stdin:
        run = keysweep("scan", "-", "--max-file-size", "4096", "--format", "json", cwd=tmp_path, stdin=stdin)

    doc = json.loads(run.stdout)
    assert run.returncode == 0 and doc["findings"] == []
    assert doc["summary"]["skipped"] == [{"path": "-", "reason": "too large (> 4096 bytes)", "incomplete": False}]


def test_the_binary_check_of_a_stream_reads_only_its_head(tmp_path: Path) -> None:
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    done = threading.Event()

    def feed() -> None:
        with fifo.open("wb") as writer:
            writer.write(b"\0" + b"b" * (BINARY_SNIFF - 1))
            writer.flush()
            done.wait(60)  # holds the stream open: reading past the head would block until the test fails

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    started = time.monotonic()
    try:
        run = keysweep("scan", "stream", "--format", "json", cwd=tmp_path, timeout=30)
    finally:
        done.set()
        writer.join(timeout=10)

    assert time.monotonic() - started < 30
    assert json.loads(run.stdout)["summary"]["skipped"] == [{"path": "stream", "reason": "binary", "incomplete": False}]


_PEAK = """
import atexit, sys
def peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("peak-kib " + status.split("VmHWM:")[1].split()[0] + "\\n")
atexit.register(peak)
from scanner.cli import main
main(sys.argv[1:])
"""


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak from Linux's /proc")


def peak_rss_mib(args: list[str], cwd: Path, stdin: Path | None = None) -> tuple[int, float]:
    """Exit code and peak resident memory (MiB) of one keysweep run, from the process's own VmHWM (the
    high-water mark of its memory after exec, not of the test process it was started from)."""
    with (stdin or Path(os.devnull)).open("rb") as feed:
        run = subprocess.run(
            [sys.executable, "-c", _PEAK, *args], cwd=cwd, stdin=feed, capture_output=True, text=True, timeout=300
        )
    peak = next(line for line in run.stderr.splitlines() if line.startswith("peak-kib "))
    return run.returncode, int(peak.split()[1]) / 1024


@needs_proc
def test_a_sparse_gigabyte_file_is_judged_binary_from_its_head(tmp_path: Path) -> None:
    big = tmp_path / "disk.img"
    with big.open("wb") as file:
        file.truncate(1 << 30)

    code, peak = peak_rss_mib(["scan", "disk.img", "--max-file-size", str(2 << 30)], tmp_path)

    assert code == 0 and peak < 150, f"{peak:.0f} MiB"


@needs_proc
def test_memory_stays_bounded_on_a_near_miss_flood_on_stdin(tmp_path: Path) -> None:
    # NOTE: every `sk-` is a keyword hit the engine must look at: the worst case for its memory per byte, which
    # chunking bounds to one chunk's worth. A real key at the end is still found.
    secret = key(random.Random(9))
    (tmp_path / "in.txt").write_bytes(b"sk-" * 1_000_000 + f"\nOPENAI_API_KEY={secret}\n".encode())

    code, peak = peak_rss_mib(["scan", "-", "-q"], tmp_path, stdin=tmp_path / "in.txt")

    assert code == 1
    assert peak < 2 * 3 + 100, f"{peak:.0f} MiB for 3 MB"
