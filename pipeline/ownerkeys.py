"""The secret behind the warehouse's opaque owner keys, and the resolver the store stage uses.

The secret comes from ``SOHOA_OWNER_KEY_SECRET`` (at least 16 characters; the same on every machine of an
installation). Without it, the embedded default keeps a generated one in ``SOHOA_HOME/secrets/owner-key`` (mode
0600), as the demo PKI keeps its keys: a laptop works at once, and an office that shares one catalog sets the
variable. Losing the secret loses nothing: the catalog keeps each owner's key (``catalog.owner_keys``) and a known
owner keeps it; only owners never seen before would get keys under the new secret.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from archive.layout import owner_key
from catalog import owner_keys
from catalog.db import Catalog
from pipeline.errors import ConfigError

log = logging.getLogger("sohoa.ownerkeys")
ENV = "SOHOA_OWNER_KEY_SECRET"


def owner_key_secret(home: Path, environ: Mapping[str, str] | None = None) -> bytes:
    env = os.environ if environ is None else environ
    value = env.get(ENV)
    if value:
        if len(value) < 16:
            raise ConfigError(f"{ENV} must have at least 16 characters", f"{ENV} phải có ít nhất 16 ký tự")
        return value.encode()
    path = home / "secrets" / "owner-key"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_hex(32).encode())
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    log.warning("generated the owner-key secret in %s; set %s on every machine of an installation", path, ENV)
    return path.read_bytes().strip()


class OwnerKeys:
    """Owner ID → opaque key, recorded in the catalog on first use and remembered for this process."""

    def __init__(self, catalog: Catalog, secret: bytes) -> None:
        self.catalog = catalog
        self.secret = secret
        self._known: dict[str, str] = {}

    def __call__(self, owner_id: str | None) -> str | None:
        if not owner_id:
            return None
        key = self._known.get(owner_id)
        if key is None:
            key = owner_keys.ensure_key(self.catalog, owner_id, lambda o: owner_key(o, self.secret))
            if len(self._known) > 100_000:
                self._known.clear()
            self._known[owner_id] = key
        return key
