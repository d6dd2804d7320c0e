"""One labelled file of the corpus: where it is, what it holds, and whether its planted value is a secret."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Companion:
    """A value planted beside a secret (a key ID, a client ID): never a false positive."""

    env: str
    value: str = field(repr=False)
    counts: bool = False
    """True when reporting the companion alone flags the leak as well (an AWS access key ID)."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One corpus file with one labelled value (a positive) or one near-miss (a negative), or real code."""

    family: str
    name: str
    """The format (`github-classic-pat`) or the negative's kind (`masked`, `hash`, `real-code`)."""
    context: str
    """The idiom or file kind the value sits in (`env`, `yaml`, `.netrc`, …)."""
    path: str
    """Path relative to the corpus root (POSIX)."""
    text: str = field(repr=False)
    secret: str = field(repr=False)
    """The labelled value exactly as written in the file; empty for real-code samples."""
    positive: bool
    cite: str = ""
    companions: tuple[Companion, ...] = ()
    fixture_lines: tuple[tuple[int, int], ...] = ()
    """Line ranges of private-key test fixtures (PEM blocks) in real code: findings there are not counted."""

    @property
    def line(self) -> int:
        """1-based line of the first character of `secret` (0 when there is none)."""
        at = self.text.find(self.secret) if self.secret else -1
        return self.text.count("\n", 0, at) + 1 if at >= 0 else 0

    @property
    def end_line(self) -> int:
        return self.line + self.secret.count("\n") if self.secret else 0
