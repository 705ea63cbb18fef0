"""The one batch driver: plan → record items → executor → ``handle_item``.

``record_batch`` plans an input folder (``pipeline.plan``) and records the batch and every planned item, with
its plan, in the catalog. An executor then has each item handled by ``pipeline.run.handle_item``:

* ``InProcess`` — here and now, in order, reading the pages of the next documents ahead in the page pool;
  it holds the lease ``batch:<id>`` while it runs, so a batch whose process died shows as interrupted;
* ``Queued`` (``pipeline.actors``) — one message per item to the workers, which call the same ``handle_item``.

Retrying a batch's failed items is the same: without a broker they are given to ``InProcess`` again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from catalog import batches, leases
from catalog.db import Catalog, new_batch_id
from catalog.errors import NotFound
from catalog.status import FINAL_DOCUMENT_STATUSES, OPEN_ITEM_STATUSES, Status
from catalog.types import DocumentTypes
from ocr.config import OcrConfig
from pipeline import run
from pipeline.intake_config import SplitConfig
from pipeline.model import Declared, Outcome, PlannedItem
from pipeline.plan import plan_batch
from pipeline.run import acquire, handle_item, held_lease, holder_alive, new_holder

if TYPE_CHECKING:
    from pipeline.deps import Deps

log = logging.getLogger("sohoa.batch")


class Progress:
    """Callbacks a front end implements to show progress; the default shows nothing."""

    def batch_planned(self, items: int, pages: int) -> None: ...
    def item_started(self, item: PlannedItem) -> None: ...
    def page_done(self) -> None: ...
    def item_done(self, outcome: Outcome) -> None: ...


@dataclass(frozen=True, slots=True)
class RecordedItem:
    id: int
    item: PlannedItem


@dataclass
class RecordedBatch:
    batch_id: str
    root: Path
    items: list[RecordedItem]
    unlisted: list[str]
    pages: int


@dataclass
class BatchReport:
    batch_id: str
    outcomes: list[Outcome]
    unlisted: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed_items(self) -> int:
        return self.count(Status.QUARANTINED) + self.count(Status.FAILED)


class Executor(Protocol):
    """Has the recorded items of a batch handled (``pipeline.run.handle_item``)."""

    def run(self, batch: RecordedBatch, progress: Progress) -> list[Outcome]: ...


# --- plan and record ------------------------------------------------------------------------------------
def record_batch(
    root: Path,
    manifest: Path | None,
    catalog: Catalog,
    doc_types: DocumentTypes,
    *,
    operator: str,
    agency: str,
    mode: str | None = None,
    batch_id: str | None = None,
    split: SplitConfig | None = None,
    ocr: OcrConfig | None = None,
    engine_factory: Callable[[], object] | None = None,
    declared: Declared | None = None,
) -> RecordedBatch:
    """Plan the folder and record the batch and its items (each with its plan) in the catalog. With ``split``,
    every file is looked at and cut into its documents (``pipeline.stacks``): separator sheets, receipts, blank
    pages. ``declared``: what the caller knows of every file (the watched folder's sub-folder: agency, dossier)."""
    root = root.resolve()
    items, unlisted = plan_batch(root, manifest, doc_types)
    if declared is not None:
        items = [it if it.problem else replace(it, declared=_merged(it.declared, declared)) for it in items]
    if split is not None and split.enabled:
        from pipeline.stacks import default_engine_factory, split_items

        ocr = ocr or OcrConfig()
        items, _ = split_items(items, split, ocr, doc_types, engine_factory or default_engine_factory(ocr))
    return record_items(root, items, unlisted, catalog, operator=operator, agency=agency, mode=mode, batch_id=batch_id)


def record_items(
    root: Path,
    items: list[PlannedItem],
    unlisted: list[str],
    catalog: Catalog,
    *,
    operator: str,
    agency: str,
    mode: str | None = None,
    batch_id: str | None = None,
) -> RecordedBatch:
    """Record a batch of items already planned (a folder's plan, or a reviewer's corrected split)."""
    batch_id = catalog.begin_batch(operator, agency, str(root), batch_id=batch_id, mode=mode)
    catalog.set_batch_items_total(batch_id, len(items))
    recorded = []
    pages = 0
    for it in items:
        hint = (len(it.pages) if it.pages is not None else pages_hint(it)) if it.files else 1
        pages += hint
        planned = replace(it, pages_hint=hint)
        recorded.append(
            RecordedItem(batches.add_planned_item(catalog, batch_id, it.ordinal, it.input, planned.to_json()), planned)
        )
    if not items:
        batches.maybe_finish_batch(catalog, batch_id)
    return RecordedBatch(batch_id, root, recorded, unlisted, pages)


def _merged(mine: Declared, given: Declared) -> Declared:
    """What a manifest row says, completed by what the caller knows of every file."""
    return replace(
        mine,
        dossier=mine.dossier or given.dossier,
        agency=mine.agency or given.agency,
        procedure=mine.procedure or given.procedure,
        type_code=mine.type_code or given.type_code,
    )


def pages_hint(item: PlannedItem) -> int:
    """Cheap page count for progress and the queue's time limit (headers only; errors count as one page)."""
    from PIL import Image

    total = 0
    for f in item.files:
        try:
            with open(f, "rb") as fh:
                head = fh.read(8)
            if head.startswith(b"%PDF"):
                import pikepdf

                with pikepdf.open(f) as pdf:
                    total += len(pdf.pages)
            else:
                with Image.open(f) as im:
                    total += getattr(im, "n_frames", 1)
        except Exception:
            total += 1
    return max(total, 1)


# --- in this process -------------------------------------------------------------------------------------
class InProcess:
    """Handle the items here, in order. Batch-level parallelism comes from the page pool: the pages of the
    next documents are read ahead while one is signed and stored; claims, codes, signing, storing and
    cataloguing stay in batch order in this process."""

    def __init__(self, deps: Deps, attempts: int | None = None, holder: str | None = None) -> None:
        self.deps = deps
        self.attempts = attempts or run.TRANSIENT_ATTEMPTS
        self.holder = holder or new_holder()[0]
        """Holder of the batch's lease (``run_batch`` takes it before the batch is recorded)."""

    def run(self, batch: RecordedBatch, progress: Progress) -> list[Outcome]:
        deps = self.deps
        lease_s = deps.config.queue.lease_s
        holder = self.holder
        outcomes: list[Outcome] = []
        looked_at: set[int] = set()
        with held_lease(deps.catalog, batches.batch_lease(batch.batch_id), holder, lease_s):
            try:
                for n, rec in enumerate(batch.items):
                    self._read_ahead(batch, n, looked_at)
                    progress.item_started(rec.item)
                    handled = handle_item(
                        deps,
                        batch.batch_id,
                        rec.id,
                        final_attempt=True,
                        lease_s=lease_s,
                        attempts=self.attempts,
                        wait_if_busy=False,
                        on_page=progress.page_done,
                    )
                    if handled.outcome is not None:
                        outcomes.append(handled.outcome)
                        progress.item_done(handled.outcome)
            except BaseException:
                deps.catalog.finish_batch(batch.batch_id, "interrupted")
                raise
        return outcomes

    def _read_ahead(self, batch: RecordedBatch, n: int, looked_at: set[int]) -> None:
        """Start the pages of this and the next documents in the page pool (reading changes nothing)."""
        from ocr.sources import inspect_source
        from pipeline import stages

        pool = self.deps.pages
        if pool is None or pool.workers <= 1:
            return
        for rec in batch.items[n : n + pool.workers]:
            item = rec.item
            if item.problem is not None or item.ordinal in looked_at:
                continue
            looked_at.add(item.ordinal)
            try:
                sources = stages.select_pages(stages.hash_sources(item.files, batch.root), item.pages)
                key = stages.item_key([s.sha256 for s in sources], item.pages)
                existing = self.deps.catalog.get(key)
                if existing is not None and existing.status in FINAL_DOCUMENT_STATUSES:
                    continue
                checked = [
                    (s.path, replace(inspect_source(Path(s.path), self.deps.config.ocr), selected=s.selected))
                    for s in sources
                ]
            except Exception:  # the item's own run reports what is wrong with it
                continue
            if any(info.signed for _, info in checked):  # an electronic original reads its own pages
                continue
            pool.prefetch(checked, key)


def run_batch(
    root: Path,
    manifest: Path | None,
    deps: Deps,
    *,
    operator: str,
    agency: str,
    progress: Progress | None = None,
    split: SplitConfig | None = None,
    declared: Declared | None = None,
    planned: list[PlannedItem] | None = None,
    batch_id: str | None = None,
) -> BatchReport:
    """Plan, record and process a batch in this process. ``planned``: items already planned in ``root`` (a
    reviewer's corrected split), recorded as they are. ``batch_id``: the id to give it (a caller that must name
    the batch before it is planned: the workspace), else a new one."""
    progress = progress or Progress()
    batch_id = batch_id or new_batch_id()
    # The batch's lease is taken before the batch exists, so it never shows as interrupted while it starts.
    holder, _ = new_holder()
    acquire(deps.catalog, batches.batch_lease(batch_id), holder, deps.config.queue.lease_s)
    try:
        if planned is not None:
            batch = record_items(root, planned, [], deps.catalog, operator=operator, agency=agency, batch_id=batch_id)
        else:
            batch = record_batch(
                root, manifest, deps.catalog, deps.doc_types, operator=operator, agency=agency, batch_id=batch_id,
                split=split if split is not None else deps.config.intake.split, ocr=deps.config.ocr,
                engine_factory=lambda: deps.engine, declared=declared,
            )  # fmt: skip
    except BaseException:  # an unusable folder or manifest: no batch, and no lease left behind
        leases.release_lease(deps.catalog, batches.batch_lease(batch_id), holder)
        raise
    progress.batch_planned(len(batch.items), batch.pages)
    outcomes = InProcess(deps, holder=holder).run(batch, progress)
    deps.catalog.finish_batch(batch.batch_id, "done")
    return BatchReport(batch.batch_id, outcomes, batch.unlisted)


# --- queued ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Enqueued:
    batch_id: str
    items: int
    pages: int
    unlisted: list[str]


class Sender(Protocol):
    def enqueue_item(self, batch_id: str, item_id: int, pages: int = 1) -> None: ...


def enqueue_batch(
    root: Path,
    manifest: Path | None,
    catalog: Catalog,
    doc_types: DocumentTypes,
    queue: Sender,
    *,
    operator: str,
    agency: str,
    split: SplitConfig | None = None,
    ocr: OcrConfig | None = None,
    declared: Declared | None = None,
    planned: list[PlannedItem] | None = None,
    batch_id: str | None = None,
) -> Enqueued:
    """Record the batch and its planned items in the catalog, then send one message per item."""
    if planned is not None:
        batch = record_items(
            root, planned, [], catalog, operator=operator, agency=agency, mode=batches.QUEUED, batch_id=batch_id
        )
    else:
        batch = record_batch(
            root, manifest, catalog, doc_types, operator=operator, agency=agency, mode=batches.QUEUED, split=split,
            ocr=ocr, declared=declared, batch_id=batch_id,
        )  # fmt: skip
    for rec in batch.items:
        queue.enqueue_item(batch.batch_id, rec.id, rec.item.pages_hint)
    return Enqueued(batch.batch_id, len(batch.items), batch.pages, batch.unlisted)


# --- status and retries ---------------------------------------------------------------------------------
def require_status(catalog: Catalog, batch_id: str) -> batches.BatchStatus:
    """The batch's status; an in-process batch whose process died on this machine shows as interrupted at once
    (elsewhere, when its lease expires)."""
    st = batches.batch_status(catalog, batch_id)
    if st is None:
        raise NotFound(f"no batch {batch_id}", f"không có lô {batch_id}")
    if st.state == "running" and st.mode != batches.QUEUED:
        info = leases.lease_info(catalog, batches.batch_lease(batch_id))
        if info is not None and holder_alive(info.holder) is False:
            st.state = "interrupted"
    return st


def wait_for(
    catalog: Catalog,
    batch_id: str,
    on_status: Callable[[batches.BatchStatus], None] = lambda s: None,
    poll_s: float = 0.5,
    timeout_s: float | None = None,
) -> batches.BatchStatus:
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


def retry_batch(
    deps_or_catalog: Deps | Catalog,
    batch_id: str,
    queue: Sender | None = None,
    *,
    include_open: bool = False,
    item_ids: Sequence[int] | None = None,
    actor: str = "system",
) -> list[int]:
    """Send the failed items of a batch again (and, with ``include_open``, those still pending: their message
    may have been lost). Their dead letters are removed first. Without a broker (``queue`` None) they are
    processed here and now by the in-process executor. Returns the item ids retried.

    With ``item_ids``, only those items, and quarantined ones among them too: a clerk fixed their input (the
    workspace's "retry after a fix"); the run reads the input folder again."""
    catalog = deps_or_catalog if isinstance(deps_or_catalog, Catalog) else deps_or_catalog.catalog
    require_status(catalog, batch_id)
    statuses: Sequence[str] = (Status.FAILED, *OPEN_ITEM_STATUSES) if include_open else (Status.FAILED,)
    if item_ids is not None:
        statuses = (*statuses, Status.QUARANTINED)
    items = batches.failed_items(
        catalog, batch_id, tuple(statuses), ids=tuple(item_ids) if item_ids is not None else None
    )
    if not items:
        return []
    if queue is not None:
        from pipeline.deadletters import dead_letters

        dead_letters(queue, batch_id, remove=True)  # type: ignore[arg-type]
    for it in items:
        batches.finish_item(catalog, it.id, status=Status.PENDING)
    batches.reopen_batch(catalog, batch_id)
    catalog.record_event(
        "batch_retry", actor, batch_id=batch_id, detail={"items": len(items), "item_ids": [it.id for it in items]}
    )
    if queue is not None:
        for it in items:
            queue.enqueue_item(batch_id, it.id, int((it.plan or {}).get("pages_hint") or 1))
        return [it.id for it in items]
    if isinstance(deps_or_catalog, Catalog):
        raise TypeError("retrying without a broker needs the pipeline's dependencies")
    batch = catalog.get_batch(batch_id)
    recorded = RecordedBatch(
        batch_id, Path(batch.input_dir), [RecordedItem(it.id, run.planned_item(it)) for it in items], [], 0
    )
    InProcess(deps_or_catalog).run(recorded, Progress())
    batches.maybe_finish_batch(catalog, batch_id)
    return [it.id for it in items]
