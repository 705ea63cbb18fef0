"""How long the KPI figures take on a large catalog (what one uncached dashboard view or report costs).

Seeds a fresh catalog with ``--documents`` documents over 2026 (with dossiers, stage timings, quarantines)
across ``--agencies`` agencies (the provincial centre and communes: 2026 has two levels), registers half the
dossiers as the one-stop system does, and writes ``--reuse-checks`` reuse-check audit rows as the lookup API
writes them; then times the first fold of the checks into the registered dossiers and the first assignment of
issuing authorities (once; later runs fold only what is new), and ``compute_report`` for 2026Q4 (all agencies,
one level, one agency).

    python scripts/bench_kpi.py [--documents 20000] [--reuse-checks 100000] [--agencies 30]
                                [--backend sqlite|postgresql|both] [--pg-url postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert, text

from catalog.db import Catalog, Document, Dossier, Event
from catalog.kpi import compute_report, load_targets, parse_period, refresh
from catalog.kpi_db import save_snapshot, set_year, upsert_agency
from catalog.registered import RegisteredDossier

OWNER = "037096014589"


def agencies(n: int) -> list[tuple[str, str]]:
    out = [("000.00.00.H42", "province")]
    for i in range(1, n):
        out.append((f"000.{i:02d}.{1 + i % 8:02d}.H42", "commune"))
    return list(dict.fromkeys(out))


def seed(catalog: Catalog, n_docs: int, n_checks: int, n_agencies: int, rnd: random.Random) -> None:
    ags = agencies(n_agencies)
    for code, level in ags:
        upsert_agency(catalog, code, name=f"Cơ quan {code}", level=level)
        set_year(catalog, code, 2026, results_on_paper=max(10, n_docs // len(ags)), staff=rnd.randint(1, 8))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    docs, dossiers, events, registered = [], [], [], []
    seq: dict = {}
    for i in range(n_docs):
        agency = rnd.choice(ags)[0]
        at = start + timedelta(seconds=rnd.randrange(365 * 86400))
        seq[(agency, at.date())] = n = seq.get((agency, at.date()), 0) + 1
        dossier = f"{agency}-{at:%y%m%d}-{n:04d}"
        if i % 2 == 0:
            dossiers.append({"code": dossier, "agency": agency, "created_at": at, "procedure": None, "owner_id": None})
            required = ["GKS", "CCCD", "GCNKH"][: rnd.randint(1, 3)]
            registered.append(
                {
                    "code": dossier,
                    "agency": agency,
                    "owner_id": OWNER,
                    "persons": [],
                    "received_at": at,
                    "required_types": required,
                    "registered_by": "bench",
                    "reused": 0,
                    "found_types": [],
                    "checked_types": [],
                    "papers_required": len(required),
                    "papers_found": 0,
                    "created_at": at,
                    "updated_at": at,
                }
            )
        status = "archived" if rnd.random() < 0.9 else rnd.choice(("needs_review", "quarantined"))
        docs.append(
            {
                "key": uuid.UUID(int=rnd.getrandbits(128)).hex + f"{i:032x}",
                "doc_code": f"{dossier}.{i:06d}",
                "kind": "result" if rnd.random() < 0.6 else "component",
                "status": status,
                "input": f"scan{i}.png",
                "agency": agency,
                "operator": f"op{rnd.randrange(40)}",
                "valid_until": None if rnd.random() < 0.7 else f"20{rnd.randint(26, 35)}-06-30",
                "pages": rnd.randint(1, 4),
                "ocr_confidence": round(rnd.uniform(0.4, 0.99), 3),
                "created_at": at - timedelta(seconds=rnd.uniform(2, 20)),
                "archived_at": at if status != "quarantined" else None,
                "review_reasons": [],
                "type_candidates": [],
                "fields": {},
                "objects": {},
                "updated_at": at,
            }
        )
        events.append(
            {
                "at": at,
                "actor": "op",
                "agency": agency,
                "action": "stage_timings",
                "detail": {"seconds": {"ocr": round(rnd.uniform(1, 5), 3), "sign": round(rnd.uniform(0.3, 1), 3)}},
            }
        )
        if status == "quarantined":
            events.append(
                {"at": at, "actor": "op", "agency": agency, "action": "quarantined", "detail": {"reason_code": "x"}}
            )
    for _ in range(n_checks):
        d = rnd.choice(dossiers)
        types = ["GKS", "CCCD", "GCNKH"][: rnd.randint(1, 3)]
        found = [t for t in types if rnd.random() < 0.4]
        events.append(
            {
                "at": d["created_at"],
                "actor": "key:k1",
                "agency": d["agency"],
                "action": "access.reuse_check",
                "owner_id": OWNER,
                "detail": {
                    "purpose": d["code"],
                    "result": f"{len(found)}/{len(types)} reusable",
                    "via": "api",
                    "types": types,
                    "found": found,
                },
            }
        )
    for e in events:  # executemany takes the columns of the first row: every row names them all
        e.setdefault("owner_id", None)
    with catalog.engine.begin() as conn:
        tables = (
            (Dossier.__table__, dossiers),
            (Document.__table__, docs),
            (Event.__table__, events),
            (RegisteredDossier.__table__, registered),
        )
        for table, rows in tables:
            for k in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[k : k + 5000])


def timed(fn, repeat: int = 3) -> str:
    """Median wall time, and this process's CPU time (the machine may be shared: CPU time is the steadier
    figure; on PostgreSQL the server's own work is not in it)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    w, c = statistics.median(wall) * 1000, statistics.median(cpu) * 1000
    return f"{w:8.0f} ms wall, {c:6.0f} ms CPU (median of {repeat})"


