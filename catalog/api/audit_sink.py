"""Group commit of the API's audit rows inside the event loop, on PostgreSQL: no thread hand-off per check.

``catalog.audit.AuditWriter`` commits rows from a writer thread: a request queues its row, the thread wakes,
inserts the group and wakes the event loop back. Under full load many rows share each of those wake-ups; at a
light load (a few hundred checks a second) every check pays a thread switch, a lock and a cross-thread
wake-up of the loop alone. On PostgreSQL, whose driver has an async API, the loop can commit its own rows:

- a request appends its row and a future to the pending list and awaits the future; if no flush is running,
  it starts one (a task of the loop);
- a flush takes every pending row (up to ``max_batch``), inserts them with **one statement** (``INSERT …
  SELECT * FROM unnest(arrays)``: prepared once, one round trip, committed by itself in autocommit), then
  settles their futures; rows that arrived meanwhile form the next group. The group commit is the same as the
  thread's — rows that arrive together share one commit and one WAL flush — without the thread.

A check's answer still leaves only after its row is committed (the future is settled after the statement
returned). A flush that fails or outlasts ``timeout`` fails its whole group (``CatalogUnavailable``: the
checks answer 503, none answered without its row); a connection the server dropped is made again and the
group tried once more. The sink belongs to the loop that opened it; ``AuditWriter.write_async`` uses it there
and its own thread anywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from catalog.errors import CatalogUnavailable

COLUMNS = ("at", "actor", "agency", "action", "doc_key", "doc_code", "owner_id", "batch_id", "detail")
_CASTS = ("timestamptz", "varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "json")
SQL = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) SELECT * FROM unnest({', '.join(f'%s::{c}[]' for c in _CASTS)})"
).encode()
SQL_ONE = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join(f'%s::{c}' for c in _CASTS)})".encode()
"""A group of one (most groups at a light load) as plain values: dumping nine arrays costs more than the
statement's round trip."""


def _unavailable(e: BaseException | str) -> CatalogUnavailable:
    return CatalogUnavailable(f"audit trail not written: {e}", f"không ghi được nhật ký truy cập: {e}")


def _values(row: dict[str, Any]) -> tuple:
    return (*(row[c] for c in COLUMNS[:-1]), json.dumps(row["detail"], ensure_ascii=False))


class PostgresAuditSink:
    def __init__(self, conninfo: str, *, max_batch: int = 500, timeout: float = 10.0) -> None:
        self.conninfo, self.max_batch, self.timeout = conninfo, max_batch, timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[dict[str, Any], asyncio.Future]] = []
        self._flush: asyncio.Task | None = None
        self._conn: Any = None
        self._closed = False

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()

    def usable(self) -> bool:
        return not self._closed and self._loop is asyncio.get_running_loop()

    async def write(self, row: dict[str, Any]) -> None:
        """Queue ``row`` and return once it is committed; raise ``CatalogUnavailable`` if it was not."""
        assert self._loop is not None, "PostgresAuditSink.open() first"
        future = self._loop.create_future()
        self._pending.append((row, future))
        if self._flush is None:
            self._flush = self._loop.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                group, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                error: BaseException | None = None
                try:
                    async with asyncio.timeout(self.timeout):
                        await self._insert([row for row, _ in group])
                except TimeoutError:
                    self._drop()  # its state is unknown: the statement may still be running
                    error = CatalogUnavailable(
                        "audit trail not written in time", "không ghi được nhật ký truy cập kịp thời"
                    )
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
        import psycopg

        if len(rows) == 1:
            sql, params = SQL_ONE, _values(rows[0])
        else:
            sql, params = SQL, [list(c) for c in zip(*(_values(r) for r in rows), strict=True)]
        for attempt in (1, 2):
            fresh = self._conn is None
            try:
                if self._conn is None:
                    self._conn = await psycopg.AsyncConnection.connect(
                        self.conninfo, autocommit=True, prepare_threshold=0
                    )
                await self._conn.execute(sql, params)
                return
            except psycopg.Error as e:
                self._drop()
                if fresh or attempt == 2 or not isinstance(e, psycopg.OperationalError):
                    raise _unavailable(e) from None

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.pgconn.finish()

    async def close(self) -> None:
        """Commit what is pending, then close; later writes go to the writer thread."""
        self._closed = True
        if self._flush is not None:
            with contextlib.suppress(Exception):
                await self._flush
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None


async def open_sink(url: str, dialect: str) -> PostgresAuditSink | None:
    """The loop's audit sink for a catalog URL (SQLAlchemy form); None where the thread writer is used (SQLite:
    its commits would block the loop)."""
    if dialect != "postgresql":
        return None
    from catalog.api.readers import pg_conninfo

    sink = PostgresAuditSink(pg_conninfo(url))
    await sink.open()
    return sink
