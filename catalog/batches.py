"""Batches and their items in the catalog: the plan of every item, its progress, and the batch's state.

Everything a run, a worker on any machine or an operator on any other machine needs to know about a batch
lives here, in the catalog database, never in the broker: a queue message only carries
``(batch_id, item_id)``. In-process and queued batches are recorded the same way; an in-process batch also
holds the lease ``batch:<id>`` while its process runs, so a batch whose process died shows as interrupted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Index, exists, select, update

from catalog.db import Batch, BatchItem, Catalog, Event, utcnow
from catalog.leases import aware, lease_alive
from catalog.status import FINAL_ITEM_STATUSES, ITEM_STATUSES, OPEN_ITEM_STATUSES, Status

Index("ix_batch_items_status", BatchItem.batch_id, BatchItem.status)

QUEUED = "queue"
"""``batches.mode`` of a batch run by workers (``None``: in one process)."""


def batch_lease(batch_id: str) -> str:
    """The lease an in-process batch holds while its process runs."""
    return f"batch:{batch_id}"


def add_planned_item(catalog: Catalog, batch_id: str, ordinal: int, input_name: str, plan: dict[str, Any]) -> int:
    with catalog.session() as s:
        item = BatchItem(
            batch_id=batch_id, ordinal=ordinal, input=input_name, status=Status.PENDING, plan=plan, attempts=0
        )
        s.add(item)
        s.flush()
        return item.id


def set_batch_mode(catalog: Catalog, batch_id: str, mode: str | None) -> None:
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
        item.status = Status.PROCESSING
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
    state: str  # "running" | "done" | "interrupted" (an in-process batch cut short, or whose process died)
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


def batch_status(catalog: Catalog, batch_id: str) -> BatchStatus | None:
    with catalog.session() as s:
        b = s.get(Batch, batch_id)
        if b is None:
            return None
        items = list(
            s.execute(select(BatchItem.status, BatchItem.pages, BatchItem.worker).where(BatchItem.batch_id == batch_id))
        )
    counts = Counter(st for st, _, _ in items)
    totals = {str(k): counts.get(k, 0) for k in ITEM_STATUSES}
    for k, n in counts.items():
        totals.setdefault(k, n)
    open_n = sum(totals[k] for k in OPEN_ITEM_STATUSES)
    # Items are added before any is processed, so the batch is done when none is open (or it was marked so).
    done = b.state == "done" or (open_n == 0 and len(items) >= (b.items_total or 0))
    if b.mode != QUEUED and not done and (b.state == "interrupted" or not lease_alive(catalog, batch_lease(b.id))):
        state = "interrupted"  # cut short, or its process died: the next run of the folder takes it up
    else:
        state = "done" if done else "running"
    pages = sum(p or 0 for st, p, _ in items if st in (Status.ARCHIVED, Status.NEEDS_REVIEW))
    workers = sorted({w for _, _, w in items if w})
    return BatchStatus(
        b.id,
        state,
        b.mode or "local",
        b.items_total or 0,
        totals,
        pages,
        aware(b.created_at),
        aware(b.finished_at) if b.finished_at else None,
        workers,
    )


def failed_items(
    catalog: Catalog, batch_id: str, statuses: tuple[str, ...] = (Status.FAILED,), ids: tuple[int, ...] | None = None
) -> list[BatchItem]:
    q = select(BatchItem).where(BatchItem.batch_id == batch_id, BatchItem.status.in_(statuses))
    if ids is not None:
        q = q.where(BatchItem.id.in_(ids))
    with catalog.session() as s:
        return list(s.scalars(q.order_by(BatchItem.ordinal)))


def batches_with_failures(catalog: Catalog) -> list[str]:
    """Batches that have items whose last attempt failed for a transient reason."""
    with catalog.session() as s:
        return list(s.scalars(select(BatchItem.batch_id).where(BatchItem.status == Status.FAILED).distinct()))
