"""Frozen configuration of the national warehouse connector (``[sync]`` in the TOML file, ``SOHOA_SYNC__*``).

Secrets only from the environment: ``SOHOA_SYNC_CLIENT_SECRET`` (OAuth2 client credentials) and
``SOHOA_SYNC_KEY_PASSWORD`` (the client certificate's key, mutual TLS)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CLIENT_SECRET_ENV = "SOHOA_SYNC_CLIENT_SECRET"
KEY_PASSWORD_ENV = "SOHOA_SYNC_KEY_PASSWORD"


class SyncConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = None
    """Base URL of the national side's interface (through the provincial/national data-exchange platform).
    Unset: nothing is sent (the outbox keeps every change until it is set) and no national look-up is made."""

    auth: Literal["none", "oauth2", "mtls"] = "none"
    """``oauth2``: client credentials (``client_id`` + ``SOHOA_SYNC_CLIENT_SECRET``) for a bearer token;
    ``mtls``: a client certificate (``client_cert``, ``client_key``, ``SOHOA_SYNC_KEY_PASSWORD``)."""

    token_url: str | None = None
    """OAuth2 token endpoint; default ``<url>/oauth/token``."""

    client_id: str | None = None
    """OAuth2 client id issued to this system."""

    scope: str | None = None
    """OAuth2 scope to ask for, if the platform wants one."""

    client_cert: Path | None = None
    """PEM client certificate (mutual TLS)."""

    client_key: Path | None = None
    """PEM private key of the client certificate (mutual TLS)."""

    ca_file: Path | None = None
    """PEM CA bundle that signs the national side's TLS certificate (default: the system's)."""

    mapping: Path | None = None
    """TOML field mapping (sohoa's names → the remote side's); default ``pipeline/sync/mapping.toml``."""

    timeout_s: float = Field(default=10.0, gt=0)
    """Time allowed for one request to the national side."""

    max_attempts: int = Field(default=8, ge=1)
    """Attempts of one change (429, 5xx, time-outs) before it is dead-lettered with its reason."""

    min_backoff_s: float = Field(default=5.0, gt=0)
    """First wait after a failed attempt, doubled each time up to ``max_backoff_s`` (a Retry-After wins)."""

    max_backoff_s: float = Field(default=3600.0, gt=0)

    batch: int = Field(default=50, ge=1, le=1000)
    """Changes a sender claims at once."""

    claim_s: float = Field(default=120.0, gt=0)
    """A sender holds a claimed change this long; one that dies loses it then."""

    file_transfer: Literal["link", "upload", "none"] = "link"
    """How the signed file travels: a short-lived signed link (S3 store; the local store uploads instead), the
    bytes uploaded with the paper, or not at all (metadata and SHA-256 only)."""

    national_lookup: bool = False
    """Let the reuse check ask the national side for the owner's papers held elsewhere."""

    lookup_budget_ms: int = Field(default=150, ge=10, le=10_000)
    """Time a reuse check waits for the national side; after it, the local answer goes out alone and says so."""

    lookup_cache_s: float = Field(default=60.0, ge=0)
    """How long an owner's national papers are remembered (per API worker)."""

    @property
    def enabled(self) -> bool:
        return bool(self.url)
