"""Where each liveness call goes, decided before the first request and checked by scanner/trust.py.

In order: for an OpenAI-compatible key, the base URL of the rotation provider that rotates it (the user's
`[rotation.providers.<name>]`, or the repository's when the user confirmed it); then the user's
`[verify.endpoints]` or KEYSWEEP_VERIFY_ENDPOINTS; then the provider's official API (keysweep's own default).
A repository config can name no other endpoint: an unconfirmed one stops the scan before any request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.config import Settings
from scanner.rotation.config import RotationConfig, parse_rotation_config
from scanner.trust import Endpoint, EndpointKind, Origin, trusted_endpoint
from scanner.user_config import UserConfig
from scanner.verify.options import VerifyOptions
from scanner.verify.verifier import Credential, Verifier


@dataclass
class EndpointChooser:
    """Picks and trusts the endpoint of each credential; the rotation config is read only when needed."""

    settings: Settings
    user: UserConfig
    options: VerifyOptions
    _rotation: RotationConfig | None = field(default=None, init=False, repr=False)

    def endpoint(self, verifier: Verifier, credential: Credential) -> Endpoint:
        if verifier.provider == "openai-compatible":
            rotating = self._rotation_provider(credential)
            if rotating is not None:
                return rotating
        named = self.options.endpoints.get(verifier.provider)
        if named is not None:
            return trusted_endpoint(
                EndpointKind.LIVENESS, named.url, self.user, origin=named.origin, source=named.source
            )
        return trusted_endpoint(
            EndpointKind.LIVENESS,
            verifier.default_url,
            self.user,
            origin=Origin.BUILTIN,
            source=f"keysweep's {verifier.provider} API",
        )

    def _rotation_provider(self, credential: Credential) -> Endpoint | None:
        if self._rotation is None:
            source = str(self.settings.config_file or "<no config file>")
            self._rotation = parse_rotation_config(
                dict(self.settings.rotation or {}), source, self.user.rotation, str(self.user.path)
            )
        provider = self._rotation.provider_for(credential.rule_id, credential.kind, "openai-compatible")
        if provider is None:
            return None
        return trusted_endpoint(
            EndpointKind.LIVENESS,
            provider.base_url,
            self.user,
            origin=provider.base_url_origin,
            source=provider.base_url_source,
        )
