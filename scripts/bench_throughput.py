"""Throughput of the same batch in-process, with one worker process and with two worker processes on Redis.

    .venv/bin/python scripts/bench_throughput.py [--docs 8] [--redis redis://127.0.0.1:6379/0] [--json]

Prints pages per minute side by side, the scaling ratio (2 workers / 1 worker), the queue's overhead per
document ((1 worker − in-process) / documents, also as a share of the in-process time per document), and
the share of each stage in a document's time (why the actor is per document, not per stage).

Each mode gets a fresh SOHOA_HOME (so nothing is a duplicate) and the same generated scans; workers are
warmed up with a small batch first, so the figures compare steady states (batch created → batch done, from
the catalog). Targets: overhead ≤ 5 %, two workers ≥ 1.7 × one on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.make_samples import Spec, generate  # noqa: E402

TYPES = ["GKS", "XNCT", "CCCD", "GCNKH", "GCNQSDD", "GCNDKDN"]


def _specs(n: int) -> list[Spec]:
    return [Spec(TYPES[i % len(TYPES)], "clean", 200, "png") for i in range(n)]


def _env(home: Path, redis_url: str | None, namespace: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_QUEUE__NAMESPACE=namespace, PYTHONPATH=str(REPO))
    if redis_url:
        env["SOHOA_BROKER_URL"] = redis_url
    return env


def _sohoa(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )


def _batch_seconds(home: Path, batch_id: str) -> tuple[float, int, int]:
    from catalog import batches, leases
    from catalog.db import Catalog

    c = Catalog(f"sqlite:///{home / 'catalog.db'}")
    try:
        b = c.get_batch(batch_id)
        st = batches.batch_status(c, batch_id)
        created, finished = leases.aware(b.created_at), leases.aware(b.finished_at)
        pages = sum(it.pages or 0 for it in c.batch_items(batch_id))
        if not pages:  # in-process batches do not record pages per item
            pages = sum((c.get(it.doc_key).pages or 0) for it in c.batch_items(batch_id) if it.doc_key)
        return (finished - created).total_seconds(), st.items_total, pages
    finally:
        c.close()


def _wait_done(home: Path, batch_id: str, timeout: float = 3600) -> None:
    """Poll the catalog from here (a CLI call per poll would steal a core from the workers being measured)."""
    from catalog import batches
    from catalog.db import Catalog

    c = Catalog(f"sqlite:///{home / 'catalog.db'}")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if batches.batch_status(c, batch_id).state == "done":
                return
            time.sleep(0.5)
    finally:
        c.close()
    raise SystemExit(f"batch {batch_id} did not finish")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _busy_seconds(port: int) -> float:
    """Time the workers spent inside the pipeline's stages so far (their /metrics)."""
    import urllib.request

    deadline = time.monotonic() + 30
    while True:
        try:
            text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("sohoa_stage_seconds_sum")
    )


def _fresh_home(root: Path, name: str, pki: Path) -> Path:
    home = root / name
    shutil.copytree(pki, home / "pki")
    return home


def run_inprocess(home: Path, scans: Path) -> dict:
    """In this process, with every stage timed (the same code the workers run)."""
    from pipeline import metrics
    from pipeline.batch import run_batch
    from pipeline.config import AppConfig
    from pipeline.deps import build_deps

    deps = build_deps(AppConfig(home=home))
    deps.stage_observers = (metrics.observe_stage,)
    try:
        report = run_batch(scans, None, deps, operator="bench", agency=deps.config.agency)
    finally:
        deps.close()
    seconds, docs, pages = _batch_seconds(home, report.batch_id)
    stage = {}
    for m in metrics.STAGE_SECONDS.collect():
        for s in m.samples:
            if s.name.endswith("_sum"):
                stage[s.labels["stage"]] = s.value
    return {"mode": "in-process", "seconds": seconds, "docs": docs, "pages": pages, "stages": stage}


