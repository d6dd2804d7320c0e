"""Execute a plan as a journaled, resumable state machine: mint → store → verify → revoke → PR → done.

Every step first asks the provider and Vault what is already true (so a resumed run never mints twice and
never loses a minted key), writes its intent to the journal, acts, then writes the result. The old key is
revoked only after the journal holds `verified` for its replacement.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scanner.errors import AmbiguousKeyError, ProviderError, RotationError, VaultError
from scanner.rotation.events import (
    AwaitingRevoke,
    Done,
    Kept,
    Manual,
    Minted,
    MintFailed,
    MintIntent,
    OldDead,
    OrphanRevoked,
    OrphanRevokeIntent,
    Planned,
    PrMerged,
    PrNotMerged,
    PrOpened,
    PrSkipped,
    Revoked,
    RevokeIntent,
    Run,
    Stored,
    Verified,
    WebhookRotated,
    WebhookRotateIntent,
    WebhookSecretLost,
)
from scanner.rotation.journal import Journal
from scanner.rotation.outcome import Outcome, OutcomeStatus
from scanner.rotation.plan import Action, Plan, Target
from scanner.rotation.providers import Deletion, Liveness, MintedKey, Provider, is_redaction_of
from scanner.rotation.pull_request_step import RemediationStep
from scanner.rotation.safekeeping import Safekeeping
from scanner.rotation.secret_store import SecretStore

MINT_ATTEMPTS = 3


@dataclass(slots=True)
class Rotator:
    """Runs (or resumes) one rotation; see the module docstring for the order and its guarantees."""

    plan: Plan
    journal: Journal
    providers: Callable[[str], Provider]
    """Provider by its configured name."""
    store: SecretStore
    env: Mapping[str, str]
    remediation: RemediationStep | None = None
    remediation_skipped: str = (
        "no pull-request step is installed: rewrite the references listed in the plan to the Vault paths by hand"
    )
    """Journaled as the `pr-skipped` message when `remediation` is None (say why: `--no-pr`, no remote, …)."""
    sleep: Callable[[float], None] = time.sleep
    poll_attempts: int = 8
    poll_interval: float = 0.5
    vault: Safekeeping = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.vault = Safekeeping(self.plan, self.journal, self.store)

    def run(self) -> Outcome:
        plan, journal = self.plan, self.journal
        journal.forbid(*(t.secret.value for t in plan.targets if not t.secret.identifier))
        if journal.has(Done):
            return self._outcome(OutcomeStatus.DONE)
        if not journal.entries:
            journal.append(Planned(plan=plan.to_record()))
        journal.append(Run(resumed=len(journal.entries) > 1, graceful=plan.graceful))
        keys = [t for t in plan.targets if t.action is Action.ROTATE_KEY]
        for t in keys:
            self._secure(t)
        for t in plan.targets:
            if t.action is Action.ROTATE_WEBHOOK:
                self._rotate_webhook(t)
            elif t.action is Action.MANUAL and not journal.has(Manual, t.secret_id):
                journal.append(Manual(instructions=t.instructions), t.secret_id)
            elif t.action in (Action.KEEP, Action.ALREADY_DEAD) and not journal.has(Kept, t.secret_id):
                journal.append(Kept(reason=t.action.value), t.secret_id)
        if not plan.graceful:
            for t in keys:
                self._revoke(t)
        self._hand_over()
        if plan.graceful:
            if not journal.has(AwaitingRevoke):
                journal.append(
                    AwaitingRevoke(
                        message="new keys are stored and verified; deploy them, then "
                        f"run `keysweep rotate --resume {plan.rotation_id}` to revoke the exposed keys"
                    )
                )
                return self._outcome(OutcomeStatus.AWAITING_REVOKE, self._waiting_for_revoke())
            merged, message = self._is_merged()
            if not merged:
                again = f"keysweep rotate --resume {plan.rotation_id}"
                return self._outcome(OutcomeStatus.AWAITING_MERGE, f"Waiting: {message}: `{again}`")
            for t in keys:
                self._revoke(t)
        if not journal.has(Done):
            journal.append(Done())
        return self._outcome(OutcomeStatus.DONE)

    def _is_merged(self) -> tuple[bool, str]:
        """`--graceful` revokes after the PR is merged. Without a PR, or a host keysweep cannot ask, the
        explicit `--resume` is the signal. Answers (merged, what the host said)."""
        journal = self.journal
        if self.remediation is None or journal.has(PrMerged) or not journal.has(PrOpened):
            return True, ""
        answer = self.remediation.status(self.plan, journal)
        if answer is None:
            return True, ""
        if answer.merged:
            journal.append(PrMerged(url=answer.url))
            return True, answer.message
        state = str(answer.state) if answer.state else None
        journal.append(PrNotMerged(url=answer.url, state=state, message=answer.message))
        return False, answer.message or "the pull request is not merged yet"

    def _waiting_for_revoke(self) -> str:
        again = f"keysweep rotate --resume {self.plan.rotation_id}"
        pr = self.journal.last(PrOpened)
        if pr and pr.url:
            return (
                f"Waiting: deploy the new keys and merge {pr.url}, then run `{again}` to revoke the exposed ones "
                "(it checks that the pull request is merged)."
            )
        return f"Waiting: run `{again}` once the new keys are deployed, to revoke the exposed ones."

    def _outcome(self, status: OutcomeStatus, message: str = "") -> Outcome:
        manual = sum(1 for t in self.plan.targets if t.action is Action.MANUAL)
        return Outcome(self.plan.rotation_id, status, manual, message)

    # -- mint, store, verify -------------------------------------------------------------------------

    def _secure(self, t: Target) -> None:
        if self.journal.has(Verified, t.secret_id):
            return
        stored = self.vault.ours(t)
        if stored is not None:
            value, version, key_id = stored.value, stored.version, stored.provenance.get("key_id", "")
            if not self.journal.has(Stored, t.secret_id):
                self.vault.journal_stored(t, version, stored.provenance, recovered=True)
        else:
            minted = self._mint(t)
            value, key_id = minted.value, minted.key_id
            version = self.vault.store(t, value, {"key_id": key_id, "service_account_id": minted.service_account_id})
        self._verify(t, value, version, key_id)

    def _mint(self, t: Target) -> MintedKey:
        provider = self.providers(t.provider or "")
        assert t.project_id and t.new_name
        for attempt in range(1, MINT_ATTEMPTS + 1):
            self._revoke_orphans(t, provider)
            # NOTE: the Vault version is checked right before each mint, not once per rotation: a write by
            # somebody else stops the rotation here, while there is no new key that Vault would refuse.
            self.vault.cas_base(t)
            self.journal.append(MintIntent(project_id=t.project_id, name=t.new_name, attempt=attempt), t.secret_id)
            try:
                minted = provider.create_service_account(t.org, t.project_id, t.new_name)
            except ProviderError as exc:
                if (exc.status is not None and exc.status < 500) or attempt == MINT_ATTEMPTS:
                    raise
                # NOTE: after a timeout or 5xx the account may exist without us holding its value: the next
                # pass lists by name, revokes it as an orphan and mints again.
                self.journal.append(MintFailed(status=exc.status, request_id=exc.request_id), t.secret_id)
                continue
            self.journal.crash.hit("call:mint")
            self.journal.forbid(minted.value)
            self.journal.append(
                Minted(
                    service_account_id=minted.service_account_id, key_id=minted.key_id, request_id=minted.request_id
                ),
                t.secret_id,
            )
            return minted
        raise AssertionError("unreachable")  # pragma: no cover

    def _revoke_orphans(self, t: Target, provider: Provider) -> None:
        """A service account with our name whose key never reached Vault: its value is lost, so it must go."""
        assert t.project_id
        for sa in provider.list_service_accounts(t.org, t.project_id):
            if sa.name != t.new_name:
                continue
            self.journal.append(OrphanRevokeIntent(service_account_id=sa.id), t.secret_id)
            gone = provider.delete_service_account(t.org, t.project_id, sa.id)
            self.journal.crash.hit("call:orphan-revoke")
            self.journal.append(
                OrphanRevoked(service_account_id=sa.id, already_gone=gone.already_gone, request_id=gone.request_id),
                t.secret_id,
            )

    def _verify(self, t: Target, value: str, version: int, key_id: str) -> None:
        assert t.vault_mount and t.vault_path
        provider = self.providers(t.provider or "")
        liveness = self._poll(lambda: provider.liveness(value), lambda live: live.is_live)
        self.journal.crash.hit("call:verify-live")
        if not liveness.is_live:
            raise RotationError(
                f"the new key {key_id} for {t.secret.redacted} is not accepted by {provider.config.base_url} "
                f"(GET /models answered 401 {self.poll_attempts} times); the exposed key was NOT revoked"
            )
        back = self.store.read(t.vault_mount, t.vault_path, version)
        if back is None or back.data.get("value") != value or back.version != version:
            raise VaultError(
                f"Vault {self.store.display_path(t.vault_mount, t.vault_path)} version {version} does "
                "not read back what keysweep wrote; the exposed key was NOT revoked"
            )
        self.journal.append(Verified(key_id=key_id, liveness=liveness.value, vault_version=version), t.secret_id)

    # -- revoke --------------------------------------------------------------------------------------

    def _revoke(self, t: Target) -> None:
        sid = t.secret_id
        if self.journal.has(OldDead, sid):
            return
        if not self.journal.has(Verified, sid):
            raise RotationError(f"refusing to revoke {t.secret.redacted}: its replacement is not stored and verified")
        assert t.project_id and t.key_id
        provider = self.providers(t.provider or "")
        if not self.journal.has(Revoked, sid):
            if t.old_service_account_id:
                intent = RevokeIntent(
                    how="delete-service-account", object_id=t.old_service_account_id, collateral=t.collateral
                )
                self.journal.append(intent, sid)
                gone = provider.delete_service_account(t.org, t.project_id, t.old_service_account_id)
            else:
                self.journal.append(RevokeIntent(how="delete-key", object_id=t.key_id), sid)
                try:
                    gone = provider.delete_project_key(t.org, t.project_id, t.key_id)
                except ProviderError as exc:
                    if exc.status != 400:
                        raise
                    gone = self._revoke_owner(t, provider)
            self.journal.crash.hit("call:revoke")
            revoked = Revoked(object_id=gone.object_id, already_gone=gone.already_gone, request_id=gone.request_id)
            self.journal.append(revoked, sid)
        self._confirm_dead(t, provider)

    def _revoke_owner(self, t: Target, provider: Provider) -> Deletion:
        """The plan saw a user key but the provider says a service account owns it (400): delete that account,
        unless other keys would die with it that the plan did not list."""
        assert t.project_id and t.key_id
        key = provider.get_project_key(t.org, t.project_id, t.key_id)
        if key is None or not key.service_account_id:
            raise RotationError(
                f"the provider refused to delete key {t.key_id} (400) and it has no service-account "
                "owner; revoke it in the dashboard, then --resume"
            )
        others = [
            k.id
            for k in provider.list_project_keys(t.org, t.project_id)
            if k.service_account_id == key.service_account_id and k.id != key.id
        ]
        if others:
            raise RotationError(
                f"key {t.key_id} belongs to service account {key.service_account_id}, and deleting "
                f"it would also kill {', '.join(others)}, which the plan did not list; plan again"
            )
        self.journal.append(RevokeIntent(how="delete-service-account", object_id=key.service_account_id), t.secret_id)
        return provider.delete_service_account(t.org, t.project_id, key.service_account_id)

    def _confirm_dead(self, t: Target, provider: Provider) -> None:
        assert t.project_id and t.key_id
        if t.secret.value:
            value = t.secret.value
            state = self._poll(lambda: provider.liveness(value), lambda live: live is Liveness.DEAD)
            self.journal.crash.hit("call:old-dead-poll")
            if state is not Liveness.DEAD:
                raise RotationError(
                    f"{t.secret.redacted} was revoked but still answers GET /models after "
                    f"{self.poll_attempts} checks; re-run with --resume to check again"
                )
            how = "GET /models answers 401"
        else:
            if provider.get_project_key(t.org, t.project_id, t.key_id) is not None:
                raise RotationError(f"key {t.key_id} is still listed after revocation; --resume to check again")
            how = "the admin API no longer lists the key id (the value was not at hand to check for 401)"
        self.journal.append(OldDead(confirmed_by=how), t.secret_id)

    def _poll(self, ask: Callable[[], Liveness], done: Callable[[Liveness], bool]) -> Liveness:
        state = ask()
        for attempt in range(1, self.poll_attempts):
            if done(state):
                break
            self.sleep(min(8.0, self.poll_interval * 2 ** (attempt - 1)))
            state = ask()
        return state

    # -- webhooks ------------------------------------------------------------------------------------

    def _rotate_webhook(self, t: Target) -> None:
        sid = t.secret_id
        if self.journal.has(Verified, sid):
            return
        assert t.vault_mount and t.vault_path
        stored = self.vault.ours(t)
        if stored is None:
            provider = self.providers(t.provider or "")
            credential = self._project_credential(t, provider)
            endpoint_id = self._endpoint_id(t, provider, credential)
            if self.journal.has(WebhookRotateIntent, sid):
                # NOTE: the secret shown by the earlier rotate_secret never reached Vault, so it is lost; the
                # only remedy is to rotate again (the old one is dead already).
                self.journal.append(WebhookSecretLost(endpoint_id=endpoint_id), sid)
            self.vault.cas_base(t)  # rotate_secret kills the old secret at once: Vault must take the new one
            self.journal.append(WebhookRotateIntent(endpoint_id=endpoint_id), sid)
            rotated = provider.rotate_webhook_secret(credential, endpoint_id)
            self.journal.crash.hit("call:webhook-rotate")
            self.journal.forbid(rotated.signing_secret)
            self.journal.append(WebhookRotated(endpoint_id=endpoint_id, request_id=rotated.request_id), sid)
            version = self.vault.store(t, rotated.signing_secret, {"endpoint_id": endpoint_id})
            value = rotated.signing_secret
        else:
            value, version, endpoint_id = stored.value, stored.version, str(t.key_id)
        back = self.store.read(t.vault_mount, t.vault_path, version)
        if back is None or back.data.get("value") != value:
            raise VaultError(
                f"Vault {self.store.display_path(t.vault_mount, t.vault_path)} version {version} does "
                "not read back the new signing secret"
            )
        self.journal.append(Verified(endpoint_id=endpoint_id, vault_version=version), sid)

    def _project_credential(self, t: Target, provider: Provider) -> str:
        env_name = provider.config.project_key_env
        if env_name and self.env.get(env_name):
            return self.env[env_name]
        for other in self.plan.targets:
            if other.action is Action.ROTATE_KEY and other.provider == t.provider:
                found = self.vault.ours(other)
                if found is not None:
                    return found.value
        raise RotationError(
            f"rotating webhook secret {t.secret.redacted} needs a project key of {t.provider}: set "
            f"{env_name or 'project_key_env in [rotation.providers.' + str(t.provider) + ']'}"
        )

    def _endpoint_id(self, t: Target, provider: Provider, credential: str) -> str:
        intent = self.journal.last(WebhookRotateIntent, t.secret_id)
        if intent:
            return intent.endpoint_id  # an earlier rotate changed the hint; trust the recorded id
        if t.key_id:
            return t.key_id
        value = t.secret.value or ""
        found = [
            w
            for w in provider.list_webhook_endpoints(credential)
            if value and is_redaction_of(w.signing_secret_hint, value)
        ]
        if len(found) != 1:
            raise AmbiguousKeyError(
                f"{len(found)} webhook endpoints match {t.secret.redacted}; pass "
                f"--key-id {t.secret_id[:8]}=we_… with a new plan"
            )
        return found[0].id

    # -- hand-over -----------------------------------------------------------------------------------

    def _hand_over(self) -> None:
        if self.journal.has(PrOpened) or self.journal.has(PrSkipped):
            return
        if self.remediation is None:
            self.journal.append(PrSkipped(message=self.remediation_skipped))
            return
        result = self.remediation.run(self.plan, self.journal)
        self.journal.append(PrOpened(url=result.url, merged=result.merged, message=result.message))
