"""Electronic originals (Alembic revision 0013): papers that arrived already signed by their issuer, one row per
document, with what the validation of their signatures found and when.

A document is an electronic original when it has a row here; otherwise it is a digitized copy (a scan sohoa
signed). The row keeps the signer's name and organisation, the outcome (``valid`` or ``review``), the reasons,
the PAdES level, the whole validation report (JSON, also stored beside the object) and when it was last validated.
The nightly re-validation (``sohoa nightly revalidate``) updates it; when a valid original stops validating (its
signer's certificate revoked, its issuer no longer trusted) :func:`invalidate` sends the paper to review and tells
the national portal (a ``revoke`` outbox row) in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base, Catalog, Document, Event, utcnow
from catalog.status import Status

ORIGIN_ELECTRONIC = "electronic_original"
ORIGIN_DIGITIZED = "digitized_copy"
ORIGIN_VI = {ORIGIN_ELECTRONIC: "bản gốc điện tử", ORIGIN_DIGITIZED: "bản số hóa từ giấy"}


class ElectronicOriginalRow(Base):
    __tablename__ = "electronic_originals"
    doc_key: Mapped[str] = mapped_column(ForeignKey("documents.key", ondelete="CASCADE"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(12))
    """``valid`` | ``review``"""
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    signer_name: Mapped[str | None] = mapped_column(String(300))
    signer_org: Mapped[str | None] = mapped_column(String(300))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    level: Mapped[str | None] = mapped_column(String(10))
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    validated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    first_validated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True, slots=True)
class OriginalInfo:
    """What the lookup API, the catalog's reports and ``sohoa show`` say of an electronic original."""

    outcome: str
    reasons: tuple[str, ...]
    signer_name: str | None
    signer_org: str | None
    signed_at: datetime | None
    level: str | None
    validated_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "origin": ORIGIN_ELECTRONIC,
            "signature_valid": self.outcome == "valid",
            "validation": self.outcome,
            "validation_reasons": list(self.reasons),
            "signer_name": self.signer_name,
            "signer_org": self.signer_org,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "signature_level": self.level,
            "validated_at": self.validated_at.isoformat(),
        }


def _info(r: ElectronicOriginalRow) -> OriginalInfo:
    return OriginalInfo(
        r.outcome, tuple(r.reasons or ()), r.signer_name, r.signer_org, r.signed_at, r.level, r.validated_at
    )


def record_original(
    catalog: Catalog,
    doc_key: str,
    *,
    outcome: str,
    reasons: list[str],
    report: dict[str, Any],
    signer_name: str,
    signer_org: str,
    signed_at: datetime | None,
    level: str | None,
    validated_at: datetime,
) -> None:
    """The validation of a document's electronic original (a re-run of the same document replaces it)."""
    with catalog.session() as s:
        row = s.get(ElectronicOriginalRow, doc_key)
        if row is None:
            row = ElectronicOriginalRow(doc_key=doc_key, first_validated_at=validated_at)
            s.add(row)
        row.outcome = outcome
        row.reasons = list(reasons)
        row.report = report
        row.signer_name = signer_name[:300] or None
        row.signer_org = signer_org[:300] or None
        row.signed_at = signed_at
        row.level = level
        row.validated_at = validated_at


def original_info(catalog: Catalog, doc_key: str) -> OriginalInfo | None:
    with catalog.session() as s:
        row = s.get(ElectronicOriginalRow, doc_key)
        return _info(row) if row is not None else None


def originals_of(catalog: Catalog, doc_keys: Iterable[str]) -> dict[str, OriginalInfo]:
    """The electronic originals among ``doc_keys`` (one query)."""
    keys = list(dict.fromkeys(doc_keys))
    if not keys:
        return {}
    rows = catalog.read(select(ElectronicOriginalRow).where(ElectronicOriginalRow.doc_key.in_(keys)))
    out = {}
    for r in rows:
        m = r._mapping
        out[m["doc_key"]] = OriginalInfo(
            m["outcome"],
            tuple(m["reasons"] or ()),
            m["signer_name"],
            m["signer_org"],
            m["signed_at"],
            m["level"],
            m["validated_at"],
        )
    return out


def origin_of(info: OriginalInfo | None) -> dict[str, Any]:
    """The origin fields of a paper for the API and reports: an electronic original's, or a digitized copy's."""
    return info.as_json() if info is not None else {"origin": ORIGIN_DIGITIZED}


def report_of(catalog: Catalog, doc_key: str) -> dict[str, Any] | None:
    """The whole validation report of a document's electronic original."""
    with catalog.session() as s:
        row = s.get(ElectronicOriginalRow, doc_key)
        return dict(row.report) if row is not None else None


def to_revalidate(catalog: Catalog, *, before: datetime, limit: int | None = None) -> list[tuple[str, str | None]]:
    """(doc key, pdf key) of the electronic originals in the warehouse last validated before ``before``, oldest
    validation first."""
    q = (
        select(ElectronicOriginalRow.doc_key, Document.pdf_key)
        .join(Document, Document.key == ElectronicOriginalRow.doc_key)
        .where(Document.status.in_((Status.ARCHIVED, Status.NEEDS_REVIEW)))
        .where(ElectronicOriginalRow.validated_at < before)
        .order_by(ElectronicOriginalRow.validated_at, ElectronicOriginalRow.doc_key)
    )
    if limit:
        q = q.limit(limit)
    with catalog.session() as s:
        return [(k, p) for k, p in s.execute(q)]


def revalidated(
    catalog: Catalog,
    doc_key: str,
    *,
    outcome: str,
    reasons: list[str],
    report: dict[str, Any],
    level: str | None,
    validated_at: datetime,
    actor: str,
    revoked: bool,
) -> str:
    """Record a re-validation; returns what happened to the paper: ``still_valid``, ``still_review``,
    ``invalidated`` (it was archived, its signature no longer validates: sent to review, the national portal told
    with a ``revoke`` change, in this same transaction) or ``valid_again`` (it validates again; a paper in review
    stays there until a clerk accepts it)."""
    from catalog import outbox

    with catalog.session() as s:
        row = s.get(ElectronicOriginalRow, doc_key, with_for_update=catalog.dialect == "postgresql")
        doc = s.get(Document, doc_key)
        if row is None or doc is None:
            return "gone"
        was = row.outcome
        row.outcome, row.reasons, row.report, row.level, row.validated_at = (
            outcome,
            list(reasons),
            report,
            level,
            validated_at,
        )
        ids = {"agency": doc.agency, "doc_key": doc_key, "doc_code": doc.doc_code, "owner_id": doc.owner_id}
        if outcome == "valid":
            result = "valid_again" if was != "valid" else "still_valid"
        elif doc.status == Status.ARCHIVED:
            result = "invalidated"
            s.execute(
                update(Document)
                .where(Document.key == doc_key)
                .values(
                    status=Status.NEEDS_REVIEW,
                    review_reasons=list(dict.fromkeys([*(doc.review_reasons or []), *reasons])),
                )
                .execution_options(synchronize_session=False)
            )
            outbox.add(s, doc_key, outbox.Change.REVOKE, "signer_revoked" if revoked else "signature_invalid")
        else:
            result = "still_review"
        s.add(
            Event(
                action="original_revalidated" if result != "invalidated" else "original_invalidated",
                actor=actor,
                **ids,
                detail={"outcome": outcome, "was": was, "result": result, "reasons": list(reasons)},
            )
        )
        return result
