"""Dead letters listed and removed on both real brokers, queue depth, the in-worker schedule (no OCR here)."""

from __future__ import annotations

pytest_plugins = ["tests.fixtures_queue"]


def _dead_letter(q, batch_id: str, item_id: int) -> str:
    """Put a message for (batch_id, item_id) on the dead-letter queue the way dramatiq does."""
    from dramatiq.common import xq_name

    msg = q.process_item.message(batch_id, item_id).copy(
        options={"retries": 3, "traceback": "X\nStorageUnavailable: down"}
    )
    kind = type(q.broker).__name__
    if kind == "RedisBroker":
        ns = q.cfg.queue.namespace
        q.broker.client.zadd(f"{ns}:{xq_name(q.documents_queue)}", {msg.message_id: 1})
        q.broker.client.hset(f"{ns}:{xq_name(q.documents_queue)}.msgs", msg.message_id, msg.encode())
    else:
        q.broker.declare_queue(q.documents_queue, ensure=True)
        q.broker.channel.basic_publish(exchange="", routing_key=xq_name(q.documents_queue), body=msg.encode())
    return msg.message_id


def test_dead_letters_are_listed_per_batch_and_removed(broker_env, queue_setup):
    from pipeline.deadletters import dead_letters, queue_depth

    q = queue_setup(broker_env)
    mine = _dead_letter(q, "B-mine", 7)
    _dead_letter(q, "B-other", 1)
    listed = dead_letters(q, "B-mine")
    assert [(d.message_id, d.item_id, d.retries) for d in listed] == [(mine, 7, 3)]
    assert listed[0].error == "StorageUnavailable: down"
    assert queue_depth(q)[q.documents_queue][2] == 2
    assert len(dead_letters(q)) == 2  # listing leaves them in place
    assert [d.item_id for d in dead_letters(q, "B-mine", remove=True)] == [7]
    assert dead_letters(q, "B-mine") == [] and [d.batch_id for d in dead_letters(q)] == ["B-other"]


def test_in_worker_schedule(monkeypatch):
    from pipeline.config import AppConfig
    from pipeline.scheduler import make_scheduler

    cfg = AppConfig(queue={"schedule": "30 1 * * *"})
    sched = make_scheduler(cfg)
    trigger = sched.get_job("nightly").trigger
    nxt = trigger.get_next_fire_time(None, __import__("datetime").datetime.now(trigger.timezone))
    assert (nxt.hour, nxt.minute) == (1, 30) and str(trigger.timezone) == "Asia/Ho_Chi_Minh"


def test_a_scheduled_tick_skips_when_the_lock_is_held(home, monkeypatch, caplog):
    import logging

    from catalog import leases
    from catalog.db import Catalog
    from pipeline.config import AppConfig
    from pipeline.scheduler import nightly_tick

    monkeypatch.setenv("SOHOA_HOME", str(home))
    cfg = AppConfig()
    c = Catalog(cfg.catalog_config.url)
    assert leases.acquire_lease(c, "nightly", "elsewhere", 60)
    with caplog.at_level(logging.INFO, logger="sohoa.scheduler"):
        nightly_tick()
    assert "nightly skipped" in caplog.text
    leases.release_lease(c, "nightly", "elsewhere")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sohoa.scheduler"):
        nightly_tick()
    assert "nightly done" in caplog.text
    c.close()


def test_one_nightly_job_alone_takes_and_releases_the_lock(home, monkeypatch):
    import json

    from typer.testing import CliRunner

    from catalog import leases
    from catalog.db import Catalog
    from pipeline.cli import app
    from pipeline.config import AppConfig

    monkeypatch.setenv("SOHOA_HOME", str(home))
    result = CliRunner().invoke(app, ["nightly", "expiry", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["name"] == "expiry"
    c = Catalog(AppConfig().catalog_config.url)
    try:
        assert leases.lease_info(c, "nightly") is None  # released when the command ended
        started = c.events(action="nightly_started")
        assert [e.detail["jobs"] for e in started] == ["expiry"] and c.events(action="nightly_finished")
    finally:
        c.close()


def test_nightly_retry_takes_up_an_in_process_batch_failure(config, home, tmp_path, samples, monkeypatch):
    """Without a broker the nightly ``retry`` job re-plans the batch from its folder and runs the failed item."""
    import shutil

    from archive.errors import StorageUnavailable
    from catalog import batches
    from pipeline import run, stages
    from pipeline.batch import run_batch
    from pipeline.deps import build_deps
    from pipeline.nightly.retry import retry_failures

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(next((samples / "scans").glob("*GKS*")), inbox / "a.png")
    real = stages.store_document
    down = {"yes": True}

    def store_document(*args, **kwargs):
        if down["yes"]:
            raise StorageUnavailable("store unreachable (test)")
        return real(*args, **kwargs)

    monkeypatch.setattr(stages, "store_document", store_document)
    monkeypatch.setattr(run, "BACKOFF_S", 0.01)
    deps = build_deps(config)
    try:
        report = run_batch(inbox, None, deps, operator="t", agency=config.agency)
        assert [o.status for o in report.outcomes] == ["failed"]
        down["yes"] = False
        r = retry_failures(deps)
        assert r.ok and r.summary["retried"] == 1 and not r.summary["queued"]
        st = batches.batch_status(deps.catalog, report.batch_id)
        assert st.state == "done" and st.totals["archived"] + st.totals["needs_review"] == 1
        assert retry_failures(deps).summary["batches"] == 0  # nothing left to retry
    finally:
        deps.close()
