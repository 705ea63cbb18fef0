"""Group commit of audit rows: every writer returns only once its row is in the catalog."""

from __future__ import annotations

import threading

import pytest

from catalog import audit
from catalog.db import Catalog


def test_concurrent_writes_are_all_committed(catalog_url):
    c = Catalog(catalog_url)
    w = audit.AuditWriter(c)
    owners = [f"0370960{n:05d}" for n in range(8)]

    def worker(owner: str) -> None:
        for i in range(25):
            w.write(
                audit.access_row(
                    audit.REUSE_CHECK, actor="key:k1", agency="x", owner_id=owner, result=str(i), via="api"
                )
            )
            # returned: the row must already be readable
            assert len(audit.who_looked(c, owner)) == i + 1

    threads = [threading.Thread(target=worker, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(audit.who_looked(c, o)) for o in owners) == 200
    w.close()
    with pytest.raises(RuntimeError):
        w.write(audit.access_row(audit.REUSE_CHECK, actor="a", agency=None, result="x", via="api"))
    c.close()


def test_a_failed_commit_reaches_the_writer(tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    w = audit.AuditWriter(c)
    with c.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE events")
        conn.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY)")  # no such columns: insert fails
    with pytest.raises(Exception) as e:
        w.write(audit.access_row(audit.REUSE_CHECK, actor="a", agency=None, result="x", via="api"))
    assert not isinstance(e.value, AssertionError)
    w.close()
    c.close()


def test_purpose_is_cleaned():
    assert audit.clean_purpose("  HS-1\n\x00 ") == "HS-1"
    assert audit.clean_purpose("x" * 500) == "x" * 200
    assert audit.clean_purpose("   ") is None and audit.clean_purpose(None) is None
