"""`keysweep rules list|check`: show the rules a scan runs, and prove a rule file's examples hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from scanner.engine.ruleset import RuleSet

_config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Config file."
)


@click.group("rules")
def rules() -> None:
    """List the rules a scan runs, and check rule files (for people writing custom rules)."""


@rules.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_config_option
def list_rules(fmt: str, config_file: Path | None) -> int:
    """The rules a scan from here runs: bundled ones plus the config's, minus disabled ids."""
    ruleset = _configured(config_file)
    rows = [
        {"id": r.id, "severity": str(r.severity), "description": r.description, "source": _shown(r.source)}
        for r in ruleset.rules
    ]
    if fmt == "json":
        click.echo(json.dumps({"rules": rows, "version": 1}, indent=2, sort_keys=True, ensure_ascii=False))
        return 0
    width = max((len(r["id"]) for r in rows), default=2)
    for row in rows:
        click.echo(f"{row['id']:<{width}}  {row['severity']:<8}  {row['description']}  ({row['source']})")
    click.echo(_plural(len(rows), "rule"))
    return 0


@rules.command("check")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_config_option
def check(file: Path | None, config_file: Path | None) -> int:
    """Compile every rule of FILE (default: the configured rules) and run its examples through a scan.

    Each `match` example must be found by its rule (with the given `secret`, if any); no `no_match`
    example may be reported by it. Examples are scanned with the bundled rules present, as in a real scan.
    Exit codes: 0 all hold, 1 a rule failed to compile or an example failed.
    """
    from scanner.engine.examples import check_examples
    from scanner.engine.ruleset import RuleSet, compile_each, load_ruleset

    problems: list[str] = []
    if file is None:
        ruleset = _configured(config_file)
        checked = list(ruleset.rules)
    else:
        checked, problems = compile_each(file)
        own = {r.id for r in checked}
        bundled = [r for r in load_ruleset().rules if r.id not in own]
        ruleset = RuleSet((*bundled, *checked))
    for rule in checked:
        if not rule.match and not rule.no_match:
            click.echo(f"warning: {_shown(rule.source)}: rule {rule.id!r} has no examples to check")
    failures = check_examples(checked, ruleset)
    problems += [f"{_shown(f.rule.source)}: rule {f.rule.id!r}: {f.message}" for f in failures]
    for problem in problems:
        click.echo(f"FAIL {problem}")
    examples = sum(len(rule.match) + len(rule.no_match) for rule in checked)
    count = f"{_plural(len(checked), 'rule')}, {_plural(examples, 'example')}"
    click.echo(f"{count}: {_plural(len(problems), 'failure')}" if problems else f"{count}: ok")
    return 1 if problems else 0


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _configured(config_file: Path | None) -> RuleSet:
    from scanner.config import load_settings
    from scanner.engine.ruleset import load_ruleset

    settings = load_settings(".", config_file)
    return load_ruleset(settings.rule_paths, settings.disabled_rules)


def _shown(source: str) -> str:
    """A rule's file as a user recognises it: bundled files by name, others relative to here."""
    from scanner.engine.ruleset import bundled_rules_dir

    path = Path(source)
    bundled = bundled_rules_dir()
    if path.parent == bundled:
        return f"bundled:{path.name}"
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()
