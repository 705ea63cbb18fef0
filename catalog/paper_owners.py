"""Who each paper belongs to (Alembic revision 0009): one row per document and owner role.

``documents.owner_id`` stays the primary owner — the one the warehouse files the paper under — and
``document_owners`` lists everyone the paper belongs to, the primary owner included: both spouses of a marriage
certificate, every holder of a land-use certificate. The reuse check and the owner lookups read both, so a paper
is found through any of its owners (``catalog.lookup``).

Rows are written when a document is catalogued (archived or sent to review) and rewritten when a clerk corrects
an owner. They also keep the name, date of birth and place each owner was read with, which is how an owner is
recognised on a paper that prints no ID number (:class:`CatalogDirectory`, only from archived documents).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, delete, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.codes import is_enterprise_code, is_personal_id
from catalog.db import Base, Catalog, Document, utcnow
from catalog.parties import CLERK, KnownOwner, PaperOwner, name_key
from catalog.status import Status
from catalog.types import DocumentType


class DocumentOwner(Base):
    __tablename__ = "document_owners"
    doc_key: Mapped[str] = mapped_column(ForeignKey("documents.key", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    """The owner's role on the paper (``catalog/data/labels.toml``): husband, wife, holder, person …"""
    owner_id: Mapped[str] = mapped_column(String(20), index=True)
    how: Mapped[str] = mapped_column(String(12))
    """printed | matched (name and date of birth among known owners) | declared (manifest) | clerk"""
    name: Mapped[str | None] = mapped_column(String(300))
    date_of_birth: Mapped[str | None] = mapped_column(String(10), index=True)
    place: Mapped[str | None] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def record_document_owners(catalog: Catalog, doc_key: str, owners: Sequence[PaperOwner]) -> None:
    """Set the owners of a document (the rows of earlier runs or corrections are replaced)."""
    with catalog.session() as s:
        s.execute(delete(DocumentOwner).where(DocumentOwner.doc_key == doc_key))
        seen: set[str] = set()
        for o in owners:
            if o.role in seen:
                continue
            seen.add(o.role)
            s.add(
                DocumentOwner(
                    doc_key=doc_key,
                    role=o.role,
                    owner_id=o.owner_id,
                    how=o.how,
                    name=o.name,
                    date_of_birth=o.date_of_birth,
                    place=(o.place or None) and o.place[:300],
                )
            )


def document_owners(catalog: Catalog, doc_key: str) -> list[PaperOwner]:
    with catalog.session() as s:
        rows = s.scalars(select(DocumentOwner).where(DocumentOwner.doc_key == doc_key).order_by(DocumentOwner.role))
        return [PaperOwner(r.role, r.owner_id, r.how, r.name, r.date_of_birth, r.place) for r in rows]


def owners_from_fields(
    doc_type: DocumentType,
    fields: Mapping[str, Any],
    primary: str | None,
    before: Sequence[PaperOwner] = (),
    how: str = CLERK,
) -> list[PaperOwner]:
    """The owners a document's (corrected) fields name: each owner role's ID field, the primary owner as given.
    A role whose ID did not change keeps how it was found (``before``)."""
    prior = {o.role: o for o in before}
    out: list[PaperOwner] = []
    for role in doc_type.owners:
        key = doc_type.field_key(role, doc_type.owner_field)
        value = _value(fields.get(key))
        if role == doc_type.primary_role and primary:
            value = primary
        if not value and role in prior:
            value = prior[role].owner_id
        valid = is_personal_id(value) if doc_type.owner_field == "id_number" else is_enterprise_code(value or "")
        if not value or not valid:
            continue
        old = prior.get(role)
        out.append(
            PaperOwner(
                role,
                value,
                old.how if old is not None and old.owner_id == value else how,
                _value(fields.get(doc_type.field_key(role, "full_name"))),
                _value(fields.get(doc_type.field_key(role, "date_of_birth"))),
                _value(fields.get(doc_type.field_key(role, "place"))),
            )
        )
    return out


def role_fields(doc_type: DocumentType | None, fields: Mapping[str, Any], role: str) -> dict[str, Any]:
    """One owner's fields under the plain keys (``wife.full_name`` → ``full_name``)."""
    if doc_type is None or role == doc_type.primary_role:
        return {k: v for k, v in fields.items() if "." not in k}
    prefix = f"{role}."
    return {k[len(prefix) :]: v for k, v in fields.items() if k.startswith(prefix)}


def _value(v: Any) -> str | None:
    if isinstance(v, Mapping):
        v = v.get("value")
    elif v is not None and hasattr(v, "value"):
        v = v.value
    return str(v) if v else None


def owned_documents_count(catalog: Catalog, owner_id: str, session=None) -> int:
    """Documents archived for reuse that belong to ``owner_id`` (as primary or other owner)."""
    co = select(DocumentOwner.doc_key).where(DocumentOwner.owner_id == owner_id)
    q = (
        select(func.count())
        .select_from(Document)
        .where(Document.status == Status.ARCHIVED, or_(Document.owner_id == owner_id, Document.key.in_(co)))
    )
    if session is not None:
        return int(session.scalar(q) or 0)
    with catalog.session() as s:
        return int(s.scalar(q) or 0)


class CatalogDirectory:
    """The owners the catalog knows from archived papers (``catalog.parties.OwnerDirectory``): by name and date of
    birth, with the places their papers print. Papers waiting for review do not count: what identifies someone
    must have been confirmed."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def candidates(self, name: str, date_of_birth: str) -> Sequence[KnownOwner]:
        from catalog.owners import Owner

        want = name_key(name)
        found: dict[str, KnownOwner] = {}
        with self.catalog.session() as s:
            rows = s.execute(
                select(DocumentOwner.owner_id, DocumentOwner.name, DocumentOwner.place)
                .join(Document, Document.key == DocumentOwner.doc_key)
                .where(DocumentOwner.date_of_birth == date_of_birth, Document.status == Status.ARCHIVED)
            )
            places: dict[str, list[str]] = {}
            for owner_id, n, place in rows:
                if n and name_key(n) == want:
                    places.setdefault(owner_id, [])
                    if place:
                        places[owner_id].append(place)
            for owner_id, n in s.execute(
                select(Owner.id, Owner.name).where(Owner.date_of_birth == date_of_birth, Owner.kind == "citizen")
            ):
                if n and name_key(n) == want:
                    places.setdefault(owner_id, [])
            for owner_id, ps in places.items():
                found[owner_id] = KnownOwner(owner_id, name, date_of_birth, tuple(dict.fromkeys(ps)))
        return list(found.values())
