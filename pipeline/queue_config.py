"""Frozen configuration of the distributed queue (dramatiq workers) and of the nightly lock/scheduler."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QueueConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    namespace: str = "sohoa"
    """Prefix of every Redis key and RabbitMQ queue name, so several installations (or test runs) can
    share one broker (``SOHOA_QUEUE__NAMESPACE``)."""

    max_retries: int = Field(default=6, ge=0)
    """Deliveries of a document after a transient failure before its message goes to the dead-letter queue."""

    min_backoff_ms: int = Field(default=15_000, ge=1)
    """First retry delay; doubled on each retry (with jitter) up to ``max_backoff_ms``."""

    max_backoff_ms: int = Field(default=3_600_000, ge=1)
    """Longest delay between two retries of one document."""

    page_time_limit_s: float = Field(default=300, gt=0)
    """Time a worker may spend per page of a document (the message's limit is pages × this + ``time_limit_base_s``);
    a document over its limit is interrupted and retried like a transient failure."""

    time_limit_base_s: float = Field(default=60, ge=0)
    """Time allowed per document on top of the per-page limit (hashing, signing, storing)."""

    lease_s: float = Field(default=120, gt=0)
    """A worker holds a document under a lease in the catalog, renewed every third of this; a worker that
    dies (SIGKILL, power loss) loses it after this long and another worker takes the document up."""

    heartbeat_timeout_ms: int = Field(default=60_000, ge=1000)
    """Redis: after this long without a heartbeat a worker is considered dead and its messages go back to
    the queue (RabbitMQ does this as soon as the connection drops)."""

    maintenance_chance: int = Field(default=1000, ge=0, le=1_000_000)
    """Redis: how many broker commands out of a million look for dead workers' messages."""

    dead_message_ttl_ms: int = Field(default=86_400_000 * 30, ge=60_000)
    """Redis: how long dead-lettered messages are kept (RabbitMQ keeps them until handled)."""

    metrics_port: int = Field(default=0, ge=0, le=65535)
    """Port of the workers' Prometheus ``/metrics`` (0 = off); ``sohoa worker --metrics-port``."""

    nightly_lock_s: float = Field(default=600, gt=0)
    """Lease of the nightly lock, renewed while the run goes on; a crashed run frees it after this long."""

    schedule: str | None = None
    """Cron expression (5 fields, e.g. ``"30 1 * * *"``) at which workers started with ``--scheduler``
    run ``sohoa nightly`` (the nightly lock makes sure only one of them runs it)."""

    timezone: str = "Asia/Ho_Chi_Minh"
    """Time zone of ``schedule``; the application sets it from its one ``timezone`` setting."""
