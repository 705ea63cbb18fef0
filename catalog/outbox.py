"""The outbox of the national portal's data warehouse: every change that the portal must hear of, written in the
same transaction as the change itself (migration 0012).

A paper that becomes reusable (archived, accepted in review, an electronic original validated) and every later
change to it (fields corrected, validity ended, signature revoked, deleted after retention) adds one row. A row
carries a snapshot of what the paper was at that moment (``payload``, in sohoa's own words; the connector maps
it to the remote side's) and an idempotency key that the remote side uses to take each change once, however
often it is sent. Rows of one paper are sent in order; a worker claims a row for a while
(``claimed_by``/``claimed_until``) so two workers never send it at once, and a worker that dies loses it when the
claim expires.

States: ``pending`` (to send, not before ``next_attempt_at``), ``sending`` (claimed), ``sent``, ``dead`` (given
up after the last attempt, or refused by the remote side for good; ``sohoa sync retry`` sends it again).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, and_, exists, func, select, update
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from catalog.db import Base, Catalog, Document, utcnow
from catalog.paper_owners import DocumentOwner


class Change(StrEnum):
    """What happened to a paper, as the remote side hears it."""

    UPSERT = "upsert"
    """The paper is reusable, or what it says changed: the remote side keeps this version."""
    EXPIRE = "expire"
    """Its validity ended: still held, no longer reusable."""
    REVOKE = "revoke"
    """Its signature was revoked or it was withdrawn: no longer reusable."""
    DELETE = "delete"
    """Deleted after its retention period."""


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


class OutboxRow(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_key: Mapped[str] = mapped_column(String(64), index=True)
    change: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(10), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    remote_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


Index("ix_outbox_state_next", OutboxRow.state, OutboxRow.next_attempt_at)


def snapshot(d: Document, owners: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """What the remote side is told of a paper: its codes, type, owners (everyone the paper belongs to, with
    their role: a marriage certificate belongs to both spouses), issuer, dates and signed file."""
    fields = d.fields or {}
    return {
        "owners": owners or ([{"role": "person", "owner_id": d.owner_id}] if d.owner_id else []),
        "doc_code": d.doc_code,
        "paper_code": d.paper_code,
        "dossier_code": d.dossier_code,
        "type_code": d.type_code,
        "type_name": d.type_name,
        "owner_id": d.owner_id,
        "agency": d.agency,
        "issuer": (fields.get("issuer") or {}).get("value"),
        "issue_date": d.issue_date,
        "valid_until": d.valid_until,
        "status": d.status,
        "pdf_key": d.pdf_key,
        "pdf_sha256": d.pdf_sha256,
        "signed_at": d.signed_at.isoformat() if d.signed_at else None,
    }


def add(session: Session, doc_key: str, change: Change, reason: str) -> OutboxRow | None:
    """Add the outbox row of a change, inside the caller's transaction (the change and its row commit together
    or not at all). The payload is the paper as this transaction leaves it. A paper that belongs to nobody (a
    dossier's reception receipt, ``GTNHS``: filed by its dossier, ``owner_required = false``) is nobody's
    reusable paper: the national warehouse, which keeps papers by their owners, is told nothing of it (None), unless
    it was told of the paper before (its owner removed in review: the change still goes, and shows if refused)."""
    d = session.get(Document, doc_key)
    if d is None:
        raise ValueError(f"no document {doc_key[:12]}…")
    session.flush()  # the change made in this session is what the snapshot sees
    session.refresh(d)
    seq = session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.doc_key == doc_key)) or 0
    owners = [
        {"role": role, "owner_id": owner}
        for role, owner in session.execute(
            select(DocumentOwner.role, DocumentOwner.owner_id)
            .where(DocumentOwner.doc_key == doc_key)
            .order_by(DocumentOwner.role)
        )
    ]
    if not owners and not d.owner_id and not known(session, doc_key):
        return None  # never sent and nobody's: nothing to tell (a paper sent before is still told of its change)
    from catalog.originals import ElectronicOriginalRow

    eo = session.get(ElectronicOriginalRow, doc_key)
    origin = (
        {"origin": "electronic_original", "signer_name": eo.signer_name, "signer_org": eo.signer_org}
        | {"signature_validation": eo.outcome}
        if eo is not None
        else {"origin": "digitized_copy"}
    )
    row = OutboxRow(
        doc_key=doc_key,
        change=change,
        reason=reason,
        idempotency_key=f"{doc_key}:{seq + 1}:{change}",
        payload={"change": str(change), "reason": reason, **snapshot(d, owners), **origin},
        state=OutboxState.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    return row


def known(session: Session, doc_key: str) -> bool:
    """Whether the remote side was (or is about to be) told of this paper: a later change concerns it."""
    return session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.doc_key == doc_key)) > 0


def record(catalog: Catalog, doc_key: str, change: Change, reason: str) -> None:
    """An outbox row on its own transaction (for changes that touch nothing else in the catalog)."""
    with catalog.session() as s:
        add(s, doc_key, change, reason)


# --- sending ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    doc_key: str
    idempotency_key: str
    change: str
    payload: dict[str, Any]
    attempts: int


def claim(catalog: Catalog, holder: str, *, limit: int, claim_s: float, now: datetime | None = None) -> list[Claimed]:
    """Claim up to ``limit`` rows that are due, the first unsent row of each paper only (a paper's changes go in
    order); a ``sending`` row whose claim expired (its worker died) is due again."""
    now = now or utcnow()
    earlier = aliased(OutboxRow)
    not_first = exists().where(
        and_(earlier.doc_key == OutboxRow.doc_key, earlier.id < OutboxRow.id, earlier.state != OutboxState.SENT)
    )
    due = (OutboxRow.state == OutboxState.PENDING) & (OutboxRow.next_attempt_at <= now) | (
        OutboxRow.state == OutboxState.SENDING
    ) & (OutboxRow.claimed_until < now)
    with catalog.session() as s:
        candidates = list(
            s.execute(
                select(OutboxRow.id, OutboxRow.state, OutboxRow.claimed_by)
                .where(due, ~not_first)
                .order_by(OutboxRow.id)
                .limit(limit * 3)
            )
        )
    out: list[Claimed] = []
    until = now + timedelta(seconds=claim_s)
    for row_id, state, was in candidates:
        if len(out) >= limit:
            break
        cond = OutboxRow.state == OutboxState.PENDING if state == OutboxState.PENDING else OutboxRow.claimed_by == was
        with catalog.session() as s:
            taken = s.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id, OutboxRow.state == state, cond)
                .values(state=OutboxState.SENDING, claimed_by=holder, claimed_until=until)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken:
                r = s.get(OutboxRow, row_id)
                out.append(Claimed(r.id, r.doc_key, r.idempotency_key, r.change, dict(r.payload), r.attempts))
    return out


def _finish(catalog: Catalog, row_id: int, holder: str, **values: Any) -> bool:
    with catalog.session() as s:
        return bool(
            s.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id, OutboxRow.claimed_by == holder, OutboxRow.state == OutboxState.SENDING)
                .values(claimed_by=None, claimed_until=None, **values)
                .execution_options(synchronize_session=False)
            ).rowcount
        )


def mark_sent(catalog: Catalog, row_id: int, holder: str, remote_ref: str | None) -> bool:
    return _finish(catalog, row_id, holder, state=OutboxState.SENT, sent_at=utcnow(), remote_ref=remote_ref)


def mark_retry(catalog: Catalog, row_id: int, holder: str, attempts: int, at: datetime, error: str) -> bool:
    return _finish(
        catalog, row_id, holder, state=OutboxState.PENDING, attempts=attempts, next_attempt_at=at, last_error=error
    )


def mark_dead(catalog: Catalog, row_id: int, holder: str, attempts: int, error: str) -> bool:
    return _finish(catalog, row_id, holder, state=OutboxState.DEAD, attempts=attempts, last_error=error)


# --- status and repair -----------------------------------------------------------------------------
@dataclass
class OutboxStatus:
    counts: dict[str, int]
    oldest_pending: datetime | None
    dead: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "oldest_pending": self.oldest_pending.isoformat() if self.oldest_pending else None,
            "dead": self.dead,
        }


def status(catalog: Catalog, dead_limit: int = 20) -> OutboxStatus:
    with catalog.session() as s:
        counts = Counter(dict(s.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state)).all()))
        oldest = s.scalar(
            select(func.min(OutboxRow.created_at)).where(
                OutboxRow.state.in_((OutboxState.PENDING, OutboxState.SENDING))
            )
        )
        dead = [
            {
                "id": r.id,
                "doc_code": (r.payload or {}).get("doc_code"),
                "change": r.change,
                "attempts": r.attempts,
                "error": r.last_error,
            }
            for r in s.scalars(
                select(OutboxRow).where(OutboxRow.state == OutboxState.DEAD).order_by(OutboxRow.id).limit(dead_limit)
            )
        ]
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return OutboxStatus({st.value: counts.get(st.value, 0) for st in OutboxState}, oldest, dead)


def retry_dead(catalog: Catalog, ids: list[int] | None = None) -> int:
    """Send dead rows again (all, or those named), from their first attempt."""
    q = update(OutboxRow).where(OutboxRow.state == OutboxState.DEAD)
    if ids:
        q = q.where(OutboxRow.id.in_(ids))
    with catalog.session() as s:
        return s.execute(
            q.values(
                state=OutboxState.PENDING, attempts=0, next_attempt_at=utcnow(), last_error=None
            ).execution_options(synchronize_session=False)
        ).rowcount


def sent_papers(catalog: Catalog, owner_id: str) -> dict[str, dict[str, Any]]:
    """The last version sent of each paper of an owner (doc_code → payload), for reconciliation."""
    with catalog.session() as s:
        rows = s.scalars(
            select(OutboxRow)
            .where(OutboxRow.state == OutboxState.SENT, OutboxRow.payload["owner_id"].as_string() == owner_id)
            .order_by(OutboxRow.id)
        )
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            p = dict(r.payload or {})
            if p.get("doc_code"):
                out[p["doc_code"]] = p
    return out


def owners_sent(catalog: Catalog, limit: int) -> list[str]:
    """Owners with papers sent, for a reconciliation sample."""
    with catalog.session() as s:
        return [
            o
            for (o,) in s.execute(
                select(OutboxRow.payload["owner_id"].as_string())
                .where(OutboxRow.state == OutboxState.SENT)
                .distinct()
                .limit(limit)
            )
            if o
        ]


def due_count(catalog: Catalog, now: datetime | None = None) -> int:
    """Changes a sender could claim now."""
    now = now or utcnow()
    with catalog.session() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(
                    (OutboxRow.state == OutboxState.PENDING) & (OutboxRow.next_attempt_at <= now)
                    | (OutboxRow.state == OutboxState.SENDING) & (OutboxRow.claimed_until < now)
                )
            )
            or 0
        )


def next_due(catalog: Catalog) -> datetime | None:
    """When the next change can be claimed (now or later), or None when nothing is left to send."""
    with catalog.session() as s:
        pending = s.scalar(select(func.min(OutboxRow.next_attempt_at)).where(OutboxRow.state == OutboxState.PENDING))
        claimed = s.scalar(select(func.min(OutboxRow.claimed_until)).where(OutboxRow.state == OutboxState.SENDING))
    times = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in (pending, claimed) if t is not None]
    return min(times) if times else None


def pending_count(catalog: Catalog) -> int:
    with catalog.session() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.state.in_((OutboxState.PENDING, OutboxState.SENDING)))
            )
            or 0
        )
