"""``handle_item``: one recorded batch item, exactly once — the only place that maps what happened to a status.

In-process batches, queued batches (the dramatiq actor) and retries all come here. For one item:

1. its plan is read from the catalog (``batch_items.plan``) and its files are hashed: the document key;
2. the lease ``doc:<key>`` is taken in the catalog and renewed while the item runs. A document whose lease
   another live run or worker holds is not touched: in a queue the message comes back later; in-process the
   item is reported as being processed elsewhere (``Status.ELSEWHERE``) and the batch goes on;
3. the document is claimed under a fencing token (``Catalog.claim``): new, resumed (a run that died left it),
   or already in the warehouse (a duplicate). Every later catalog write of the run names the token, so a run
   whose lease expired while it was still alive changes nothing once another run has taken the document;
4. the stages run (``pipeline.stages.STAGES``) in a work folder of this run's own;
5. the outcome becomes the item's status (and the document's, for a failure or quarantine) here, once.

A status only moves forward: a document in the warehouse is never turned back into processing, failed or
quarantined by another run.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from catalog import batches, leases
from catalog.codes import mask_id
from catalog.db import BatchItem, Catalog
from catalog.errors import ClaimLost
from catalog.status import FINAL_ITEM_STATUSES, Status
from pipeline import metrics, pagecache, stages
from pipeline.deps import Deps
from pipeline.errors import describe
from pipeline.model import DocumentJob, Outcome, PlannedItem, SourceFile
from pipeline.quarantine import quarantine_item

log = logging.getLogger("sohoa.run")
TRANSIENT_ATTEMPTS = 3
"""Tries of a document after a transient error in one in-process run (the queue retries messages instead)."""
BACKOFF_S = 1.0


@dataclass(frozen=True, slots=True)
class BatchContext:
    batch_id: str
    root: Path
    operator: str
    agency: str


@dataclass(frozen=True, slots=True)
class Handled:
    """What ``handle_item`` did with an item."""

    status: Status | None
    """The item's new status; None when nothing was done (an unknown item, or one already finished)."""
    outcome: Outcome | None = None
    busy: bool = False
    """Another live run or worker holds the document (queued items only: the message comes back later)."""


class InputUnreachable(Exception):
    """This worker does not see the batch's input folder (not mounted here): another worker may."""

    reason_code = "input_unreachable"
    retryable = True


def new_holder() -> tuple[str, str]:
    """A claim holder unique to this call: ``host:pid:token``, and the token (it names the work folder)."""
    token = uuid.uuid4().hex[:12]
    return f"{socket.gethostname()}:{os.getpid()}:{token}", token


def holder_alive(holder: str) -> bool | None:
    """Whether the process named by a holder (``host:pid:…``) still runs: known only on its own machine (None
    elsewhere). A run killed with SIGKILL leaves its leases behind; on the same machine the next run need not
    wait for them to expire."""
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def acquire(catalog: Catalog, name: str, holder: str, seconds: float) -> bool:
    """Take the lease ``name``, or take it over from a holder that died on this machine (its pid is gone)."""
    if leases.acquire_lease(catalog, name, holder, seconds):
        return True
    info = leases.lease_info(catalog, name)
    if info is None:  # released meanwhile
        return leases.acquire_lease(catalog, name, holder, seconds)
    if holder_alive(info.holder) is False:
        log.warning("lease %s: its holder's process is gone, taking it over", name[:24])
        return leases.take_over_lease(catalog, name, info.holder, holder, seconds)
    return False


@contextmanager
def held_lease(catalog: Catalog, name: str, holder: str, seconds: float) -> Iterator[bool]:
    """Hold the lease ``name`` while the block runs, renewing it every third of its life."""
    if not acquire(catalog, name, holder, seconds):
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(seconds / 3):
            try:
                if not leases.renew_lease(catalog, name, holder, seconds):
                    log.error("lease %s lost", name[:24])
                    return
            except Exception as e:  # the catalog blinked: try again at the next tick
                log.warning("lease %s not renewed: %s", name[:24], describe(e).reason_code)

    t = threading.Thread(target=renew, name=f"lease-{name[:16]}", daemon=True)
    t.start()
    try:
        yield True
    finally:
        stop.set()
        t.join(timeout=5)
        try:
            leases.release_lease(catalog, name, holder)
        except Exception:  # it expires by itself
            log.warning("lease %s not released", name[:24])


