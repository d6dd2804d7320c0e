"""Builds the labelled corpus: every format in a few contexts, every near-miss and look-alike, optional real code;
writes one folder per sample and returns the labels."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from random import Random

from .contexts import CONTEXTS, render
from .files import FILE_FORMATS, generic_samples
from .formats import FORMATS, Format
from .negatives import format_near_misses, lookalike_samples, real_code_samples
from .sample import Sample

REAL_CODE_PACKAGES = ("requests", "urllib3", "jinja2", "django", "botocore", "boto3", "ansible", "googleapiclient")


def format_samples(fmt: Format, rng: Random, contexts: int = 3) -> list[Sample]:
    """`contexts` positives of `fmt`, each a fresh value in a different idiom, companions on the lines above."""
    samples = []
    for context in rng.sample(sorted(CONTEXTS), contexts):
        value = fmt.make(rng)
        companions = fmt.companions(rng) if fmt.companions else ()
        shown = fmt.around(rng, value) if fmt.around else value
        path, text = render(context, rng, [*((c.env, c.value) for c in companions), (fmt.env, shown)])
        samples.append(Sample(fmt.family, fmt.name, context, path, text, value, True, fmt.cite, companions))
    return samples


def positive_samples(seed: int, contexts: int = 3, copies: int = 2) -> list[Sample]:
    """Every provider format in `contexts` idioms, `copies` of every whole-file format, the generic idioms."""
    samples = []
    for fmt in FORMATS:
        samples += format_samples(fmt, Random(f"{seed}:{fmt.name}"), contexts)
    for ffmt in FILE_FORMATS:
        rng = Random(f"{seed}:{ffmt.name}")
        for _ in range(copies):
            path, text, secret, *extra = ffmt.make(rng)
            companions = (ffmt.companions(rng) if ffmt.companions else ()) + (extra[0] if extra else ())
            samples.append(
                Sample(ffmt.family, ffmt.name, ffmt.context, path, text, secret, True, ffmt.cite, companions)
            )
    return samples + generic_samples(Random(f"{seed}:generic"))


def negative_samples(seed: int) -> list[Sample]:
    return format_near_misses(Random(f"{seed}:near-misses")) + lookalike_samples(Random(f"{seed}:lookalikes"))


def build_corpus(
    root: Path,
    seed: int = 2024,
    *,
    site_packages: Path | None = None,
    real_code: int = 0,
    packages: tuple[str, ...] = REAL_CODE_PACKAGES,
) -> list[tuple[str, Sample]]:
    """Write the corpus under `root` (emptied first) and return (sample folder, sample) for every file.

    Each sample gets its own numbered folder, `root/<family>/<nnnn>/<path>`, so real credential file names
    (`.netrc`, `.docker/config.json`) keep their names and no folder name hints at the label.
    """
    if root.exists():
        shutil.rmtree(root)
    samples = positive_samples(seed) + negative_samples(seed)
    if site_packages is not None and real_code:
        samples += real_code_samples(site_packages, packages, real_code, Random(f"{seed}:real-code"))
    placed = []
    for n, sample in enumerate(samples):
        folder = f"{sample.family}/{n:04d}"
        target = root / folder / sample.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sample.text, encoding="utf-8")
        placed.append((folder, sample))
    return placed


def write_labels(placed: list[tuple[str, Sample]], path: Path) -> None:
    """The labels as JSON (planted fake values included): kept beside the corpus, never inside it."""
    rows = [
        {"file": f"{folder}/{s.path}", "family": s.family, "name": s.name, "context": s.context, "positive": s.positive,
         "line": s.line, "end_line": s.end_line, "value": s.secret, "cite": s.cite,
         "companions": [{"env": c.env, "value": c.value, "counts": c.counts} for c in s.companions],
         "fixture_lines": [list(r) for r in s.fixture_lines]}
        for folder, s in placed if s.family != "real-code"
    ]  # fmt: skip
    path.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
