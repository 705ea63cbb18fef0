"""How the API's hot path reads an owner's papers: on the database driver directly, without a thread hop.

Each reader runs the one query of ``catalog.lookup_sql`` (the CLI runs the same text through SQLAlchemy):

- **SQLite**: one ``sqlite3`` connection per server process, read in the event loop itself. An indexed lookup
  of one owner takes tens of microseconds, less than handing it to a worker thread and back costs; in WAL mode
  a reader never waits for a writer, and the connection is ``query_only``.
- **PostgreSQL**: a pool of ``psycopg`` async connections in autocommit, the statement prepared once per
  connection (``prepare_threshold=0``): one round trip per check, no thread, no SQLAlchemy on the hot path.

A reader is opened in the application's lifespan and closed with it; without one (an application driven
without its lifespan), the routes read through ``Catalog.read`` in a worker thread and answer the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from catalog import lookup_sql
from catalog.errors import CatalogUnavailable


class PapersReader(Protocol):
    def usable(self) -> bool:
        """Whether it may be used here: a reader belongs to the event loop (thread) that opened it; a request
        served in another one (a test client running the application in a loop of its own) reads through
        ``Catalog.read`` instead."""
        ...

    async def owned(self, owner: str, types: Sequence[str]) -> list[Sequence[Any]]:
        """The owner's visible papers of these types (rows in ``lookup_sql.COLUMNS`` order)."""
        ...

    async def close(self) -> None: ...


def _unavailable(e: BaseException) -> CatalogUnavailable:
    return CatalogUnavailable(f"catalog database unavailable: {e}", f"cơ sở dữ liệu không sẵn sàng: {e}")


class SqliteReader:
    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._sql = lookup_sql.owned_sql("sqlite", types=True)
        self._thread = threading.get_ident()

    def usable(self) -> bool:
        return threading.get_ident() == self._thread

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, cached_statements=16)
        conn.execute("PRAGMA query_only=1")
        conn.execute("PRAGMA busy_timeout=2000")
        return conn

    async def owned(self, owner: str, types: Sequence[str]) -> list[Sequence[Any]]:
        params = {"owner": owner, "types": lookup_sql.types_param("sqlite", list(types))}
        try:
            if self._conn is None:
                self._conn = self._connect()
            return self._conn.execute(self._sql, params).fetchall()
        except sqlite3.OperationalError as e:
            self._drop()
            raise _unavailable(e) from None

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    async def close(self) -> None:
        self._drop()


class PostgresReader:
    """``size`` async connections, each with its cursor kept and the query prepared on it: a check takes an idle
    one (or waits for one), runs one round trip and gives it back. A connection that fails is closed and made
    again on next use; a read that meets a connection the server dropped (a restart) is tried once more on a
    new one before the check is answered 503."""

    def __init__(self, conninfo: str, size: int) -> None:
        self.conninfo, self.size = conninfo, max(1, size)
        self._sql = lookup_sql.owned_sql("postgresql", types=True, paramstyle="pyformat").encode()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: asyncio.LifoQueue[Any] | None = None
        self._open: set[Any] = set()

    def usable(self) -> bool:
        return self._loop is asyncio.get_running_loop()

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._idle = asyncio.LifoQueue()
        for _ in range(self.size):
            self._idle.put_nowait(None)  # a free place; its connection is made on first use

    async def _connect(self) -> Any:
        import psycopg

        conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True, prepare_threshold=0)
        self._open.add(conn)
        return conn, conn.cursor()

    async def _discard(self, slot: Any) -> None:
        self._open.discard(slot[0])
        with contextlib.suppress(Exception):
            await slot[0].close()

    async def owned(self, owner: str, types: Sequence[str]) -> list[Sequence[Any]]:
        import psycopg

        assert self._idle is not None, "PostgresReader.open() first"
        slot = self._idle.get_nowait() if not self._idle.empty() else await self._idle.get()
        params = {"owner": owner, "types": list(types)}
        try:
            for attempt in (1, 2):
                fresh = slot is None
                try:
                    if slot is None:
                        slot = await self._connect()
                    cur = slot[1]
                    await cur.execute(self._sql, params)
                    return await cur.fetchall()
                except psycopg.OperationalError as e:
                    if slot is not None:
                        await self._discard(slot)
                        slot = None
                    if fresh or attempt == 2:
                        raise _unavailable(e) from None
            raise AssertionError("unreachable")
        except BaseException:
            if slot is not None:  # cancelled mid-query: the connection's state is unknown, drop it at once
                self._open.discard(slot[0])
                slot[0].pgconn.finish()
                slot = None
            raise
        finally:
            self._idle.put_nowait(slot)

    async def close(self) -> None:
        for conn in list(self._open):
            with contextlib.suppress(Exception):
                await conn.close()
        self._open.clear()


def pg_conninfo(url: str) -> str:
    """A PostgreSQL catalog URL (SQLAlchemy form, ``postgresql+psycopg://…``) as libpq takes it."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def open_reader(url: str, dialect: str, size: int) -> PapersReader | None:
    """The reader for a catalog URL (SQLAlchemy form), or None where there is none (an in-memory database)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if dialect == "sqlite":
        if not u.database or u.database == ":memory:":
            return None
        return SqliteReader(u.database)
    if dialect == "postgresql":
        reader = PostgresReader(pg_conninfo(url), size)
        await reader.open()
        return reader
    return None
