"""Papers whose validity has ended: found by the nightly expiry job and marked, never deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update

from catalog.db import Catalog, Document
from catalog.status import FINAL_DOCUMENT_STATUSES


def documents_to_expire(catalog: Catalog, today: str) -> list[Document]:
    with catalog.session() as s:
        return list(
            s.scalars(
                select(Document).where(
                    and_(
                        Document.valid_until.is_not(None),
                        Document.valid_until < today,
                        Document.expired_at.is_(None),
                        Document.status.in_(FINAL_DOCUMENT_STATUSES),
                    )
                )
            )
        )


def mark_expired(catalog: Catalog, key: str, at: datetime) -> bool:
    """Mark the paper expired once; a paper the national portal's warehouse was told of is told of this too,
    in the same transaction (``catalog.outbox``)."""
    from catalog import outbox

    with catalog.session() as s:
        changed = s.execute(
            update(Document)
            .where(Document.key == key, Document.expired_at.is_(None))
            .values(expired_at=at)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed and outbox.known(s, key):
            outbox.add(s, key, outbox.Change.EXPIRE, "validity_ended")
        return bool(changed)
