"""Benchmark of the clerk's workspace: server time of the review queue and of one review page (image + fields)
with many documents in the catalog (targets: queue ≤ 200 ms, review page ≤ 300 ms); and the batch list with its
live poll (the figures of its 30 newest batches in one query).

    python scripts/bench_workspace.py                                   # 100,000 documents, SQLite
    python scripts/bench_workspace.py --catalog-url postgresql://…/bench  # the same on PostgreSQL (a scratch db)

Seeding is ``scripts/bench_api.py``'s (5 % of the documents wait for review, one office). One waiting document gets
a rendered page as its signed PDF. The pages are asked in process through FastAPI's TestClient (no network), as
a reviewer; each page ``--rounds`` times, reported as median and 95th percentile, beside a baseline measured in the
same run (a static file through the same stack: session check included, no catalog query) and their ratio. The
page image is timed apart, first render and cached. Run it by hand on an idle machine; timings on a loaded one mean
nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(client, url: str, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{url}: {r.status_code} {r.text[:300]}")
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def seed_batches(catalog, n: int, items: int = 10) -> None:
    """``n`` batches of ``items`` items each (one in ten still running, its items partly open), for the batch list."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from catalog.db import Batch, BatchItem
    from scripts.bench_api import AGENCY

    start = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = ("archived", "archived", "needs_review", "quarantined", "duplicate")
    with catalog.session() as s:
        for lo in range(0, n, 1000):
            chunk = range(lo, min(n, lo + 1000))
            s.execute(insert(Batch), [
                {"id": f"Bbench{i:07d}", "created_at": start + timedelta(minutes=i), "operator": "bench",
                 "agency": AGENCY, "input_dir": "/in", "items_total": items, "mode": "queue" if i % 10 == 0 else None,
                 "state": "running" if i % 10 == 0 else "done"}
                for i in chunk
            ])  # fmt: skip
            s.execute(insert(BatchItem), [
                {"batch_id": f"Bbench{i:07d}", "ordinal": k, "input": f"{k}.png", "pages": 2,
                 "status": "pending" if i % 10 == 0 and k >= items // 2 else statuses[k % len(statuses)]}
                for i in chunk for k in range(items)
            ])  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--batches", type=int, default=5_000, help="batches of 10 items each, for the batch list")
    ap.add_argument("--catalog-url", default=None, help="a scratch PostgreSQL database (default: SQLite in a temp dir)")
    args = ap.parse_args()

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from archive.store import open_store
    from catalog.accounts import add_account
    from catalog.db import Batch, Catalog, Document
    from pipeline.config import AppConfig
    from pipeline.web import create_app
    from scripts.bench_api import AGENCY, seed_postgres, seed_sqlite

    tmp = Path(tempfile.mkdtemp(prefix="bench-ws-"))
    url = args.catalog_url or f"sqlite:///{tmp / 'catalog.db'}"
    t0 = time.perf_counter()
    (seed_postgres if url.startswith("postgresql") else seed_sqlite)(url, args.documents, max(1, args.documents // 3))
    print(f"seeded {args.documents:,} documents in {time.perf_counter() - t0:.0f} s ({url.split(':', 1)[0]})")
    cfg = AppConfig(home=tmp / "home", catalog_url=url)
    catalog = Catalog(url)
    store = open_store(cfg.store_config)
    add_account(catalog, "bench.reviewer", role="reviewer", agency=AGENCY, password="bench-password-1", created_by="b")
    with catalog.session() as s:
        key = s.scalar(select(Document.key).where(Document.status == "needs_review").order_by(Document.key).limit(1))
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (850, 1100), "white")
    ImageDraw.Draw(img).text((80, 120), "Ho va ten: NGUYEN THI MY", fill="black")
    pdf = tmp / "page.pdf"
    img.save(pdf, format="PDF", resolution=100.0)
    obj = store.put(f"bench/{key}.pdf", pdf.read_bytes(), content_type="application/pdf")
    catalog.update_document(
        key,
        pdf_key=f"bench/{key}.pdf",
        pdf_sha256=obj.sha256,
        review_reasons=["field_uncertain: full_name"],
        fields={"full_name": {"value": "Nguyễn Thị My", "confidence": 0.4, "boxes": [[1, 0.09, 0.1, 0.3, 0.03]]}},
    )
    seed_batches(catalog, args.batches)
    app = create_app(cfg, catalog=catalog, store=store, workspace_secret=b"b" * 32)
    with TestClient(app) as client:
        page = client.get("/workspace/login")
        token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        client.post("/workspace/login", data={"name": "bench.reviewer", "password": "bench-password-1", "csrf": token})
        base = timed(client, "/workspace/static/workspace.css", args.rounds)
        rows = [("baseline (static file)", base)]
        rows.append(("queue page", timed(client, "/workspace/review", args.rounds)))
        rows.append(("queue page, filtered by reason", timed(client, "/workspace/review?reason=field", args.rounds)))
        rows.append(("review page (fields, history)", timed(client, f"/workspace/review/{key}", args.rounds)))
        rows.append(("batch list page", timed(client, "/workspace/batches", args.rounds)))
        with catalog.session() as s:
            recent = list(s.scalars(select(Batch.id).order_by(Batch.created_at.desc()).limit(30)))
        poll = "/workspace/batches.json?ids=" + ",".join(recent)
        rows.append((f"batch list poll ({len(recent)} batches)", timed(client, poll, args.rounds)))
        t0 = time.perf_counter()
        client.get(f"/workspace/review/{key}/page/1")
        first = (time.perf_counter() - t0) * 1000
        rows.append(("page image, cached", timed(client, f"/workspace/review/{key}/page/1", args.rounds)))
    print(f"{'what':34} {'p50 ms':>8} {'p95 ms':>8} {'p50 / baseline':>15}")
    for name, (p50, p95) in rows:
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {p50 / base[0]:15.1f}")
    print(f"{'page image, first render':34} {first:8.1f}")
    catalog.close()


if __name__ == "__main__":
    main()
