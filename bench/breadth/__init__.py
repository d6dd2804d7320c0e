"""The breadth corpus: labelled credentials of every documented format, planted in realistic files, with
near-misses and real code as negatives. Importable so that tests can reuse the families:

    from breadth import FORMATS, FILE_FORMATS, build_corpus, positive_samples, negative_samples

Every value is generated at run time from a seeded RNG (no fake key is committed), from the providers'
documented formats (each row cites its source), never from keysweep's rules or other scanners' rule files.
"""

from .contexts import CONTEXTS, render
from .corpus import build_corpus, negative_samples, positive_samples, write_labels
from .files import FILE_FORMATS, FileFormat
from .formats import FORMATS, Format
from .sample import Companion, Sample

__all__ = [
    "CONTEXTS",
    "FILE_FORMATS",
    "FORMATS",
    "Companion",
    "FileFormat",
    "Format",
    "Sample",
    "build_corpus",
    "negative_samples",
    "positive_samples",
    "render",
    "write_labels",
]
