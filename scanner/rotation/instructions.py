"""Guided manual steps: the exact instructions for secrets no configured API can rotate."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.rotation.config import ProviderConfig
    from scanner.rotation.exposed import ExposedSecret


def manual_instructions(
    e: ExposedSecret, cfg: ProviderConfig | None, name: str, vault: tuple[str, str] | None = None
) -> tuple[str, ...]:
    """Numbered, copyable steps; they name the secret only by its redacted form and secret id, and its
    variable `name` and Vault (mount, path) as the rest of the plan does."""
    what = f"{e.redacted} (secret id {e.secret_id})"
    places = ", ".join(str(o) for o in e.occurrences[:5]) + (" …" if len(e.occurrences) > 5 else "")
    mount, path = vault or ("secret", f"keysweep/<provider>/{name}")
    store = (
        f"store the new value in Vault without putting it on a command line, e.g. "
        f"`bao kv put -mount={mount} {path} value=-` and paste it on stdin"
    )
    tail = (
        store,
        f"update the deployments that read {name}; references are at {places}",
        f"revoke {what} and confirm it is rejected; then re-run `keysweep scan`",
    )
    if e.kind == "legacy-key":
        base = cfg.base_url if cfg else "the provider"
        steps: tuple[str, ...] = (
            f"{what} is a legacy user key: {base} has no API to revoke or re-issue it",
            "in the provider's dashboard open API keys, create a project key (or use the one this rotation "
            "minted) with the same permissions",
            *tail,
        )
    elif e.kind == "admin-key":
        steps = (
            f"{what} is an admin key: admin keys are not managed through the admin API itself",
            "in the organization settings open Admin keys, create a new admin key",
            f"put it where {cfg.admin_key_env if cfg else 'the admin-key variable'} is read from",
            *tail,
        )
    elif e.family == "stripe" or e.kind.startswith("stripe"):
        steps = (
            f"{what} is a Stripe key: Dashboard → Developers → API keys → ⋯ → Roll key (expire now)",
            *tail[:2],
            "confirm the old key is listed as expired; re-run `keysweep scan`",
        )
    elif e.family == "github" or e.kind.startswith("github"):
        steps = (
            f"{what} is a GitHub token: Settings → Developer settings → Personal access tokens (or the "
            "app's settings): regenerate it with the same scopes, then delete the exposed one",
            *tail[:2],
            "check the audit log (Settings → Security log) for use of the old token",
        )
    elif e.family == "aws" or e.kind.startswith("aws"):
        steps = (
            f"{what} is an AWS credential: `aws iam create-access-key --user-name <user>`",
            *tail[:2],
            "`aws iam update-access-key --status Inactive --access-key-id <old id>`, then "
            "`aws iam delete-access-key`; review CloudTrail for use of the old key",
        )
    elif cfg is None and e.family == "openai-compatible":
        steps = (
            f"{what} belongs to an OpenAI-compatible provider that has no [rotation.providers.<name>] "
            "entry in the keysweep config: add one (see docs/rotation.md) and re-run `keysweep rotate`",
        )
    else:
        steps = (
            f"{what} ({e.kind}, rule {e.rule_id}): no API is configured to rotate it; issue a new one "
            "where it was created",
            *tail,
        )
    return tuple(f"{n}. {text}" for n, text in enumerate(steps, 1))
