"""Drain the outbox (``catalog.outbox``) to the national warehouse through a connector.

A sender claims a few due changes (the first unsent change of each paper: a paper's changes go in order), sends
each with its idempotency key, and records the outcome: ``sent`` (or a duplicate the remote side had already
taken: also sent), a retry after an exponential back-off (or the remote side's Retry-After) for 429, 5xx,
time-outs and an unreachable side, ``dead`` with the reason after ``sync.max_attempts`` or when the remote
side refuses the change for good. Several senders (workers on several machines, the nightly job) may drain
at once: a change is claimed by one of them, and one that dies loses its claims when they expire.

Nothing is sent twice to the remote side's harm: a change whose delivery succeeded but whose ``sent`` mark was
lost (a crash between the two) is sent again with the same key, and the remote side answers "duplicate".
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from archive.errors import ArchiveError
from archive.store import ObjectStore
from catalog import outbox
from catalog.db import Catalog, utcnow
from pipeline.sync.config import SyncConfig
from pipeline.sync.connector import Connector, FileRef, SendResult

log = logging.getLogger("sohoa.sync")
LINK_LIFETIME = timedelta(hours=24)


@dataclass
class DrainReport:
    claimed: int = 0
    sent: int = 0
    duplicates: int = 0
    retried: int = 0
    dead: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return self.__dict__ | {"seconds": round(self.seconds, 3)}


def backoff(cfg: SyncConfig, attempts: int, retry_after: float | None, rng: random.Random) -> float:
    """Seconds before the next attempt: the remote side's Retry-After, else min × 2^(n-1) with ±20 % jitter."""
    if retry_after is not None:
        return min(retry_after, cfg.max_backoff_s)
    base = min(cfg.max_backoff_s, cfg.min_backoff_s * 2 ** max(0, attempts - 1))
    return base * rng.uniform(0.8, 1.2)


def file_of(store: ObjectStore | None, cfg: SyncConfig, paper: dict) -> FileRef | None:
    """The signed file of a paper as ``file_transfer`` says: a signed link where the store gives one (else the
    bytes), the bytes, or nothing."""
    key, sha = paper.get("pdf_key"), paper.get("pdf_sha256")
    if cfg.file_transfer == "none" or store is None or not key or paper.get("change") == "delete":
        return None
    name = f"{paper.get('doc_code') or 'paper'}.pdf"
    if cfg.file_transfer == "link":
        url = store.presigned_get(key, LINK_LIFETIME)
        if url:
            return FileRef(sha, url=url, name=name)
    return FileRef(sha, data=store.get(key), name=name)


def drain(
    catalog: Catalog,
    store: ObjectStore | None,
    connector: Connector,
    cfg: SyncConfig,
    holder: str,
    *,
    max_seconds: float | None = None,
    max_rows: int | None = None,
    rng: random.Random | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> DrainReport:
    """Send due changes until none is left (or the time or row budget is spent)."""
    rng = rng or random.Random()
    report = DrainReport()
    t0 = clock()
    while True:
        if max_seconds is not None and clock() - t0 >= max_seconds:
            break
        limit = cfg.batch if max_rows is None else min(cfg.batch, max_rows - report.claimed)
        if limit <= 0:
            break
        rows = outbox.claim(catalog, holder, limit=limit, claim_s=cfg.claim_s)
        if not rows:
            break
        report.claimed += len(rows)
        for row in rows:
            _deliver(catalog, store, connector, cfg, holder, row, report, rng)
    report.seconds = clock() - t0
    return report


def _deliver(catalog, store, connector, cfg, holder, row: outbox.Claimed, report: DrainReport, rng) -> None:
    attempts = row.attempts + 1
    try:
        result = connector.send(row.payload, row.idempotency_key, file_of(store, cfg, row.payload))
    except ArchiveError as e:  # the file cannot be read now (store down): a transient failure
        result = SendResult("retry", error=f"store: {e.reason_code}")
    if result.outcome in ("sent", "duplicate"):
        outbox.mark_sent(catalog, row.id, holder, result.remote_ref)
        report.sent += result.outcome == "sent"
        report.duplicates += result.outcome == "duplicate"
        return
    report.errors[result.error or result.outcome] = report.errors.get(result.error or result.outcome, 0) + 1
    tag = f"#{row.id}"  # the change's number: nothing about the paper's owner in a log
    if result.outcome == "refused" or attempts >= cfg.max_attempts:
        outbox.mark_dead(catalog, row.id, holder, attempts, result.error or result.outcome)
        report.dead += 1
        log.warning("sync %s dead after %d attempts: %s", tag, attempts, result.error)
        return
    wait = backoff(cfg, attempts, result.retry_after, rng)
    outbox.mark_retry(catalog, row.id, holder, attempts, utcnow() + timedelta(seconds=wait), result.error)
    report.retried += 1
    log.info("sync %s: %s, again in %.0f s (attempt %d)", tag, result.error, wait, attempts)