def planned_item(item: BatchItem) -> PlannedItem:
    """The item as planned when its batch was recorded."""
    if item.plan is None:  # recorded by a version that kept no plan for in-process batches
        return PlannedItem(
            item.ordinal,
            item.input,
            (),
            problem=(
                "no_plan",
                f"{item.input}: recorded without a plan; run the folder again",
                f"{item.input}: không có kế hoạch xử lý; hãy chạy lại thư mục",
            ),
        )
    return PlannedItem.from_json(item.ordinal, item.input, item.plan)


# --- one item ------------------------------------------------------------------------------------------
def handle_item(
    deps: Deps,
    batch_id: str,
    item_id: int,
    *,
    final_attempt: bool,
    lease_s: float,
    attempts: int = 1,
    wait_if_busy: bool = True,
    on_page: Callable[[], None] = lambda: None,
) -> Handled:
    """Process one item and record its status.

    ``attempts``: tries after a transient error within this call (the queue passes 1 and retries the message
    itself with back-off, so a store outage does not make a worker redo the OCR again and again).
    ``final_attempt``: a transient failure is final (``failed``) rather than ``retrying``.
    ``wait_if_busy``: when another holder has the document, report it busy (the queue sends the message again
    later) instead of finishing the item as ``elsewhere`` (in-process)."""
    catalog = deps.catalog
    item = batches.get_item(catalog, item_id)
    if item is None or item.batch_id != batch_id:
        log.warning("batch %s item %s: unknown item, nothing to do", batch_id, item_id)
        return Handled(None)
    if item.status in FINAL_ITEM_STATUSES:
        log.info("batch %s item %s already %s: duplicate delivery ignored", batch_id, item_id, item.status)
        metrics.DUPLICATE_DELIVERIES.inc()
        return Handled(None)
    batch = catalog.get_batch(batch_id)
    planned = planned_item(item)
    ctx = BatchContext(batch_id, Path(batch.input_dir), batch.operator, batch.agency)
    if planned.files and not ctx.root.is_dir():
        raise InputUnreachable(f"input folder {ctx.root} is not visible on this worker")
    sources: tuple[SourceFile, ...] | None = None
    if planned.problem is None:
        try:
            sources = stages.select_pages(stages.hash_sources(planned.files, ctx.root), planned.pages)
        except OSError as e:
            planned = PlannedItem(
                planned.ordinal,
                planned.input,
                planned.files,
                planned.declared,
                ("unreadable_file", f"cannot read the file: {e}", f"không đọc được tệp: {e}"),
            )
    key = stages.item_key([s.sha256 for s in sources], planned.pages) if sources else None
    holder, token = new_holder()
    with held_lease(catalog, f"doc:{key}" if key else f"item:{item_id}", holder, lease_s) as held:
        if not held:
            if wait_if_busy:
                log.info("batch %s item %s: document held by another worker, later", batch_id, item_id)
                return Handled(None, busy=True)
            outcome = _elsewhere(planned, key)
        elif batches.start_item(catalog, item_id, holder) is None:  # finished while we waited for the lease
            metrics.DUPLICATE_DELIVERIES.inc()
            return Handled(None)
        else:
            try:
                outcome = run_document(planned, ctx, deps, sources, key, holder, token, on_page, attempts)
            except BaseException as e:  # systemic error, time limit, shutdown: the item stays open or fails
                _interrupted(deps, batch_id, item_id, key, e, final_attempt)
                raise
    status = outcome.status
    if status == Status.DUPLICATE and outcome.key:
        doc = catalog.get(outcome.key)
        if doc is not None and doc.batch_id == batch_id and doc.input == item.input:
            status = Status(doc.status)  # archived by an earlier delivery of this very item (its worker died after)
    if status == Status.FAILED:
        metrics.FAILURES.labels(outcome.reason_code or "failed").inc()
        if not final_attempt:
            status = Status.RETRYING
    elif status == Status.QUARANTINED:
        metrics.FAILURES.labels(outcome.reason_code or "quarantined").inc()
    metrics.DOCUMENTS.labels(status).inc()
    batches.finish_item(
        catalog,
        item_id,
        status=status,
        reason_code=outcome.reason_code,
        reason=outcome.reason,
        doc_key=outcome.key,
        pages=outcome.pages,
    )
    if status != Status.RETRYING:
        batches.maybe_finish_batch(catalog, batch_id)
    log.info("batch %s item %s: %s", batch_id, item_id, status)
    return Handled(status, outcome if status == outcome.status else _with_status(outcome, status))


