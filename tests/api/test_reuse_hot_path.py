"""The reuse check's hot path (``catalog.api.reuse``) answers exactly as FastAPI's route does, reads the same
rows on the driver as SQLAlchemy reads, and survives a database that drops its connections."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi.testclient import TestClient

from catalog import lookup, lookup_sql
from catalog.api.readers import open_reader
from catalog.api.reuse import ReuseCheckFastPath
from catalog.status import Status
from tests.api_data import CITIZEN, ENTERPRISE, NOBODY, ON, OTHER_CITIZEN, make_api

pytest_plugins = ["tests.fixtures_api"]

CASES = [
    ("lookup", {"owner_id": CITIZEN, "procedure_code": "1.000894", "on_date": ON}, {"X-Purpose": "HS-1"}),
    ("lookup", {"owner_id": CITIZEN, "required_types": ["GKS", "CCCD", "GXNTTHN"], "on_date": ON}, {}),
    ("lookup", {"owner_id": CITIZEN, "required_types": ["GKS"], "on_date": "1995-01-01"}, {}),
    ("lookup", {"owner_id": ENTERPRISE, "required_types": ["GCNDKDN"], "on_date": ON}, {}),
    ("lookup", {"owner_id": NOBODY, "required_types": ["GKS", "CCCD"], "on_date": ON}, {}),
    ("lookup", {"owner_id": OTHER_CITIZEN, "required_types": ["GKS"], "on_date": ON}, {}),
    ("lookup", {"owner_id": "03709601458X", "required_types": ["GKS"]}, {}),  # not an ID: 400
    ("lookup", {"owner_id": CITIZEN, "procedure_code": "1.999999"}, {}),  # unknown procedure: 404
    ("lookup", {"owner_id": CITIZEN}, {}),  # neither procedure nor types: 400
    ("lookup", {"owner_id": CITIZEN, "required_types": ["GKS"], "extra": 1}, {}),  # 422
    ("lookup", {"owner_id": CITIZEN, "required_types": ["NOPE"]}, {}),  # unknown type: 400
    ("lookup", {"required_types": ["GKS"]}, {}),  # owner missing: 422
    ("lookup", {"owner_id": CITIZEN, "required_types": ["GKS"], "on_date": "22/11/2026"}, {}),  # 422
    ("search", {"owner_id": CITIZEN, "required_types": ["GKS"]}, {}),  # scope: 403
    (None, {"owner_id": CITIZEN, "required_types": ["GKS"]}, {}),  # no key: 401
    ("bogus", {"owner_id": CITIZEN, "required_types": ["GKS"]}, {}),  # unknown key: 401
]


def _ask(api, client: TestClient, who, body, extra) -> tuple[int, dict]:
    headers = dict(extra)
    if who == "bogus":
        headers["X-API-Key"] = "sohoa_nope"
    elif who is not None:
        headers.update(api.h(who))
    r = client.post("/v1/reuse-check", json=body, headers=headers)
    return r.status_code, r.json()


def test_the_hot_path_answers_as_the_route_does(catalog_url, tmp_path):
    api = make_api(catalog_url, tmp_path / "a")
    served: list[str] = []
    with api.client:  # the application's lifespan: the hot path reads on the driver
        ctx = api.client.app.state.ctx
        assert ctx.papers is not None
        owned = ctx.papers.owned

        async def counting(owner, types):
            served.append(owner)
            return await owned(owner, types)

        ctx.papers.owned = counting
        fast = [_ask(api, api.client, *case) for case in CASES]
    assert len(served) == 6  # every valid request read through the driver, none of the refused ones

    app = api.client.app  # the same application without the hot path: FastAPI's route, reads in a thread
    fast_path, app.fast_path = app.fast_path, None
    assert isinstance(fast_path, ReuseCheckFastPath)
    with TestClient(app) as plain:
        ctx = app.state.ctx
        reader, ctx.papers = ctx.papers, None  # and reads through Catalog.read in a worker thread
        slow = [_ask(api, plain, *case) for case in CASES]
        ctx.papers = reader
    app.fast_path = fast_path
    for case, a, b in zip(CASES, fast, slow, strict=True):
        assert a == b, case
    assert [s for s, _ in fast] == [200] * 6 + [400, 404, 400, 422, 400, 422, 422, 403, 401, 401]
    assert fast[0][1]["reusable"] >= 1 and fast[0][1]["papers"][0]["document"]["signed_at"].endswith("+00:00")
    api.catalog.close()


def test_answers_are_counted_by_route_and_carry_the_security_headers(api):
    r = api.client.post("/v1/reuse-check", json={"owner_id": CITIZEN, "required_types": ["GKS"]}, headers=api.h())
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    metrics = api.client.get("/metrics").text
    assert 'sohoa_api_requests_total{method="POST",route="/v1/reuse-check",status="200"} 1.0' in metrics


def test_a_body_too_large_is_refused(api):
    body = b'{"owner_id": "' + b"1" * 70_000 + b'"}'
    r = api.client.post("/v1/reuse-check", content=body, headers={**api.h(), "Content-Type": "application/json"})
    assert r.status_code in (413, 422) and r.json()["error"]


def test_the_driver_reads_the_rows_sqlalchemy_reads(catalog_url, tmp_path):
    api = make_api(catalog_url, tmp_path)
    owners = [CITIZEN, OTHER_CITIZEN, ENTERPRISE, NOBODY]
    types = ["GKS", "CCCD", "GXNTTHN", "GCNDKDN"]

    def norm(rows):
        return sorted((*r[:5], lookup_sql.timestamp(r[5]), *r[6:]) for r in rows)

    async def driver():
        reader = await open_reader(api.catalog.url, api.catalog.dialect, 2)
        try:
            return [await reader.owned(o, types) for o in owners]
        finally:
            await reader.close()

    got = asyncio.run(driver())
    want = [lookup.owned_rows(api.catalog, o, types) for o in owners]
    assert [norm(g) for g in got] == [norm(w) for w in want]
    assert sum(len(w) for w in want) >= 5
    assert set(lookup_sql.VISIBLE) == {str(s) for s in lookup.VISIBLE} == {Status.ARCHIVED, Status.NEEDS_REVIEW}
    api.catalog.close()


def test_postgres_reader_survives_dropped_connections(postgres_url, tmp_path):
    import psycopg

    api = make_api(postgres_url, tmp_path)
    conninfo = api.catalog.url.replace("postgresql+psycopg://", "postgresql://")

    async def scenario():
        reader = await open_reader(api.catalog.url, "postgresql", 2)
        try:
            first = await reader.owned(CITIZEN, ["GKS"])
            with psycopg.connect(conninfo, autocommit=True) as admin:  # the server drops every other session
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            again = await reader.owned(CITIZEN, ["GKS"])  # a new connection, tried once more: no 503
            return first, again
        finally:
            await reader.close()

    first, again = asyncio.run(scenario())
    assert first and sorted(first) == sorted(again)
    api.catalog.close()


def test_postgres_audit_rows_are_group_committed_in_the_loop(postgres_url, tmp_path):
    """On PostgreSQL the event loop commits its own audit rows (``catalog.api.audit_sink``): rows that arrive
    together share one statement, each written as the thread writer writes it, every write returns only once
    its row is committed, and a connection the server dropped is made again without failing a check."""
    import psycopg
    from sqlalchemy import select

    from catalog import audit
    from catalog.api.audit_sink import open_sink
    from catalog.db import Event

    api = make_api(postgres_url, tmp_path)
    conninfo = api.catalog.url.replace("postgresql+psycopg://", "postgresql://")
    writer = audit.AuditWriter(api.catalog)

    def row(i: int) -> dict:
        return audit.access_row(
            audit.REUSE_CHECK,
            actor="key:sink",
            agency="000.00.00.H42",
            owner_id=CITIZEN,
            purpose=f"HS-{i} «Hồ sơ»",
            result="1/2 reusable",
            via="api",
            client="test",
            extra={"types": ["GKS", "CCCD"], "found": ["GKS"]},
        )

    groups: list[int] = []

    async def scenario():
        sink = await open_sink(api.catalog.url, "postgresql", writer.write_via_thread)
        writer.attach(sink)
        insert = sink._insert

        async def counting(rows):
            groups.append(len(rows))
            await insert(rows)

        sink._insert = counting
        try:
            await asyncio.gather(*(writer.write_async(row(i)) for i in range(40)))
            with psycopg.connect(conninfo, autocommit=True) as admin:  # the server drops every other session
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            await writer.write_async(row(40))  # made again, tried once more: no 503
        finally:
            writer.attach(None)
            await sink.close()
        await writer.write_async(row(41))  # detached: the writer thread commits it

    asyncio.run(scenario())
    writer.close()
    assert sum(groups) == 41 and len(groups) < 10, groups  # 40 rows at once share a few statements
    with api.catalog.session() as s:
        got = list(s.scalars(select(Event).where(Event.actor == "key:sink").order_by(Event.id)))
    assert sorted(int(e.detail["purpose"].split()[0][3:]) for e in got) == list(range(42))
    by_thread, by_sink = got[-1], got[0]
    assert by_sink.detail == {**by_thread.detail, "purpose": by_sink.detail["purpose"]}
    assert by_sink.at.tzinfo is not None and by_sink.owner_id == by_thread.owner_id == CITIZEN
    assert (by_sink.agency, by_sink.action, by_sink.batch_id) == (by_thread.agency, by_thread.action, None)
    api.catalog.close()


def _sink_row(actor: str, i: int) -> dict:
    """An audit row of a reuse check, told apart by its purpose (``HS-i``)."""
    from catalog import audit

    return audit.access_row(
        audit.REUSE_CHECK, actor=actor, agency="000.00.00.H42", owner_id=CITIZEN, purpose=f"HS-{i}",
        result="0/1 reusable", via="api", extra={"types": ["GKS"], "found": []},
    )  # fmt: skip


def _sqlite_sink_catalog(tmp_path):
    """A SQLite catalog, its audit writer, and the writer-thread fallback of an in-loop sink that lists the rows
    handed to it: ``(api, writer, via_thread, fallback)``."""
    from catalog import audit

    api = make_api(f"sqlite:///{tmp_path / 'catalog.db'}", tmp_path)
    writer = audit.AuditWriter(api.catalog)
    via_thread: list[dict] = []

    async def counting_thread(row):
        via_thread.append(row)
        await writer.write_via_thread(row)

    return api, writer, via_thread, counting_thread


def test_postgres_a_lone_audit_row_is_committed_by_its_own_request(postgres_url, tmp_path):
    """At a light load a check finds no flush running: it commits its own row, without a task to drain the
    queue and a future to wake it (one loop turn less per check); rows that arrive meanwhile form the next group,
    drained once it is done; a request cancelled while it commits leaves the sink usable."""
    from sqlalchemy import func, select

    from catalog import audit
    from catalog.api.audit_sink import open_sink
    from catalog.db import Event

    api = make_api(postgres_url, tmp_path)
    writer = audit.AuditWriter(api.catalog)

    def row(i: int) -> dict:
        return _sink_row("key:lead", i)

    drains: list[int] = []

    async def scenario():
        sink = await open_sink(api.catalog.url, "postgresql", writer.write_via_thread)
        writer.attach(sink)
        drain = sink._drain

        async def counting():
            drains.append(len(sink._pending))
            await drain()

        sink._drain = counting
        try:
            for i in range(3):  # one at a time: each commits its own
                await writer.write_async(row(i))
            assert drains == []
            await asyncio.gather(*(writer.write_async(row(i)) for i in range(3, 13)))
            assert drains == [9]  # the first led, the nine behind it were drained together
            lone = asyncio.ensure_future(writer.write_async(row(13)))
            await asyncio.sleep(0)
            lone.cancel()  # its client went away while its row was being committed
            with contextlib.suppress(asyncio.CancelledError):
                await lone
            assert sink._flush is None
            await writer.write_async(row(14))
        finally:
            writer.attach(None)
            await sink.close()

    asyncio.run(scenario())
    writer.close()
    with api.catalog.session() as s:
        n = s.scalar(select(func.count()).select_from(Event).where(Event.actor == "key:lead"))
    assert n in (14, 15)  # the cancelled one's statement may or may not have reached the server
    api.catalog.close()


def test_sqlite_audit_rows_are_committed_in_the_loop_unless_another_writer_holds_the_lock(tmp_path):
    """On SQLite the loop commits its rows itself, but never waits for the write lock: while a batch run (here
    another connection) holds it, the rows go to the writer thread, which waits and commits them once the lock
    is free. Every write returns only once its row is committed."""
    import sqlite3
    import time

    from sqlalchemy import func, select

    from catalog.api.audit_sink import open_sink
    from catalog.db import Event

    api, writer, via_thread, counting_thread = _sqlite_sink_catalog(tmp_path)
    in_loop: list[int] = []

    def row(i: int) -> dict:
        return _sink_row("key:sink", i)

    def count() -> int:
        with api.catalog.session() as s:
            return s.scalar(select(func.count()).select_from(Event).where(Event.actor == "key:sink"))

    async def scenario():
        sink = await open_sink(api.catalog.url, "sqlite", counting_thread)
        sink.checkpoint_rows = 10
        insert = sink._insert

        async def counting(rows):
            in_loop.append(len(rows))
            await insert(rows)

        sink._insert = counting
        writer.attach(sink)
        try:
            await asyncio.gather(*(writer.write_async(row(i)) for i in range(30)))
            assert count() == 30 and not via_thread
            holder = sqlite3.connect(tmp_path / "catalog.db", isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")  # a batch run holds the write lock
            pending = asyncio.gather(*(writer.write_async(row(i)) for i in range(30, 35)))
            await asyncio.sleep(0.5)
            assert not pending.done() and len(via_thread) == 5  # waiting in the thread, not blocking the loop
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            assert time.perf_counter() - started < 0.2  # the loop runs on meanwhile
            holder.execute("COMMIT")
            holder.close()
            await pending
        finally:
            writer.attach(None)
            await sink.close()

    asyncio.run(scenario())
    writer.close()
    assert count() == 35 and sum(in_loop) == 35 and len(in_loop) < 10
    with api.catalog.session() as s:
        e = s.scalars(select(Event).where(Event.actor == "key:sink").order_by(Event.id)).first()
    assert e.detail["purpose"] == "HS-0" and e.at is not None and e.owner_id == CITIZEN
    api.catalog.close()


def test_sqlite_audit_rows_wait_out_a_short_lock_in_the_loop(tmp_path):
    """Another API worker holds the write lock for the moment of its own commit: the loop tries again a few
    milliseconds later and commits the rows itself, instead of handing them to the writer thread, whose busy
    handler sleeps 1, 2, 5, 10 … ms between tries (tens of milliseconds for a check that met a neighbour's
    commit)."""
    import sqlite3

    from sqlalchemy import func, select

    from catalog.api.audit_sink import open_sink
    from catalog.db import Event

    api, writer, via_thread, counting_thread = _sqlite_sink_catalog(tmp_path)

    def row(i: int) -> dict:
        return _sink_row("key:short", i)

    async def scenario():
        sink = await open_sink(api.catalog.url, "sqlite", counting_thread)
        writer.attach(sink)
        holder = sqlite3.connect(tmp_path / "catalog.db", isolation_level=None)
        try:
            await writer.write_async(row(0))  # the loop's connection is open
            holder.execute("BEGIN IMMEDIATE")
            asyncio.get_running_loop().call_later(0.003, holder.execute, "COMMIT")
            await asyncio.gather(*(writer.write_async(row(i)) for i in range(1, 6)))
            assert not holder.in_transaction  # the rows did meet the lock
        finally:
            holder.close()
            writer.attach(None)
            await sink.close()

    asyncio.run(scenario())
    writer.close()
    assert not via_thread
    with api.catalog.session() as s:
        n = s.scalar(select(func.count()).select_from(Event).where(Event.actor == "key:short"))
    assert n == 6
    api.catalog.close()
