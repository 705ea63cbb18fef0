"""Which owner an opaque warehouse folder stands for (Alembic revision 0011).

The warehouse names an owner's folder by a keyed hash of the ID number (``archive.layout.owner_key``); this table
keeps the pair, so the catalog, an export or a rebuild can go from one to the other. The first key recorded for an
owner stays that owner's key: a run whose secret differs (a machine set up without the shared
``SOHOA_OWNER_KEY_SECRET``) still files the owner's papers in the same folder.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import DateTime, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base, Catalog, utcnow


class OwnerKey(Base):
    __tablename__ = "owner_keys"
    owner_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def key_of(catalog: Catalog, owner_id: str) -> str | None:
    with catalog.session() as s:
        return s.scalar(select(OwnerKey.key).where(OwnerKey.owner_id == owner_id))


def owner_of(catalog: Catalog, key: str) -> str | None:
    with catalog.session() as s:
        return s.scalar(select(OwnerKey.owner_id).where(OwnerKey.key == key))


def ensure_key(catalog: Catalog, owner_id: str, make: Callable[[str], str]) -> str:
    """The owner's key: the one recorded, or ``make(owner_id)`` recorded now (safe when two runs race)."""
    found = key_of(catalog, owner_id)
    if found is not None:
        return found
    record(catalog, owner_id, make(owner_id))
    found = key_of(catalog, owner_id)
    assert found is not None
    return found


def record(catalog: Catalog, owner_id: str, key: str) -> None:
    """Record the pair unless the owner already has a key (the first stays)."""
    dialect = postgresql if catalog.dialect == "postgresql" else sqlite
    stmt = dialect.insert(OwnerKey.__table__).values(owner_id=owner_id, key=key, created_at=utcnow())
    catalog.execute(stmt.on_conflict_do_nothing(index_elements=["owner_id"]), {})
