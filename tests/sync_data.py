"""Test data of the national warehouse sync: the simulator on loopback (``scripts/sync_simulator.py``, over real
HTTP) and archived papers with their outbox rows (fixtures: fixtures_sync.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Simulator:
    url: str
    proc: subprocess.Popen
    verify: object = True

    def control(self, **settings) -> dict:
        return httpx.post(f"{self.url}/_control", json=settings, verify=self.verify, timeout=10).json()

    def stats(self) -> dict:
        return httpx.get(f"{self.url}/_stats", verify=self.verify, timeout=10).json()

    def reset(self) -> None:
        httpx.post(f"{self.url}/_reset", verify=self.verify, timeout=10)


def start_simulator(*args: str, scheme: str = "http", verify: object = True) -> Simulator:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "sync_simulator.py"), "--port", str(port), *args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            raise RuntimeError(f"simulator exited: {proc.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("simulator did not start")
        time.sleep(0.05)
    return Simulator(f"{scheme}://127.0.0.1:{port}", proc, verify)


def stop(sim: Simulator) -> None:
    sim.proc.terminate()
    try:
        sim.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sim.proc.kill()


def archived_paper(catalog, n: int, owner: str = "037096014589", type_code: str = "GKS", **extra) -> str:
    """An archived document with its outbox row, as ``pipeline.stages.catalog_document`` leaves it."""
    key = f"{n:064x}"
    catalog.claim(
        key,
        holder="seed",
        batch_id="B-seed",
        input_name=f"{n}.png",
        agency="000.00.00.H42",
        operator="clerk",
        kind="result",
        procedure=None,
    )
    catalog.update_document(
        key,
        holder="seed",
        outbox=("upsert", "archived"),
        status="archived",
        doc_code=f"000.00.00.H42-261206-{n:04d}.01",
        owner_id=owner,
        type_code=type_code,
        type_name=type_code,
        issue_date="2020-01-02",
        pdf_sha256=f"{n:064x}",
        signed_at=datetime(2026, 12, 1, tzinfo=UTC),
        archived_at=datetime(2026, 12, 1, tzinfo=UTC),
        **extra,
    )
    return key
