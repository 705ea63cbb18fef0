"""Frozen configuration of the archive layer."""

from pydantic import BaseModel, ConfigDict


class StoreConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    url: str | None = None
    """``file:///path`` (embedded local store); set from ``SOHOA_STORE_URL``
    (default: ``<SOHOA_HOME>/warehouse``)."""

    fsync: bool = True
    """Flush every object to disk before it is made visible (local store)."""