def run(url: str, args: argparse.Namespace) -> None:
    catalog = Catalog(url)
    t0 = time.perf_counter()
    seed(catalog, args.documents, args.reuse_checks, args.agencies, random.Random(1))
    seeded = time.perf_counter() - t0
    t0 = time.perf_counter()
    done = refresh(catalog, load_targets())
    first = time.perf_counter() - t0
    print(f"  first fold and authority assignment (once): {first:.1f} s ({done})")
    q4 = parse_period("2026Q4")
    one = "000.00.00.H42"
    rep = compute_report(catalog, q4)
    print(
        f"{catalog.dialect}: {args.documents:,} documents, {args.reuse_checks:,} reuse checks, "
        f"{len(rep['agencies'])} agencies (seeded in {seeded:.1f} s)"
    )
    for name, fn in (
        ("compute_report 2026Q4, all agencies (+4-quarter trend)", lambda: compute_report(catalog, q4)),
        ("compute_report 2026Q4, level=commune", lambda: compute_report(catalog, q4, level="commune")),
        ("compute_report 2026Q4, one agency", lambda: compute_report(catalog, q4, agency=one)),
        ("compute_report 2026 (year)", lambda: compute_report(catalog, parse_period("2026"))),
    ):
        print(f"  {name:<58} {timed(fn)}")
    for q in ("2026Q1", "2026Q2", "2026Q3"):  # what the nightly kpi job leaves behind
        save_snapshot(catalog, q, compute_report(catalog, parse_period(q)))
    name = "compute_report 2026Q4, earlier quarters from snapshots"
    print(f"  {name:<58} {timed(lambda: compute_report(catalog, q4))}")
    catalog.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--documents", type=int, default=20_000)
    ap.add_argument("--reuse-checks", type=int, default=100_000)
    ap.add_argument("--agencies", type=int, default=30)
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument(
        "--pg-url", default=os.environ.get("SOHOA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f}, "
        f"Python {platform.python_version()}"
    )
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as d:
            run(f"sqlite:///{d}/bench.db", args)
    if args.backend in ("postgresql", "both"):
        admin_url = args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
        name = f"sohoa_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(args.pg_url.rsplit("/", 1)[0] + f"/{name}", args)
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
