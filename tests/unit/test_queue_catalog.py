"""Catalog side of the queue on both backends: leases, batch status, expiry marking."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from catalog import batches, leases
from catalog.db import Catalog, Document


def test_a_lease_has_one_holder_until_it_expires(catalog_url):
    c = Catalog(catalog_url)
    try:
        assert leases.acquire_lease(c, "doc:x", "a", 30)
        assert not leases.acquire_lease(c, "doc:x", "b", 30)
        assert leases.acquire_lease(c, "doc:x", "a", 30)  # the holder renews by taking it again
        assert leases.renew_lease(c, "doc:x", "a", 0.2)
        assert not leases.renew_lease(c, "doc:x", "b", 30)
        time.sleep(0.4)  # expired: a holder that died frees it
        assert leases.acquire_lease(c, "doc:x", "b", 30)
        assert not leases.renew_lease(c, "doc:x", "a", 30)  # "a" lost it
        assert leases.lease_info(c, "doc:x").holder == "b"
        leases.release_lease(c, "doc:x", "a")  # not the holder: nothing happens
        assert leases.lease_info(c, "doc:x").holder == "b"
        leases.release_lease(c, "doc:x", "b")
        assert leases.lease_info(c, "doc:x") is None
    finally:
        c.close()


def test_racing_holders_one_wins(catalog_url):
    c = Catalog(catalog_url)
    wins: list[str] = []
    barrier = threading.Barrier(6)

    def take(name: str) -> None:
        barrier.wait()
        if leases.acquire_lease(c, "nightly", name, 60):
            wins.append(name)

    threads = [threading.Thread(target=take, args=(f"run{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c.close()
    assert len(wins) == 1


def test_batch_status_counts_items_and_finishes_once(catalog_url):
    c = Catalog(catalog_url)
    try:
        b = c.begin_batch("clerk", "000.00.00.H42", "/in")
        batches.set_batch_mode(c, b, "queue")
        c.set_batch_items_total(b, 3)
        ids = [batches.add_planned_item(c, b, n, f"f{n}.png", {"files": [f"/in/f{n}.png"]}) for n in (1, 2, 3)]
        st = batches.batch_status(c, b)
        assert st.state == "running" and st.totals["pending"] == 3 and st.mode == "queue"
        assert batches.start_item(c, ids[0], "w1").status == "processing"
        batches.finish_item(c, ids[0], status="archived", pages=2)
        assert batches.start_item(c, ids[0], "w2") is None  # done: a second delivery does nothing
        batches.finish_item(c, ids[1], status="quarantined")
        assert not batches.maybe_finish_batch(c, b)
        batches.finish_item(c, ids[2], status="failed")
        assert batches.maybe_finish_batch(c, b) and not batches.maybe_finish_batch(c, b)
        st = batches.batch_status(c, b)
        data = st.as_json()
        assert data["state"] == "done" and data["pages"] == 2 and data["done"] == 3
        assert data["totals"]["archived"] == 1 and data["totals"]["failed"] == 1
        assert [it.id for it in batches.failed_items(c, b)] == [ids[2]]
        assert batches.batches_with_failures(c) == [b]
        assert len(c.events(action="batch_done")) == 1
        assert batches.batch_status(c, "B-nope") is None
    finally:
        c.close()


def test_expiry_marks_each_ended_document_once(catalog_url):
    from pipeline.nightly.expiry import mark_expired

    c = Catalog(catalog_url)
    try:
        with c.session() as s:
            for key, until, status in [
                ("a" * 64, "2020-01-01", "archived"),
                ("b" * 64, "2099-01-01", "archived"),
                ("c" * 64, None, "archived"),
                ("d" * 64, "2020-01-01", "quarantined"),
            ]:
                s.add(
                    Document(
                        key=key,
                        status=status,
                        input="x",
                        agency="000.00.00.H42",
                        operator="t",
                        valid_until=until,
                        doc_code=f"X.{key[0]}",
                    )
                )
        deps = SimpleNamespace(catalog=c, config=SimpleNamespace(catalog=SimpleNamespace(timezone="Asia/Ho_Chi_Minh")))
        r = mark_expired(deps, today="2026-11-22")
        assert r.summary["marked"] == 1 and r.ok
        assert c.get("a" * 64).expired_at is not None and c.get("b" * 64).expired_at is None
        assert mark_expired(deps, today="2026-11-22").summary["marked"] == 0
        assert [e.doc_key for e in c.events(action="expired")] == ["a" * 64]
    finally:
        c.close()
