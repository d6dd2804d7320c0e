"""Build the rotation plan: classify each exposed secret, resolve its provider, org, key id and Vault path.

Planning makes read-only calls only (list projects, keys, service accounts and webhook endpoints; `GET
/models` for liveness; Vault metadata). Everything it decides is recorded, without secret values, as the first
line of the journal, so that `--resume` works from the same decisions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from scanner.errors import AmbiguousKeyError, KeysweepError, ProviderAuthError
from scanner.naming import choose_names
from scanner.rotation.config import ProviderConfig, RotationConfig
from scanner.rotation.exposed import ExposedSecret, sightings
from scanner.rotation.instructions import manual_instructions
from scanner.rotation.plan import IDENTIFIER_KINDS, KEY_KINDS, Action, Plan, Target, service_account_name
from scanner.rotation.providers import (
    Liveness,
    ProjectKey,
    Provider,
    is_compatible_redaction,
    is_redaction_of,
    split_redacted,
)
from scanner.rotation.secret_store import SecretStore


@dataclass(slots=True)
class Planner:
    """Turns exposed secrets into a Plan, asking providers and Vault read-only questions."""

    config: RotationConfig
    provider_for: Callable[[ProviderConfig], Provider]
    store: SecretStore | None
    env: Mapping[str, str]
    key_ids: Mapping[str, str] = field(default_factory=dict)
    """`--key-id`: secret id (or a prefix of it, 6+ characters) → key or webhook endpoint id."""
    _keys: dict[tuple[str, str | None], list[ProjectKey]] = field(default_factory=dict)

    def plan(
        self,
        exposed: list[ExposedSecret],
        *,
        rotation_id: str,
        graceful: bool = False,
        names: Mapping[str, str] | None = None,
        source: str | None = None,
        base_branch: str | None = None,
    ) -> Plan:
        """Each secret's variable is decided here, once (`scanner.naming`, the scan's fix hint says the same;
        `names` overrides it), so that the Vault path, the manual steps, the PR and a resumed run all use it."""
        by_id = {e.secret_id: e for e in exposed}
        chosen = choose_names([s for e in exposed for s in sightings(e)], names)
        targets = [self._target(e, by_id, rotation_id, chosen[e.secret_id]) for e in exposed]
        targets = self._with_webhooks(targets)
        targets = self._with_vault(targets)
        has_values = all(t.secret.value for t in targets if t.action is Action.ROTATE_KEY)
        return Plan(
            rotation_id=rotation_id,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            graceful=graceful,
            targets=tuple(targets),
            has_values=has_values,
            source=source,
            base_branch=base_branch,
        )

    # -- classification -----------------------------------------------------------------------------

    def _target(self, e: ExposedSecret, by_id: Mapping[str, ExposedSecret], rotation_id: str, name: str) -> Target:
        return replace(self._classify(e, by_id, rotation_id, name), env_name=name)

    def _classify(self, e: ExposedSecret, by_id: Mapping[str, ExposedSecret], rotation_id: str, name: str) -> Target:
        if e.identifier or e.kind in IDENTIFIER_KINDS:
            return Target(
                e,
                Action.KEEP,
                notes=("an identifier, not a secret: never revoked; the PR step rewrites it to a reference",),
            )
        cfg = self.config.provider_for(e.rule_id, e.kind, e.family)
        if cfg is None or e.kind not in KEY_KINDS | {"webhook-secret"}:
            where = (cfg.vault_mount, _vault_path(cfg, Target(e, Action.MANUAL, env_name=name))) if cfg else None
            steps = manual_instructions(e, cfg, name, where)
            return Target(e, Action.MANUAL, provider=cfg.name if cfg else None, instructions=steps)
        orgs = self._orgs(e, by_id, cfg)
        if e.kind == "webhook-secret":
            return Target(e, Action.ROTATE_WEBHOOK, provider=cfg.name, org=orgs[0])
        provider = self.provider_for(cfg)
        liveness = provider.liveness(e.value) if e.value else Liveness.UNKNOWN
        org, key = self._match_key(e, cfg, orgs, liveness)
        if key is None:
            return Target(
                e,
                Action.ALREADY_DEAD,
                provider=cfg.name,
                org=org,
                liveness=liveness.value,
                notes=(
                    "the provider answers 401 for this key and lists no matching key id: it is "
                    "already revoked; only the references need replacing (PR step)",
                ),
            )
        notes: list[str] = []
        collateral: tuple[str, ...] = ()
        if key.owner_type == "user":
            notes.append(
                "a user-owned project key cannot be re-issued through the API: its replacement is "
                "minted as a service-account key"
            )
        else:
            collateral = tuple(
                k.id
                for k in self._keys[(cfg.name, org)]
                if k.service_account_id == key.service_account_id and k.id != key.id
            )
        if not e.value:
            notes.append(
                "planned from a report without values: liveness unknown, and revocation is confirmed "
                "through the admin API (key id gone) instead of the key answering 401; re-scan or "
                "pass a report written with --reveal for the full check"
            )
        return Target(
            e,
            Action.ROTATE_KEY,
            provider=cfg.name,
            org=org,
            project_id=key.project_id,
            key_id=key.id,
            key_name=key.name,
            owner_type=key.owner_type,
            old_service_account_id=key.service_account_id,
            collateral=collateral,
            liveness=liveness.value,
            new_name=service_account_name(rotation_id, e.secret_id),
            notes=tuple(notes),
        )

    def _orgs(self, e: ExposedSecret, by_id: Mapping[str, ExposedSecret], cfg: ProviderConfig) -> list[str | None]:
        found: list[str | None] = sorted(  # type: ignore[assignment]
            {v for r in e.related if r in by_id and by_id[r].kind == "org-id" and (v := by_id[r].value)}
        )
        # The configured org first: it is the admin key's own, the likeliest home of the key.
        return sorted(found, key=lambda org: org != cfg.org) if found else [cfg.org]

    def _index(self, cfg: ProviderConfig, org: str | None) -> list[ProjectKey]:
        if (cfg.name, org) not in self._keys:
            provider = self.provider_for(cfg)
            self._keys[(cfg.name, org)] = [
                key for project in provider.list_projects(org) for key in provider.list_project_keys(org, project.id)
            ]
        return self._keys[(cfg.name, org)]

    def _indexes(self, cfg: ProviderConfig, orgs: list[str | None]) -> list[tuple[str | None, ProjectKey]]:
        """Keys of every org found beside the secret. An org the admin key may not see is skipped, not fatal:
        a file often names several orgs, and only one of them is the admin key's."""
        out: list[tuple[str | None, ProjectKey]] = []
        refused: list[ProviderAuthError] = []
        for org in orgs:
            try:
                out += [(org, key) for key in self._index(cfg, org)]
            except ProviderAuthError as exc:
                refused.append(exc)
        if refused and len(refused) == len(orgs):
            raise refused[0]
        return out

    def _explicit(self, e: ExposedSecret) -> str | None:
        for given, key_id in self.key_ids.items():
            if given == e.secret_id or (len(given) >= 6 and e.secret_id.startswith(given)):
                return key_id
        return None

    def _match_key(
        self, e: ExposedSecret, cfg: ProviderConfig, orgs: list[str | None], liveness: Liveness
    ) -> tuple[str | None, ProjectKey | None]:
        explicit = self._explicit(e)
        candidates: list[tuple[str | None, ProjectKey]] = []
        for org, key in self._indexes(cfg, orgs):
            wanted = key.id == explicit if explicit is not None else _matches(key.redacted_value, e)
            if wanted and all(key.id != k.id for _, k in candidates):  # one key seen through two org headers
                candidates.append((org, key))
        if len(candidates) == 1:
            return candidates[0]
        if not candidates and liveness is Liveness.DEAD and explicit is None:
            return orgs[0], None
        where = ", ".join(o or "the admin key's default org" for o in orgs)
        if explicit is not None:
            raise AmbiguousKeyError(
                f"--key-id {explicit} for secret {e.redacted} (secret id {e.secret_id}) is not "
                f"a key of any project in {where} at {cfg.base_url}"
            )
        if not candidates:
            raise AmbiguousKeyError(
                f"no key of any project in {where} at {cfg.base_url} matches {e.redacted} (secret id "
                f"{e.secret_id}, liveness {liveness.value}); find its id in the provider's dashboard, pass "
                f"--key-id {e.secret_id[:8]}=key_…"
            )
        listing = "; ".join(
            f"{k.id} ({k.name or 'unnamed'}, project {k.project_id}, org {o or 'default'}, shown as {k.redacted_value})"
            for o, k in candidates
        )
        raise AmbiguousKeyError(
            f"{len(candidates)} keys match {e.redacted} (secret id {e.secret_id}): {listing}. keysweep never "
            f"guesses: pass --key-id {e.secret_id[:8]}=<one of them>"
        )

    # -- webhooks ------------------------------------------------------------------------------------

    def _with_webhooks(self, targets: list[Target]) -> list[Target]:
        out = []
        for t in targets:
            if t.action is not Action.ROTATE_WEBHOOK:
                out.append(t)
                continue
            cfg = self._cfg(t.provider)
            credential = self.env.get(cfg.project_key_env or "") or next(
                (
                    o.secret.value
                    for o in targets
                    if o.action is Action.ROTATE_KEY
                    and o.provider == cfg.name
                    and o.secret.value
                    and Liveness(o.liveness).is_live
                ),
                None,
            )
            explicit = self._explicit(t.secret)
            if credential is None:
                note = (
                    "the webhook endpoint is found at apply time with the project key minted by this "
                    "rotation (set project_key_env to resolve it now)"
                )
                out.append(replace(t, key_id=explicit, notes=(*t.notes, note)))
                continue
            endpoints = list(self.provider_for(cfg).list_webhook_endpoints(credential))
            found = [
                w for w in endpoints if (w.id == explicit if explicit else _matches(w.signing_secret_hint, t.secret))
            ]
            if len(found) != 1:
                raise AmbiguousKeyError(
                    f"{len(found)} webhook endpoints at {cfg.base_url} match {t.secret.redacted} (secret id "
                    f"{t.secret_id})"
                    + (": " + ", ".join(f"{w.id} ({w.url})" for w in found) if found else "")
                    + f"; pass --key-id {t.secret_id[:8]}=we_…"
                )
            out.append(replace(t, key_id=found[0].id, notes=(*t.notes, f"endpoint {found[0].url}")))
        return out

    # -- Vault ---------------------------------------------------------------------------------------

    def _with_vault(self, targets: list[Target]) -> list[Target]:
        placed: list[Target] = []
        for t in targets:
            if t.action not in (Action.ROTATE_KEY, Action.ROTATE_WEBHOOK):
                placed.append(t)
                continue
            cfg = self._cfg(t.provider)
            placed.append(replace(t, vault_mount=cfg.vault_mount, vault_path=_vault_path(cfg, t)))
        paths: dict[tuple[str | None, str | None], int] = {}
        for t in placed:
            if t.vault_path:
                paths[(t.vault_mount, t.vault_path)] = paths.get((t.vault_mount, t.vault_path), 0) + 1
        out = []
        for t in placed:
            if t.vault_path and paths[(t.vault_mount, t.vault_path)] > 1:
                suffix = _slug(next(iter(t.secret.labels), None) or t.key_name or t.secret.short_id)
                note = f"several secrets map to {t.vault_path}; this one is stored under its own suffix"
                t = replace(t, vault_path=f"{t.vault_path}__{suffix}", notes=(*t.notes, note))
            if t.vault_path and self.store is not None:
                t = replace(t, vault_version=self.store.current_version(t.vault_mount or "", t.vault_path))
            out.append(t)
        return out

    def _cfg(self, name: str | None) -> ProviderConfig:
        return next(p for p in self.config.providers if p.name == name)


def _matches(redacted: str, e: ExposedSecret) -> bool:
    if e.value:
        return is_redaction_of(redacted, e.value)
    known = split_redacted(e.redacted)
    return known is not None and is_compatible_redaction(redacted, *known)


def _vault_path(cfg: ProviderConfig, t: Target) -> str:
    e = t.secret
    env_var = t.env_name or e.env_var or ("WEBHOOK_SECRET" if t.action is Action.ROTATE_WEBHOOK else "API_KEY")
    try:
        return cfg.vault_path_template.format(
            provider=cfg.name,
            env_var=env_var,
            kind=e.kind,
            label=_slug(next(iter(e.labels), "") or t.key_name or ""),
            key_id=t.key_id or "",
            project=t.project_id or "",
            secret_id=e.short_id,
        ).strip("/")
    except (KeyError, IndexError, ValueError) as exc:
        raise KeysweepError(f"{cfg.source}: rotation vault path template {cfg.vault_path_template!r}: {exc}") from None


def _slug(text: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text or "").strip("-")
