"""Leases: rows with an expiry that say who is working on something (a document, a batch, the nightly run).

Portable across SQLite and PostgreSQL. A holder renews its lease while it works; a holder that dies (SIGKILL,
power loss) loses it when it expires, and the next one takes over. They guard a document against two runs or
workers at once (``doc:<sha256>``), tell a live in-process batch from a dead one (``batch:<id>``), and keep a
second nightly run from starting (``nightly``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, String, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base, Catalog, utcnow


class Lease(Base):
    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


def acquire_lease(catalog: Catalog, name: str, holder: str, seconds: float) -> bool:
    """Take (or renew) the lease ``name`` for ``holder``; False while someone else holds it unexpired."""
    now = utcnow()
    until = now + timedelta(seconds=seconds)
    with catalog.session() as s:
        taken = s.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
            .values(holder=holder, expires_at=until, acquired_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    if taken:
        return True
    try:
        with catalog.session() as s:
            s.add(Lease(name=name, holder=holder, acquired_at=now, expires_at=until))
        return True
    except IntegrityError:
        return False


def renew_lease(catalog: Catalog, name: str, holder: str, seconds: float) -> bool:
    """Extend a lease still held by ``holder``; False if it was lost (expired and taken by another)."""
    with catalog.session() as s:
        return bool(
            s.execute(
                update(Lease)
                .where(Lease.name == name, Lease.holder == holder)
                .values(expires_at=utcnow() + timedelta(seconds=seconds))
                .execution_options(synchronize_session=False)
            ).rowcount
        )


def release_lease(catalog: Catalog, name: str, holder: str) -> None:
    with catalog.session() as s:
        s.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def lease_info(catalog: Catalog, name: str) -> LeaseInfo | None:
    with catalog.session() as s:
        row = s.get(Lease, name)
        if row is None:
            return None
        return LeaseInfo(row.name, row.holder, aware(row.acquired_at), aware(row.expires_at))


def lease_alive(catalog: Catalog, name: str) -> bool:
    """Someone holds ``name`` and its lease has not expired."""
    info = lease_info(catalog, name)
    return info is not None and info.expires_at > utcnow()


def aware(t: datetime) -> datetime:
    """SQLite gives naive datetimes back; everything here is UTC."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def take_over_lease(catalog: Catalog, name: str, old_holder: str, holder: str, seconds: float) -> bool:
    """Take ``name`` from ``old_holder`` (known to be dead) for ``holder``; False if it changed hands meanwhile."""
    now = utcnow()
    with catalog.session() as s:
        return bool(
            s.execute(
                update(Lease)
                .where(Lease.name == name, Lease.holder == old_holder)
                .values(holder=holder, expires_at=now + timedelta(seconds=seconds), acquired_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
        )
