"""The catalog database: SQLAlchemy 2 models and the operations the pipeline needs.

SQLite by default (embedded, one file), PostgreSQL by URL; the schema is created and upgraded by
Alembic (``catalog/migrations``). Every state change that matters is also an event row — the audit and
preservation trail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from catalog.errors import CatalogUnavailable, ClaimLost, SequenceExhausted
from catalog.status import FINAL_DOCUMENT_STATUSES, Status


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_batch_id() -> str:
    return "B" + utcnow().strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:8]


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(20), default="running")  # running | done | interrupted
    operator: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str] = mapped_column(String(20))
    input_dir: Mapped[str] = mapped_column(Text)
    items_total: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str | None] = mapped_column(String(10))  # "queue" when run by workers; None = in-process


class BatchItem(Base):
    __tablename__ = "batch_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    input: Mapped[str] = mapped_column(Text)
    doc_key: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default=Status.PENDING)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # files, declared, problem (queued batches)
    pages: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int | None] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(120))


class Dossier(Base):
    __tablename__ = "dossiers"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency: Mapped[str] = mapped_column(String(20))
    procedure: Mapped[str | None] = mapped_column(String(40))
    owner_id: Mapped[str | None] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Document(Base):
    __tablename__ = "documents"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the source bytes
    doc_code: Mapped[str | None] = mapped_column(String(80), unique=True)
    paper_code: Mapped[str | None] = mapped_column(String(120))
    dossier_code: Mapped[str | None] = mapped_column(ForeignKey("dossiers.code"), index=True)
    ordinal: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="result")
    status: Mapped[str] = mapped_column(String(20), index=True)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    review_reasons: Mapped[list[Any]] = mapped_column(default=list)
    input: Mapped[str] = mapped_column(Text)
    batch_id: Mapped[str | None] = mapped_column(String(40), index=True)
    agency: Mapped[str] = mapped_column(String(20))
    operator: Mapped[str] = mapped_column(String(100))
    procedure: Mapped[str | None] = mapped_column(String(40))
    type_code: Mapped[str | None] = mapped_column(String(20), index=True)
    type_name: Mapped[str | None] = mapped_column(String(200))
    type_confidence: Mapped[float | None] = mapped_column(Float)
    type_candidates: Mapped[list[Any]] = mapped_column(default=list)
    owner_id: Mapped[str | None] = mapped_column(String(20), index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    issue_date: Mapped[str | None] = mapped_column(String(10))
    valid_until: Mapped[str | None] = mapped_column(String(10))
    pages: Mapped[int | None] = mapped_column(Integer)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    pdf_key: Mapped[str | None] = mapped_column(Text)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    objects: Mapped[dict[str, Any]] = mapped_column(default=dict)  # store key -> sha256
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signature_level: Mapped[str | None] = mapped_column(String(10))  # revision 0004
    timestamp_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)  # 0004
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # validity ended (nightly expiry)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))  # clerk who confirmed it in the review queue
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(120))  # revision 0008: the run that holds the claim

    __table_args__ = (Index("ix_documents_owner_type", "owner_id", "type_code"),)


class CodeSequence(Base):
    __tablename__ = "code_sequences"
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    period: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40), index=True)
    doc_key: Mapped[str | None] = mapped_column(String(64), index=True)
    doc_code: Mapped[str | None] = mapped_column(String(80))
    owner_id: Mapped[str | None] = mapped_column(String(20), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


@dataclass(frozen=True, slots=True)
class Claim:
    """Outcome of claiming a document key at the start of processing."""

    kind: str  # "new" | "resume" | "duplicate"
    document: Document
    holder: str = ""
    """The claim's fencing token: every later write of the run names it (``update_document(..., holder=…)``)."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """The catalog's engine; on SQLite it also serves lookups, so its pool holds at least ``pool_size``."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, pool_size=max(5, pool_size))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(_pg_url(url), pool_pre_ping=True)


def _pg_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _unavailable(e: DBAPIError) -> CatalogUnavailable:
    return CatalogUnavailable(f"catalog database unavailable: {e.orig}", f"cơ sở dữ liệu không sẵn sàng: {e.orig}")


READ_POOL_SIZE = 8
"""Default connections of the read engine (per process): enough to keep a database on a few cores busy."""


def make_read_engine(url: str, pool_size: int = READ_POOL_SIZE) -> Engine | None:
    """An engine for single-statement reads (lookups), or None where the main engine serves as well (SQLite).

    On PostgreSQL a read through the main engine costs four round trips: the pre-ping, BEGIN, the query and
    the ROLLBACK that ends the transaction. Here it costs one: connections are in autocommit (a lone SELECT
    needs no transaction) and are not pinged; ``Catalog.read`` retries once a read that meets a connection
    the server dropped (SQLAlchemy then renews the whole pool). Callers keep their concurrent reads within
    ``pool_size`` (the API does, with a limiter): connections beyond the pool would be opened and closed
    again per request, and PostgreSQL starts a process for each."""
    if url.startswith("sqlite"):
        return None
    return create_engine(_pg_url(url), pool_size=pool_size, max_overflow=pool_size, isolation_level="AUTOCOMMIT")


