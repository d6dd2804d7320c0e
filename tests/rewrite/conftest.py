"""Rewrite tests import their fakes as `tests.rewrite.fakes`, so the repository root must be importable."""

import sys
from pathlib import Path

# NOTE: pytest's default import mode puts only this folder on sys.path; `python -m pytest` adds the root,
# plain `pytest` does not.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
