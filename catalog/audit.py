"""Who looked at a person's papers: one ``events`` row per lookup, from the API or the CLI.

Rows carry the key (or operator), the agency, the owner, the purpose the caller declared (``X-Purpose``,
e.g. the dossier code), the result and the time. ``who_looked(owner)`` answers a citizen's question
"who has seen my data?" (Decree 13/2023/NĐ-CP on personal-data protection).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select

from catalog.db import Catalog, Event, utcnow

ACCESS_PREFIX = "access."
# Actions recorded when somebody reads a person's data.
REUSE_CHECK = "access.reuse_check"
OWNER_DOCUMENTS = "access.owner_documents"
DOCUMENT = "access.document"
DOWNLOAD = "access.download"
SEARCH = "access.search"
DENIED = "access.denied"
CLI_VIEWED = "viewed"  # ``sohoa show`` (the skeleton's audited view)

MAX_PURPOSE = 200

_INSERT = insert(Event.__table__)


@dataclass(frozen=True, slots=True)
class Access:
    at: datetime
    action: str
    actor: str
    agency: str | None
    owner_id: str | None
    doc_code: str | None
    purpose: str | None
    result: str | None
    via: str | None
    client: str | None


def clean_purpose(purpose: str | None) -> str | None:
    if purpose is None:
        return None
    p = "".join(ch for ch in purpose if ch.isprintable()).strip()
    return p[:MAX_PURPOSE] or None


def record(
    catalog: Catalog,
    action: str,
    *,
    actor: str,
    agency: str | None,
    owner_id: str | None = None,
    doc_code: str | None = None,
    doc_key: str | None = None,
    purpose: str | None = None,
    result: str,
    via: str,
    client: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    detail: dict[str, Any] = {"purpose": clean_purpose(purpose), "result": result, "via": via}
    if client:
        detail["client"] = client
    if extra:
        detail.update(extra)
    row = {
        "at": utcnow(),
        "actor": actor[:100],
        "agency": agency,
        "action": action,
        "doc_key": doc_key,
        "doc_code": doc_code,
        "owner_id": owner_id,
        "batch_id": None,
        "detail": detail,
    }
    with catalog.engine.begin() as conn:
        conn.execute(_INSERT, row)


def who_looked(catalog: Catalog, owner_id: str, *, limit: int = 1000) -> list[Access]:
    """Every recorded access to this owner's papers, oldest first."""
    q = (
        select(Event)
        .where(Event.owner_id == owner_id)
        .where(or_(Event.action.like(ACCESS_PREFIX + "%"), Event.action == CLI_VIEWED))
        .order_by(Event.at, Event.id)
        .limit(limit)
    )
    with catalog.session() as s:
        rows = list(s.scalars(q))
    out = []
    for e in rows:
        d = e.detail or {}
        out.append(
            Access(
                e.at,
                e.action,
                e.actor,
                e.agency,
                e.owner_id,
                e.doc_code,
                d.get("purpose"),
                d.get("result"),
                d.get("via"),
                d.get("client"),
            )
        )
    return out
