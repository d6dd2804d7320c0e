"""The one error tree of keysweep; every failure a user can meet is one of these.

KeysweepError                 root: prints as one line, exit code 2
├── UsageError                bad flags or arguments
├── ConfigError               a config file is malformed (names file and key)
├── RuleError                 a rule file is malformed (names file and rule id)
├── SourceError               a path, git repository or stream cannot be read
│   └── GitError              git failed (corrupt repo, unknown ref, shallow clone)
├── BaselineError             a baseline file cannot be read
├── TrustError                an endpoint that would receive a credential is not trusted (names the way to trust it)
└── RotationError             rotation stopped; the journal says where it is
    ├── ProviderError         the key provider's API answered an error
    │   ├── ProviderAuthError     401/403: which credential, which scope
    │   │   └── ProviderOrgMismatch   the admin key belongs to another organization than the one asked for
    │   └── ProviderRateLimited   429 after the retry budget
    ├── VaultError            Vault sealed, down, denied
    │   └── VaultConflictError    check-and-set lost: somebody else wrote
    ├── AmbiguousKeyError     zero or several key ids match an exposed secret
    └── HostingError          the git hosting API or a push failed
"""

from __future__ import annotations


class KeysweepError(Exception):
    """Root of every error keysweep raises on purpose; `str()` is the one line a user sees."""

    exit_code = 2


class UsageError(KeysweepError):
    """The command line asks for something impossible."""


class ConfigError(KeysweepError):
    """A configuration file is malformed; the message names the file and the key."""


class RuleError(KeysweepError):
    """A rule file is malformed; the message names the file and the rule id."""


class SourceError(KeysweepError):
    """A path, repository or stream cannot be read."""


class GitError(SourceError):
    """git failed or the repository is not in a state keysweep can read."""


class BaselineError(KeysweepError):
    """A baseline file cannot be read or written."""


class TrustError(KeysweepError):
    """A credential would go to an endpoint the user has not configured or confirmed outside the repository."""


class RotationError(KeysweepError):
    """Rotation stopped; the journal records how far it got and `--resume` continues."""


class ProviderError(RotationError):
    """The key provider's API answered with an error."""

    def __init__(self, message: str, *, status: int | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.request_id = request_id


class ProviderAuthError(ProviderError):
    """401/403 from the provider: the credential is wrong or lacks a scope."""


class ProviderOrgMismatch(ProviderAuthError):
    """401/403 because the organization sent (OpenAI-Organization) is not the credential's own."""


class ProviderRateLimited(ProviderError):
    """429 from the provider after the retry budget was spent."""


class VaultError(RotationError):
    """Vault is sealed, unreachable, or denied the request."""


class VaultConflictError(VaultError):
    """A check-and-set write lost: somebody else wrote the path since the plan."""


class AmbiguousKeyError(RotationError):
    """Zero or several provider key ids match an exposed secret; an explicit --key-id is needed."""


class HostingError(RotationError):
    """The git hosting API or a push failed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
