"""Batches through real brokers (Redis and RabbitMQ on loopback): several workers, a worker SIGKILLed
mid-document, duplicate delivery, transient failures retried then dead-lettered, bad input never retried.
Every document must end archived exactly once."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from catalog import batches, leases
from catalog.db import Catalog
from tests import badfiles
from tests.integration.helpers import pdf_keys

pytest_plugins = ["tests.fixtures_queue"]
pytestmark = pytest.mark.slow

from tests.integration.queue_helpers import cli, free_port, scrape, wait_until  # noqa: E402


def _catalog(home: Path) -> Catalog:
    return Catalog(f"sqlite:///{home / 'catalog.db'}")


def _status(home: Path, batch_id: str) -> batches.BatchStatus:
    c = _catalog(home)
    try:
        return batches.batch_status(c, batch_id)
    finally:
        c.close()


def _done(home: Path, batch_id: str) -> bool:
    return _status(home, batch_id).state == "done"


def _enqueue(env, inbox: Path) -> str:
    proc = cli(env, "batch", "run", str(inbox), "--queue", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["batch_id"]


def _assert_exactly_once(home: Path, batch_id: str, n: int) -> batches.BatchStatus:
    st = _status(home, batch_id)
    assert st.state == "done"
    assert st.totals["archived"] + st.totals["needs_review"] == n, st.totals
    c = _catalog(home)
    try:
        docs = c.count_by_status()
        assert sum(docs.values()) == n and set(docs) <= {"archived", "needs_review"}, docs
        archived_events = c.events(action="archived") + c.events(action="needs_review")
        assert len(archived_events) == n  # each document recorded as archived once
        assert len({e.doc_code for e in archived_events}) == n
    finally:
        c.close()
    assert len(pdf_keys(home)) == n  # exactly one signed copy per document in the warehouse
    return st


def test_two_worker_processes_share_a_batch(broker_env, inbox: Path, home: Path, workers):
    n = len(list(inbox.iterdir()))
    port = free_port()
    w = workers(broker_env, processes=2, metrics_port=port)
    proc = cli(broker_env, "batch", "run", str(inbox), "--queue", "--wait", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["state"] == "done" and data["totals"]["archived"] + data["totals"]["needs_review"] == n
    assert w.poll() is None
    st = _assert_exactly_once(home, data["batch_id"], n)
    assert len({name.rsplit(":", 1)[0] for name in st.workers}) == 2  # both processes took documents
    status = cli(broker_env, "batch", "status", data["batch_id"], "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["state"] == "done"

    metrics = scrape(port)
    done = sum(
        float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines() if line.startswith("sohoa_documents_total{")
    )
    assert done == n  # summed over both worker processes
    assert "sohoa_pages_total" in metrics and 'sohoa_stage_seconds_count{stage="ocr"}' in metrics
    assert 'sohoa_queue_messages{queue="' in metrics and 'state="dead"' in metrics


def test_worker_sigkilled_mid_document_batch_completes_exactly_once(broker_env, inbox: Path, home: Path, workers):
    n = len(list(inbox.iterdir()))
    batch_id = _enqueue(broker_env, inbox)
    first = workers(broker_env)

    def mid_document() -> bool:
        t = _status(home, batch_id).totals
        return t["archived"] + t["needs_review"] >= 1 and t["processing"] >= 1

    wait_until(mid_document, "a document in progress", procs=[first])
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    st = _status(home, batch_id)
    assert st.state == "running" and st.totals["processing"] == 1  # the killed worker's document is half done

    second = workers(broker_env)
    wait_until(lambda: _done(home, batch_id), "the batch after the crash", procs=[second])
    _assert_exactly_once(home, batch_id, n)
    c = _catalog(home)
    try:
        attempts = sorted(it.attempts for it in c.batch_items(batch_id))
    finally:
        c.close()
    assert attempts[-1] >= 2  # the interrupted document was taken up again


def test_duplicate_delivery_archives_once(redis_env, inbox: Path, home: Path, workers, queue_setup):
    n = len(list(inbox.iterdir()))
    batch_id = _enqueue(redis_env, inbox)
    q = queue_setup(redis_env)
    c = _catalog(home)
    items = c.batch_items(batch_id)
    c.close()
    for it in items:  # every message delivered twice more
        q.enqueue_item(batch_id, it.id)
        q.enqueue_item(batch_id, it.id)
    w = workers(redis_env, processes=2)
    wait_until(lambda: _done(home, batch_id), "the batch", procs=[w])
    st = _assert_exactly_once(home, batch_id, n)
    assert st.totals["duplicate"] == 0


# --- in-process worker on a real broker, with failures injected -----------------------------------------
def _run_worker(q, until, timeout: float = 120) -> None:
    import dramatiq

    if not getattr(q, "booted", False):  # what the dramatiq CLI does in each worker process (starts time limits)
        q.broker.emit_after("process_boot")
        q.booted = True
    worker = dramatiq.Worker(q.broker, queues={q.documents_queue}, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        wait_until(until, "the in-process worker", timeout=timeout)
    finally:
        worker.stop()


@pytest.fixture
def one_doc(inbox: Path, tmp_path: Path) -> Path:
    d = tmp_path / "one"
    d.mkdir()
    first = sorted(inbox.iterdir())[0]
    (d / first.name).write_bytes(first.read_bytes())
    return d


def _flaky_store(monkeypatch, failures: int | None) -> dict:
    """The store is unreachable for the first ``failures`` writes (None: for good)."""
    from archive.errors import StorageUnavailable
    from pipeline import stages

    real = stages.store_document
    calls = {"n": 0, "down": True}

    def store_document(*args, **kwargs):
        calls["n"] += 1
        if calls["down"] and (failures is None or calls["n"] <= failures):
            raise StorageUnavailable("store unreachable (test)", "kho không kết nối được (thử nghiệm)")
        return real(*args, **kwargs)

    monkeypatch.setattr(stages, "store_document", store_document)
    return calls


def test_transient_store_failure_is_retried_by_the_queue(
    redis_env, one_doc: Path, home: Path, queue_setup, monkeypatch
):
    from catalog.types import default_document_types
    from pipeline.batch import enqueue_batch

    q = queue_setup(redis_env)
    calls = _flaky_store(monkeypatch, 1)  # the first delivery finds the store down
    c = _catalog(home)
    enq = enqueue_batch(one_doc, None, c, default_document_types(), q, operator="t", agency=q.cfg.agency)
    _run_worker(q, lambda: _done(home, enq.batch_id))
    st = _status(home, enq.batch_id)
    assert st.totals["archived"] + st.totals["needs_review"] == 1
    item = c.batch_items(enq.batch_id)[0]
    assert item.attempts == 2 and calls["n"] == 2
    assert len(c.events(action="failed")) == 1
    c.close()
    assert len(pdf_keys(home)) == 1


def test_retries_run_out_then_dead_letter_is_listed_and_retried(redis_env, one_doc, home, queue_setup, monkeypatch):
    from catalog.types import default_document_types
    from pipeline.batch import enqueue_batch, retry_batch
    from pipeline.deadletters import dead_letters

    q = queue_setup(redis_env, SOHOA_QUEUE__MAX_RETRIES="1")
    store = _flaky_store(monkeypatch, None)
    c = _catalog(home)
    enq = enqueue_batch(one_doc, None, c, default_document_types(), q, operator="t", agency=q.cfg.agency)
    _run_worker(q, lambda: _done(home, enq.batch_id) and len(dead_letters(q, enq.batch_id)) == 1)
    st = _status(home, enq.batch_id)
    assert st.totals["failed"] == 1
    item = c.batch_items(enq.batch_id)[0]
    assert item.attempts == q.cfg.queue.max_retries + 1 and item.reason_code == "storage_unavailable"
    proc = cli(redis_env, "batch", "failed", enq.batch_id, "--json")
    data = json.loads(proc.stdout)
    assert [d["item_id"] for d in data["dead_letters"]] == [item.id] and data["items"][0]["dead_lettered"]

    store["down"] = False  # the store is back
    assert retry_batch(c, enq.batch_id, q) == [item.id]
    assert dead_letters(q, enq.batch_id) == []
    _run_worker(q, lambda: _done(home, enq.batch_id))
    _assert_exactly_once(home, enq.batch_id, 1)
    c.close()


def test_bad_input_is_quarantined_once_never_retried(redis_env, one_doc, home, queue_setup):
    from catalog.types import default_document_types
    from pipeline.batch import enqueue_batch
    from pipeline.deadletters import dead_letters

    badfiles.empty(one_doc / "empty.png")
    badfiles.truncated_jpeg(one_doc / "truncated.jpg")
    q = queue_setup(redis_env)
    c = _catalog(home)
    enq = enqueue_batch(one_doc, None, c, default_document_types(), q, operator="t", agency=q.cfg.agency)
    _run_worker(q, lambda: _done(home, enq.batch_id))
    st = _status(home, enq.batch_id)
    assert st.totals["quarantined"] == 2 and st.totals["archived"] + st.totals["needs_review"] == 1
    bad = [it for it in c.batch_items(enq.batch_id) if it.status == "quarantined"]
    assert [it.attempts for it in bad] == [1, 1]
    assert len(c.events(action="quarantined")) == 2
    c.close()
    assert dead_letters(q, enq.batch_id) == []
    assert len(list((home / "quarantine" / enq.batch_id).iterdir())) == 2


def test_a_document_over_its_page_time_limit_is_interrupted(redis_env, one_doc, home, queue_setup, monkeypatch):
    import time

    from catalog.types import default_document_types
    from pipeline import stages
    from pipeline.batch import enqueue_batch
    from pipeline.deadletters import dead_letters

    q = queue_setup(
        redis_env,
        SOHOA_QUEUE__PAGE_TIME_LIMIT_S="1",
        SOHOA_QUEUE__TIME_LIMIT_BASE_S="1",
        SOHOA_QUEUE__MAX_RETRIES="0",
    )

    def stuck_ocr(*args, **kwargs):  # a page that never finishes
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)
        raise AssertionError("the time limit did not interrupt the page")

    monkeypatch.setattr(stages, "ocr_pages", stuck_ocr)
    c = _catalog(home)
    enq = enqueue_batch(one_doc, None, c, default_document_types(), q, operator="t", agency=q.cfg.agency)
    _run_worker(q, lambda: _done(home, enq.batch_id) and len(dead_letters(q, enq.batch_id)) == 1, timeout=90)
    item = c.batch_items(enq.batch_id)[0]
    assert (item.status, item.reason_code) == ("failed", "time_limit")
    assert c.get(item.doc_key).status == "processing"  # taken up again by `batch retry` / nightly retry
    c.close()


def test_a_document_held_by_another_worker_waits_for_it(redis_env, one_doc, home, queue_setup):
    """A second delivery while another worker is mid-document: nothing is done twice, no retry is used up."""
    import hashlib
    import threading

    from catalog.types import default_document_types
    from pipeline.batch import enqueue_batch
    from pipeline.deadletters import dead_letters

    q = queue_setup(redis_env, SOHOA_QUEUE__LEASE_S="2", SOHOA_QUEUE__MAX_RETRIES="0")
    key = hashlib.sha256(next(one_doc.iterdir()).read_bytes()).hexdigest()
    c = _catalog(home)
    assert leases.acquire_lease(c, f"doc:{key}", "worker-elsewhere", 60)  # another worker has the document
    enq = enqueue_batch(one_doc, None, c, default_document_types(), q, operator="t", agency=q.cfg.agency)
    released = threading.Timer(3, lambda: leases.release_lease(c, f"doc:{key}", "worker-elsewhere"))
    released.start()
    try:
        _run_worker(q, lambda: _done(home, enq.batch_id))
    finally:
        released.cancel()
    item = c.batch_items(enq.batch_id)[0]
    assert item.status in ("archived", "needs_review") and item.attempts == 1  # run once, after the lease
    assert dead_letters(q, enq.batch_id) == []  # the waits did not use up its (zero) retries
    c.close()
    _assert_exactly_once(home, enq.batch_id, 1)
