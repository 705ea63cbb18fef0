"""The nightly lock: two ``sohoa nightly`` runs never overlap, on one machine or several.

A lease row in the catalog (``leases``, name ``nightly``), taken with a conditional UPDATE/INSERT that works
the same on SQLite and PostgreSQL, renewed while the run goes on and released at the end. A run that dies
(SIGKILL, power loss) frees the lock when its lease expires (``SOHOA_QUEUE__NIGHTLY_LOCK_S``).
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pipeline.errors import ExitCode, PipelineError

if TYPE_CHECKING:
    from catalog.db import Catalog
    from pipeline.config import AppConfig
    from pipeline.nightly.registry import JobReport

LOCK_NAME = "nightly"


class NightlyBusy(PipelineError):
    """Another nightly run holds the lock."""

    reason_code = "nightly_busy"
    exit_code = ExitCode.BUSY


def holder_name(what: str) -> str:
    try:
        user = getpass.getuser()
    except Exception:
        user = "?"
    return f"{socket.gethostname()}:{os.getpid()}:{user}:{what}"[:120]


@contextmanager
def nightly_lock(catalog: Catalog, cfg: AppConfig, what: str = "all") -> Iterator[str]:
    """Hold the nightly lock while the block runs, or raise NightlyBusy naming who holds it."""
    from catalog.leases import lease_info
    from pipeline.run import held_lease

    holder = holder_name(what)
    with held_lease(catalog, LOCK_NAME, holder, cfg.queue.nightly_lock_s) as held:
        if not held:
            info = lease_info(catalog, LOCK_NAME)
            who = f"{info.holder} (since {info.acquired_at:%Y-%m-%d %H:%M:%S} UTC)" if info else "another run"
            raise NightlyBusy(
                f"another nightly run holds the lock: {who}",
                f"một lượt chạy hằng đêm khác đang giữ khóa: {who}",
            )
        catalog.record_event("nightly_started", "nightly", detail={"jobs": what, "holder": holder})
        yield holder
        catalog.record_event("nightly_finished", "nightly", detail={"jobs": what, "holder": holder})


def run_nightly_locked(cfg: AppConfig, names: list[str] | None = None) -> list[JobReport]:
    """``sohoa nightly``: every registered job (or ``names``) under the lock."""
    from pipeline.deps import build_deps
    from pipeline.nightly import run_jobs

    deps = build_deps(cfg)
    try:
        with nightly_lock(deps.catalog, cfg, ",".join(names) if names else "all"):
            return run_jobs(deps, names)
    finally:
        deps.close()
