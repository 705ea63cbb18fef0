"""Owners of digitized papers: citizens (12-digit personal ID) and businesses (enterprise code).

One row per owner, created or refreshed when a document of theirs — one they own alone or with others, such as
a marriage certificate — is archived for reuse (straight from the batch, or when a clerk confirms it in the
review queue). Name and date of birth come only from
confirmed documents, so the warehouse never shows a name read with doubt.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.codes import owner_kind
from catalog.db import Base, Catalog, utcnow
from catalog.errors import InvalidCode
from catalog.paper_owners import owned_documents_count


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    """Personal ID number (citizen) or enterprise code (business)."""
    kind: Mapped[str] = mapped_column(String(12), index=True)  # "citizen" | "enterprise"
    name: Mapped[str | None] = mapped_column(String(300))
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    """Documents archived for reuse that belong to this owner (alone or with others: ``document_owners``)."""


def _value(fields: Mapping[str, Any], key: str) -> str | None:
    v = fields.get(key)
    if isinstance(v, Mapping):
        v = v.get("value")
    elif v is not None and hasattr(v, "value"):
        v = v.value
    return str(v) if v else None


def record_owner(catalog: Catalog, owner_id: str, fields: Mapping[str, Any] | None = None) -> Owner | None:
    """Create or refresh the owner of an archived document; None when the ID is not a valid owner ID.

    ``fields`` are the document's confirmed fields (``FieldValue`` or ``{"value": …}``): the name and,
    for citizens, the date of birth fill what is still unknown and refresh what changed.
    """
    try:
        kind = owner_kind(owner_id)
    except InvalidCode:
        return None
    fields = fields or {}
    name = _value(fields, "full_name")
    dob = _value(fields, "date_of_birth") if kind == "citizen" else None
    with catalog.session() as s:
        owner = s.get(Owner, owner_id, with_for_update=catalog.dialect == "postgresql")
        count = owned_documents_count(catalog, owner_id, session=s)
        if owner is None:
            owner = Owner(id=owner_id, kind=kind, name=name, date_of_birth=dob, documents=count or 0)
            s.add(owner)
        else:
            owner.name = name or owner.name
            owner.date_of_birth = dob or owner.date_of_birth
            owner.documents = count or 0
        s.flush()
        s.expunge(owner)
        return owner


def get_owner(catalog: Catalog, owner_id: str) -> Owner | None:
    with catalog.session() as s:
        return s.get(Owner, owner_id)


def list_owners(catalog: Catalog, kind: str | None = None, limit: int = 100) -> list[Owner]:
    q = select(Owner).order_by(Owner.id).limit(limit)
    if kind:
        q = q.where(Owner.kind == kind)
    with catalog.session() as s:
        return list(s.scalars(q))
