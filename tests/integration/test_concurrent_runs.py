"""Two runs on the same folder at once — a clerk double-clicking a script, cron overlapping a manual run — and a
run beside workers that process a queued batch of the same folder. Every document must end archived exactly
once, with a correct status, and stay findable; no run may quarantine what another archived.

Before issue 16, the second run took over documents the first was processing (``claim`` resumed any
unfinished document), both worked in one folder per document and deleted it, and a quarantine overwrote any
status: archived documents turned "quarantined" (FileNotFoundError …/work/<key>/signed.pdf)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalog.db import Catalog
from tests.integration.helpers import pdf_keys, truths

pytest_plugins = ["tests.fixtures_queue"]
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
FINISHED = {"archived", "needs_review"}
NOT_DONE_HERE = {"duplicate", "elsewhere"}


def _env(home: Path, catalog_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_CATALOG_URL=catalog_url, **extra)
    return env


def _start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _report(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return json.loads(out)


def _assert_archived_once(catalog_url: str, home: Path, n: int) -> Catalog:
    c = Catalog(catalog_url)
    docs = c.count_by_status()
    assert sum(docs.values()) == n and set(docs) <= FINISHED, docs  # nothing quarantined, failed or left half-done
    recorded = c.events(action="archived") + c.events(action="needs_review")
    assert len(recorded) == n and len({e.doc_key for e in recorded}) == n  # each document recorded once
    assert len(pdf_keys(home)) == n  # exactly one signed copy per document in the warehouse
    assert not c.events(action="quarantined")
    return c


def test_two_runs_on_the_same_folder_at_once(home: Path, scans: Path, samples: Path, catalog_url: str):
    n = len(truths(samples))
    env = _env(home, catalog_url)
    Catalog(catalog_url).close()  # the schema first, so both runs start at the same moment on real work
    a, b = _start(env, "batch", "run", str(scans), "--json"), _start(env, "batch", "run", str(scans), "--json")
    ra, rb = _report(a), _report(b)
    by_input: dict[str, list[str]] = {}
    for r in (ra, rb):
        for d in r["documents"]:
            by_input.setdefault(d["input"], []).append(d["status"])
    assert len(by_input) == n
    for name, statuses in by_input.items():
        done = [s for s in statuses if s in FINISHED]
        others = [s for s in statuses if s not in FINISHED]
        assert len(done) == 1 and set(others) <= NOT_DONE_HERE, (name, statuses)  # one run did it, the other knew
    c = _assert_archived_once(catalog_url, home, n)
    try:
        for r in (ra, rb):  # what a run reports as archived is what the catalog holds, findable by its code
            for d in r["documents"]:
                if d["status"] in FINISHED:
                    doc = c.by_code(d["doc_code"])
                    assert doc is not None and doc.status == d["status"] and doc.pdf_sha256 == d["pdf_sha256"]
        batches = [c.get_batch(r["batch_id"]) for r in (ra, rb)]
        assert [bt.state for bt in batches] == ["done", "done"]
    finally:
        c.close()
    # each run cleaned its own work folders, and every document's page folder (``pipeline.pagecache``) went
    # with its archiving: only the empty parent of those may stay
    left = [p for p in (home / "work").iterdir() if not (p.name == "pages" and not any(p.iterdir()))]
    assert not left, left


class _WithCatalog:
    """The broker settings of ``redis_env`` with the test's catalog, for the worker processes."""

    def __init__(self, base, catalog_url: str) -> None:
        self.base, self.catalog_url = base, catalog_url

    def env(self, **extra: str) -> dict[str, str]:
        return self.base.env(SOHOA_CATALOG_URL=self.catalog_url, **extra)


def test_a_run_beside_workers_on_the_same_folder(redis_env, inbox: Path, home: Path, workers, catalog_url: str):
    n = len(list(inbox.iterdir()))
    env = redis_env.env(SOHOA_CATALOG_URL=catalog_url)
    Catalog(catalog_url).close()
    queued = _start(env, "batch", "run", str(inbox), "--queue", "--json")
    local = _start(env, "batch", "run", str(inbox), "--json")
    batch_id = _report(queued)["batch_id"]
    workers(_WithCatalog(redis_env, catalog_url), processes=1)
    here = _report(local)
    c = Catalog(catalog_url)
    try:
        deadline = time.monotonic() + 300
        from catalog.batches import batch_status

        while batch_status(c, batch_id).state != "done":
            assert time.monotonic() < deadline, batch_status(c, batch_id).as_json()
            time.sleep(0.3)
        queued_items = {it.input: it.status for it in c.batch_items(batch_id)}
    finally:
        c.close()
    for d in here["documents"]:  # each document: archived by one side, a duplicate (or in progress) for the other
        other = queued_items[d["input"]]
        assert {d["status"], other} & FINISHED, (d["input"], d["status"], other)
        if d["status"] in FINISHED:
            assert other in FINISHED | {"duplicate"}  # the worker saw it archived (or it was this very item)
    _assert_archived_once(catalog_url, home, n).close()
