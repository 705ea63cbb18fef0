"""Benchmark of the national warehouse sync (issue 24), against the simulator on loopback.

    python scripts/bench_sync.py                       # 10,000 papers, 2 workers, 5 % failures; then look-ups
    python scripts/bench_sync.py --papers 2000 --skip-lookup

**Delivery.** A SQLite catalog is seeded with ``--papers`` archived papers and their outbox rows; the simulator
fails ``--fail-rate`` of the requests (500, 429 with Retry-After, time-outs, and answers lost after storing);
``sohoa worker --processes 2`` on Redis drains the outbox (``sohoa sync run --queue --parallel 2``). Printed:
time to drain, papers per second, what the simulator stored: every change exactly once (0 lost, 0 duplicated)
or the benchmark fails.

**Look-ups.** The lookup API (1 uvicorn worker) over a seeded catalog, each reuse check asking the national side
for the types the province lacks, the simulator answering in ``--remote-ms`` (50 ms). Paced load at ``--rate``
checks/s from another process (``scripts/bench_api.py``'s client). Three runs: national look-up off (the
baseline, same run), on, and on with the national side down. Target: p99 ≤ 100 ms with it on; with it down,
local answers in the baseline's time, each saying the national part is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts import bench_api  # noqa: E402
from tests.sync_data import start_simulator, stop  # noqa: E402

REDIS = os.environ.get("SOHOA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def seed_outbox(url: str, n: int) -> None:
    """``n`` archived papers, each with its outbox row, inserted in bulk (as a batch would leave them)."""
    from catalog.db import Catalog
    from catalog.outbox import snapshot

    Catalog(url).close()
    conn = sqlite3.connect(url.split("///", 1)[1])
    conn.execute("PRAGMA synchronous=OFF")
    now = datetime.now(UTC).isoformat(" ")
    docs, rows = [], []

    for i in range(n):
        key = uuid.uuid5(uuid.NAMESPACE_URL, f"bench-sync-{i}").hex * 2
        d = SimpleNamespace(  # the attributes snapshot() reads
            doc_code=f"000.00.00.H42-{260101 + i // 9999:06d}-{i % 9999 + 1:04d}.01",
            paper_code=None,
            dossier_code=None,
            type_code="GKS",
            type_name="Giấy khai sinh",
            owner_id=bench_api.owner_id(i),
            agency="000.00.00.H42",
            fields={},
            issue_date="2020-01-02",
            valid_until=None,
            status="archived",
            pdf_key=None,
            pdf_sha256=key,
            signed_at=None,
        )
        docs.append((key, d.doc_code, "result", "archived", "[]", f"b/{i}.png", d.agency, "bench", "GKS", d.type_name,
                     "[]", d.owner_id, "{}", "[]", now, now))  # fmt: skip
        payload = {"change": "upsert", "reason": "archived", **snapshot(d)}
        rows.append((key, "upsert", "archived", f"{key}:1:upsert", json.dumps(payload), "pending", 0, now, now))
    conn.executemany(
        "INSERT INTO documents (key, doc_code, kind, status, review_reasons, input, agency, operator, type_code,"
        " type_name, type_candidates, owner_id, fields, objects, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        docs,
    )
    conn.executemany(
        "INSERT INTO outbox (doc_key, change, reason, idempotency_key, payload, state, attempts, next_attempt_at,"
        " created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )
    conn.commit()
    conn.close()


def delivery(args, tmp: Path) -> dict:
    from catalog import outbox
    from catalog.db import Catalog

    home = tmp / "home"
    url = f"sqlite:///{home / 'catalog.db'}"
    t0 = time.perf_counter()
    seed_outbox(url, args.papers)
    print(f"seeded {args.papers:,} papers with their outbox rows in {time.perf_counter() - t0:.0f} s", flush=True)
    sim = start_simulator()
    sim.control(fail_rate=args.fail_rate, fail_mode="mixed", seed=11, timeout_s=1.5, retry_after=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(
        SOHOA_HOME=str(home),
        SOHOA_BROKER_URL=REDIS,
        SOHOA_QUEUE__NAMESPACE=f"bench{uuid.uuid4().hex[:8]}",
        SOHOA_SYNC__URL=sim.url,
        SOHOA_SYNC__TIMEOUT_S="1",
        SOHOA_SYNC__MIN_BACKOFF_S="0.5",
        SOHOA_SYNC__MAX_BACKOFF_S="5",
        SOHOA_SYNC__MAX_ATTEMPTS="50",
        SOHOA_SYNC__FILE_TRANSFER="none",
        SOHOA_LOG_LEVEL="WARNING",
    )
    sohoa = [sys.executable, "-m", "pipeline.cli"]
    log = (tmp / "workers.log").open("wb")
    workers = subprocess.Popen([*sohoa, "worker", "--processes", "2"], env=env, cwd=ROOT, stdout=log, stderr=log,
                               start_new_session=True)  # fmt: skip
    catalog = Catalog(url)
    try:
        time.sleep(8)  # the workers build their dependencies (Tesseract probe, signer) before taking messages
        t0 = time.perf_counter()
        subprocess.run([*sohoa, "sync", "run", "--queue", "--parallel", "2"], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        while outbox.status(catalog).counts["sent"] + outbox.status(catalog).counts["dead"] < args.papers:
            if time.perf_counter() - t0 > args.timeout:
                raise SystemExit(f"not drained in {args.timeout} s: {outbox.status(catalog).as_json()}")
            time.sleep(0.5)
        seconds = time.perf_counter() - t0
        st, counts = sim.stats(), outbox.status(catalog).counts
    finally:
        os.killpg(workers.pid, 15)
        workers.wait(timeout=60)
        stop(sim)
        catalog.close()
    injected = {k[9:]: v for k, v in st["requests"].items() if k.startswith("injected_")}
    result = {
        "papers": args.papers,
        "drain_s": round(seconds, 1),
        "papers_per_s": round(args.papers / seconds, 1),
        "sent": counts["sent"],
        "dead": counts["dead"],
        "stored_at_remote": st["received"],
        "distinct_keys_at_remote": st["distinct_keys"],
        "lost": args.papers - st["distinct_keys"],
        "duplicated": st["received"] - st["distinct_keys"],
        "duplicates_answered": st["requests"].get("duplicate", 0),
        "injected_failures": injected,
        "requests": st["requests"].get("send", 0),
    }
    ok = result["lost"] == 0 and result["duplicated"] == 0 and result["sent"] == args.papers
    result["verdict"] = "0 lost, 0 duplicated, all delivered" if ok else "FAILED"
    return result


def lookups(args, tmp: Path) -> dict:
    url = f"sqlite:///{tmp / 'api.db'}"
    bench_api.seed_sqlite(url, args.documents, args.owners)
    key = bench_api.make_key(url)
    sim = start_simulator()
    out = {}
    try:
        for name, extra, control in (
            ("national off", {}, {"slow_ms": 0, "down": False}),
            ("national on", {"SOHOA_SYNC__NATIONAL_LOOKUP": "true"}, {"slow_ms": args.remote_ms, "down": False}),
            ("national down", {"SOHOA_SYNC__NATIONAL_LOOKUP": "true"}, {"slow_ms": 0, "down": True}),
        ):
            sim.control(**control)
            env = {"SOHOA_SYNC__URL": sim.url, "SOHOA_SYNC__LOOKUP_CACHE_S": "0", **extra}
            port = bench_api.free_port()
            with bench_api.server(url, tmp / "home-api", port, 1, False, env) as proc:
                cpu0 = bench_api.proc_cpu_seconds(proc.pid)
                r = bench_api.load(port, key, args.owners, args.concurrency, args.duration, args.rate, 3.0)
                r["server_cpu_ms_per_req"] = round(
                    (bench_api.proc_cpu_seconds(proc.pid) - cpu0) * 1000 / max(1, r["requests"] + r["warmup_requests"]),
                    2,
                )
            out[name] = r
            print(f"  {name:<14} {bench_api._fmt(r)}", flush=True)
    finally:
        stop(sim)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--papers", type=int, default=10_000)
    ap.add_argument("--fail-rate", type=float, default=0.05)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--skip-delivery", action="store_true")
    ap.add_argument("--skip-lookup", action="store_true")
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--owners", type=int, default=30_000)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--remote-ms", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if not args.skip_delivery:
            print(f"Delivery: {args.papers:,} papers, 2 workers, {args.fail_rate:.0%} injected failures", flush=True)
            r = delivery(args, tmp)
            print(json.dumps(r, indent=1), flush=True)
        if not args.skip_lookup:
            print(
                f"Reuse checks at {args.rate:.0f}/s ({args.concurrency} clients, {args.duration:.0f} s), "
                f"national side answering in {args.remote_ms} ms:",
                flush=True,
            )
            lookups(args, tmp)


if __name__ == "__main__":
    main()
