"""Two ``sohoa nightly`` runs never overlap: the second one finds the lock held and does nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.integration.helpers import cli

REPO = Path(__file__).resolve().parents[2]


def _holder(home: Path) -> subprocess.Popen:
    """Another ``sohoa nightly`` in the middle of its run: holds the lock until its stdin closes."""
    code = textwrap.dedent(
        f"""
        import sys
        from catalog.db import Catalog
        from pipeline.config import AppConfig
        from pipeline.nightly.lock import nightly_lock
        cfg = AppConfig(home={str(home)!r})
        c = Catalog(cfg.catalog_config.url)
        with nightly_lock(c, cfg, "all"):
            print("held", flush=True)
            sys.stdin.read()
        c.close()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_two_nightly_runs_at_once(home: Path):
    holder = _holder(home)
    try:
        busy = cli(home, "nightly", "--json")
        assert busy.returncode == 11, busy.stderr
        assert "nightly_busy" in busy.stderr
        alone = cli(home, "nightly", "expiry", "--json")  # one job alone takes the same lock
        assert alone.returncode == 11, alone.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    done = cli(home, "nightly", "--json")
    assert done.returncode == 0, done.stderr
    names = [r["name"] for r in json.loads(done.stdout)]
    assert {"expiry", "retry"} <= set(names)
