"""Text for people: the plan printed before `--apply` (exact steps, API calls, Vault paths)."""

from __future__ import annotations

import json
from dataclasses import replace

from scanner.rotation.plan import Action, Plan, Target

POLL_NOTE = "until it answers 401 (bounded; 404 on delete counts as done)"


def describe_plan(
    plan: Plan, base_urls: dict[str, str], *, state_dir: str, pr_step: str | None = None, dry_run: bool = False
) -> str:
    """`pr_step`: one line on what the pull-request step will do (or why it is skipped). A `dry_run` shows no
    rotation id: `--apply` assigns one (and the names derived from it) when it runs."""
    order = (
        "graceful: revocation waits until the PR is merged and `--resume` is run"
        if plan.graceful
        else "contain at once: each exposed key is revoked right after its replacement is stored and verified"
    )
    head = (
        "Rotation plan (dry run) — nothing happens without --apply, which assigns the rotation id"
        if dry_run
        else f"Rotation plan {plan.rotation_id} — applying it now"
    )
    lines = [head, f"Order: {order}", ""]
    for n, t in enumerate(plan.targets, 1):
        lines += _describe(n, t, base_urls.get(t.provider or "", ""), dry_run)
        lines.append("")
    lines.append(
        "Then: "
        + (pr_step or "pull-request step (rewrites references to the Vault paths)")
        + "; then `done` in the journal."
    )
    if not plan.has_values:
        lines.append(
            "NOTE: planned without secret values (report written without --reveal): liveness is unknown "
            "and revocation is confirmed through the admin API instead of a 401 from the old key."
        )
    journal = (
        f"{state_dir}/<rotation id>.jsonl, once --apply assigns the id"
        if dry_run
        else f"{state_dir}/{plan.rotation_id}.jsonl"
    )
    lines.append(f"Journal and audit: {journal}")
    return "\n".join(lines)


def _describe(n: int, t: Target, base_url: str, dry_run: bool) -> list[str]:
    s = t.secret
    head = f"[{n}] {s.redacted}  {s.kind}  secret id {s.secret_id}  action: {t.action.value}"
    if t.provider:
        head += f"  provider {t.provider}" + (f" ({base_url})" if base_url else "")
    if t.org:
        head += f"  org {t.org}"
    out = [head, f"    seen {len(s.occurrences)}×: " + ", ".join(str(o) for o in s.occurrences)]
    if s.labels:
        out.append("    labels: " + ", ".join(s.labels))
    if t.env_name:
        out.append(f"    variable: {t.env_name} (the code reads it from there after the PR)")
    if t.action is Action.ROTATE_KEY:
        owner = f"service account {t.old_service_account_id}" if t.old_service_account_id else t.owner_type or "?"
        out.append(
            f"    key: {t.key_id} {t.key_name!r} in project {t.project_id}, owned by {owner}; liveness: {t.liveness}"
        )
    out += [f"    note: {note}" for note in t.notes]
    if t.action is Action.MANUAL:
        out.append("    guided manual step (recorded in the journal; the rest of the rotation continues):")
        out += [f"      {line}" for line in t.instructions]
        return out
    steps = _steps(replace(t, new_name=f"keysweep-<rotation id>-{t.secret.short_id}") if dry_run and t.new_name else t)
    out.append("    steps:")
    out += [f"      {i}. {step}" for i, step in enumerate(steps, 1)]
    return out


def _vault_step(t: Target, what: str) -> str:
    if t.vault_version is None:
        cas = "check-and-set base read at --apply (Vault not reachable while planning)"
    elif t.vault_version == 0:
        cas = "check-and-set 0: the path must still be empty"
    else:
        cas = f"check-and-set {t.vault_version}: fails if anybody writes it first"
    return (
        f"store   Vault KV v2 {t.vault_mount}/{t.vault_path} ({cas}); data: value, {what}, rotation_id, "
        "old_fingerprint; custom_metadata managed-by=keysweep"
    )


def _steps(t: Target) -> list[str]:
    p = f"/organization/projects/{t.project_id}"
    if t.action is Action.ROTATE_KEY:
        body = json.dumps({"name": t.new_name})
        if t.old_service_account_id:
            revoke = f"revoke  DELETE {p}/service_accounts/{t.old_service_account_id}"
            dies = ", ".join(t.collateral) if t.collateral else "no other key"
            revoke += f" — the whole service account goes; also dies with it: {dies}"
        else:
            revoke = f"revoke  DELETE {p}/api_keys/{t.key_id}"
        confirm = (
            f"confirm GET /models with the exposed key {POLL_NOTE}"
            if t.secret.value
            else f"confirm GET {p}/api_keys/{t.key_id} answers 404 (no value to check for 401)"
        )
        return [
            f"mint    POST {p}/service_accounts {body} (the value is shown once; held in memory only)",
            _vault_step(t, "key_id, service_account_id"),
            "verify  GET /models with the new key answers 200/403; Vault version reads back",
            revoke,
            confirm,
        ]
    if t.action is Action.ROTATE_WEBHOOK:
        endpoint = t.key_id or "<found at apply by signing_secret_hint>"
        return [
            f"rotate  POST /webhook_endpoints/{endpoint}/rotate_secret "
            '{"keep_old_secret_active_for_24_hours": false} — the old signing secret dies at once',
            _vault_step(t, "endpoint_id"),
            "verify  Vault version reads back the new signing secret",
        ]
    if t.action is Action.KEEP:
        return ["nothing: never revoked"]
    return ["nothing to revoke"]
