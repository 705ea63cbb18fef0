"""Helpers of the queue tests (plain functions; the fixtures are in ``tests/fixtures_queue.py``)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fixtures_queue import BrokerEnv

REPO = Path(__file__).resolve().parents[2]


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 180, procs=()) -> None:
    """Poll ``predicate``; fail (not hang) after ``timeout`` s or if a worker died on its own."""
    deadline = time.monotonic() + timeout
    while not predicate():
        for p in procs:
            assert p.poll() is None, f"worker exited with {p.returncode} while waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def cli(env: BrokerEnv, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        env=env.env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scrape(port: int, timeout: float = 60) -> str:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        except OSError:
            assert time.monotonic() < deadline, "the workers' /metrics did not answer"
            time.sleep(0.3)
