"""Re-parse rewritten text in its own format (YAML round-trip, JSON, TOML, Python AST); never re-dump it."""

from __future__ import annotations

import ast
import json
import tomllib


def yaml_problem(text: str) -> str | None:
    from ruamel.yaml import YAML

    try:
        list(YAML(typ="rt").load_all(text))
    except Exception as exc:  # ruamel raises many unrelated classes for bad input
        return f"YAML does not parse: {_first_line(exc)}"
    return None


def json_problem(text: str) -> str | None:
    try:
        json.loads(text)
    except ValueError as exc:
        return f"JSON does not parse: {exc}"
    return None


def toml_problem(text: str) -> str | None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return f"TOML does not parse: {exc}"
    return None


def python_problem(text: str) -> str | None:
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return f"Python does not parse: {exc.msg} (line {exc.lineno})"
    return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