class Catalog:
    """Repository over the catalog database. One instance per process; sessions are short."""

    def __init__(self, url: str, *, migrate: bool = True, read_pool_size: int = READ_POOL_SIZE) -> None:
        self.url = url
        self.engine = make_engine(url, read_pool_size)
        self.read_pool_size = read_pool_size
        self._reader: Engine | None = None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def reader(self) -> Engine:
        """The engine lookups read through (see ``make_read_engine``); opened on first use."""
        if self._reader is None:
            self._reader = make_read_engine(self.url, self.read_pool_size) or self.engine
        return self._reader

    def read(self, stmt: Any, params: dict[str, Any] | None = None) -> list[Any]:
        """The rows of one SELECT, in one round trip; a dropped connection is retried once, then
        ``CatalogUnavailable``."""
        for attempt in (1, 2):
            try:
                with self.reader.connect() as conn:
                    return list(conn.execute(stmt, params or {}))
            except DBAPIError as e:
                if attempt == 1 and e.connection_invalidated:
                    continue  # the server restarted or dropped us: the pool is renewed, try once more
                if isinstance(e, OperationalError) or e.connection_invalidated:
                    raise _unavailable(e) from e
                raise
        raise AssertionError("unreachable")

    def execute(self, stmt: Any, params: dict[str, Any] | list[dict[str, Any]]) -> None:
        """One write statement (once per row for a list) in its own transaction, without an ORM session: half
        the CPU of ``session`` for a hot path such as the warehouse ledger."""
        try:
            with self.engine.begin() as conn:
                conn.execute(stmt, params)
        except OperationalError as e:
            raise _unavailable(e) from e

    def migrate(self) -> None:
        from catalog.migrate import upgrade

        try:
            upgrade(self.engine)
        except OperationalError as e:
            raise CatalogUnavailable(
                f"catalog database unreachable: {e.orig}", f"không kết nối được cơ sở dữ liệu: {e.orig}"
            ) from e

    def close(self) -> None:
        if self._reader is not None and self._reader is not self.engine:
            self._reader.dispose()
        self._reader = None
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as s:
                yield s
        except OperationalError as e:
            raise _unavailable(e) from e

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # --- batches ------------------------------------------------------------------------------
    def begin_batch(
        self, operator: str, agency: str, input_dir: str, batch_id: str | None = None, mode: str | None = None
    ) -> str:
        batch_id = batch_id or new_batch_id()
        with self.session() as s:
            s.add(Batch(id=batch_id, operator=operator, agency=agency, input_dir=input_dir, mode=mode))
            s.add(
                Event(
                    actor=operator,
                    agency=agency,
                    action="batch_started",
                    batch_id=batch_id,
                    detail={"input_dir": input_dir},
                )
            )
        return batch_id

    def set_batch_items_total(self, batch_id: str, n: int) -> None:
        with self.session() as s:
            s.execute(update(Batch).where(Batch.id == batch_id).values(items_total=n))

    def finish_batch(self, batch_id: str, state: str = "done") -> None:
        with self.session() as s:
            s.execute(update(Batch).where(Batch.id == batch_id).values(state=state, finished_at=utcnow()))
            b = s.get(Batch, batch_id)
            s.add(
                Event(
                    actor=b.operator if b else "system",
                    agency=b.agency if b else None,
                    action=f"batch_{state}",
                    batch_id=batch_id,
                )
            )

    def get_batch(self, batch_id: str) -> Batch | None:
        with self.session() as s:
            return s.get(Batch, batch_id)

    def batch_items(self, batch_id: str) -> list[BatchItem]:
        with self.session() as s:
            return list(s.scalars(select(BatchItem).where(BatchItem.batch_id == batch_id).order_by(BatchItem.ordinal)))

    # --- documents ----------------------------------------------------------------------------
    def claim(
        self,
        key: str,
        *,
        holder: str,
        batch_id: str,
        input_name: str,
        agency: str,
        operator: str,
        kind: str,
        procedure: str | None,
    ) -> Claim:
        """Claim the document for ``holder``: insert it as ``processing``, take over one left unfinished, or
        report the document already in the warehouse (``duplicate``).

        The caller holds the lease ``doc:<key>``, so an unfinished document found here was left by a run that
        died. Taking it over sets ``claimed_by`` to ``holder``: that run's writes, should it still be alive
        after all (a paused machine), no longer match and change nothing."""
        with self.session() as s:
            doc = s.get(Document, key, with_for_update=self.dialect == "postgresql")
            if doc is None:
                doc = Document(
                    key=key,
                    status=Status.PROCESSING,
                    input=input_name,
                    batch_id=batch_id,
                    agency=agency,
                    operator=operator,
                    kind=kind,
                    procedure=procedure,
                    claimed_by=holder,
                )
                s.add(doc)
                try:
                    s.flush()
                except IntegrityError:
                    s.rollback()
                    return self.claim(
                        key,
                        holder=holder,
                        batch_id=batch_id,
                        input_name=input_name,
                        agency=agency,
                        operator=operator,
                        kind=kind,
                        procedure=procedure,
                    )
                return Claim("new", doc, holder)
            if doc.status in FINAL_DOCUMENT_STATUSES:
                return Claim("duplicate", doc)
            doc.status = Status.PROCESSING
            doc.batch_id = batch_id
            doc.input = input_name
            doc.operator = operator
            doc.claimed_by = holder
            return Claim("resume", doc, holder)

    def get(self, key: str) -> Document | None:
        with self.session() as s:
            return s.get(Document, key)

    def by_code(self, doc_code: str) -> Document | None:
        with self.session() as s:
            return s.scalar(select(Document).where(Document.doc_code == doc_code))

    def update_document(
        self, key: str, *, holder: str | None = None, outbox: tuple[str, str] | None = None, **values: Any
    ) -> None:
        """Change a document's record. With ``holder`` (a run's claim), only while that claim stands and the
        document is not yet in the warehouse — except for the run's own final write, which sets an
        ``archived``/``needs_review`` status: a status never moves back from those, and a run whose claim
        was taken over changes nothing (``ClaimLost``). With ``outbox`` (change, reason), the change's row for
        the national portal's warehouse (``catalog.outbox``) is written in the same transaction."""
        stmt = update(Document).where(Document.key == key)
        if holder is not None:
            stmt = stmt.where(Document.claimed_by == holder, Document.status.not_in(FINAL_DOCUMENT_STATUSES))
        with self.session() as s:
            changed = s.execute(stmt.values(**values).execution_options(synchronize_session=False)).rowcount
            if holder is not None and not changed:
                raise ClaimLost(
                    "another run took this document over; this run leaves it to that one",
                    "một lượt chạy khác đã nhận xử lý tài liệu này; lượt này để lại cho lượt đó",
                )
            if outbox is not None and changed:
                from catalog import outbox as ob

                ob.add(s, key, ob.Change(outbox[0]), outbox[1])

    def next_sequence(self, scope: str, period: str = "", limit: int | None = None) -> int:
        """Atomically take the next number of a counter (safe across processes and machines)."""
        table = CodeSequence.__table__
        from sqlalchemy.dialects import postgresql, sqlite  # the engine has loaded its own already

        dialect = postgresql if self.dialect == "postgresql" else sqlite
        stmt = (
            dialect.insert(table)
            .values(scope=scope, period=period, last=1)
            .on_conflict_do_update(index_elements=["scope", "period"], set_={"last": table.c.last + 1})
            .returning(table.c.last)
        )
        with self.session() as s:
            value = int(s.execute(stmt).scalar_one())
        if limit is not None and value > limit:
            raise SequenceExhausted(
                f"counter {scope} {period} passed {limit}", f"bộ đếm {scope} {period} vượt quá {limit}"
            )
        return value

    def ensure_dossier(self, code: str, agency: str, procedure: str | None, owner_id: str | None) -> None:
        with self.session() as s:
            if s.get(Dossier, code) is None:
                s.add(Dossier(code=code, agency=agency, procedure=procedure, owner_id=owner_id))
                try:
                    s.flush()
                except IntegrityError:
                    s.rollback()

    def record_event(
        self,
        action: str,
        actor: str,
        *,
        agency: str | None = None,
        doc_key: str | None = None,
        doc_code: str | None = None,
        owner_id: str | None = None,
        batch_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self.session() as s:
            s.add(
                Event(
                    action=action,
                    actor=actor,
                    agency=agency,
                    doc_key=doc_key,
                    doc_code=doc_code,
                    owner_id=owner_id,
                    batch_id=batch_id,
                    detail=detail or {},
                )
            )

    def events(
        self, *, doc_key: str | None = None, owner_id: str | None = None, action: str | None = None
    ) -> list[Event]:
        q = select(Event).order_by(Event.id)
        if doc_key:
            q = q.where(Event.doc_key == doc_key)
        if owner_id:
            q = q.where(Event.owner_id == owner_id)
        if action:
            q = q.where(Event.action == action)
        with self.session() as s:
            return list(s.scalars(q))

    def count_by_status(self) -> dict[str, int]:
        with self.session() as s:
            rows = s.execute(select(Document.status, func.count()).group_by(Document.status))
            return {status: n for status, n in rows}
