"""Renew the document timestamp of archived copies before it lapses (``sohoa nightly retimestamp`` runs this).

A B-LTA copy stays verifiable as long as its newest timestamp can be validated; that ends when the TSA
certificate of that timestamp expires. Every night this job picks the archived copies whose newest
timestamp certificate expires within ``signing.retimestamp_window_days`` (the catalog column
``timestamp_expires_at``, filled at signing and backfilled here for older rows), checks that the copy
still verifies, and appends a new document timestamp with the validation data of the previous one
(:func:`signing.renew.add_document_timestamp`).

The warehouse is write-once, so the renewed PDF is stored under a new key next to the old one
(``<doc code>.r01.pdf``, ``.r02.pdf`` …, same retention) and the catalog's ``pdf_key`` points at it;
the old copy stays as it was. Each document gets an event: ``retimestamped`` or ``retimestamp_failed``.
Copies signed at B-B carry no timestamp and are left alone (counted as ``untimestamped``).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update

from catalog.db import Document, Event
from catalog.originals import ElectronicOriginalRow
from catalog.status import FINAL_DOCUMENT_STATUSES
from pipeline.errors import describe
from pipeline.nightly.registry import JobReport
from signing.errors import TimestampUnavailable
from signing.keys import load_timestamping
from signing.renew import add_document_timestamp, renewal_due
from signing.sign import timestamp_expiry
from signing.verify import Verdict, verify_configured

if TYPE_CHECKING:
    from pipeline.deps import Deps

log = logging.getLogger(__name__)
NAME = "retimestamp"
_RENEWED = re.compile(r"^(?P<stem>.+?)(?:\.r(?P<n>\d{2,}))?\.pdf$")


def renewed_key(pdf_key: str, taken) -> str:
    """The next free version key: ``x.pdf`` → ``x.r01.pdf``, ``x.r01.pdf`` → ``x.r02.pdf``."""
    m = _RENEWED.match(pdf_key)
    stem, n = (m.group("stem"), int(m.group("n") or 0)) if m else (pdf_key, 0)
    while True:
        n += 1
        key = f"{stem}.r{n:02d}.pdf"
        if not taken(key):
            return key


def candidates(deps: Deps, horizon: datetime, limit: int | None) -> list[Document]:
    """Archived copies whose timestamp expiry is unknown or before ``horizon``, soonest first."""
    q = (
        select(Document)
        .where(Document.status.in_(FINAL_DOCUMENT_STATUSES), Document.pdf_key.is_not(None))
        .where(or_(Document.timestamp_expires_at.is_(None), Document.timestamp_expires_at <= horizon))
        .where(or_(Document.signature_level.is_(None), Document.signature_level != "B-B"))
        # an electronic original is its issuer's file: sohoa adds nothing to it, not even a timestamp
        .where(Document.key.not_in(select(ElectronicOriginalRow.doc_key)))
        .order_by(Document.timestamp_expires_at.is_(None), Document.timestamp_expires_at, Document.key)
    )
    if limit:
        q = q.limit(limit)
    with deps.catalog.session() as s:
        return list(s.scalars(q))


def retimestamp(
    deps: Deps,
    *,
    window_days: int | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
    actor: str = "nightly",
) -> JobReport:
    cfg = deps.config
    now = now or datetime.now(UTC)
    window = timedelta(days=window_days or cfg.signing.retimestamp_window_days)
    counts = {"checked": 0, "due": 0, "renewed": 0, "failed": 0, "backfilled": 0, "untimestamped": 0}
    report = JobReport(NAME, summary=counts)
    ts = None
    for d in candidates(deps, now + window, limit):
        counts["checked"] += 1
        ids = {"agency": d.agency, "doc_key": d.key, "doc_code": d.doc_code, "owner_id": d.owner_id}
        try:
            data = deps.store.get(d.pdf_key)  # type: ignore[arg-type]
            verdict = verify_configured(cfg.signing, cfg.pki_dir, data)
            due = renewal_due(verdict, now, window)
            if verdict.newest_timestamp_expiry is None:
                counts["untimestamped"] += 1
                deps.catalog.update_document(d.key, signature_level=verdict.level or d.signature_level)
                continue
            if not due.due:  # an older row without the column: fill it in, nothing else to do
                counts["backfilled"] += 1
                deps.catalog.update_document(
                    d.key, timestamp_expires_at=due.expires, signature_level=d.signature_level or verdict.level
                )
                continue
            counts["due"] += 1
            if verdict.verdict != Verdict.VALID and verdict.verdict != Verdict.PDFA_NONCONFORMANT:
                raise RenewalRefused(verdict.verdict)
            if dry_run:
                continue
            if ts is None:
                ts = load_timestamping(cfg.signing, cfg.pki_dir, cfg.signing.organisation or cfg.agency_name)
            renewed = add_document_timestamp(data, ts)
            old = deps.store.stat(d.pdf_key)  # type: ignore[arg-type]
            key = renewed_key(d.pdf_key, lambda k: deps.store.stat(k) is not None)  # type: ignore[arg-type]
            stored = deps.store.put(
                key,
                renewed,
                content_type="application/pdf",
                retain_until=old.retain_until if old else None,
                metadata=dict(old.metadata) if old else None,
            )
            expires = timestamp_expiry(renewed)
            with deps.catalog.session() as session:  # the new pointer and its event together, or neither
                session.execute(
                    update(Document)
                    .where(Document.key == d.key)
                    .values(
                        pdf_key=key,
                        pdf_sha256=stored.sha256,
                        objects={**(d.objects or {}), key: stored.sha256},
                        timestamp_expires_at=expires,
                        signature_level="B-LTA",
                    )
                )
                session.add(
                    Event(
                        action="retimestamped",
                        actor=actor,
                        **ids,
                        detail={
                            "old_pdf_key": d.pdf_key,
                            "new_pdf_key": key,
                            "pdf_sha256": stored.sha256,
                            "old_expiry": due.expires.isoformat() if due.expires else None,
                            "new_expiry": expires.isoformat() if expires else None,
                            "reason": due.reason,
                        },
                    )
                )
            counts["renewed"] += 1
        except Exception as e:
            f = describe(e)
            counts["failed"] += 1
            report.ok = False
            log.warning("retimestamp %s failed: %s", d.doc_code, f.en)
            deps.catalog.record_event(
                "retimestamp_failed", actor, **ids, detail={"reason_code": f.reason_code, "reason": f.message}
            )
            if isinstance(e, TimestampUnavailable):  # the TSA is down: every other copy would fail too
                report.error = f.message
                break
    return report


class RenewalRefused(Exception):
    """The archived copy does not verify; a new timestamp would seal a broken or untrusted file."""

    reason_code = "renewal_refused"
    exit_code = 1
    retryable = False

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(f"the archived copy does not verify ({verdict.name.lower()}); not renewed")
        self.vi = f"bản lưu trữ không còn hợp lệ ({verdict.name.lower()}); không gia hạn"
