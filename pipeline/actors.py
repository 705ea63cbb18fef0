"""The queued executor: dramatiq actors, thin wrappers over the same ``pipeline.run.handle_item`` the in-process
executor uses (``pipeline.batch``).

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
import threading
from dataclasses import dataclass

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

from catalog.status import Status
from pipeline import metrics
from pipeline.config import AppConfig, load_config
from pipeline.deps import Deps, build_deps
from pipeline.errors import ConfigError, describe
from pipeline.run import handle_item

log = logging.getLogger("sohoa.worker")

DOCUMENTS = "documents"
ACTOR = "sohoa_process_item"
SYNC = "sync"
SYNC_ACTOR = "sohoa_sync_drain"
SYNC_DRAIN_S = 30.0
"""A drain message sends for at most this long, then hands on to a fresh message (other work gets a turn)."""


@dataclass
class Queue:
    """The broker and the actors of one configuration (one per process)."""

    cfg: AppConfig
    broker: dramatiq.Broker
    process_item: dramatiq.Actor
    sync: dramatiq.Actor
    """Drains the national warehouse's outbox (``pipeline.sync.sender``); ``sohoa sync run --queue``."""

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
        sync = dramatiq.actor(
            sync_drain,
            broker=broker,
            actor_name=SYNC_ACTOR,
            queue_name=queue_name(cfg, SYNC),
            max_retries=0,  # the outbox keeps every change and its attempts; a drain that fails is simply sent again
        )
        _QUEUE = Queue(cfg, broker, actor, sync)
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
    import cv2

    cv2.setNumThreads(int(os.environ.get("OMP_THREAD_LIMIT", "0") or 0) or -1)
    from pipeline.logs import setup_worker_logging

    setup_worker_logging(q.cfg.log_level)
    _PREBUILT.append(_worker_deps(q.cfg))


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
            deps = _worker_deps(cfg)
        _THREAD_DEPS.deps = deps
    return deps


def _worker_deps(cfg: AppConfig) -> Deps:
    """A worker's dependencies: those of any run, plus the Prometheus stage histogram as a stage observer."""
    deps = build_deps(cfg)
    deps.stage_observers = (*deps.stage_observers, metrics.observe_stage)
    return deps


def process_item(batch_id: str, item_id: int) -> None:
    """The actor: process one batch item (a document) exactly once."""
    q = setup()
    message = CurrentMessage.get_current_message()
    retries = message.options.get("retries", 0) if message is not None else 0
    final = retries >= q.cfg.queue.max_retries
    try:
        handled = handle_item(
            thread_deps(q.cfg),
            batch_id,
            item_id,
            final_attempt=final,
            lease_s=q.cfg.queue.lease_s,
            on_page=metrics.PAGES.inc,
        )
    except Exception as e:
        f = describe(e)
        if f.systemic:  # the item is recorded failed; the message goes to the dead letters at once
            raise SystemicFailure(f.en) from e
        raise
    status = handled.status
    if status == Status.RETRYING or (status == Status.FAILED and message is not None):
        min_b, max_b = q.cfg.queue.min_backoff_ms, q.cfg.queue.max_backoff_ms
        _, delay = compute_backoff(retries, factor=min_b, max_backoff=max_b)
        raise TransientFailure(f"item {item_id} of {batch_id}: transient failure", delay=delay)
    if handled.busy:  # another worker or run holds the document: look again later, without using up a retry
        limit = message.options.get("time_limit") if message is not None else None
        q.process_item.send_with_options(args=(batch_id, item_id), delay=_busy_ms(q), time_limit=limit)


def _busy_ms(q: Queue) -> int:
    return int(min(q.cfg.queue.lease_s, 30) * 1000)


# --- the national warehouse's outbox -------------------------------------------------------------------
_THREAD_SYNC = threading.local()


def sync_drain() -> None:
    """The sync actor: send the outbox's due changes for a while; when changes remain due, hand on to a new
    message. Several drains (on several workers) run at once safely: each change is claimed by one."""
    from catalog import outbox
    from catalog.db import utcnow
    from pipeline.run import new_holder
    from pipeline.sync.rest import open_connector
    from pipeline.sync.sender import drain

    q = setup()
    if not q.cfg.sync.enabled:
        log.info("sync: no national warehouse configured, nothing sent")
        return
    deps = thread_deps(q.cfg)
    connector = getattr(_THREAD_SYNC, "connector", None)
    if connector is None:
        connector = _THREAD_SYNC.connector = open_connector(q.cfg.sync)
    report = drain(deps.catalog, deps.store, connector, q.cfg.sync, new_holder()[0], max_seconds=SYNC_DRAIN_S)
    log.info("sync: %s", report.as_json())
    if not report.claimed:
        return
    due = outbox.next_due(deps.catalog)  # changes left, now or after their back-off: hand on to one message
    if due is not None:
        wait_ms = max(0, int((due - utcnow()).total_seconds() * 1000))
        q.sync.send_with_options(delay=wait_ms or None)
