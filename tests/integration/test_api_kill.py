"""Killed under load, the API has answered no reuse check whose audit row it had not committed.

A real server process (uvicorn) on each backend takes checks from several clients at once, each with its own
purpose, and is killed with SIGKILL mid-load while another session holds the events table, so that the server's
audit commits are stalled at that moment (a server that answered before its row was committed would go on
answering then, and lose those rows); every check that got its 200 must have its row in the catalog.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from catalog import audit
from catalog.api.http_protocol import PROTOCOL
from catalog.db import Catalog, Event
from tests.api_data import CITIZEN, NOBODY, make_api

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(url: str, home: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_CATALOG_URL=url, SOHOA_HOME=str(home), SOHOA_API__KEY_CACHE_SECONDS="60")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "pipeline.cli_api:app_factory",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--http",  # as ``sohoa serve`` runs it
            PROTOCOL,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited at start"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start in 60 s")


@contextlib.contextmanager
def _events_locked(url: str):
    """Another session holding a lock that keeps inserts into ``events`` waiting."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")  # the single writer's lock: readers go on, writers wait
        try:
            yield
        finally:
            conn.rollback()
            conn.close()
        return
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("LOCK TABLE events IN SHARE MODE")  # conflicts with the inserts' ROW EXCLUSIVE
        yield
        conn.rollback()


def test_every_answered_check_has_its_audit_row_after_a_kill(catalog_url, tmp_path):
    api = make_api(catalog_url, tmp_path)
    key = api.keys["lookup"]
    api.catalog.close()
    port = _free_port()
    proc = _start(catalog_url, tmp_path / "home", port)
    answered: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            i = 0
            while not stop.is_set():
                purpose = f"kill-{n}-{i}"
                i += 1
                body = {"owner_id": CITIZEN if i % 2 else NOBODY, "required_types": ["GKS", "CCCD"]}
                try:
                    r = http.post("/v1/reuse-check", json=body, headers={"X-API-Key": key, "X-Purpose": purpose})
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 200:
                    with lock:
                        answered.append(purpose)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while len(answered) < 300 and time.monotonic() < deadline:
            time.sleep(0.02)
        with _events_locked(catalog_url):
            time.sleep(0.5)  # the server's audit commits wait for the lock meanwhile
            os.kill(proc.pid, signal.SIGKILL)  # mid-load: requests in flight, a group of rows not yet committed
            proc.wait(10)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        if proc.poll() is None:
            proc.kill()
    assert len(answered) >= 300

    catalog = Catalog(catalog_url, migrate=False)
    try:
        with catalog.session() as s:
            rows = [d for (d,) in s.query(Event.detail).filter(Event.action == audit.REUSE_CHECK)]
    finally:
        catalog.close()
    recorded = {d.get("purpose") for d in rows}
    missing = [p for p in answered if p not in recorded]
    assert not missing, f"{len(missing)} answered checks without an audit row, e.g. {missing[:5]}"
