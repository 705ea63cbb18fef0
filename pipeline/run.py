"""``run_document``: the only control flow of the pipeline, and ``run_batch`` around it.

A document is claimed in the catalog under its SHA-256 before any work, so the same bytes are never
archived twice and a document interrupted at any point (Ctrl-C, kill -9) is simply taken up again by
the next run, under the codes it was given the first time.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from catalog.codes import mask_id
from catalog.db import DUPLICATE, FAILED, FINAL_STATUSES, QUARANTINED
from ocr.sources import inspect_source
from pipeline import stages
from pipeline.deps import Deps
from pipeline.errors import describe
from pipeline.model import DocumentJob, Outcome, PlannedItem
from pipeline.plan import plan_batch

log = logging.getLogger("sohoa.run")
TRANSIENT_ATTEMPTS = 3
BACKOFF_S = 1.0


@dataclass(frozen=True, slots=True)
class BatchContext:
    batch_id: str
    root: Path
    operator: str
    agency: str


class Progress:
    """Callbacks a front end implements to show progress; the default shows nothing."""

    def batch_planned(self, items: int, pages: int) -> None: ...
    def item_started(self, item: PlannedItem) -> None: ...
    def page_done(self) -> None: ...
    def item_done(self, outcome: Outcome) -> None: ...


@dataclass
class BatchReport:
    batch_id: str
    outcomes: list[Outcome]
    unlisted: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed_items(self) -> int:
        return self.count("quarantined") + self.count("failed")


def _quarantine(
    item: PlannedItem,
    ctx: BatchContext,
    deps: Deps,
    reason_code: str,
    en: str,
    vi: str,
    key: str | None = None,
    sources: tuple = (),
) -> Outcome:
    reason = en if vi == en else f"{vi} / {en}"
    folder = deps.config.quarantine_dir / ctx.batch_id / f"{item.ordinal:04d}"
    stages.quarantine_copy(
        sources or item.files,
        folder,
        {
            "batch_id": ctx.batch_id,
            "input": item.input,
            "reason_code": reason_code,
            "reason_vi": vi,
            "reason_en": en,
            "sha256": key,
        },
    )
    if key is not None:
        deps.catalog.update_document(key, status=QUARANTINED, reason_code=reason_code, reason=reason)
    deps.catalog.record_event(
        "quarantined",
        ctx.operator,
        agency=ctx.agency,
        doc_key=key,
        batch_id=ctx.batch_id,
        detail={"input": item.input, "reason_code": reason_code, "reason": en},
    )
    log.warning("item %d quarantined: %s", item.ordinal, reason_code)
    return Outcome(item.ordinal, item.input, "quarantined", reason_code, reason, key=key)


def process(job: DocumentJob, deps: Deps, on_page: Callable[[], None]) -> DocumentJob:
    """The stages, in order, for one claimed document."""
    cfg = deps.config
    t = _Stopwatch()  # each lap() runs after its stage returns: seconds per stage, for the KPIs
    job = t.lap("ingest", stages.ingest(job, cfg.ocr))
    job = t.lap("ocr", stages.ocr_pages(job, deps.engine, cfg.ocr, cfg.signing.image_quality, on_page, pool=deps.pages))
    job = t.lap("classify", stages.classify_and_extract(job, deps.catalogue, cfg.catalog, cfg.ocr, deps.engine))
    job = t.lap("codes", stages.assign_codes(job, deps.catalog, deps.catalogue, cfg.templates, cfg.catalog))
    if not stages.pdf_already_stored(job, deps.store):
        job = t.lap("pdf", stages.build_pdf(job, cfg.signing, cfg.agency_name))
        job = t.lap("sign", stages.sign_pdf(job, deps.signer))
    job = t.lap("store", stages.store_document(job, deps.store, deps.catalogue, deps.catalog))
    job = t.lap("catalog", stages.catalog_document(job, deps.catalog))
    deps.catalog.record_event(
        "stage_timings", job.operator, agency=job.agency, doc_key=job.key, batch_id=job.batch_id,
        detail={"seconds": t.seconds},
    )  # fmt: skip
    return job


class _Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.monotonic()

    def lap(self, stage: str, result: DocumentJob) -> DocumentJob:
        now = time.monotonic()
        self.seconds[stage] = round(now - self._mark, 3)
        self._mark = now
        return result


def run_document(
    item: PlannedItem,
    ctx: BatchContext,
    deps: Deps,
    on_page: Callable[[], None] = lambda: None,
    attempts: int | None = None,
) -> Outcome:
    """``attempts``: tries after a transient error (default TRANSIENT_ATTEMPTS); the queue passes 1 and retries
    the message itself with back-off, so a store outage does not make a worker redo the OCR again and again."""
    attempts = attempts or TRANSIENT_ATTEMPTS
    if item.problem is not None:
        return _quarantine(item, ctx, deps, *item.problem)
    try:
        sources = stages.hash_sources(item.files, ctx.root)
    except OSError as e:
        return _quarantine(item, ctx, deps, "unreadable_file", f"cannot read the file: {e}", f"không đọc được tệp: {e}")
    key = stages.document_key([s.sha256 for s in sources])
    agency = item.declared.agency or ctx.agency
    claim = deps.catalog.claim(
        key,
        batch_id=ctx.batch_id,
        input_name=item.input,
        agency=agency,
        operator=ctx.operator,
        kind=item.declared.kind,
        procedure=item.declared.procedure,
    )
    if claim.kind == "duplicate":
        deps.catalog.record_event(
            "duplicate_seen",
            ctx.operator,
            agency=ctx.agency,
            doc_key=key,
            doc_code=claim.document.doc_code,
            batch_id=ctx.batch_id,
            detail={"input": item.input},
        )
        return Outcome(
            item.ordinal,
            item.input,
            DUPLICATE,
            "duplicate",
            f"đã lưu trữ với mã {claim.document.doc_code} / already archived as {claim.document.doc_code}",
            existing_code=claim.document.doc_code,
            pages=claim.document.pages or 0,
            key=key,
        )
    work = deps.config.work_dir / key[:24]
    shutil.rmtree(work, ignore_errors=True)
    job = DocumentJob(
        key=key,
        batch_id=ctx.batch_id,
        input=item.input,
        agency=agency,
        operator=ctx.operator,
        work_dir=str(work),
        sources=sources,
        declared=item.declared,
    )
    try:
        for attempt in range(1, attempts + 1):
            try:
                job = process(job, deps, on_page)
                break
            except Exception as e:
                f = describe(e)
                if not f.retryable or attempt == attempts:
                    raise
                log.warning("item %d: %s, retrying (%d/%d)", item.ordinal, f.reason_code, attempt, attempts)
                time.sleep(BACKOFF_S * 2 ** (attempt - 1))
                job = DocumentJob(
                    key=key,
                    batch_id=ctx.batch_id,
                    input=item.input,
                    agency=agency,
                    operator=ctx.operator,
                    work_dir=str(work),
                    sources=sources,
                    declared=item.declared,
                )
    except Exception as e:
        f = describe(e)
        if f.systemic:
            raise
        if f.retryable:
            deps.catalog.update_document(key, status=FAILED, reason_code=f.reason_code, reason=f.message)
            deps.catalog.record_event(
                "failed",
                ctx.operator,
                agency=ctx.agency,
                doc_key=key,
                batch_id=ctx.batch_id,
                detail={"reason_code": f.reason_code, "reason": f.en},
            )
            log.warning("item %d failed (will be retried by a later run): %s", item.ordinal, f.reason_code)
            return Outcome(item.ordinal, item.input, "failed", f.reason_code, f.message, key=key)
        if not f.bad_input:
            log.error("item %d: unexpected %s", item.ordinal, f.reason_code, exc_info=True)
        return _quarantine(item, ctx, deps, f.reason_code, f.en, f.vi, key=key, sources=sources)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("item %d %s as %s (owner %s)", item.ordinal, job.status, job.doc_code, mask_id(job.owner_id))
    return Outcome(item.ordinal, item.input, job.status, job=job, pages=len(job.pages), key=key)


def run_batch(
    root: Path, manifest: Path | None, deps: Deps, *, operator: str, agency: str, progress: Progress | None = None
) -> BatchReport:
    progress = progress or Progress()
    root = root.resolve()
    items, unlisted = plan_batch(root, manifest, deps.catalogue)
    batch_id = deps.catalog.begin_batch(operator, agency, str(root))
    deps.catalog.set_batch_items_total(batch_id, len(items))
    ctx = BatchContext(batch_id, root, operator, agency)
    item_ids = [deps.catalog.add_item(batch_id, it.ordinal, it.input) for it in items]
    progress.batch_planned(len(items), sum(_pages_hint(it) for it in items))
    outcomes: list[Outcome] = []
    looked_at: set[int] = set()
    try:
        for n, (item, item_id) in enumerate(zip(items, item_ids, strict=True)):
            _read_ahead(items, n, ctx, deps, looked_at)
            progress.item_started(item)
            outcome = run_document(item, ctx, deps, progress.page_done)
            deps.catalog.update_item(
                item_id,
                status=outcome.status,
                reason_code=outcome.reason_code,
                reason=outcome.reason,
                doc_key=outcome.key,
            )
            outcomes.append(outcome)
            progress.item_done(outcome)
    except BaseException:
        deps.catalog.finish_batch(batch_id, "interrupted")
        raise
    deps.catalog.finish_batch(batch_id, "done")
    return BatchReport(batch_id, outcomes, unlisted)


def _read_ahead(items: list[PlannedItem], n: int, ctx: BatchContext, deps: Deps, looked_at: set[int]) -> None:
    """Batch-level parallelism: start the pages of this and the next documents in the page pool, so a
    batch of one-page documents keeps every core busy while each document is signed and stored in turn.

    Only reading is started ahead (it changes nothing); claims, codes, signing, storing and cataloguing
    stay in batch order in this process, so resume and quarantine behave exactly as one by one.
    """
    pool = getattr(deps, "pages", None)
    if pool is None or pool.workers <= 1:
        return
    for item in items[n : n + pool.workers]:
        if item.problem is not None or item.ordinal in looked_at:
            continue
        looked_at.add(item.ordinal)
        try:
            sources = stages.hash_sources(item.files, ctx.root)
            key = stages.document_key([s.sha256 for s in sources])
            existing = deps.catalog.get(key)
            if existing is not None and existing.status in FINAL_STATUSES:
                continue
            checked = [(s.path, inspect_source(Path(s.path), deps.config.ocr)) for s in sources]
        except Exception:  # the item's own run reports what is wrong with it
            continue
        pool.prefetch(checked, key)


def _pages_hint(item: PlannedItem) -> int:
    """Cheap page count for the progress bar (headers only; errors count as one page)."""
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
