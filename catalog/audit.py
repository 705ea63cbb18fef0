"""Who looked at a person's papers: one ``events`` row per lookup, from the API or the CLI.

Rows carry the key (or operator), the agency, the owner, the purpose the caller declared (``X-Purpose``,
e.g. the dossier code), the result and the time. ``who_looked(owner)`` answers a citizen's question
"who has seen my data?" (Decree 13/2023/NĐ-CP on personal-data protection).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import insert, or_, select

from catalog.db import Catalog, Event, utcnow
from catalog.errors import CatalogUnavailable

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


def access_row(
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
) -> dict[str, Any]:
    """The ``events`` row of one access."""
    detail: dict[str, Any] = {"purpose": clean_purpose(purpose), "result": result, "via": via}
    if client:
        detail["client"] = client
    if extra:
        detail.update(extra)
    return {
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


def reuse_detail(answer: Any) -> dict[str, Any]:
    """What a reuse check's row keeps besides purpose and result; the KPI report (``catalog.kpi``) counts
    ``reusable`` (papers found, also in ``result`` as ``"<reusable>/<required> reusable"``)."""
    detail = {
        "procedure": answer.procedure_code,
        "types": [p.type_code for p in answer.papers],
        "found": [p.type_code for p in answer.papers if p.status == "reusable"],  # folded per registered dossier
        "reusable": answer.reusable,
        "required": answer.required,
    }
    national = answer.national
    if national is not None:  # the national warehouse was asked too: whether it answered, what it added
        detail["national"] = {"status": national.status, "reusable": national.reusable}
    return detail


def record(catalog: Catalog, action: str, **kw: Any) -> None:
    """Write one access row now (the CLI's way; the API uses ``AuditWriter``)."""
    with catalog.engine.begin() as conn:
        conn.execute(_INSERT, access_row(action, **kw))


class AuditWriter:
    """Group commit of access rows: a request waits until its row is committed, but rows that arrive together
    share one transaction. No answer leaves the API without its audit row, and a busy server does not
    serialise on one commit per request (SQLite has a single writer; PostgreSQL pays one fsync per commit).
    """

    def __init__(self, catalog: Catalog, *, max_batch: int = 500, timeout: float = 10.0) -> None:
        self.catalog, self.max_batch, self.timeout = catalog, max_batch, timeout
        self._sink = _RowSink(catalog)
        self._pending: list[tuple[dict[str, Any], _Ticket]] = []
        self._cond = threading.Condition()
        self._closed = False
        self._loop_sink: Any = None
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def attach(self, sink: Any) -> None:
        """Let ``sink`` (``catalog.api.audit_sink``: a group commit inside one event loop) commit the rows
        ``write_async`` gets in its loop; None detaches it. Rows from anywhere else still go to the thread."""
        self._loop_sink = sink

    def write(self, row: dict[str, Any]) -> None:
        """Queue ``row`` and block until it is committed; raise what the commit raised."""
        ticket = _Ticket()
        with self._cond:
            if self._closed:
                raise RuntimeError("audit writer closed")
            self._pending.append((row, ticket))
            self._cond.notify()
        if not ticket.done.wait(self.timeout):
            raise CatalogUnavailable("audit trail not written in time", "không ghi được nhật ký truy cập kịp thời")
        if ticket.error is not None:
            raise ticket.error

    async def write_async(self, row: dict[str, Any]) -> None:
        """``write`` for the event loop: awaits the commit without holding a thread."""
        sink = self._loop_sink
        if sink is not None and sink.usable():
            await sink.write(row)
            return
        await self.write_via_thread(row)

    async def write_via_thread(self, row: dict[str, Any]) -> None:
        """Commit ``row`` through the writer thread's group commit and await it (a loop sink's fallback)."""
        loop = asyncio.get_running_loop()
        ticket = _Ticket(loop, loop.create_future())
        with self._cond:
            if self._closed:
                raise RuntimeError("audit writer closed")
            self._pending.append((row, ticket))
            self._cond.notify()
        try:
            await asyncio.wait_for(ticket.future, self.timeout)
        except TimeoutError:
            raise CatalogUnavailable(
                "audit trail not written in time", "không ghi được nhật ký truy cập kịp thời"
            ) from None

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending and self._closed:
                    self._sink.close()
                    return
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            error: BaseException | None = None
            try:
                self._sink.insert([row for row, _ in batch])
            except CatalogUnavailable as e:
                error = e
            except Exception as e:  # pragma: no cover - reported to every waiting request
                error = e
            _finish_all([ticket for _, ticket in batch], error)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout=self.timeout)