def _with_status(o: Outcome, status: Status) -> Outcome:
    return Outcome(o.ordinal, o.input, status, o.reason_code, o.reason, o.job, o.existing_code, o.pages, o.key)


def _elsewhere(item: PlannedItem, key: str | None) -> Outcome:
    return Outcome(
        item.ordinal,
        item.input,
        Status.ELSEWHERE,
        "in_progress_elsewhere",
        "đang được một lượt chạy khác xử lý; lượt đó sẽ hoàn tất / being processed by another run, which will "
        "finish it",
        key=key,
    )


def _interrupted(deps: Deps, batch_id: str, item_id: int, key: str | None, e: BaseException, final: bool) -> None:
    f = describe(e)
    reason_code = "time_limit" if type(e).__name__ == "TimeLimitExceeded" else f.reason_code
    status = Status.FAILED if (final or f.systemic) else Status.RETRYING
    try:
        batches.finish_item(
            deps.catalog, item_id, status=status, reason_code=reason_code, reason=f.message, doc_key=key
        )
        metrics.FAILURES.labels(reason_code).inc()
        if status == Status.FAILED:
            batches.maybe_finish_batch(deps.catalog, batch_id)
    except Exception:  # the catalog itself is what failed: the item stays open, the next run takes it up
        log.warning("batch %s item %s: status not recorded after %s", batch_id, item_id, reason_code)
    log.warning("batch %s item %s: %s (%s)", batch_id, item_id, reason_code, status)


# --- one document ----------------------------------------------------------------------------------------
def run_document(
    item: PlannedItem,
    ctx: BatchContext,
    deps: Deps,
    sources: tuple[SourceFile, ...] | None,
    key: str | None,
    holder: str,
    token: str,
    on_page: Callable[[], None] = lambda: None,
    attempts: int = 1,
) -> Outcome:
    """Claim the document and run the stages; the outcome of the document (raises only for what is not the
    document's fault: systemic errors, interruptions)."""
    if item.problem is not None or sources is None or key is None:
        assert item.problem is not None
        return _quarantine(item, ctx, deps, *item.problem)
    agency = item.declared.agency or ctx.agency
    claim = deps.catalog.claim(
        key,
        holder=holder,
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
            Status.DUPLICATE,
            "duplicate",
            f"đã lưu trữ với mã {claim.document.doc_code} / already archived as {claim.document.doc_code}",
            existing_code=claim.document.doc_code,
            pages=claim.document.pages or 0,
            key=key,
        )
    work = _work_folder(deps, key, token)
    fresh = DocumentJob(
        key=key,
        batch_id=ctx.batch_id,
        input=item.input,
        agency=agency,
        operator=ctx.operator,
        work_dir=str(work),
        sources=sources,
        declared=item.declared,
        holder=holder,
    )
    try:
        for attempt in range(1, attempts + 1):
            try:
                job = _process(fresh, deps, on_page)
                break
            except Exception as e:
                f = describe(e)
                if not f.retryable or attempt == attempts:
                    raise
                log.warning("item %d: %s, retrying (%d/%d)", item.ordinal, f.reason_code, attempt, attempts)
                time.sleep(BACKOFF_S * 2 ** (attempt - 1))
    except ClaimLost:
        log.warning("item %d: another run took the document over; left to it", item.ordinal)
        return _elsewhere(item, key)
    except Exception as e:
        f = describe(e)
        if f.systemic:
            raise
        if f.retryable:  # the pages read so far stay for the run that retries it
            return _failed(item, ctx, deps, key, holder, f)
        if not f.bad_input:
            log.error("item %d: unexpected %s", item.ordinal, f.reason_code, exc_info=True)
        outcome = _quarantine(item, ctx, deps, f.reason_code, f.en, f.vi, key=key, holder=holder, sources=sources)
        if outcome.status == Status.QUARANTINED:
            pagecache.remove(deps.config.work_dir, key)
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pagecache.remove(deps.config.work_dir, key)  # final: no run reads this document's pages again
    log.info("item %d %s as %s (owner %s)", item.ordinal, job.status, job.doc_code, mask_id(job.owner_id))
    return Outcome(item.ordinal, item.input, job.status, job=job, pages=len(job.pages), key=key)


