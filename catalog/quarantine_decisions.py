"""What a supervisor decided about a quarantined batch item (issue 21): ``retry`` (after the input was fixed),
``discard`` (with a reason: the item is no longer shown as waiting) or ``keep`` (it stays, seen). The bytes in
the quarantine folder are never removed by a decision; every decision is also an event with the account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base, Batch, BatchItem, Catalog, Event, utcnow
from catalog.errors import InvalidCode, NotFound
from catalog.status import Status

DECISIONS = ("retry", "discard", "keep")
DECISION_VI = {"retry": "xử lý lại", "discard": "loại bỏ", "keep": "giữ lại"}


class QuarantineDecision(Base):
    __tablename__ = "quarantine_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    batch_id: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    account: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True, slots=True)
class QuarantinedItem:
    item_id: int
    batch_id: str
    agency: str
    ordinal: int
    input: str
    reason_code: str | None
    reason: str | None
    updated_at: datetime | None
    decision: str | None
    decision_reason: str | None
    decided_by: str | None


def quarantined(
    catalog: Catalog, *, agency_clause: Any = None, include_discarded: bool = False, limit: int = 200
) -> list[QuarantinedItem]:
    """Quarantined items, newest first, with the last decision taken on each. ``agency_clause`` narrows them by
    the batch's office (a SQLAlchemy condition on ``Batch.agency``)."""
    last = (
        select(QuarantineDecision.item_id, func.max(QuarantineDecision.id).label("last_id"))
        .group_by(QuarantineDecision.item_id)
        .subquery()
    )
    q = (
        select(BatchItem, Batch.agency, QuarantineDecision)
        .join(Batch, Batch.id == BatchItem.batch_id)
        .outerjoin(last, last.c.item_id == BatchItem.id)
        .outerjoin(QuarantineDecision, QuarantineDecision.id == last.c.last_id)
        .where(BatchItem.status == Status.QUARANTINED)
        .order_by(BatchItem.updated_at.desc(), BatchItem.id.desc())
        .limit(limit)
    )
    if agency_clause is not None:
        q = q.where(agency_clause)
    if not include_discarded:
        q = q.where((QuarantineDecision.decision.is_(None)) | (QuarantineDecision.decision != "discard"))
    with catalog.session() as s:
        rows = s.execute(q).all()
    return [
        QuarantinedItem(
            it.id,
            it.batch_id,
            agency,
            it.ordinal,
            it.input,
            it.reason_code,
            it.reason,
            it.updated_at,
            d.decision if d else None,
            d.reason if d else None,
            d.account if d else None,
        )
        for it, agency, d in rows
    ]


def item_with_agency(catalog: Catalog, item_id: int) -> tuple[BatchItem, str]:
    with catalog.session() as s:
        row = s.execute(
            select(BatchItem, Batch.agency).join(Batch, Batch.id == BatchItem.batch_id).where(BatchItem.id == item_id)
        ).first()
    if row is None:
        raise NotFound(f"no batch item {item_id}", f"không có mục {item_id}")
    return row[0], row[1]


def decide(catalog: Catalog, item_id: int, decision: str, *, account: str, reason: str | None = None) -> None:
    """Record a decision on a quarantined item (and its event). A discard needs a reason."""
    if decision not in DECISIONS:
        raise InvalidCode(f"unknown decision {decision!r}", f"không có quyết định {decision!r}")
    reason = (reason or "").strip()[:500] or None
    if decision == "discard" and not reason:
        raise InvalidCode("say why the item is discarded", "cần ghi lý do loại bỏ")
    item, agency = item_with_agency(catalog, item_id)
    if item.status != Status.QUARANTINED and decision != "retry":
        raise InvalidCode(f"item {item_id} is {item.status}, not quarantined", f"mục {item_id} không bị cách ly")
    with catalog.session() as s:
        s.add(
            QuarantineDecision(
                item_id=item_id, batch_id=item.batch_id, decision=decision, reason=reason, account=account
            )
        )
        s.add(
            Event(
                actor=account[:100],
                agency=agency,
                action=f"quarantine_{decision}",
                batch_id=item.batch_id,
                doc_key=item.doc_key,
                detail={"item_id": item_id, "input": item.input, "reason": reason},
            )
        )
