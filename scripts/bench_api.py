"""Benchmark of ``POST /v1/reuse-check``: seed a catalog, serve it with uvicorn, drive it from another process.

    python scripts/bench_api.py                                  # 1,000,000 documents, 300,000 owners, both backends
    python scripts/bench_api.py --documents 100000 --backend sqlite --duration 10

Seeding uses bulk inserts (``executemany`` in large transactions) on SQLite and ``COPY`` on PostgreSQL; the
search triggers stay on. The server runs in its own process (``uvicorn pipeline.cli_api:app_factory``);
the load comes from a third process: ``--concurrency`` clients (default 50), each on its own keep-alive
connection, with a minimal asyncio HTTP/1.1 client (a heavyweight client would take the server's CPU).

Two phases per backend:
- **max**: closed loop, every client sends its next request as soon as the answer arrives → the most
  requests per second the server gives; latency there is mostly queueing (Little's law: 50 clients at
  R req/s wait 50/R s on average).
- **paced**: open loop at ``--rate`` requests/s in total (default 500), spread over the clients; latency is
  measured from the *scheduled* send time, so a stall is not hidden (no coordinated omission).

Each request asks about a random seeded owner (90 %) or an unknown but valid ID (10 %) for a random
procedure from the catalogue. Every request also writes its audit row, as in production.

Each phase runs ``--runs`` times (default 3); the median and the range [min–max] of every figure are printed:
requests/s, p50 and p99, the server's CPU per request (all its processes, from /proc), PostgreSQL's CPU per
request, and the load generator's own CPU as a share of one core (near 1.0, the client sets the pace and the
figures say nothing about the server). ``--py-spy DIR`` records each run's server as a flame graph. The warm-up
before each run goes at the run's own pace, so a paced run's CPU per request is a paced figure. ``--baseline REV``
serves the same catalog with another revision's code, the two taking turns run by run (each on a server started
afresh, the one served first alternating), and prints this code's ratios to it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AGENCY = "000.00.16.H42"
PROVINCES = ("037", "036", "035", "038", "001", "079")
DOC_COLUMNS = (
    "key",
    "doc_code",
    "kind",
    "status",
    "review_reasons",
    "input",
    "agency",
    "operator",
    "type_code",
    "type_name",
    "type_candidates",
    "owner_id",
    "fields",
    "issue_date",
    "valid_until",
    "pages",
    "objects",
    "signed_at",
    "created_at",
    "updated_at",
    "text",
)
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đinh", "Bùi", "Đỗ", "Ngô")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Hữu")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hoà", "Lan", "Long", "Mai", "Nam", "Phương", "Sơn", "Tâm", "Thảo")
PLACES = ("Ninh Bình", "Hoa Lư", "Gia Viễn", "Nho Quan", "Kim Sơn", "Yên Khánh", "Tam Điệp", "Nam Định", "Hà Nam")


def owner_id(i: int) -> str:
    """A valid 12-digit personal ID, unique per i < 1,000,000."""
    return f"{PROVINCES[i % len(PROVINCES)]}{i % 4}{(i // 7) % 100:02d}{i:06d}"


def unknown_owner(rng: random.Random) -> str:
    return f"0010{rng.randrange(100):02d}{rng.randrange(1_000_000):06d}"  # province 001: never seeded


def ocr_text(rng: random.Random, type_name: str, issued: str) -> str:
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    return (
        f"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n{type_name.upper()}\n"
        f"Họ, chữ đệm, tên: {name}\nNơi sinh: {rng.choice(PLACES)}\nNgày cấp: {issued}\n"
        f"UBND {rng.choice(PLACES)}, ngày {issued[8:]} tháng {issued[5:7]} năm {issued[:4]}"
    )


def doc_rows(n_docs: int, n_owners: int, seed: int = 1, text: bool = False):
    """Rows of the documents table, as tuples in DOC_COLUMNS order (with OCR-like text when ``text``)."""
    from catalog.types import default_document_types

    types = [t for t in default_document_types().types if t.owner_field == "id_number"]
    rng = random.Random(seed)
    now = "2026-11-22 00:00:00+00"
    for i in range(n_docs):
        owner = owner_id(i % n_owners)
        t = types[rng.randrange(len(types))]
        year = rng.randrange(1990, 2026)
        issued = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        until = None if t.validity.kind == "permanent" else f"{year + rng.randrange(1, 16)}-{issued[5:]}"
        r = rng.random()
        status = "needs_review" if r < 0.05 else "archived"
        signed = None if status == "needs_review" or r > 0.97 else now
        day, seq = divmod(i, 9999)
        code = f"{AGENCY}-{260101 + day:06d}-{seq + 1:04d}.01"  # unique; not a real calendar day past 31
        yield (
            f"{i:064x}",
            code,
            t.kind,
            status,
            "[]",
            f"bench/{i}.png",
            AGENCY,
            "bench",
            t.code,
            t.name_vi,
            "[]",
            owner,
            "{}",
            issued,
            until,
            1,
            "{}",
            signed,
            now,
            now,
            ocr_text(rng, t.name_vi, issued) if text else None,
        )


def seed_sqlite(url: str, n_docs: int, n_owners: int, text: bool = False) -> None:
    import sqlite3

    from catalog.db import Catalog

    Catalog(url).close()  # schema by the migrations, like production
    path = url.split("///", 1)[1]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    sql = f"INSERT INTO documents ({', '.join(DOC_COLUMNS)}) VALUES ({', '.join('?' * len(DOC_COLUMNS))})"
    batch: list[tuple] = []
    for row in doc_rows(n_docs, n_owners, text=text):
        batch.append(row)
        if len(batch) >= 50_000:
            conn.executemany(sql, batch)
            conn.commit()
            batch.clear()
    if batch:
        conn.executemany(sql, batch)
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def seed_postgres(url: str, n_docs: int, n_owners: int, text: bool = False) -> None:
    import psycopg

    from catalog.db import Catalog

    Catalog(url).close()
    with (
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn,
        conn.cursor() as cur,
        cur.copy(f"COPY documents ({', '.join(DOC_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in doc_rows(n_docs, n_owners, text=text):
            copy.write_row(row)
    # A catalog that grew over years is vacuumed (hint bits set, the visibility map current for index-only
    # scans) and checkpointed: no autovacuum of a million fresh rows and no checkpoint writing the seeding's
    # gigabyte of WAL back may run during the measurement.
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) documents")
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            pass  # not a superuser: the server's own checkpoint will come during the run


def postgres_cpu_seconds() -> float:
    """CPU time of this machine's PostgreSQL processes (0 when the server runs elsewhere), from /proc; exited
    backends are not counted, so this is a floor — the bench keeps its connections open."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() != "postgres":
                        continue
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
    return total / tick


