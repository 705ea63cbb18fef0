"""Catalog side of distributed processing: leases, the plan and progress of queued batch items, batch status.

Everything a worker on any machine or an operator on any other machine needs to know about a batch lives
here, in the catalog database, never in the broker: the broker only carries ``(batch_id, item_id)``.

Leases are rows with an expiry (portable across SQLite and PostgreSQL): a holder renews its lease while it
works; a holder that dies (SIGKILL, power loss) loses it when it expires. They guard one document against two
workers (a message delivered twice) and the nightly run against a second one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Index, String, and_, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base, Batch, BatchItem, Catalog, Document, Event, utcnow

# Item statuses besides the document statuses (archived, needs_review, quarantined, duplicate, failed).
PENDING = "pending"
RUNNING = "processing"
RETRYING = "retrying"  # a transient failure; the queue delivers the message again after a back-off
OPEN_ITEM_STATUSES = (PENDING, RUNNING, RETRYING)
FINAL_ITEM_STATUSES = ("archived", "needs_review", "quarantined", "duplicate")

Index("ix_batch_items_status", BatchItem.batch_id, BatchItem.status)


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


def _aware(t: datetime) -> datetime:
    """SQLite gives naive datetimes back; everything here is UTC."""
    from datetime import UTC

    return t if t.tzinfo else t.replace(tzinfo=UTC)


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
        return LeaseInfo(row.name, row.holder, _aware(row.acquired_at), _aware(row.expires_at))


# --- queued batches --------------------------------------------------------------------------------
def add_planned_item(catalog: Catalog, batch_id: str, ordinal: int, input_name: str, plan: dict[str, Any]) -> int:
    with catalog.session() as s:
        item = BatchItem(batch_id=batch_id, ordinal=ordinal, input=input_name, status=PENDING, plan=plan, attempts=0)
        s.add(item)
        s.flush()
        return item.id


def set_batch_mode(catalog: Catalog, batch_id: str, mode: str) -> None:
    with catalog.session() as s:
        s.execute(update(Batch).where(Batch.id == batch_id).values(mode=mode))


def get_item(catalog: Catalog, item_id: int) -> BatchItem | None:
    with catalog.session() as s:
        return s.get(BatchItem, item_id)


def start_item(catalog: Catalog, item_id: int, worker: str) -> BatchItem | None:
    """Mark an open item as being processed by ``worker``; None when it is already finished (a duplicate
    delivery) or unknown."""
    with catalog.session() as s:
        item = s.get(BatchItem, item_id)
        if item is None or item.status in FINAL_ITEM_STATUSES:
            return None
        item.status = RUNNING
        item.worker = worker
        item.attempts = (item.attempts or 0) + 1
        return item


def finish_item(catalog: Catalog, item_id: int, **values: Any) -> None:
    with catalog.session() as s:
        s.execute(update(BatchItem).where(BatchItem.id == item_id).values(**values))


def maybe_finish_batch(catalog: Catalog, batch_id: str) -> bool:
    """Mark the batch done when no item is open any more (exactly one caller wins); True if this call did."""
    with catalog.session() as s:
        open_items = exists().where(BatchItem.batch_id == batch_id, BatchItem.status.in_(OPEN_ITEM_STATUSES))
        done = s.execute(
            update(Batch)
            .where(Batch.id == batch_id, Batch.state != "done", ~open_items)
            .values(state="done", finished_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if done:
            b = s.get(Batch, batch_id)
            s.add(
                Event(
                    actor=b.operator if b else "system",
                    agency=b.agency if b else None,
                    action="batch_done",
                    batch_id=batch_id,
                )
            )
        return bool(done)


def reopen_batch(catalog: Catalog, batch_id: str) -> None:
    with catalog.session() as s:
        s.execute(update(Batch).where(Batch.id == batch_id).values(state="running", finished_at=None))


@dataclass
class BatchStatus:
    batch_id: str
    state: str  # "running" | "done" (an in-process batch cut short reports "interrupted")
    mode: str
    items_total: int
    totals: dict[str, int]
    pages: int
    created_at: datetime | None = None
    finished_at: datetime | None = None
    workers: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "state": self.state,
            "mode": self.mode,
            "items": self.items_total,
            "done": sum(n for s, n in self.totals.items() if s not in OPEN_ITEM_STATUSES),
            "totals": self.totals,
            "pages": self.pages,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "workers": self.workers,
        }


STATUS_KEYS = ("pending", "processing", "retrying", "archived", "needs_review", "quarantined", "duplicate", "failed")


def batch_status(catalog: Catalog, batch_id: str) -> BatchStatus | None:
    with catalog.session() as s:
        b = s.get(Batch, batch_id)
        if b is None:
            return None
        items = list(
            s.execute(select(BatchItem.status, BatchItem.pages, BatchItem.worker).where(BatchItem.batch_id == batch_id))
        )
    counts = Counter(st for st, _, _ in items)
    totals = {k: counts.get(k, 0) for k in STATUS_KEYS}
    for k, n in counts.items():
        totals.setdefault(k, n)
    open_n = sum(totals[k] for k in OPEN_ITEM_STATUSES)
    # Items are added before any is processed, so the batch is done when none is open (or it was marked so).
    if b.state == "interrupted" and b.mode != "queue":
        state = "interrupted"
    else:
        state = "done" if (b.state == "done" or (open_n == 0 and len(items) >= (b.items_total or 0))) else "running"
    pages = sum(p or 0 for st, p, _ in items if st in ("archived", "needs_review"))
    workers = sorted({w for _, _, w in items if w})
    return BatchStatus(
        b.id,
        state,
        b.mode or "local",
        b.items_total or 0,
        totals,
        pages,
        _aware(b.created_at),
        _aware(b.finished_at) if b.finished_at else None,
        workers,
    )


def failed_items(catalog: Catalog, batch_id: str, statuses: tuple[str, ...] = ("failed",)) -> list[BatchItem]:
    with catalog.session() as s:
        return list(
            s.scalars(
                select(BatchItem)
                .where(BatchItem.batch_id == batch_id, BatchItem.status.in_(statuses))
                .order_by(BatchItem.ordinal)
            )
        )


def batches_with_failures(catalog: Catalog) -> list[str]:
    """Batches that have items whose last attempt failed for a transient reason."""
    with catalog.session() as s:
        return list(s.scalars(select(BatchItem.batch_id).where(BatchItem.status == "failed").distinct()))


def documents_to_expire(catalog: Catalog, today: str) -> list[Document]:
    with catalog.session() as s:
        return list(
            s.scalars(
                select(Document).where(
                    and_(
                        Document.valid_until.is_not(None),
                        Document.valid_until < today,
                        Document.expired_at.is_(None),
                        Document.status.in_(("archived", "needs_review")),
                    )
                )
            )
        )


def mark_expired(catalog: Catalog, key: str, at: datetime) -> bool:
    with catalog.session() as s:
        return bool(
            s.execute(
                update(Document)
                .where(Document.key == key, Document.expired_at.is_(None))
                .values(expired_at=at)
                .execution_options(synchronize_session=False)
            ).rowcount
        )