def _work_folder(deps: Deps, key: str, token: str) -> Path:
    """A folder of this claim's own. Folders of earlier claims of the same document belong to runs that died
    (this run holds the document's lease): they are removed; the pages they read are kept apart
    (``pipeline.pagecache``) for this run."""
    root = deps.config.work_dir
    for old in root.glob(f"{key[:24]}*"):
        shutil.rmtree(old, ignore_errors=True)
    pagecache.prune(root)
    return root / f"{key[:24]}.{token}"


def _process(job: DocumentJob, deps: Deps, on_page: Callable[[], None]) -> DocumentJob:
    """The stages, in order, for one claimed document; their times become one ``stage_timings`` event."""
    seconds: dict[str, float] = {}

    def timing(name: str, s: float) -> None:
        seconds[name] = round(s, 3)

    job = stages.run_stages(job, deps, on_page, (timing, *deps.stage_observers))
    deps.catalog.record_event(
        "stage_timings", job.operator, agency=job.agency, doc_key=job.key, batch_id=job.batch_id,
        detail={"seconds": seconds},
    )  # fmt: skip
    return job


def _set_status(deps: Deps, key: str, holder: str | None, status: Status, reason_code: str, reason: str) -> bool:
    """The document's status under the run's claim; False when another run has taken the document over."""
    try:
        deps.catalog.update_document(key, holder=holder, status=status, reason_code=reason_code, reason=reason)
    except ClaimLost:
        return False
    return True


def _failed(item: PlannedItem, ctx: BatchContext, deps: Deps, key: str, holder: str, f) -> Outcome:
    if not _set_status(deps, key, holder, Status.FAILED, f.reason_code, f.message):
        return _elsewhere(item, key)
    deps.catalog.record_event(
        "failed",
        ctx.operator,
        agency=ctx.agency,
        doc_key=key,
        batch_id=ctx.batch_id,
        detail={"reason_code": f.reason_code, "reason": f.en},
    )
    log.warning("item %d failed (will be retried by a later run): %s", item.ordinal, f.reason_code)
    return Outcome(item.ordinal, item.input, Status.FAILED, f.reason_code, f.message, key=key)


def _quarantine(
    item: PlannedItem,
    ctx: BatchContext,
    deps: Deps,
    reason_code: str,
    en: str,
    vi: str,
    key: str | None = None,
    holder: str | None = None,
    sources: tuple = (),
) -> Outcome:
    reason = en if vi == en else f"{vi} / {en}"
    # the status first, so a run that lost its claim quarantines nothing
    if key is not None and not _set_status(deps, key, holder, Status.QUARANTINED, reason_code, reason):
        return _elsewhere(item, key)
    folder = deps.config.quarantine_dir / ctx.batch_id / f"{item.ordinal:04d}"
    quarantine_item(
        folder,
        [s.path for s in sources] if sources else item.files,
        ctx.root,
        {
            "batch_id": ctx.batch_id,
            "input": item.input,
            "reason_code": reason_code,
            "reason_vi": vi,
            "reason_en": en,
            "sha256": key,
        },
    )
    deps.catalog.record_event(
        "quarantined",
        ctx.operator,
        agency=ctx.agency,
        doc_key=key,
        batch_id=ctx.batch_id,
        detail={"input": item.input, "reason_code": reason_code, "reason": en},
    )
    log.warning("item %d quarantined: %s", item.ordinal, reason_code)
    return Outcome(item.ordinal, item.input, Status.QUARANTINED, reason_code, reason, key=key)