def proc_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its direct children (uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")

    def one(p: int) -> tuple[int, float]:
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / tick  # ppid, utime + stime

    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid, cpu = one(int(entry))
                if int(entry) == pid or ppid == pid:
                    total += cpu
    return total


def bench_search(url: str, n: int) -> dict:
    """Latency of full-text searches (in process, one at a time): a given name and a place, without accents."""
    from catalog import search
    from catalog.db import Catalog
    from catalog.search import fold

    c = Catalog(url)
    rng = random.Random(7)
    lat, hits = [], 0
    try:
        for i in range(n + 10):
            q = fold(f"{rng.choice(MIDDLE)} {rng.choice(GIVEN)} {rng.choice(PLACES)}")
            t0 = time.perf_counter()
            found = search.search(c, q, limit=20)
            if i >= 10:  # the first ones warm the caches
                lat.append(time.perf_counter() - t0)
                hits += len(found)
    finally:
        c.close()
    lat.sort()
    return {
        "queries": n,
        "mean_hits": round(hits / max(1, n), 1),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 1),
        "p95_ms": round(lat[int(len(lat) * 0.95)] * 1000, 1),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_key(url: str) -> str:
    from catalog.apikeys import create_key
    from catalog.db import Catalog

    c = Catalog(url)
    try:
        _, plain = create_key(
            c, agency=AGENCY, scopes="lookup", client="bench", created_by="bench", rate_per_minute=10**9
        )
    finally:
        c.close()
    return plain


@contextlib.contextmanager
def server(
    url: str,
    home: Path,
    port: int,
    workers: int,
    access_log: bool,
    extra_env: dict | None = None,
    code: Path = ROOT,
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_CATALOG_URL=url, SOHOA_HOME=str(home), SOHOA_API__KEY_CACHE_SECONDS="60", **(extra_env or {}))
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "pipeline.cli_api:app_factory",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    if not access_log:
        cmd.append("--no-access-log")
    if (code / "catalog/api/http_protocol.py").exists():  # as ``sohoa serve`` runs it (older revisions: uvicorn's)
        cmd += ["--http", "catalog.api.http_protocol:CoalescingHttpToolsProtocol"]
    proc = subprocess.Popen(cmd, cwd=code, env=env)  # ``python -m`` imports the code of its working folder first
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in 60 s")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- the load generator (runs in its own process) ------------------------------------------------------
def _bodies(n_owners: int, procedures: list[str], count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        owner = owner_id(rng.randrange(n_owners)) if rng.random() < 0.9 else unknown_owner(rng)
        out.append(json.dumps({"owner_id": owner, "procedure_code": rng.choice(procedures)}).encode())
    return out


async def _client(port, key, bodies, stop_at, interval, start_at, lat, errors, idx):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        "POST /v1/reuse-check HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"X-API-Key: {key}\r\nX-Purpose: bench\r\nContent-Length: "
    ).encode()
    n = idx
    next_at = start_at
    try:
        while True:
            if interval:
                now = time.perf_counter()
                if next_at > now:
                    await asyncio.sleep(next_at - now)
                sent = next_at
                next_at += interval
            else:
                sent = time.perf_counter()
            if sent >= stop_at:
                return
            body = bodies[n % len(bodies)]
            n += 1
            writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            lat.append(time.perf_counter() - sent)
            if not status_line.startswith(b"HTTP/1.1 200"):
                errors.append(status_line.decode(errors="replace").strip())
    finally:
        writer.close()


async def _drive(port, key, bodies, concurrency, duration, rate, warmup):
    interval = concurrency / rate if rate else 0
    # warm-up: fill caches and pools, latency not measured; at the phase's own pace, so that the server's CPU per
    # request (counted over warm-up and phase together) is the paced figure, not a mix with a closed loop's
    wl: list[float] = []
    begin = time.perf_counter()
    end = begin + warmup
    await asyncio.gather(
        *[
            _client(port, key, bodies, end, interval, begin + (i * interval / concurrency if rate else 0), wl, [], i)
            for i in range(concurrency)
        ]
    )
    lat: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    stop = start + duration
    tasks = [
        _client(
            port, key, bodies, stop, interval, start + (i * interval / concurrency if rate else 0), lat, errors, i * 7
        )
        for i in range(concurrency)
    ]
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return lat, errors, elapsed, len(wl)


def _load_process(port, key, n_owners, procedures, concurrency, duration, rate, warmup, q):
    bodies = _bodies(n_owners, procedures, 20_000, seed=42)
    cpu0 = time.process_time()
    lat, errors, elapsed, warm = asyncio.run(_drive(port, key, bodies, concurrency, duration, rate, warmup))
    client_cpu = time.process_time() - cpu0
    lat.sort()

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else float("nan")

    q.put(
        {
            "requests": len(lat),
            "warmup_requests": warm,
            "errors": len(errors),
            "error_sample": errors[:3],
            "rps": round(len(lat) / elapsed, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
            # the load generator's own CPU (warm-up included) as a share of one core over the phase: near 1.0
            # the client, not the server, sets the pace
            "client_core_share": round(client_cpu / (elapsed + warmup), 2),
        }
    )


def load(port, key, n_owners, concurrency, duration, rate, warmup) -> dict:
    from catalog.types import default_document_types

    procedures = sorted({p for t in default_document_types().types for p in t.procedures})
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(
        target=_load_process, args=(port, key, n_owners, procedures, concurrency, duration, rate, warmup, q)
    )
    p.start()
    result = q.get(timeout=duration + warmup + 120)
    p.join()
    return result


# --- main -----------------------------------------------------------------------------------------------
def run_backend(backend: str, args, tmp: Path) -> dict:
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
        drop = None
    else:
        import sqlalchemy as sa

        name = f"sohoa_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = args.pg_admin_url.rsplit("/", 1)[0] + "/" + name

        def drop():
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    try:
        t0 = time.perf_counter()
        (seed_sqlite if backend == "sqlite" else seed_postgres)(url, args.documents, args.owners, text=args.text)
        seed_s = time.perf_counter() - t0
        print(
            f"[{backend}] seeded {args.documents:,} documents for {args.owners:,} owners in {seed_s:.0f} s", flush=True
        )
        if args.text:
            result_search = bench_search(url, args.searches)
            print(f"[{backend}] search {result_search}", flush=True)
        key = make_key(url)
        result = {"backend": backend, "documents": args.documents, "owners": args.owners, "seed_s": round(seed_s, 1)}
        if args.text:
            result["search"] = result_search
        for workers in args.workers:
            if not args.baseline_dir:
                port = free_port()
                with server(url, tmp / "home", port, workers, args.access_log) as proc:
                    result[f"workers={workers}"] = _phases(backend, workers, proc, port, key, args, args.runs)
                continue
            # this code and the baseline take turns, run by run, each on a server of its own started afresh, and
            # the one served first alternates: neither gets the fresher catalog, the quieter minute or the
            # database's background work (autovacuum of the growing events table) to itself
            codes = [("", ROOT), ("baseline ", args.baseline_dir)]
            both: dict[str, list[dict]] = {label: [] for label, _ in codes}
            for run in range(args.runs):
                for label, code in codes if run % 2 == 0 else codes[::-1]:
                    port = free_port()
                    with server(url, tmp / "home", port, workers, args.access_log, code=code) as proc:
                        both[label].append(_phases(f"{label}{backend}", workers, proc, port, key, args, 1))
            for label, _ in codes:
                result[f"{label}workers={workers}"] = _merge_runs(f"{label}{backend}", workers, both[label])
            _print_ratios(backend, workers, result["workers=" + str(workers)], result[f"baseline workers={workers}"])
        return result
    finally:
        if drop:
            drop()


def _merge_runs(backend: str, workers: int, parts: list[dict]) -> dict:
    """Phases measured on several servers one run each (``--baseline``), as if measured by one ``_phases``."""
    out = {}
    for phase in parts[0]:
        runs = [r for part in parts for r in part[phase]["runs"]]
        out[phase] = _phase_result(backend, workers, phase, runs, show=True)
    return out


def _phase_result(backend: str, workers: int, phase: str, runs: list[dict], *, show: bool) -> dict:
    """A phase's runs with their medians and ranges; ``show``: print them."""
    summary = _summary(runs)
    if show:
        print(f"[{backend}] {workers}w {phase:<6} median of {len(runs)} [min–max]: {_fmt_summary(summary)}", flush=True)
    return {"runs": runs, "median": {k: v[0] for k, v in summary.items()}, "range": summary}


def _phases(backend: str, workers: int, proc, port: int, key: str, args, n_runs: int) -> dict:
    out = {}
    phases = ([] if args.skip_max else [("max", 0.0)]) + ([("paced", args.rate)] if args.rate else [])
    for phase, rate in phases:
        runs = []
        for run in range(n_runs):
            spy = _py_spy(proc.pid, args, f"{backend}-{workers}w-{phase}-{run + 1}") if args.py_spy else None
            cpu0, db0 = proc_cpu_seconds(proc.pid), postgres_cpu_seconds()
            r = load(port, key, args.owners, args.concurrency, args.duration, rate, args.warmup)
            # the server's own CPU per request (warm-up included in both): the figure least hurt by a busy machine
            cpu, db = proc_cpu_seconds(proc.pid) - cpu0, postgres_cpu_seconds() - db0
            if spy is not None:
                spy.wait()
            served = max(1, r["requests"] + r.get("warmup_requests", 0))
            r["server_cpu_ms_per_req"] = round(cpu * 1000 / served, 3)
            if backend.endswith("postgresql") and db > 0:  # "baseline postgresql" too
                r["db_cpu_ms_per_req"] = round(db * 1000 / served, 3)
            runs.append(r)
            offered = f" (offered {rate:.0f} req/s)" if rate else ""
            print(f"[{backend}] {workers}w {phase:<6} run {run + 1}: {_fmt(r)}{offered}", flush=True)
        out[phase] = _phase_result(backend, workers, phase, runs, show=n_runs > 1)
    return out


SUMMARY_KEYS = (
    "rps",
    "p50_ms",
    "p99_ms",
    "server_cpu_ms_per_req",
    "db_cpu_ms_per_req",
    "client_core_share",
    "errors",
)


def _summary(runs: list[dict]) -> dict[str, tuple[float, float, float]]:
    """(median, min, max) of each figure over the runs."""
    import statistics

    out = {}
    for k in SUMMARY_KEYS:
        values = [r[k] for r in runs if k in r]
        if values:
            out[k] = (statistics.median(values), min(values), max(values))
    return out


def _fmt_summary(s: dict) -> str:
    names = {
        "rps": "req/s",
        "p50_ms": "p50 ms",
        "p99_ms": "p99 ms",
        "server_cpu_ms_per_req": "server CPU ms/req",
        "db_cpu_ms_per_req": "PostgreSQL CPU ms/req",
        "client_core_share": "client core share",
        "errors": "errors",
    }
    return "  ".join(f"{names[k]} {m:g} [{lo:g}–{hi:g}]" for k, (m, lo, hi) in s.items())


def _py_spy(pid: int, args, name: str):
    """py-spy recording the server (and its workers) over one run, as a flame graph beside ``--py-spy``."""
    out = Path(args.py_spy) / f"{name}.svg"
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--rate",
            "100",
            "--output",
            str(out),
            "--duration",
            str(int(args.duration + args.warmup + 1)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _print_ratios(backend: str, workers: int, new: dict, old: dict) -> None:
    """This code against the baseline, measured in the same run on the same catalog: medians' ratios."""
    for phase in new:
        if phase not in old:
            continue
        n, o = new[phase]["median"], old[phase]["median"]
        parts = [
            f"{name} {n[k] / o[k]:.2f}×"
            for k, name in (("server_cpu_ms_per_req", "server CPU/req"), ("rps", "req/s"), ("p99_ms", "p99"))
            if o.get(k)
        ]
        print(
            f"[{backend}] {workers}w {phase:<6} this code / baseline {BASELINE_REV[0]}: " + "  ".join(parts), flush=True
        )


BASELINE_REV: list[str | None] = [None]


@contextlib.contextmanager
def baseline_checkout(rev: str | None, tmp: Path):
    """A checkout of ``rev`` (``--baseline``) beside this one, served from the same virtualenv."""
    if not rev:
        yield None
        return
    where = tmp / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), rev], check=True)
    BASELINE_REV[0] = rev
    try:
        yield where
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)], check=False)


