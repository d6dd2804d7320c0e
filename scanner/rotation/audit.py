"""The audit record of a rotation, from its journal: a JSON summary and a text version, safe to paste."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from scanner.rotation.plan import Plan


def summarize(plan: Plan, events: list[dict[str, Any]]) -> dict[str, Any]:
    """What happened to each secret, with the ids and request ids an incident ticket needs; never a value."""
    by_target: dict[str | None, list[dict[str, Any]]] = {}
    for e in events:
        by_target.setdefault(e.get("target"), []).append(e)
    status = _status([e["event"] for e in events])
    rows = []
    for t in plan.targets:
        evs = by_target.get(t.secret_id, [])
        last = {e["event"]: e for e in evs}
        rows.append(
            {
                "secret_id": t.secret_id,
                "redacted": t.secret.redacted,
                "kind": t.secret.kind,
                "action": t.action.value,
                "provider": t.provider,
                "org": t.org,
                "project_id": t.project_id,
                "old_key_id": t.key_id,
                "occurrences": [str(o) for o in t.secret.occurrences],
                "new_key_id": (last.get("minted") or last.get("stored") or {}).get("key_id"),
                "new_service_account_id": (last.get("minted") or {}).get("service_account_id"),
                "vault_path": f"{t.vault_mount}/{t.vault_path}" if t.vault_path else None,
                "vault_version": (last.get("verified") or {}).get("vault_version")
                or (last.get("stored") or {}).get("version"),
                "verified": "verified" in last,
                "revoked": "revoked" in last,
                "revocation": (last.get("revoke-intent") or {}).get("how"),
                "old_key_dead": (last.get("old-dead") or {}).get("confirmed_by"),
                "orphans_revoked": [e["service_account_id"] for e in evs if e["event"] == "orphan-revoked"],
                "manual_steps": (last.get("manual") or {}).get("instructions", []),
                "request_ids": [e["request_id"] for e in evs if e.get("request_id")],
                "state": evs[-1]["event"] if evs else "pending",
            }
        )
    pr = next((e for e in reversed(events) if e["event"] in ("pr", "pr-skipped")), None)
    return {
        "version": 1,
        "rotation_id": plan.rotation_id,
        "status": status,
        "graceful": plan.graceful,
        "started_at": events[0]["ts"] if events else None,
        "updated_at": events[-1]["ts"] if events else None,
        "runs": sum(1 for e in events if e["event"] == "run"),
        "targets": rows,
        "pull_request": {k: v for k, v in (pr or {}).items() if k in ("event", "url", "merged", "message")},
    }


def render_text(summary: dict[str, Any]) -> str:
    lines = [
        f"keysweep rotation {summary['rotation_id']}: {summary['status']} "
        f"({summary['runs']} run(s), {summary['started_at']} → {summary['updated_at']})"
    ]
    for row in summary["targets"]:
        lines.append(
            f"- {row['redacted']} ({row['kind']}, secret id {row['secret_id']}): {row['action']}, state {row['state']}"
        )
        if row["new_key_id"] or row["vault_path"]:
            lines.append(
                f"    new: {row['new_key_id'] or '-'} "
                f"(service account {row['new_service_account_id'] or '-'})"
                f" stored at {row['vault_path']} v{row['vault_version']}, verified: {row['verified']}"
            )
        if row["old_key_id"] and row["action"] == "rotate-key":
            lines.append(
                f"    old: {row['old_key_id']} revoked: {row['revoked']} ({row['revocation'] or '-'}); "
                f"dead: {row['old_key_dead'] or 'not confirmed yet'}"
            )
        if row["orphans_revoked"]:
            lines.append(f"    orphans revoked on resume: {', '.join(row['orphans_revoked'])}")
        lines += [f"    {step}" for step in row["manual_steps"]]
        if row["request_ids"]:
            lines.append(f"    request ids: {', '.join(row['request_ids'])}")
    pr = summary["pull_request"]
    lines.append(f"PR step: {pr.get('url') or pr.get('message') or 'not reached'}")
    return "\n".join(lines)


def write_audit(state_dir: Path, summary: dict[str, Any]) -> tuple[Path, Path]:
    """`<id>.audit.json` and `<id>.audit.txt` beside the journal, replaced atomically."""
    base = state_dir / summary["rotation_id"]
    paths = (base.with_suffix(".audit.json"), base.with_suffix(".audit.txt"))
    for path, text in zip(paths, (json.dumps(summary, indent=2) + "\n", render_text(summary) + "\n"), strict=True):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return paths


def _status(events: list[str]) -> str:
    """`done`; `awaiting-merge` while --graceful waits for the PR; `awaiting-revoke`; else `incomplete`."""
    if "done" in events:
        return "done"
    waiting = [e for e in events if e in ("pr-not-merged", "pr-merged")]
    if waiting and waiting[-1] == "pr-not-merged":
        return "awaiting-merge"
    return "awaiting-revoke" if "awaiting-revoke" in events else "incomplete"
