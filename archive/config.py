"""Frozen configuration of the archive layer.

Secrets (the S3 access and secret keys) are never fields here: :func:`archive.store.open_store` reads
them from ``SOHOA_S3_ACCESS_KEY`` / ``SOHOA_S3_SECRET_KEY`` (or ``SOHOA_MIRROR_S3_*`` for the mirror).
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict


class StoreConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = None
    """``file:///path`` (embedded local store) or ``s3://BUCKET`` (MinIO or any S3 server); set from
    ``SOHOA_STORE_URL`` (default: ``<SOHOA_HOME>/warehouse``)."""

    fsync: bool = True
    """Flush every object to disk before it is made visible (local store)."""

    s3_endpoint: str | None = None
    """``host:port`` of the S3 server (``SOHOA_S3_ENDPOINT`` overrides)."""

    s3_secure: bool | None = None
    """HTTPS to the S3 server (``SOHOA_S3_SECURE`` true/false overrides; default true)."""

    s3_region: str | None = None
    """Region of the bucket (``SOHOA_S3_REGION`` overrides; default ``us-east-1``)."""

    retention_mode: Literal["COMPLIANCE", "GOVERNANCE"] = "COMPLIANCE"
    """Object-lock mode of each object's retention: COMPLIANCE (nobody, not even the root account, can
    shorten it) or GOVERNANCE (a privileged user may bypass it)."""

    legal_hold: bool = False
    """Put a legal hold on every new object (documents of permanent retention always get one)."""

    sse: str | None = None
    """Server-side encryption: unset (bucket default), ``s3`` (SSE-S3) or ``kms:<key id>`` (SSE-KMS)."""

    create_bucket: bool = True
    """Create the bucket (with versioning and object lock) when it does not exist."""

    timeout_s: float = 10.0
    """Connect and read timeout of one S3 request."""

    retries: int = 4
    """Attempts of an S3 request that failed because the server was unreachable (backoff doubles)."""

    backoff_s: float = 0.5
    """First pause between those attempts."""

    mirror_url: str | None = None
    """Second copy on independent media (Circular 05/2025): ``file:///path`` or ``s3://BUCKET``; set from
    ``SOHOA_STORE__MIRROR_URL``. Its S3 server comes from ``SOHOA_MIRROR_S3_*`` (else ``SOHOA_S3_*``)."""

    mirror_required: bool = False
    """True: a document is not archived until its mirror copy is written. False: a mirror outage is
    logged and the nightly fixity audit copies what is missing."""
