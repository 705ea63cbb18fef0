from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.batch import run_batch
from pipeline.config import AppConfig
from pipeline.deps import build_deps
from pipeline.report import batch_json


def run_inprocess(config: AppConfig, scans: Path, manifest: Path | None = None, operator: str = "clerk-01"):
    deps = build_deps(config)
    try:
        report = run_batch(scans, manifest, deps, operator=operator, agency=config.agency)
        return report, batch_json(report, deps.catalog, deps.store)
    finally:
        deps.close()


def cli(home: Path, *args: str, check: bool = False, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=Path(__file__).resolve().parents[2],
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"sohoa {' '.join(args)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def cli_json(home: Path, *args: str) -> tuple[int, dict]:
    proc = cli(home, *args)
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def truths(samples: Path) -> dict[str, dict]:
    out = {}
    for f in (samples / "truth").glob("*.json"):
        t = json.loads(f.read_text())
        out[t["file"]] = t
    return out


def pdf_keys(home: Path) -> list[Path]:
    """The signed copies in the warehouse (not the original scans that happen to be PDFs)."""
    return sorted(p for p in (home / "warehouse" / "objects").rglob("*.pdf") if p.parent.name != "original")
