"""Group commit of the API's audit rows inside the event loop: no thread hand-off per check.

``catalog.audit.AuditWriter`` commits rows from a writer thread: a request queues its row, the thread wakes,
inserts the group and wakes the event loop back. Under full load many rows share each of those wake-ups; at a
light load (a few hundred checks a second) every check pays a thread switch, a lock and a cross-thread
wake-up of the loop alone. The loop can commit its own rows:

- a request appends its row and a future to the pending list and awaits the future; if no flush is running,
  it starts one (a task of the loop) — on PostgreSQL it commits its own row itself instead (``_lead``: at a
  light load most checks find no flush running, and save a task, a future and a loop turn);
- a flush takes every pending row (up to ``max_batch``), commits them together, then settles their futures;
  rows that arrived meanwhile form the next group. The group commit is the same as the thread's — rows that
  arrive together share one commit and one WAL flush — without the thread.
- **PostgreSQL** (asyncpg): one statement per group (``INSERT … SELECT * FROM unnest(arrays)``, or plain
  values for a group of one), prepared once, one round trip, committed by itself in autocommit.
- **SQLite**: the insert and commit run in the loop itself on a connection of its own (WAL, ``synchronous=
  NORMAL``: a commit appends to the log without an fsync, tens of microseconds; a group of one is a single
  INSERT in autocommit, larger groups one transaction). It never blocks on the write lock: with
  ``busy_timeout=0`` a group that finds the database locked tries again after 0.5, 1, 2, 4 and 8 ms, the loop
  serving other requests meanwhile (another API worker process holds the lock for a commit of tens of
  microseconds), and only then goes to the writer thread, which waits for the lock as before (a batch run can
  hold it for seconds). SQLite's own busy handler, which that thread uses, sleeps 1, 2, 5, 10 … ms between tries
  whatever the holder does: with two workers, every collision of their commits cost a check tens of
  milliseconds. The loop's connection does not checkpoint (that would fsync in the loop); every
  ``checkpoint_rows`` rows a passive checkpoint runs in a worker thread.

A check's answer still leaves only after its row is committed (the future is settled after the statement
returned). A flush that fails or outlasts ``timeout`` fails its whole group (``CatalogUnavailable``: the
checks answer 503, none answered without its row); a connection the server dropped is made again and the
group tried once more. The sink belongs to the loop that opened it; ``AuditWriter.write_async`` uses it there
and its own thread anywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from catalog.audit import COLUMNS, row_values
from catalog.errors import CatalogUnavailable

_CASTS = ("timestamptz", "varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "json")
SQL = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'${i}::{c}[]' for i, c in enumerate(_CASTS, 1))})"
)
SQL_ONE = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join(f'${i}::{c}' for i, c in enumerate(_CASTS, 1))})"
)
"""A group of one (most groups at a light load) as plain values: encoding nine arrays costs more than the
statement's round trip."""


def _unavailable(e: BaseException | str) -> CatalogUnavailable:
    return CatalogUnavailable(f"audit trail not written: {e}", f"không ghi được nhật ký truy cập: {e}")


