"""Batches and their items in the catalog: the plan of every item, its progress, and the batch's state.

Everything a run, a worker on any machine or an operator on any other machine needs to know about a batch
lives here, in the catalog database, never in the broker: a queue message only carries
``(batch_id, item_id)``. In-process and queued batches are recorded the same way; an in-process batch also
holds the lease ``batch:<id>`` while its process runs, so a batch whose process died shows as interrupted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Index, String, exists, func, literal, or_, select, update

from catalog.db import Batch, BatchItem, Catalog, Event, utcnow
from catalog.leases import Lease, aware, lease_alive
from catalog.status import FINAL_ITEM_STATUSES, ITEM_STATUSES, OPEN_ITEM_STATUSES, Status

Index("ix_batch_items_status", BatchItem.batch_id, BatchItem.status)
Index("ix_batches_created", Batch.created_at)  # the batch list: the newest batches (migration 0010)
Index("ix_batches_agency_created", Batch.agency, Batch.created_at)  # … of one office

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
    return _status(b, [(st, 1, p or 0, w) for st, p, w in items], lambda: lease_alive(catalog, batch_lease(b.id)))


def _status(b: Any, groups: list[tuple[str, int, int, str | None]], lease_live: Callable[[], bool]) -> BatchStatus:
    """A batch's status from its items, counted by (status, count, pages, worker); ``lease_live`` is asked only
    for an in-process batch not done."""
    counts: Counter[str] = Counter()
    for st, n, _, _ in groups:
        counts[st] += n
    totals = {str(k): counts.get(k, 0) for k in ITEM_STATUSES}
    for k, n in counts.items():
        totals.setdefault(k, n)
    open_n = sum(totals[k] for k in OPEN_ITEM_STATUSES)
    # Items are added before any is processed, so the batch is done when none is open (or it was marked so).
    done = b.state == "done" or (open_n == 0 and sum(counts.values()) >= (b.items_total or 0))
    if b.mode != QUEUED and not done and (b.state == "interrupted" or not lease_live()):
        state = "interrupted"  # cut short, or its process died: the next run of the folder takes it up
    else:
        state = "done" if done else "running"
    pages = sum(p or 0 for st, _, p, _ in groups if st in (Status.ARCHIVED, Status.NEEDS_REVIEW))
    workers = sorted({w for _, _, _, w in groups if w})
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


@dataclass
class ListedBatch:
    """A batch of a list: who started it, where, and its status."""

    operator: str
    agency: str
    input_dir: str
    status: BatchStatus

    def as_json(self) -> dict[str, Any]:
        return {**self.status.as_json(), "operator": self.operator, "agency": self.agency, "input_dir": self.input_dir}


def batch_statuses(
    catalog: Catalog,
    *,
    where: ColumnElement[bool] | None = None,
    ids: list[str] | None = None,
    created_after: datetime | None = None,
    limit: int = 30,
) -> list[ListedBatch]:
    """The newest ``limit`` batches (``where``: e.g. the offices an account sees; ``ids`` and/or
    ``created_after``: only those batches, or those newer than this) with their status — in one query, whatever
    the number of batches: the page of batches is picked by the batches' own index, and their items are counted
    by ``ix_batch_items_status`` grouped by status and worker, the lease of each joined beside."""
    page = select(Batch.id).order_by(Batch.created_at.desc(), Batch.id.desc()).limit(limit)
    if where is not None:
        page = page.where(where)
    wanted = []
    if ids is not None:
        wanted.append(Batch.id.in_(ids[:limit]))
    if created_after is not None:
        wanted.append(Batch.created_at > created_after)
    if wanted:
        page = page.where(or_(*wanted))
    chosen = page.subquery()
    cols = (Batch.id, Batch.state, Batch.mode, Batch.items_total, Batch.created_at, Batch.finished_at)
    more = (Batch.operator, Batch.agency, Batch.input_dir, Lease.expires_at, BatchItem.status, BatchItem.worker)
    stmt = (
        select(*cols, *more, func.count(BatchItem.id), func.coalesce(func.sum(BatchItem.pages), 0))
        .join(chosen, chosen.c.id == Batch.id)
        .outerjoin(BatchItem, BatchItem.batch_id == Batch.id)
        .outerjoin(Lease, Lease.name == literal("batch:", String).concat(Batch.id))
        .group_by(*cols, *more)
    )
    with catalog.session() as s:
        rows = list(s.execute(stmt))
    now = utcnow()
    by_id: dict[str, tuple[Any, list[tuple[str, int, int, str | None]]]] = {}
    for r in rows:
        entry = by_id.setdefault(r[0], (r, []))
        if r.status is not None:
            entry[1].append((r.status, r[12], r[13], r.worker))
    out = []
    for r, groups in by_id.values():
        live = r.expires_at is not None and aware(r.expires_at) > now
        out.append(ListedBatch(r.operator, r.agency, r.input_dir, _status(r, groups, lambda live=live: live)))
    out.sort(key=lambda x: (x.status.created_at or now, x.status.batch_id), reverse=True)
    return out


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
