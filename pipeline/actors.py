"""dramatiq actors: thin wrappers over the same ``run_document`` the in-process runner uses.

A message carries ``(batch_id, item_id)`` — never image bytes. Everything else (the item's files, what the
manifest declared, the batch's operator and agency) is read from the catalog, so any worker on any machine
that sees the same catalog database, object store and input folder can take any document.

**One actor per document, not per stage.** Measured with ``scripts/bench_throughput.py`` (figures in the
README): OCR is ~70 % of a document's time and signing ~16 %; every other stage takes tens of milliseconds,
so splitting the stages would not balance the load any better, while it would have to ship the page images
(megabytes per page) between machines through the object store and add a queue round trip per stage. A document is
also the unit of the catalog's idempotency key, of the lease and of exactly-once archiving.

Exactly once: a worker takes a lease on the document (``doc:<sha256>``) in the catalog before any work and
renews it while it works. A second delivery of the same message (or the same bytes in another batch) finds
the lease held and comes back later; a delivery after the document was finished finds the item final and
does nothing. A worker killed mid-document loses its lease when it expires; the broker gives the message to
another worker (RabbitMQ when the connection drops, Redis after ``heartbeat_timeout_ms``), which resumes the
document under the codes it already had; the store's write-once keys make repeated writes harmless.

Failures: transient errors (store or catalog unreachable, lock timeouts, a page over its time limit) are
retried with exponential back-off up to ``max_retries``, then the message is dead-lettered (``sohoa batch
failed`` / ``sohoa batch retry``); bad input is quarantined once and never retried; systemic errors
(misconfiguration) are dead-lettered at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import compute_backoff
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from catalog import queue as cq
from catalog.db import DUPLICATE, FAILED
from pipeline import metrics
from pipeline.config import AppConfig, load_config
from pipeline.deps import Deps, build_deps
from pipeline.errors import ConfigError, describe
from pipeline.model import Declared, PlannedItem
from pipeline.run import BatchContext, run_document

log = logging.getLogger("sohoa.worker")

DOCUMENTS = "documents"
ACTOR = "sohoa_process_item"


@dataclass
class Queue:
    """The broker and the actors of one configuration (one per process)."""

    cfg: AppConfig
    broker: dramatiq.Broker
    process_item: dramatiq.Actor

    @property
    def documents_queue(self) -> str:
        return self.process_item.queue_name

    def enqueue_item(self, batch_id: str, item_id: int, pages: int = 1) -> None:
        """One message per document; its time limit grows with its pages."""
        q = self.cfg.queue
        limit_ms = int((q.page_time_limit_s * max(pages, 1) + q.time_limit_base_s) * 1000)
        self.process_item.send_with_options(args=(batch_id, item_id), time_limit=limit_ms)


def queue_name(cfg: AppConfig, base: str = DOCUMENTS) -> str:
    return f"{cfg.queue.namespace}.{base}"


def make_broker(cfg: AppConfig) -> dramatiq.Broker:
    """The broker named by ``SOHOA_BROKER_URL``: ``redis://…``, ``amqp://…`` (or ``stub://`` for tests)."""
    url = cfg.broker_url
    if not url:
        raise ConfigError(
            "no broker configured: set SOHOA_BROKER_URL=redis://host:6379/0 or amqp://user:pass@host:5672/",
            "chưa cấu hình hàng đợi: đặt SOHOA_BROKER_URL=redis://máy:6379/0 hoặc amqp://người-dùng:mật-khẩu@máy:5672/",
        )
    q = cfg.queue
    middleware = [
        AgeLimit(),
        TimeLimit(time_limit=int((q.page_time_limit_s + q.time_limit_base_s) * 1000), interval=200),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=q.max_retries, min_backoff=q.min_backoff_ms, max_backoff=q.max_backoff_ms),
        CurrentMessage(),
    ]
    if url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(
            url=url,
            namespace=q.namespace,
            middleware=middleware,
            heartbeat_timeout=q.heartbeat_timeout_ms,
            maintenance_chance=q.maintenance_chance,
            dead_message_ttl=q.dead_message_ttl_ms,
        )
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=middleware, confirm_delivery=True)
    if url.startswith("stub://"):
        return StubBroker(middleware=middleware)
    raise ConfigError(
        f"unsupported broker URL {url!r}: use redis://… or amqp://…",
        f"địa chỉ hàng đợi không được hỗ trợ {url!r}: dùng redis://… hoặc amqp://…",
    )


_QUEUE: Queue | None = None
_LOCK = threading.Lock()


