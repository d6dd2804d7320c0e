"""What the reviewer reads: the pull request's title and body and the commit message; never a secret value."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from scanner.errors import RotationError
from scanner.findings import Finding

if TYPE_CHECKING:
    from scanner.rotation.remediation import VaultLocation
    from scanner.rotation.rewrite.engine import RewritePlan
    from scanner.rotation.rewrite.rewriter import ManualItem

PLACES = 12
"""Places listed per secret in the PR body (GitHub caps bodies at 65536 characters)."""
_WHERE = {
    "ci-secret": "Set the CI secret `{name}` (GitHub Actions secret / GitLab CI/CD variable)",
    "env": "Provide the environment variable `{name}` where the code runs{detail}",
    "k8s-secret": "Create the Kubernetes Secret `{detail}` with the key `{name}`",
    "build-arg": "Pass `{name}` to the image build as a BuildKit secret (was ARG `{detail}`)",
    "tf-var": "Export `{detail}` from `{name}` where Terraform runs",
    "app-config": "Make the application read `{name}` ({detail})",
}


def describe(
    plan: RewritePlan,
    manual: Sequence[ManualItem],
    *,
    rotation_id: str,
    base: str,
    vault: Mapping[str, VaultLocation],
    names: Mapping[str, str] | None = None,
    ci_secrets_set: Collection[str] = (),
    manual_steps: Sequence[str] = (),
) -> tuple[str, str]:
    """The PR's title and body: what leaked, where the new values live, what to do before merging.

    `names` (secret id → variable) also names rotated secrets the tree no longer holds (leaked in history)."""
    rewritten = plan.rewritten
    rules = sorted({f.rule_id for f in rewritten}) or sorted({m.rule_id for m in manual})
    secrets = {f.secret_id for f in rewritten}
    files = sorted({f.path for f in rewritten})
    title = (
        f"keysweep: replace {len(secrets)} leaked secret{'s' if len(secrets) != 1 else ''} with references "
        f"in {len(files)} file{'s' if len(files) != 1 else ''} ({', '.join(rules[:3])}"
        f"{', …' if len(rules) > 3 else ''})"
    )
    by_secret: dict[str, list[Finding]] = {}
    for f in sorted(rewritten, key=lambda f: (f.path, f.line, f.column)):
        by_secret.setdefault(f.secret_id, []).append(f)
    rotated = {sid: loc for sid, loc in vault.items() if sid in plan.names}
    lines = [
        f"Rotation `{rotation_id}`: keysweep replaced inline secrets with references. "
        "No secret value, old or new, appears in this pull request's text.",
        "",
        *_leaks(plan.names, by_secret),
        "",
        *_new_values(plan.names, rotated, [sid for sid in by_secret if sid not in rotated]),
        *_history_only(vault, plan.names, names or {}),
        "",
        *_checklist(plan, rotated, ci_secrets_set),
    ]
    notes = [(c.path, n) for c in plan.changes for n in c.notes]
    if notes:
        lines += ["", "### Notes", ""]
        lines += [f"- `{path}`: {note}" for path, note in notes]
    if manual or manual_steps:
        lines += ["", "### Manual items", ""]
        lines += [f"- [ ] {step}" for step in manual_steps]
        lines += [f"- [ ] `{m.path}:{m.line}` `{m.rule_id}` `{m.redacted}`: {m.reason}" for m in manual]
    lines += ["", f"Branch built from `{base}` by keysweep; a re-run updates this pull request."]
    return title, "\n".join(lines) + "\n"


def _leaks(names: Mapping[str, str], by_secret: Mapping[str, list[Finding]]) -> list[str]:
    lines = ["### What leaked", "", "| Fingerprint | Rule | Now read from | Where (file:line) |", "|---|---|---|---|"]
    for sid, group in sorted(by_secret.items(), key=lambda kv: names[kv[0]]):
        places = [f"`{f.path}:{f.line}`" for f in group]
        shown = ", ".join(places[:PLACES]) + (f" and {len(places) - PLACES} more" if len(places) > PLACES else "")
        rule_ids = ", ".join(sorted({f"`{f.rule_id}`" for f in group}))
        lines.append(f"| `{group[0].redacted}` | {rule_ids} | `{names[sid]}` | {shown} |")
    return lines


def _new_values(names: Mapping[str, str], rotated: Mapping[str, VaultLocation], kept: Iterable[str]) -> list[str]:
    lines = ["### Where the new values live", ""]
    if rotated:
        lines += ["| Variable | Vault path (version) |", "|---|---|"]
        lines += [f"| `{names[sid]}` | `{loc}` |" for sid, loc in sorted(rotated.items(), key=lambda x: x[1].path)]
    not_rotated = sorted(names[sid] for sid in kept)
    if not_rotated:
        lines += [
            "",
            "Not rotated in this run (the references need the current values): "
            + ", ".join(f"`{n}`" for n in not_rotated)
            + ".",
        ]
    return lines


def _history_only(
    vault: Mapping[str, VaultLocation], rewritten: Mapping[str, str], names: Mapping[str, str]
) -> list[str]:
    """Secrets rotated although only past commits held them: nothing to rewrite, but a new value to deploy."""
    found = sorted((names[sid], loc) for sid, loc in vault.items() if sid not in rewritten and sid in names)
    if not found:
        return []
    lines = ["", "Also rotated, found only in past commits (nothing to replace in the tree; deploy the new value):", ""]
    return lines + [f"- `{name}`: `{loc}`" for name, loc in found]


def _checklist(plan: RewritePlan, rotated: Mapping[str, VaultLocation], ci_secrets_set: Collection[str]) -> list[str]:
    lines = ["### Before merging", ""]
    vault_by_name = {plan.names[sid]: loc for sid, loc in rotated.items()}
    grouped: dict[tuple[str, str], list[str]] = {}
    for need in plan.needs:
        details = grouped.setdefault((need.name, need.where), [])
        if need.detail and need.detail not in details:
            details.append(need.detail)
    for (name, where), details in grouped.items():
        if where == "env":
            item = _WHERE[where].format(name=name, detail=f" ({'; '.join(details)})" if details else "")
        else:
            item = _WHERE[where].format(name=name, detail=", ".join(details))
        if name in vault_by_name:
            item += f", from Vault `{vault_by_name[name]}`"
        ticked = where == "ci-secret" and name in ci_secrets_set
        lines.append(f"- [{'x' if ticked else ' '}] {item}{' (done by keysweep)' if ticked else ''}")
    if any(c.path.startswith(".github/workflows/") or "/.github/workflows/" in c.path for c in plan.changes):
        lines.append("- [ ] Pushing changes under `.github/workflows/` needs a token with the `workflow` scope")
    for path in plan.untracked_paths:
        lines.append(f"- [ ] `{path}` leaves git: back up your local copy before pulling (git deletes it)")
    lines.append("- [ ] Review the diff: each literal is replaced, comments and layout are unchanged")
    return lines


def commit_message(plan: RewritePlan, rotation_id: str) -> str:
    by_secret: dict[str, Finding] = {}
    for f in plan.rewritten:
        by_secret.setdefault(f.secret_id, f)
    body = [
        f"Rotation: {rotation_id}",
        "",
        "Secrets (redacted) and the variables that now hold them:",
    ]
    body += [f"- {f.redacted} ({f.rule_id}) -> {plan.names[sid]}" for sid, f in sorted(by_secret.items())]
    body += ["", "Files:"]
    body += [f"- {c.path}{' (untracked)' if c.untrack else ''}" for c in plan.changes]
    return "keysweep: replace leaked secrets with references\n\n" + "\n".join(body) + "\n"


def guard(text: str, findings: Iterable[Finding]) -> None:
    """Last line of defence: no secret value may reach a commit message, PR title or body."""
    if any(not f.identifier and f.secret and f.secret in text for f in findings):
        raise RotationError("refusing to publish text that contains a secret value; this is a bug in keysweep")