class _RowSink:
    """Inserts access rows on the database driver directly, on one connection the writer thread keeps (renewed
    after a failure): a group of rows costs one ``executemany`` and one commit, without SQLAlchemy's per-row
    work or a pool's pre-ping. The rows are what ``access_row`` makes, written as SQLAlchemy would write them
    (``detail`` as JSON text, ``at`` in UTC; naive on SQLite, as SQLAlchemy stores it there)."""

    COLUMNS = ("at", "actor", "agency", "action", "doc_key", "doc_code", "owner_id", "batch_id", "detail")

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.sqlite = catalog.dialect == "sqlite"
        marks = ", ".join("?" if self.sqlite else ("%s::json" if c == "detail" else "%s") for c in self.COLUMNS)
        self.sql = f"INSERT INTO events ({', '.join(self.COLUMNS)}) VALUES ({marks})"
        self._conn: Any = None

    def _values(self, row: dict[str, Any]) -> tuple:
        return row_values(row, sqlite=self.sqlite)

    def insert(self, rows: list[dict[str, Any]]) -> None:
        values = [self._values(r) for r in rows]
        try:
            if self._conn is None:
                self._conn = self.catalog.engine.raw_connection()
            cur = self._conn.cursor()
            try:
                cur.executemany(self.sql, values)
            finally:
                cur.close()
            self._conn.commit()
        except self.catalog.engine.dialect.loaded_dbapi.Error as e:
            self.close(invalidate=True)
            raise CatalogUnavailable(f"audit trail not written: {e}", f"không ghi được nhật ký truy cập: {e}") from None

    def close(self, *, invalidate: bool = False) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            if invalidate:
                conn.invalidate()
            else:
                conn.close()


COLUMNS = _RowSink.COLUMNS


def row_values(row: dict[str, Any], *, sqlite: bool) -> tuple:
    """An ``access_row`` as the driver takes it, in ``COLUMNS`` order: ``detail`` as JSON text, ``at`` in UTC
    (naive text on SQLite, as SQLAlchemy stores it there)."""
    at = row["at"]
    if sqlite:  # "%Y-%m-%d %H:%M:%S.%f", written the quicker way
        at = (at.astimezone(UTC) if at.tzinfo else at).replace(tzinfo=None).isoformat(" ", "microseconds")
    return (at, *(row[c] for c in COLUMNS[1:-1]), orjson.dumps(row["detail"], option=orjson.OPT_NON_STR_KEYS).decode())


def _finish_all(tickets: list[_Ticket], error: BaseException | None) -> None:
    """Settle a committed group: threads wake at once; each event loop is woken once for all its requests."""
    by_loop: dict[Any, list[_Ticket]] = {}
    for t in tickets:
        t.error = error
        t.done.set()
        if t.loop is not None:
            by_loop.setdefault(t.loop, []).append(t)
    for loop, group in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(_settle_all, group)


def _settle_all(tickets: list[_Ticket]) -> None:
    for t in tickets:
        t._settle()


class _Ticket:
    __slots__ = ("done", "error", "future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None, future: asyncio.Future | None = None) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.loop, self.future = loop, future

    def _settle(self) -> None:
        if self.future is None or self.future.done():
            return
        if self.error is None:
            self.future.set_result(None)
        else:
            self.future.set_exception(self.error)


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