def run_workers(home: Path, scans: Path, warm: Path, processes: int, redis_url: str) -> dict:
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = _env(home, redis_url, namespace)
    log = (home / f"worker-{processes}.log").open("wb")
    # Enqueue the warm-up first so that the catalog exists before the workers start.
    warm_run = _sohoa(env, "batch", "run", str(warm), "--queue", "--json")
    assert warm_run.returncode == 0, warm_run.stderr
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "worker",
            "--processes",
            str(processes),
            "--threads",
            "1",
            "--metrics-port",
            str(port),
        ],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_done(home, json.loads(warm_run.stdout)["batch_id"])
        busy0 = _busy_seconds(port)
        out = _sohoa(env, "batch", "run", str(scans), "--queue", "--json")
        assert out.returncode == 0, out.stderr
        batch_id = json.loads(out.stdout)["batch_id"]
        _wait_done(home, batch_id)
        seconds, docs, pages = _batch_seconds(home, batch_id)
        busy = _busy_seconds(port) - busy0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{namespace}:*"):
            client.delete(key)
        client.close()
    return {
        "mode": f"{processes} worker{'s' if processes > 1 else ''} (Redis)",
        "seconds": seconds,
        "docs": docs,
        "pages": pages,
        "stage_seconds": busy,
        "overhead_s_per_doc": (seconds * processes - busy) / docs,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=8, help="documents in the measured batch (one page each)")
    ap.add_argument("--redis", default=os.environ.get("SOHOA_BENCH_REDIS", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    # The same as in the workers: one core per process (Tesseract's OpenMP and OpenCV threads off), so the
    # in-process baseline and each worker process do the same work per document.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    import cv2

    cv2.setNumThreads(1)

    from signing.pki import ensure_demo_pki

    root = Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
    try:
        generate(root / "samples", _specs(args.docs), seed=args.seed)
        generate(root / "warm", _specs(4), seed=args.seed + 1000)
        scans, warm = root / "samples" / "scans", root / "warm" / "scans"
        pki = root / "pki"
        ensure_demo_pki(pki, "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình")
        results = [run_inprocess(_fresh_home(root, "inproc", pki), scans)]
        results.append(run_workers(_fresh_home(root, "w1", pki), scans, warm, 1, args.redis))
        results.append(run_workers(_fresh_home(root, "w2", pki), scans, warm, 2, args.redis))
    finally:
        shutil.rmtree(root, ignore_errors=True)

    for r in results:
        r["pages_per_min"] = round(r["pages"] / r["seconds"] * 60, 1)
    inproc, one, two = results
    per_doc = inproc["seconds"] / inproc["docs"]
    overhead = (one["seconds"] - inproc["seconds"]) / one["docs"]
    summary = {
        "docs": args.docs,
        "cpus": os.cpu_count(),
        "results": results,
        "scaling_2_vs_1": round(one["seconds"] / two["seconds"], 2),
        "overhead_vs_inprocess_ms_per_doc": round(overhead * 1000, 1),
        "overhead_vs_inprocess_pct": round(overhead / per_doc * 100, 1),
        "queue_overhead_ms_per_doc": round(one["overhead_s_per_doc"] * 1000, 1),
        "queue_overhead_pct": round(one["overhead_s_per_doc"] / (one["stage_seconds"] / one["docs"]) * 100, 1),
        "stage_share_pct": {k: round(v / sum(inproc["stages"].values()) * 100, 1) for k, v in inproc["stages"].items()},
    }
    if args.json:
        print(json.dumps(summary, indent=1))
        return
    print(f"{'mode':<22}{'docs':>6}{'pages':>7}{'seconds':>10}{'pages/min':>11}")
    for r in results:
        print(f"{r['mode']:<22}{r['docs']:>6}{r['pages']:>7}{r['seconds']:>10.1f}{r['pages_per_min']:>11.1f}")
    print(f"scaling, 2 workers vs 1: {summary['scaling_2_vs_1']}×   (target ≥ 1.7× on two cores)")
    print(
        f"queue overhead per document (1 worker: wall − time in the stages): {summary['queue_overhead_ms_per_doc']} ms"
        f" = {summary['queue_overhead_pct']} % of {one['stage_seconds'] / one['docs']:.2f} s   (target ≤ 5 %)"
    )
    print(
        f"2 workers: wall × 2 − time in the stages, per document: {two['overhead_s_per_doc'] * 1000:.0f} ms "
        f"(queue, catalog waits and the batch's tail, when one process has no document left)"
    )
    print(
        f"1 worker vs in-process, per document: {summary['overhead_vs_inprocess_ms_per_doc']:+} ms "
        f"({summary['overhead_vs_inprocess_pct']:+} % of {per_doc:.2f} s; not a queue cost: in-process runs the"
        f" pages in a pool of {os.cpu_count()} processes, a worker process uses one core)"
    )
    print("stage share of a document's time: " + ", ".join(f"{k} {v} %" for k, v in summary["stage_share_pct"].items()))


if __name__ == "__main__":
    main()
