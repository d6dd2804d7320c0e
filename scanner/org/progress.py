"""A progress bar across repositories on stderr (a terminal only): done, failed and running."""

from __future__ import annotations

import time

import click


class RepositoryProgress:
    """One line, redrawn at most five times a second, then cleared."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.running = 0
        self._shown = 0.0

    def update(self, *, done: int, failed: int, running: int, force: bool = False) -> None:
        self.done, self.failed, self.running = done, failed, running
        now = time.monotonic()
        if force or now - self._shown > 0.2:
            self._shown = now
            click.echo(f"\r\033[K{self.line()}", nl=False, err=True)

    def line(self) -> str:
        finished = self.done + self.failed
        share = finished / self.total if self.total else 1.0
        bar = "#" * int(share * 30)
        return (
            f"repositories [{bar:<30}] {finished}/{self.total}  "
            f"{self.done} done, {self.failed} failed, {self.running} running"
        )

    def close(self) -> None:
        if self._shown:
            click.echo("\r\033[K", nl=False, err=True)
