"""Reading a TOML file for keysweep (config, rules), every problem one line that names the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from scanner.errors import KeysweepError


def read_toml(path: Path, error: type[KeysweepError], what: str) -> dict[str, Any]:
    """The parsed file; `error` (ConfigError, RuleError, …) says what could not be read and why.

    `what` names the kind of file for the message: `cannot read rule file: Permission denied`.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
