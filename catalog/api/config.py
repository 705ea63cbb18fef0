"""Frozen configuration of the lookup API (``[api]`` in the TOML file, ``SOHOA_API__*`` variables)."""

from pydantic import BaseModel, ConfigDict, Field


class ApiConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    """Address ``sohoa serve`` listens on (put a TLS-terminating proxy in front when it is not loopback)."""

    port: int = Field(default=8700, ge=1, le=65535)
    """Port ``sohoa serve`` listens on."""

    workers: int = Field(default=1, ge=1, le=64)
    """uvicorn worker processes (one per core); each allows its share of a key's rate (rate / workers)."""

    db_connections: int = Field(default=8, ge=1, le=200)
    """Catalog reads in flight at once in each worker process, and the connections kept open for them
    (PostgreSQL). More requests than this wait their turn without holding a thread or a connection."""

    rate_per_minute: int = Field(default=3000, ge=1)
    """Default requests per minute per API key (a key may carry its own); the burst is the same number."""

    key_cache_seconds: float = Field(default=10.0, ge=0)
    """How long a verified key is remembered in memory; a revoked key stops working within this time."""

    presign_seconds: int = Field(default=300, ge=10, le=3600)
    """Lifetime of the presigned URLs handed out for signed PDF/A files (S3 store)."""

    require_purpose: bool = False
    """Refuse (400) requests about a person that carry no ``X-Purpose`` header."""

    max_search_results: int = Field(default=50, ge=1, le=100)
    """Upper bound of ``limit`` on ``GET /v1/search``."""