def setup(cfg: AppConfig | None = None) -> Queue:
    """Build the broker and declare the actors (once per process); the enqueuing side and workers share it."""
    global _QUEUE
    with _LOCK:
        if _QUEUE is not None and (cfg is None or cfg == _QUEUE.cfg):
            return _QUEUE
        cfg = cfg or load_config()
        broker = make_broker(cfg)
        dramatiq.set_broker(broker)
        actor = dramatiq.actor(
            process_item,
            broker=broker,
            actor_name=ACTOR,
            queue_name=queue_name(cfg),
            max_retries=cfg.queue.max_retries,
            min_backoff=cfg.queue.min_backoff_ms,
            max_backoff=cfg.queue.max_backoff_ms,
            throws=(SystemicFailure,),
        )
        _QUEUE = Queue(cfg, broker, actor)
        return _QUEUE


def reset() -> None:
    """Forget the process's broker (tests)."""
    global _QUEUE
    with _LOCK:
        if _QUEUE is not None:
            _QUEUE.broker.close()
        _QUEUE = None
        _THREAD_DEPS.__dict__.clear()
        _PREBUILT.clear()


def worker_setup() -> None:
    """Entry point for the dramatiq CLI (``pipeline.actors:worker_setup``), called in each worker process.

    The dependencies (Tesseract probe, signer, catalog engine) are built here, before the process reports
    ready, so the first document does not pay for them and a broken installation fails at start."""
    q = setup()
    metrics.instrument_stages()
    import cv2

    cv2.setNumThreads(int(os.environ.get("OMP_THREAD_LIMIT", "0") or 0) or -1)
    from pipeline.logs import setup_worker_logging

    setup_worker_logging(q.cfg.log_level)
    _PREBUILT.append(build_deps(q.cfg))


# --- the actor ---------------------------------------------------------------------------------------
class SystemicFailure(Exception):
    """Every document would fail the same way (configuration): dead-letter the message at once."""


class TransientFailure(dramatiq.Retry):
    """A transient failure: the message comes back after an exponential back-off."""


_THREAD_DEPS = threading.local()
_PREBUILT: list[Deps] = []


def thread_deps(cfg: AppConfig) -> Deps:
    """Dependencies of this worker thread (built once: Tesseract probe, signer, catalog engine)."""
    deps = getattr(_THREAD_DEPS, "deps", None)
    if deps is None:
        try:
            deps = _PREBUILT.pop()
        except IndexError:
            deps = build_deps(cfg)
        _THREAD_DEPS.deps = deps
    return deps


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def process_item(batch_id: str, item_id: int) -> None:
    """The actor: process one batch item (a document) exactly once."""
    q = setup()
    message = CurrentMessage.get_current_message()
    retries = message.options.get("retries", 0) if message is not None else 0
    final = retries >= q.cfg.queue.max_retries
    status = handle_item(thread_deps(q.cfg), batch_id, item_id, final_attempt=final, lease_s=q.cfg.queue.lease_s)
    if status == cq.RETRYING or (status == FAILED and message is not None):
        min_b, max_b = q.cfg.queue.min_backoff_ms, q.cfg.queue.max_backoff_ms
        _, delay = compute_backoff(retries, factor=min_b, max_backoff=max_b)
        raise TransientFailure(f"item {item_id} of {batch_id}: transient failure", delay=delay)
    if status == "busy":  # another worker holds the document: look again later, without using up a retry
        limit = message.options.get("time_limit") if message is not None else None
        q.process_item.send_with_options(args=(batch_id, item_id), delay=_busy_ms(q), time_limit=limit)


def _busy_ms(q: Queue) -> int:
    return int(min(q.cfg.queue.lease_s, 30) * 1000)


def planned_item(batch_input_dir: str, item: Any, catalogue: Any) -> PlannedItem:
    """The item as planned when it was enqueued (or re-planned from the input folder for an in-process batch)."""
    plan = item.plan
    if plan is None:
        from pipeline.plan import plan_batch

        items, _ = plan_batch(Path(batch_input_dir), None, catalogue)
        for it in items:
            if it.ordinal == item.ordinal and it.input == item.input:
                return it
        return PlannedItem(
            item.ordinal,
            item.input,
            (),
            problem=(
                "missing_file",
                f"{item.input}: no longer in the input folder",
                f"{item.input}: không còn trong thư mục đầu vào",
            ),
        )
    problem = tuple(plan["problem"]) if plan.get("problem") else None
    return PlannedItem(
        item.ordinal,
        item.input,
        tuple(plan.get("files") or ()),
        Declared(**(plan.get("declared") or {})),
        problem,  # type: ignore[arg-type]
        int(plan.get("pages_hint") or 1),
    )


def plan_json(item: PlannedItem) -> dict[str, Any]:
    d = item.declared
    return {
        "files": list(item.files),
        "declared": {
            "dossier": d.dossier,
            "kind": d.kind,
            "owner_id": d.owner_id,
            "procedure": d.procedure,
            "type_code": d.type_code,
            "agency": d.agency,
        },
        "problem": list(item.problem) if item.problem else None,
        "pages_hint": item.pages_hint,
    }


