"""The catalog on both backends (SQLite embedded, PostgreSQL on loopback)."""

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from catalog.db import Catalog
from catalog.schema import metadata  # every module that adds tables, so the comparison sees the whole schema
from catalog.search import include_name


def test_migrations_match_the_models(catalog_url):
    c = Catalog(catalog_url)
    with c.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": include_name}
        assert compare_metadata(MigrationContext.configure(conn, opts=opts), metadata) == []
    Catalog(catalog_url).close()  # a second start finds the schema current
    c.close()


def test_a_current_catalog_is_known_as_current_without_alembic(catalog_url):
    """Every command opens the catalog: on a current schema it must not load or run Alembic (issue 16's
    start-up). Alembic's version table omits a head that another revision ``depends_on`` (0007 under 0015),
    which once made every start import Alembic and run a no-op upgrade."""
    from alembic.script import ScriptDirectory

    from catalog import migrate

    c = Catalog(catalog_url)
    stored = migrate.stored_revisions(c.engine)
    assert migrate.is_current(stored)
    with c.engine.connect() as conn:
        assert stored == set(MigrationContext.configure(conn).get_current_heads())
    scripts = ScriptDirectory.from_config(migrate.alembic_config(c.engine))
    assert set(migrate.script_heads()) == set(scripts.get_heads())
    assert set(migrate.script_graph()) == {s.revision for s in scripts.walk_revisions()}
    c.close()
    assert not migrate.is_current(None) and not migrate.is_current(set())
    assert not migrate.is_current(stored - {max(stored)})  # one feature's migration missing
    assert not migrate.is_current(stored | {"9999"})  # a revision these files do not know


def test_opening_a_current_catalog_does_not_import_alembic(tmp_path):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'c.db'}"
    Catalog(url).close()
    probe = f"import sys; from catalog.db import Catalog; Catalog({url!r}).close(); print('alembic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_sequences_are_atomic_across_threads(catalog_url):
    c = Catalog(catalog_url)
    got: list[int] = []
    lock = threading.Lock()

    def worker():
        local = [c.next_sequence("dossier:000.00.00.H42", "20261121") for _ in range(25)]
        with lock:
            got.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 101))
    assert c.next_sequence("dossier:000.00.00.H42", "20261122") == 1  # a new day starts again
    c.close()


def test_claim_is_idempotent(catalog_url):
    c = Catalog(catalog_url)
    b = c.begin_batch("op", "000.00.00.H42", "/in")
    key = "a" * 64
    kw = dict(
        holder="h1",
        batch_id=b,
        input_name="x.png",
        agency="000.00.00.H42",
        operator="op",
        kind="result",
        procedure=None,
    )
    assert c.claim(key, **kw).kind == "new"
    assert c.claim(key, **kw).kind == "resume"  # still processing: taken up again
    c.update_document(key, status="archived", doc_code="000.00.00.H42-261121-0001.01")
    dup = c.claim(key, **kw)
    assert dup.kind == "duplicate" and dup.document.doc_code == "000.00.00.H42-261121-0001.01"
    c.record_event("viewed", "op", doc_key=key, owner_id="037096014589")
    assert [e.action for e in c.events(owner_id="037096014589")] == ["viewed"]
    c.close()


def test_lookup_reads_are_single_statements_and_survive_a_dropped_connection(postgres_url, postgres_admin_url):
    import sqlalchemy as sa

    cat = Catalog(postgres_url, read_pool_size=3)
    try:
        from psycopg.pq import TransactionStatus

        assert cat.read(sa.text("select 1")) == [(1,)] and cat.reader.pool.size() == 3
        with cat.reader.connect() as conn:  # autocommit: no BEGIN before the query, no ROLLBACK after it
            conn.execute(sa.text("select 1"))
            dbapi = conn.connection.dbapi_connection
            assert dbapi.autocommit and dbapi.info.transaction_status == TransactionStatus.IDLE
        pid = cat.read(sa.text("select pg_backend_pid()"))[0][0]
        admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:  # as a server restart or an idle-connection reaper would
            assert c.execute(sa.text("select pg_terminate_backend(:p)"), {"p": pid}).scalar()
        admin.dispose()
        assert cat.read(sa.text("select pg_backend_pid()"))[0][0] != pid  # retried once on a new connection
    finally:
        cat.close()


def test_sqlite_reads_go_through_the_main_engine(tmp_path):
    import sqlalchemy as sa

    cat = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    assert cat.reader is cat.engine and cat.read(sa.text("select 2")) == [(2,)]
    cat.close()


def test_a_claim_taken_over_fences_the_old_run_and_final_statuses_never_move_back(catalog_url):
    from catalog.errors import ClaimLost

    c = Catalog(catalog_url)
    b = c.begin_batch("op", "000.00.00.H42", "/in")
    key = "b" * 64
    kw = dict(batch_id=b, input_name="x.png", agency="000.00.00.H42", operator="op", kind="result", procedure=None)
    assert c.claim(key, holder="run-a", **kw).kind == "new"
    c.update_document(key, holder="run-a", doc_code="000.00.00.H42-261206-0001.01")
    # run-a's lease expired (it died, or its machine paused): run-b, now holding the lease, takes it over
    assert c.claim(key, holder="run-b", **kw).kind == "resume"
    with pytest.raises(ClaimLost):
        c.update_document(key, holder="run-a", status="quarantined", reason_code="internal_error")
    assert c.get(key).status == "processing"
    c.update_document(key, holder="run-b", status="archived")
    for holder in ("run-a", "run-b"):  # nothing a run writes afterwards moves an archived document back
        with pytest.raises(ClaimLost):
            c.update_document(key, holder=holder, status="failed")
    assert c.get(key).status == "archived" and c.get(key).claimed_by == "run-b"
    assert c.claim(key, holder="run-c", **kw).kind == "duplicate"
    c.close()
