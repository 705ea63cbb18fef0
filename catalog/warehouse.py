"""The warehouse's tables in the catalog database (Alembic revision 0003), and the operations on them:

``warehouse_objects``  every object written for a document: key, SHA-256, size, S3 version, retention,
                       legal hold, and the outcome of its last fixity check (primary and mirror copy);
``fixity_runs``        one row per fixity audit, with its report.

The catalog's ``documents.objects`` (key → SHA-256) stays the document's view; this ledger is the
store's, so the audit can sample by "longest unchecked" and keep per-copy state.

``catalog`` does not import ``archive``: an object is recorded from anything that has the attributes of
``ObjectRecord`` (``archive.store.StoredObject`` has them).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base, Catalog, Document, utcnow


class ObjectRecord(Protocol):
    """What the ledger notes of a stored object (``archive.store.StoredObject`` has these attributes)."""

    key: str
    sha256: str
    size: int
    content_type: str
    version_id: str | None
    retain_until: datetime | None
    legal_hold: bool
    stored_at: datetime | None


class WarehouseObject(Base):
    __tablename__ = "warehouse_objects"
    key: Mapped[str] = mapped_column(String(900), primary_key=True)
    doc_key: Mapped[str | None] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(100))
    version_id: Mapped[str | None] = mapped_column(String(200))
    retain_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(20), default="stored")  # stored | ok | repaired | damaged | …
    mirror_status: Mapped[str | None] = mapped_column(String(20))


class FixityRun(Base):
    __tablename__ = "fixity_runs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    sample: Mapped[int | None] = mapped_column(Integer)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[int] = mapped_column(Integer, default=0)
    repaired: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)


def record_object(catalog: Catalog, doc_key: str | None, obj: ObjectRecord) -> None:
    """Note an object the store now holds (idempotent: a resumed document records it again harmlessly)."""
    record_objects(catalog, doc_key, [obj])


def record_objects(catalog: Catalog, doc_key: str | None, objs: Sequence[ObjectRecord]) -> None:
    """Note the objects of one document in one statement (an upsert: recording again is harmless)."""
    if not objs:
        return
    rows = [
        dict(
            key=o.key,
            doc_key=doc_key,
            sha256=o.sha256,
            size=o.size,
            content_type=o.content_type,
            version_id=o.version_id,
            retain_until=o.retain_until,
            legal_hold=o.legal_hold,
            stored_at=o.stored_at or utcnow(),
            status="stored",
        )
        for o in objs
    ]
    catalog.execute(_upsert(catalog.dialect), rows)


@functools.cache
def _upsert(dialect_name: str) -> Any:
    """The ledger's upsert for one SQL dialect, built once: building it costs more CPU than running it, and
    every archived document records its objects."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(WarehouseObject.__table__)
    updated = ("doc_key", "sha256", "size", "content_type", "version_id", "retain_until", "legal_hold")
    return stmt.on_conflict_do_update(index_elements=["key"], set_={c: stmt.excluded[c] for c in updated})


def backfill(catalog: Catalog) -> int:
    """Add ledger rows for objects of documents archived before the ledger existed (from documents.objects)."""
    added = 0
    with catalog.session() as s:
        known = set(s.scalars(select(WarehouseObject.key)))
        for doc_key, objects in s.execute(select(Document.key, Document.objects)):
            for key, sha in (objects or {}).items():
                if key not in known:
                    s.add(WarehouseObject(key=key, doc_key=doc_key, sha256=sha, size=-1))
                    known.add(key)
                    added += 1
    return added


def objects_to_check(catalog: Catalog, sample: int | None) -> list[WarehouseObject]:
    """Every object, or the ``sample`` checked longest ago (never-checked first): over the nights a
    sample audit still covers the whole warehouse."""
    q = select(WarehouseObject).order_by(
        WarehouseObject.checked_at.is_not(None), WarehouseObject.checked_at, WarehouseObject.key
    )
    if sample is not None:
        q = q.limit(sample)
    with catalog.session() as s:
        return list(s.scalars(q))


def objects_of(catalog: Catalog, doc_key: str) -> list[WarehouseObject]:
    with catalog.session() as s:
        return list(s.scalars(select(WarehouseObject).where(WarehouseObject.doc_key == doc_key)))


def mark_checked(catalog: Catalog, key: str, status: str, mirror_status: str | None, at: datetime) -> None:
    """The outcome of a fixity check of one object: per copy, and when."""
    with catalog.session() as s:
        r = s.get(WarehouseObject, key)
        if r is not None:
            r.checked_at = at
            r.status = status
            r.mirror_status = mirror_status


def save_fixity_run(catalog: Catalog, run: FixityRun) -> None:
    with catalog.session() as s:
        s.add(run)
