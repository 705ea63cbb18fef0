"""How the API's hot path reads an owner's papers: on the database driver directly, without a thread hop.

Each reader runs the one query of ``catalog.lookup_sql`` (the CLI runs the same text through SQLAlchemy):

- **SQLite**: one ``sqlite3`` connection per server process, read in the event loop itself. An indexed lookup
  of one owner takes tens of microseconds, less than handing it to a worker thread and back costs; in WAL mode
  a reader never waits for a writer, and the connection is ``query_only``.
- **PostgreSQL**: a few ``asyncpg`` connections kept by the reader itself (no pool object), the statement
  prepared once per connection: one round trip per check, no thread, no SQLAlchemy on the hot path. asyncpg's
  protocol runs in the event loop as a transport; psycopg's async connection registers and unregisters its
  socket with the loop for every wait, and spent twice asyncpg's CPU per query (measured on one connection:
  110-126 against 56-58 µs for a one-row query).

A reader is opened in the application's lifespan and closed with it; without one (an application driven
without its lifespan), the routes read through ``Catalog.read`` in a worker thread and answer the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
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


@functools.lru_cache(maxsize=1024)
def _sqlite_types(types: tuple[str, ...]) -> object:
    """The types as the SQLite query's JSON parameter: a check asks for one procedure's list, so few lists recur."""
    return lookup_sql.types_param("sqlite", list(types))


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
        params = {"owner": owner, "types": _sqlite_types(tuple(types))}
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
    """``size`` asyncpg connections, each with the query prepared on it: a check takes an idle one (or waits for
    one), runs one round trip and gives it back. A connection that fails is closed and made again on next use; a
    read that meets a connection the server dropped (a restart) is tried once more on a new one before the check
    is answered 503."""

    def __init__(self, conninfo: str, size: int) -> None:
        self.conninfo, self.size = conninfo, max(1, size)
        self._sql = lookup_sql.owned_sql("postgresql", types=True, paramstyle="numeric")
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
        conn = await pg_connect(self.conninfo)
        self._open.add(conn)
        try:
            return conn, await conn.prepare(self._sql)
        except BaseException:
            self._open.discard(conn)
            conn.terminate()
            raise

    async def _discard(self, slot: Any) -> None:
        self._open.discard(slot[0])
        with contextlib.suppress(Exception):
            await slot[0].close(timeout=2)

    async def owned(self, owner: str, types: Sequence[str]) -> list[Sequence[Any]]:
        assert self._idle is not None, "PostgresReader.open() first"
        slot = self._idle.get_nowait() if not self._idle.empty() else await self._idle.get()
        try:
            for attempt in (1, 2):
                fresh = slot is None
                try:
                    if slot is None:
                        slot = await self._connect()
                    return await slot[1].fetch(owner, lookup_sql.types_param("postgresql", list(types)))
                except Exception as e:
                    if not connection_lost(e):
                        raise
                    if slot is not None:
                        await self._discard(slot)
                        slot = None
                    if fresh or attempt == 2:
                        raise _unavailable(e) from None
            raise AssertionError("unreachable")
        except BaseException:
            if slot is not None:  # cancelled mid-query: the connection's state is unknown, drop it at once
                self._open.discard(slot[0])
                slot[0].terminate()
                slot = None
            raise
        finally:
            self._idle.put_nowait(slot)

    async def close(self) -> None:
        for conn in list(self._open):
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
        self._open.clear()


async def pg_connect(conninfo: str) -> Any:
    """An asyncpg connection to ``conninfo`` (a ``postgresql://`` URL), at most 10 s in the making."""
    import asyncpg

    return await asyncpg.connect(conninfo, timeout=10)


def connection_lost(e: BaseException) -> bool:
    """Whether ``e`` says the connection to PostgreSQL is gone or could not be made (worth one more try on a new
    one), as opposed to an error of the statement itself."""
    import asyncpg
    from asyncpg import exceptions as x

    return isinstance(
        e,
        OSError
        | TimeoutError
        | asyncpg.PostgresConnectionError
        | asyncpg.InterfaceError
        | x.AdminShutdownError
        | x.CrashShutdownError
        | x.CannotConnectNowError,
    )


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
