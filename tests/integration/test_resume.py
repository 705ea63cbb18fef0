"""An interrupted batch finishes on the next run with every document archived exactly once."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalog.db import Catalog
from pipeline import stages
from tests.integration.helpers import cli_json, pdf_keys, run_inprocess, truths

pytestmark = pytest.mark.slow
FINISHED = ("archived", "needs_review")


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the pipeline catches it."""


def _crash_on(monkeypatch, name: str, nth: int) -> None:
    real = getattr(stages, name)
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == nth:
            if name == "catalog_document":  # die after the store wrote everything, before the catalog knew
                raise Crash
            real(*args, **kwargs)
            raise Crash
        return real(*args, **kwargs)

    monkeypatch.setattr(stages, name, wrapper)


@pytest.mark.parametrize("stage", ["sign_pdf", "catalog_document"])
def test_crash_then_resume(config, scans: Path, samples: Path, home: Path, monkeypatch, stage):
    n = len(truths(samples))
    _crash_on(monkeypatch, stage, 2)
    with pytest.raises(Crash):
        run_inprocess(config, scans)
    catalog = Catalog(config.catalog_config.url)
    half_done = [d for d in (catalog.get(k) for k in _keys(catalog)) if d.status == "processing"]
    assert len(half_done) == 1 and half_done[0].doc_code  # its code was already given
    code_before = half_done[0].doc_code
    catalog.close()
    monkeypatch.undo()

    _report, data = run_inprocess(config, scans)
    # "finished" = archived, or signed and stored but held for review (OCR doubted a key-field word)
    statuses = sorted("finished" if d["status"] in FINISHED else d["status"] for d in data["documents"])
    assert statuses == sorted(["duplicate"] * 1 + ["finished"] * (n - 1))
    assert code_before in [d["doc_code"] for d in data["documents"]]
    assert len(pdf_keys(home)) == n  # exactly one signed copy per document
    catalog = Catalog(config.catalog_config.url)
    assert sum(catalog.count_by_status().values()) == n and set(catalog.count_by_status()) <= set(FINISHED)
    catalog.close()


def _keys(catalog: Catalog) -> list[str]:
    from sqlalchemy import select

    from catalog.db import Document

    with catalog.session() as s:
        return list(s.scalars(select(Document.key)))


def _archived(home: Path) -> int:
    db = home / "catalog.db"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
            return c.execute("select count(*) from documents where status in ('archived', 'needs_review')").fetchone()[
                0
            ]
    except sqlite3.Error:
        return 0


def _interruptible() -> None:
    """In the child before it starts: Ctrl-C as at a terminal. A shell that starts the suite in the background
    (``make test &``) makes its children ignore SIGINT, and Python then installs no KeyboardInterrupt handler:
    the batch would run on, as its operator asked, and the test would fail for the way it was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(home: Path, scans: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = str(home)
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "batch", "run", str(scans), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
        preexec_fn=_interruptible,
    )


def _wait_for_first_archive(proc: subprocess.Popen, home: Path) -> None:
    deadline = time.monotonic() + 300
    while _archived(home) < 1:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_cli_batch_resumes(home: Path, scans: Path, samples: Path, sig):
    n = len(truths(samples))
    proc = _start(home, scans)
    _wait_for_first_archive(proc, home)
    proc.send_signal(sig)
    rc = proc.wait(timeout=120)
    assert rc == (-9 if sig == signal.SIGKILL else 130)
    assert _archived(home) < n
    with sqlite3.connect(home / "catalog.db") as c:
        (killed,) = c.execute("select id from batches").fetchone()
    rc, status = cli_json(home, "batch", "status", killed, "--json")
    assert rc == 0 and status["state"] == "interrupted"  # not "running" forever: its process is gone

    rc, data = cli_json(home, "batch", "run", str(scans), "--json")
    assert rc == 0
    assert all(d["status"] in (*FINISHED, "duplicate") for d in data["documents"])
    assert len({d["doc_code"] for d in data["documents"]}) == n
    assert len(pdf_keys(home)) == n
    assert _archived(home) == n
    with sqlite3.connect(home / "catalog.db") as c:
        states = [r[0] for r in c.execute("select state from batches order by created_at")]
    assert states[-1] == "done"
    if sig == signal.SIGINT:
        assert states[0] == "interrupted"