def _document_key(item: PlannedItem, root: Path) -> str | None:
    from pipeline import stages

    if item.problem is not None:
        return None
    try:
        return stages.document_key([s.sha256 for s in stages.hash_sources(item.files, root)])
    except OSError:
        return None


class InputUnreachable(Exception):
    """This worker does not see the batch's input folder (not mounted here): another worker may."""

    reason_code = "input_unreachable"
    retryable = True


@contextmanager
def held_lease(deps: Deps, name: str, holder: str, seconds: float) -> Iterator[bool]:
    """Hold the lease ``name`` while the block runs, renewing it every third of its life."""
    if not cq.acquire_lease(deps.catalog, name, holder, seconds):
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(seconds / 3):
            try:
                if not cq.renew_lease(deps.catalog, name, holder, seconds):
                    log.error("lease %s lost", name)
                    return
            except Exception as e:  # the catalog blinked: try again at the next tick
                log.warning("lease %s not renewed: %s", name, describe(e).reason_code)

    t = threading.Thread(target=renew, name=f"lease-{name[:16]}", daemon=True)
    t.start()
    try:
        yield True
    finally:
        stop.set()
        t.join(timeout=5)
        try:
            cq.release_lease(deps.catalog, name, holder)
        except Exception:  # it expires by itself
            log.warning("lease %s not released", name)


def handle_item(
    deps: Deps, batch_id: str, item_id: int, *, final_attempt: bool, lease_s: float, attempts: int | None = 1
) -> str:
    """Process one item; return its new status ("skipped" when it was already done, "busy" when another worker
    holds the document). Used by the actor and by ``batch retry`` without a broker."""
    catalog = deps.catalog
    item = cq.get_item(catalog, item_id)
    if item is None or item.batch_id != batch_id:
        log.warning("batch %s item %s: unknown item, message dropped", batch_id, item_id)
        return "skipped"
    if item.status in cq.FINAL_ITEM_STATUSES:
        log.info("batch %s item %s already %s: duplicate delivery ignored", batch_id, item_id, item.status)
        metrics.DUPLICATE_DELIVERIES.inc()
        return "skipped"
    batch = catalog.get_batch(batch_id)
    planned = planned_item(batch.input_dir, item, deps.catalogue)
    ctx = BatchContext(batch_id, Path(batch.input_dir), batch.operator, batch.agency)
    if planned.files and not ctx.root.is_dir():
        raise InputUnreachable(f"input folder {ctx.root} is not visible on this worker")
    key = _document_key(planned, ctx.root)
    holder = worker_name()
    with held_lease(deps, f"doc:{key}" if key else f"item:{item_id}", holder, lease_s) as held:
        if not held:
            log.info("batch %s item %s: document held by another worker, later", batch_id, item_id)
            return "busy"
        if cq.start_item(catalog, item_id, holder) is None:  # finished while we waited for the lease
            metrics.DUPLICATE_DELIVERIES.inc()
            return "skipped"
        try:
            outcome = run_document(planned, ctx, deps, metrics.PAGES.inc, attempts=attempts)
        except BaseException as e:  # systemic error, time limit, shutdown: the item stays open or fails
            f = describe(e)
            reason_code = "time_limit" if type(e).__name__ == "TimeLimitExceeded" else f.reason_code
            status = FAILED if (final_attempt or f.systemic) else cq.RETRYING
            cq.finish_item(catalog, item_id, status=status, reason_code=reason_code, reason=f.message, doc_key=key)
            metrics.FAILURES.labels(reason_code).inc()
            if status == FAILED:
                cq.maybe_finish_batch(catalog, batch_id)
            log.warning("batch %s item %s: %s (%s)", batch_id, item_id, reason_code, status)
            if f.systemic:
                raise SystemicFailure(f.en) from e
            raise
    status = outcome.status
    if status == DUPLICATE and outcome.key:
        doc = catalog.get(outcome.key)
        if doc is not None and doc.batch_id == batch_id and doc.input == item.input:
            status = doc.status  # archived by an earlier delivery of this very item (its worker died after)
    if status == FAILED:
        metrics.FAILURES.labels(outcome.reason_code or "failed").inc()
        if not final_attempt:
            status = cq.RETRYING
    elif status == "quarantined":
        metrics.FAILURES.labels(outcome.reason_code or "quarantined").inc()
    metrics.DOCUMENTS.labels(status).inc()
    cq.finish_item(
        catalog,
        item_id,
        status=status,
        reason_code=outcome.reason_code,
        reason=outcome.reason,
        doc_key=outcome.key,
        pages=outcome.pages,
    )
    if status != cq.RETRYING:
        cq.maybe_finish_batch(catalog, batch_id)
    log.info("batch %s item %s: %s", batch_id, item_id, status)
    return status
