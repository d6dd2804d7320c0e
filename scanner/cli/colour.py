"""Whether keysweep colours what it writes: one decision for every command, from flags, environment and stream.

Precedence, highest first: `--color` / `--no-color` (given before or after the subcommand), `NO_COLOR`,
`FORCE_COLOR`, `TERM=dumb`, and last whether the stream is a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click


def setting_from_env(env: Mapping[str, str]) -> bool | None:
    """What the environment says: False (no colour), True (colour even into a pipe), or None (ask the stream).

    NOTE: NO_COLOR and FORCE_COLOR count when set to any non-empty value (https://no-color.org,
    https://force-color.org); NO_COLOR wins over FORCE_COLOR, which wins over TERM=dumb: the order of
    CPython's own `_colorize.can_colorize`. A flag on the command line overrides all three, as no-color.org asks.
    """
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return None


def is_colour_on(stream: IO[str]) -> bool:
    """Whether to colour what goes to `stream` in this run: the flag, else the environment, else is it a terminal.

    Every command that colours asks this, once per stream (stdout and stderr can differ under `2>log`).
    """
    # NOTE: a run without click (the hook) has no context and no flag: the environment and the stream decide
    click = sys.modules.get("click")
    ctx = click.get_current_context(silent=True) if click is not None else None
    setting = ctx.color if ctx is not None else None
    if setting is None:
        setting = setting_from_env(os.environ)
    if setting is not None:
        return setting
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def colour_flag() -> click.Option:
    """`--color/--no-color`: sets the run's colour on this context and every one above it.

    NOTE: click copies a parent's `color` into each child context when the child is made, and `click.echo`
    strips styles when it is False, so the decision reaches output that never asked `is_colour_on`.
    """
    import click

    return click.Option(
        ["--color/--no-color", "colour"],
        default=None,
        expose_value=False,
        callback=_set_colour,
        help="Colour the output, or not (default: only on a terminal, and never under NO_COLOR or TERM=dumb).",
    )


def _set_colour(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None:
        return
    here: click.Context | None = ctx
    while here is not None:
        here.color = bool(value)
        here = here.parent