class LoopAuditSink:
    """The group commit in the loop; a subclass says how a group is inserted (``_insert``)."""

    lead = True
    """Whether a row that finds no flush running is committed by its own request (see ``_lead``). Not on SQLite,
    whose insert does not wait: the first request of a busy loop turn would commit alone, and the rows of the
    others behind it would never share its commit."""

    timed = True
    """Whether a group's insert runs under ``timeout`` (SQLite's runs in the loop itself, its short waits for the
    lock are bounded and its fallback, the writer thread, has its own timeout)."""

    def __init__(self, *, max_batch: int = 500, timeout: float = 10.0) -> None:
        self.max_batch, self.timeout = max_batch, timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[dict[str, Any], asyncio.Future]] = []
        self._flush: asyncio.Future | None = None
        """The running flush: the drain task, or a leading request's future (``_lead``)."""
        self._conn: Any = None
        self._closed = False

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()

    def usable(self) -> bool:
        return not self._closed and self._loop is asyncio.get_running_loop()

    async def write(self, row: dict[str, Any]) -> None:
        """Queue ``row`` and return once it is committed; raise ``CatalogUnavailable`` if it was not."""
        assert self._loop is not None, "open() first"
        if self.lead and self._flush is None:
            await self._lead(row)
            return
        future = self._loop.create_future()
        self._pending.append((row, future))
        if self._flush is None:
            self._flush = self._loop.create_task(self._drain())
        await future

    async def _lead(self, row: dict[str, Any]) -> None:
        """Nobody is committing: this request commits its own row itself, without a task of its own and a
        future to wake it; rows that arrive meanwhile wait, and form the next group once it is done."""
        assert self._loop is not None
        self._flush = done = self._loop.create_future()  # a flush is running: later rows queue; close() waits
        try:
            await self._group([row])
        finally:
            done.set_result(None)
            self._flush = None
            if self._pending:
                self._flush = self._loop.create_task(self._drain())

    async def _group(self, rows: list[dict[str, Any]]) -> None:
        try:
            if self.timed:
                async with asyncio.timeout(self.timeout):
                    await self._insert(rows)
            else:
                await self._insert(rows)
        except TimeoutError:
            self._drop()  # its state is unknown: the statement may still be running
            raise CatalogUnavailable(
                "audit trail not written in time", "không ghi được nhật ký truy cập kịp thời"
            ) from None

    async def _drain(self) -> None:
        try:
            while self._pending:
                group, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                error: BaseException | None = None
                try:
                    await self._group([row for row, _ in group])
                except CatalogUnavailable as e:
                    error = e
                for _, future in group:
                    if future.done():  # its request went away (cancelled); the row is written all the same
                        continue
                    if error is None:
                        future.set_result(None)
                    else:
                        future.set_exception(error)
        finally:
            self._flush = None

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def _drop(self) -> None:
        raise NotImplementedError

    async def _close_connection(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Commit what is pending, then close; later writes go to the writer thread."""
        self._closed = True
        if self._flush is not None:
            with contextlib.suppress(Exception):
                await self._flush
        with contextlib.suppress(Exception):
            await self._close_connection()


class PostgresAuditSink(LoopAuditSink):
    """Groups inserted on one asyncpg connection (``catalog.api.readers.pg_connect``), in autocommit: each
    statement commits by itself; both statements are prepared once, by asyncpg's statement cache."""

    def __init__(self, conninfo: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.conninfo = conninfo

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        from catalog.api.readers import connection_lost, pg_connect

        if len(rows) == 1:
            sql, params = SQL_ONE, row_values(rows[0], sqlite=False)
        else:
            sql, params = SQL, tuple(list(c) for c in zip(*(row_values(r, sqlite=False) for r in rows), strict=True))
        for attempt in (1, 2):
            fresh = self._conn is None
            try:
                if self._conn is None:
                    self._conn = await pg_connect(self.conninfo)
                await self._conn.execute(sql, *params)
                return
            except Exception as e:
                self._drop()
                if fresh or attempt == 2 or not connection_lost(e):
                    raise _unavailable(e) from None
            except BaseException:  # cancelled (the flush's time ran out): the statement's fate is unknown
                self._drop()
                raise

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.terminate()

    async def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close(timeout=2)


class SqliteAuditSink(LoopAuditSink):
    timed = False
    lead = False

    def __init__(self, path: str, fallback: Callable[[dict[str, Any]], Awaitable[None]], **kw: Any) -> None:
        super().__init__(**kw)
        self.path, self.fallback = path, fallback
        self.checkpoint_rows = 2000
        self.retry_delays: tuple[float, ...] = (0.0005, 0.001, 0.002, 0.004, 0.008)
        """Waits before trying a locked database again in the loop (15.5 ms in all), then the writer thread."""
        self._since_checkpoint = 0
        self._checkpointing = False
        self._sql = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=0")  # never wait for the write lock in the loop
        conn.execute("PRAGMA synchronous=NORMAL")  # as the catalog's own connections: no fsync per commit
        conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run in a worker thread (``_checkpoint``)
        return conn

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        values = [row_values(r, sqlite=True) for r in rows]
        for delay in (*self.retry_delays, None):
            try:
                self._commit(values)
                break
            except sqlite3.OperationalError as e:
                if not _busy(e):
                    self._drop()
                    raise _unavailable(e) from None
                if delay is None:  # still locked: the thread waits for the lock, the loop does not
                    await asyncio.gather(*(self.fallback(r) for r in rows))
                    return
                await asyncio.sleep(delay)
            except sqlite3.Error as e:
                self._drop()
                raise _unavailable(e) from None
        self._since_checkpoint += len(rows)
        if self._since_checkpoint >= self.checkpoint_rows and not self._checkpointing:
            self._since_checkpoint, self._checkpointing = 0, True
            assert self._loop is not None
            self._loop.run_in_executor(None, self._checkpoint)

    def _commit(self, values: list[tuple]) -> None:
        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        if len(values) == 1:  # autocommit: the statement is its own transaction, committed when it returns
            conn.execute(self._sql, values[0])
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(self._sql, values)
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def _checkpoint(self) -> None:
        """A passive checkpoint on a connection of its own (a worker thread): it waits for nobody."""
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=0)) as conn:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # the next one, or any other connection's automatic checkpoint, does it
        finally:
            self._checkpointing = False

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    async def _close_connection(self) -> None:
        self._drop()


def _busy(e: sqlite3.OperationalError) -> bool:
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(e) or "busy" in str(e)


async def open_sink(
    url: str, dialect: str, fallback: Callable[[dict[str, Any]], Awaitable[None]]
) -> LoopAuditSink | None:
    """The loop's audit sink for a catalog URL (SQLAlchemy form); None where there is none (an in-memory
    database: the writer thread commits). ``fallback`` commits a row through the writer thread."""
    sink: LoopAuditSink
    if dialect == "postgresql":
        from catalog.api.readers import pg_conninfo

        sink = PostgresAuditSink(pg_conninfo(url))
    elif dialect == "sqlite":
        from sqlalchemy.engine import make_url

        database = make_url(url).database
        if not database or database == ":memory:":
            return None
        sink = SqliteAuditSink(database, fallback)
    else:
        return None
    await sink.open()
    return sink
