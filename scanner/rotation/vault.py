"""Vault (or OpenBao) KV v2 through hvac: the only module that imports hvac."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import hvac
import hvac.exceptions
import requests

from scanner.errors import VaultConflictError, VaultError
from scanner.rotation.secret_store import StoredSecret


class VaultSecretStore:
    """KV v2 reads and check-and-set writes; every hvac failure becomes a VaultError that says what to do."""

    def __init__(self, client: hvac.Client, addr: str) -> None:
        self._client = client
        self.addr = addr

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> VaultSecretStore:
        """A client from VAULT_ADDR, VAULT_TOKEN (else ~/.vault-token), VAULT_NAMESPACE, VAULT_CACERT."""
        env = os.environ if env is None else env
        addr = env.get("VAULT_ADDR", "").strip()
        if not addr:
            raise VaultError("VAULT_ADDR is not set: export the Vault address (and VAULT_TOKEN) before --apply")
        token = env.get("VAULT_TOKEN", "").strip()
        if not token:
            token_file = Path(env.get("HOME", str(Path.home()))) / ".vault-token"
            if token_file.is_file():
                token = token_file.read_text().strip()
        if not token:
            raise VaultError("VAULT_TOKEN is not set and ~/.vault-token does not exist: log in to Vault first")
        # NOTE: hvac reads neither VAULT_NAMESPACE nor VAULT_CACERT on its own; map them explicitly.
        verify: bool | str = env.get("VAULT_CACERT") or True
        if env.get("VAULT_SKIP_VERIFY", "").lower() in ("1", "true"):
            verify = False
        client = hvac.Client(
            url=addr, token=token, namespace=env.get("VAULT_NAMESPACE") or None, verify=verify, timeout=10
        )
        return cls(client, addr)

    def display_path(self, mount: str, path: str) -> str:
        return f"{mount}/{path}"

    def current_version(self, mount: str, path: str) -> int:
        try:
            meta = self._client.secrets.kv.v2.read_secret_metadata(path=path, mount_point=mount)
        except hvac.exceptions.InvalidPath:
            return 0
        except Exception as exc:
            self._fail(exc, "read the metadata of", mount, path)
        return int(meta["data"].get("current_version") or 0)

    def read(self, mount: str, path: str, version: int | None = None) -> StoredSecret | None:
        try:
            answer = self._client.secrets.kv.v2.read_secret_version(
                path=path, version=version, mount_point=mount, raise_on_deleted_version=False
            )
        except hvac.exceptions.InvalidPath:
            return None
        except Exception as exc:
            self._fail(exc, "read", mount, path)
        body: dict[str, Any] = answer.get("data") or {}
        meta = body.get("metadata") or {}
        data = body.get("data")
        if data is None:
            return None
        return StoredSecret(
            path=path,
            version=int(meta.get("version") or 0),
            data=dict(data),
            custom_metadata=dict(meta.get("custom_metadata") or {}),
        )

    def write(self, mount: str, path: str, data: dict[str, str], *, cas: int, custom_metadata: dict[str, str]) -> int:
        try:
            answer = self._client.secrets.kv.v2.create_or_update_secret(
                path=path, secret=data, cas=cas, mount_point=mount
            )
        except hvac.exceptions.InvalidRequest as exc:
            if "check-and-set" in str(exc):
                raise VaultConflictError(
                    f"Vault {self.addr} {mount}/{path}: check-and-set lost: the path is no longer at version "
                    f"{cas}, somebody else wrote it since the plan. keysweep stopped before revoking "
                    "anything; "
                    f"look at who wrote it (`bao kv metadata get -mount={mount} {path}`), then re-plan"
                ) from None
            self._fail(exc, "write", mount, path)
        except Exception as exc:
            self._fail(exc, "write", mount, path)
        version = int(answer["data"]["version"])
        self.write_metadata(mount, path, custom_metadata)
        return version

    def write_metadata(self, mount: str, path: str, custom_metadata: dict[str, str]) -> None:
        try:
            self._client.secrets.kv.v2.update_metadata(path=path, mount_point=mount, custom_metadata=custom_metadata)
        except Exception as exc:
            self._fail(exc, "label (custom metadata)", mount, path)

    def _fail(self, exc: Exception, action: str, mount: str, path: str) -> NoReturn:
        where = f"Vault {self.addr}: cannot {action} {mount}/{path}"
        if isinstance(exc, hvac.exceptions.VaultDown):
            raise VaultError(f"{where}: Vault is sealed; unseal it (`bao operator unseal`) and re-run") from None
        if isinstance(exc, hvac.exceptions.Forbidden | hvac.exceptions.Unauthorized):
            raise VaultError(
                f"{where}: permission denied (403): VAULT_TOKEN is invalid or its policy lacks "
                f"create/update/read on {mount}/data/{path} and {mount}/metadata/{path}"
            ) from None
        if isinstance(exc, requests.exceptions.SSLError):
            raise VaultError(f"{where}: TLS failed; point VAULT_CACERT at the CA bundle of the server") from None
        if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
            raise VaultError(f"{where}: unreachable; check VAULT_ADDR and the network, then re-run") from None
        if isinstance(exc, hvac.exceptions.InvalidPath):
            raise VaultError(f"{where}: no KV v2 engine mounted at {mount}/ (set rotation.vault.mount)") from None
        raise VaultError(f"{where}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
