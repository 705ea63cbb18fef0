"""The command line's login (``sohoa user login``): while a clerk is logged in, the account is the operator of
every command — ``--operator`` may only repeat it — so the catalog says who did what, as the workspace does.

The session file (``$SOHOA_SESSION_FILE``, default ``~/.config/sohoa/session.json``, mode 0600) holds a random
token per catalog; the catalog keeps only its SHA-256 (``catalog.accounts``), with an expiry; a reset or a
disable of the account ends it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalog.accounts import AccountInfo
    from pipeline.config import AppConfig


def session_file() -> Path:
    given = os.environ.get("SOHOA_SESSION_FILE")
    if given:
        return Path(given)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "sohoa" / "session.json"


def _catalog_id(cfg: AppConfig) -> str:
    return hashlib.sha256(str(cfg.catalog_config.url).encode()).hexdigest()[:16]


def _read() -> dict[str, str]:
    try:
        data = json.loads(session_file().read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write(data: dict[str, str]) -> None:
    path = session_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def token_for(cfg: AppConfig) -> str | None:
    return _read().get(_catalog_id(cfg))


def save_token(cfg: AppConfig, token: str) -> None:
    data = _read()
    data[_catalog_id(cfg)] = token
    _write(data)


def forget_token(cfg: AppConfig) -> str | None:
    data = _read()
    token = data.pop(_catalog_id(cfg), None)
    if token is not None:
        _write(data)
    return token


def logged_in(cfg: AppConfig) -> AccountInfo | None:
    """The account logged in on this command line for this catalog, if any (no file: no catalog is opened)."""
    token = token_for(cfg)
    if not token:
        return None
    from catalog.accounts import cli_session
    from catalog.db import Catalog

    catalog = Catalog(cfg.catalog_config.url, migrate=False)  # type: ignore[arg-type]
    try:
        return cli_session(catalog, token)
    except Exception:  # an older catalog without accounts, or none reachable: nobody is logged in
        return None
    finally:
        catalog.close()