def _fmt(r: dict) -> str:
    return (
        f"{r['rps']:>7.1f} req/s  p50 {r['p50_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms  "
        f"server CPU {r['server_cpu_ms_per_req']:.2f} ms/req  "
        + (f"PostgreSQL CPU {r['db_cpu_ms_per_req']:.2f} ms/req  " if "db_cpu_ms_per_req" in r else "")
        + f"client {r['client_core_share']:.2f} core  "
        + f"({r['requests']} requests, {r['errors']} errors{' ' + str(r['error_sample']) if r['errors'] else ''})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--documents", type=int, default=1_000_000)
    ap.add_argument("--owners", type=int, default=None, help="default: 30 %% of --documents")
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument(
        "--pg-admin-url",
        default=os.environ.get("SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--rate", type=float, default=500.0, help="offered load of the paced phase; 0 = skip it")
    ap.add_argument("--skip-max", action="store_true", help="only the paced phase")
    ap.add_argument(
        "--baseline",
        metavar="REV",
        help="also serve the same catalog with the code of git revision REV and print this code's ratios to it",
    )
    ap.add_argument("--runs", type=int, default=3, help="runs of each phase; medians and ranges are printed")
    ap.add_argument("--py-spy", metavar="DIR", help="record each run's server with py-spy (flame graphs in DIR)")
    ap.add_argument("--workers", default="1", help="uvicorn worker processes; a list (1,2) runs each on the same data")
    ap.add_argument("--access-log", action="store_true", help="keep uvicorn's (masked) access log on")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object at the end")
    ap.add_argument(
        "--text", action="store_true", help="seed OCR-like text (indexed by the triggers) and time searches"
    )
    ap.add_argument("--searches", type=int, default=200, help="full-text searches timed with --text")
    args = ap.parse_args()
    args.owners = args.owners or max(1, int(args.documents * 0.3))
    args.workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    if args.owners > 1_000_000:
        ap.error("at most 1,000,000 owners")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(
        f"bench_api: {os.cpu_count()} CPUs, {args.concurrency} clients, {args.duration:.0f} s per phase, "
        f"uvicorn workers {args.workers}",
        flush=True,
    )
    results = []
    with (
        tempfile.TemporaryDirectory(prefix="sohoa-bench-api-") as tmp,
        baseline_checkout(args.baseline, Path(tmp)) as args.baseline_dir,
    ):
        for b in backends:
            results.append(run_backend(b, args, Path(tmp)))
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
