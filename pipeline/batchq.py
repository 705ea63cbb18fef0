"""Batches through the queue: plan and record a batch in the catalog, send one message per document, report
and retry. Shared by ``sohoa batch run --queue``, ``sohoa batch status|failed|retry`` and ``nightly retry``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from catalog import queue as cq
from catalog.db import Catalog
from catalog.errors import NotFound
from pipeline.deps import Deps
from pipeline.plan import plan_batch
from pipeline.run import _pages_hint


@dataclass(frozen=True, slots=True)
class Enqueued:
    batch_id: str
    items: int
    pages: int
    unlisted: list[str]


def enqueue_batch(
    root: Path, manifest: Path | None, catalog: Catalog, catalogue, queue, *, operator: str, agency: str
) -> Enqueued:
    """Record the batch and its planned items in the catalog, then send one message per item."""
    from dataclasses import replace

    from pipeline.actors import plan_json

    root = root.resolve()
    items, unlisted = plan_batch(root, manifest, catalogue)
    batch_id = catalog.begin_batch(operator, agency, str(root))
    cq.set_batch_mode(catalog, batch_id, "queue")
    catalog.set_batch_items_total(batch_id, len(items))
    ids = []
    pages = 0
    for it in items:
        hint = _pages_hint(it) if it.files else 1
        pages += hint
        ids.append(
            (
                cq.add_planned_item(catalog, batch_id, it.ordinal, it.input, plan_json(replace(it, pages_hint=hint))),
                hint,
            )
        )
    for item_id, hint in ids:
        queue.enqueue_item(batch_id, item_id, hint)
    if not items:
        cq.maybe_finish_batch(catalog, batch_id)
    return Enqueued(batch_id, len(items), pages, unlisted)


def require_status(catalog: Catalog, batch_id: str) -> cq.BatchStatus:
    st = cq.batch_status(catalog, batch_id)
    if st is None:
        raise NotFound(f"no batch {batch_id}", f"không có lô {batch_id}")
    return st


def wait_for(
    catalog: Catalog,
    batch_id: str,
    on_status: Callable[[cq.BatchStatus], None] = lambda s: None,
    poll_s: float = 0.5,
    timeout_s: float | None = None,
) -> cq.BatchStatus:
    """Poll the catalog until the batch is done (works from any machine that sees the catalog)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        st = require_status(catalog, batch_id)
        on_status(st)
        if st.state != "running":
            return st
        if deadline is not None and time.monotonic() > deadline:
            return st
        time.sleep(poll_s)


def retry_batch(deps_or_catalog, batch_id: str, queue=None, *, include_open: bool = False) -> list[int]:
    """Send the failed items of a batch again (and, with ``include_open``, those still pending: their message
    may have been lost). Their dead letters are removed first. Without a broker (``queue`` None) they are
    processed here and now. Returns the item ids retried."""
    catalog = deps_or_catalog.catalog if isinstance(deps_or_catalog, Deps) else deps_or_catalog
    require_status(catalog, batch_id)
    statuses = ("failed", *cq.OPEN_ITEM_STATUSES) if include_open else ("failed",)
    items = cq.failed_items(catalog, batch_id, statuses)
    if not items:
        return []
    if queue is not None:
        from pipeline.deadletters import dead_letters

        dead_letters(queue, batch_id, remove=True)
    for it in items:
        cq.finish_item(catalog, it.id, status=cq.PENDING)
    cq.reopen_batch(catalog, batch_id)
    catalog.record_event("batch_retry", "system", batch_id=batch_id, detail={"items": len(items)})
    if queue is not None:
        for it in items:
            queue.enqueue_item(batch_id, it.id, int((it.plan or {}).get("pages_hint") or 1))
        return [it.id for it in items]
    from pipeline.actors import handle_item

    assert isinstance(deps_or_catalog, Deps), "retrying without a broker needs the pipeline's dependencies"
    for it in items:
        handle_item(deps_or_catalog, batch_id, it.id, final_attempt=True, lease_s=deps_or_catalog.config.queue.lease_s)
    cq.maybe_finish_batch(catalog, batch_id)
    return [it.id for it in items]
