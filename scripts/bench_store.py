#!/usr/bin/env python3
"""Warehouse throughput: sohoa's stores against the plain baseline, in the same run.

    python scripts/bench_store.py [--objects 50] [--size-kb 1024] [--rounds 3] [--s3-endpoint HOST:PORT] [--json]

* local: the local store (SHA-256 and BLAKE3, temp file, fsync, link, metadata file) + the catalog ledger
  row, a document's objects written as ``store_document`` does: three from files at once (``put_file``, as
  its scans and PDF), the last from bytes in memory after them (``put``, as its sidecar) — against a plain
  file copy with the same durability (the bytes read and written through user space, then fsync of file and
  folder), and against ``shutil.copyfile`` + fsync (an in-kernel copy); reads with verification (BLAKE3)
  against a plain read. Also without fsync on both sides.
* S3: ``S3Store.put`` (SHA-256, x-amz-checksum-sha256, conditional write, retention) + the catalog
  ledger row, one object at a time (the stage overlaps a document's PUTs; this does not), against a bare
  ``minio`` ``put_object`` and a bare ``boto3`` ``put_object`` of the same bytes to the same server; reads
  (``get`` with verification) against a bare ``get_object``.

Without ``--s3-endpoint`` a moto S3 server is started on a free loopback port (test extra ``moto[server]``);
credentials come from ``SOHOA_S3_ACCESS_KEY``/``SOHOA_S3_SECRET_KEY`` when an endpoint is given.
Each figure is the median of ``--rounds`` rounds, measured alternately (the order swaps every round) so load
changes hit both sides, and each timed step starts with the page cache flushed of the step before.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import platform
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.local import LocalStore
from archive.s3 import S3Store
from archive.store import write_together
from catalog.db import Catalog
from catalog.warehouse import record_objects

PER_DOCUMENT = 4  # objects per document (scan, text, PDF, sidecar): store_document records them together


def timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def timed_clean(fn: Callable[[], None]) -> float:
    """``timed`` after flushing the dirty pages of what ran before (not timed): otherwise the kernel's
    writeback throttling charges one side for the other's writes."""
    os.sync()
    return timed(fn)


def rate(seconds: float, n: int, size: int) -> dict[str, float]:
    return {"mb_s": round(n * size / seconds / 1e6, 1), "obj_s": round(n / seconds, 1), "seconds": round(seconds, 3)}


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def bench_local(work: Path, payloads: list[bytes], rounds: int, catalog: Catalog) -> dict:
    src = work / "src"
    src.mkdir()
    files = []
    for i, data in enumerate(payloads):
        p = src / f"scan-{i:04d}.png"
        p.write_bytes(data)
        files.append(p)
    n, size = len(payloads), len(payloads[0])
    until = datetime.now(UTC) + timedelta(days=3650)
    results: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        results.setdefault(name, []).append(seconds)

    for r in range(rounds):
        for fsync in (True, False):
            tag = "fsync" if fsync else "nofsync"
            dest = work / f"copy-{tag}-{r}"
            dest.mkdir()

            def plain_copy(dest: Path = dest, fsync: bool = fsync) -> None:
                for f in files:
                    d = dest / "owners" / "037096014589" / f.name
                    d.parent.mkdir(parents=True, exist_ok=True)
                    with f.open("rb") as fi, d.open("wb") as fo:
                        shutil.copyfileobj(fi, fo, 1 << 20)
                        if fsync:
                            fo.flush()
                            os.fsync(fo.fileno())
                    if fsync:
                        fsync_dir(d.parent)

            fast_dest = work / f"copyfile-{tag}-{r}"

            def kernel_copy(dest: Path = fast_dest, fsync: bool = fsync) -> None:
                # shutil.copyfile: the bytes never enter user space (sendfile), so no copy, no new buffer
                for f in files:
                    d = dest / "owners" / "037096014589" / f.name
                    d.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(f, d)
                    if fsync:
                        fd = os.open(d, os.O_RDONLY)
                        try:
                            os.fsync(fd)
                        finally:
                            os.close(fd)
                        fsync_dir(d.parent)

            store = LocalStore(work / f"store-{tag}-{r}", fsync=fsync)

            def sohoa_put(store: LocalStore = store) -> None:
                # as store_document does: a document's objects in one durable group — all but the last (the
                # sidecar) written together, the last after them — then one ledger write
                for start in range(0, n, PER_DOCUMENT):

                    def put(i: int, start: int = start, store: LocalStore = store, in_memory: bool = False):
                        key = f"owners/037096014589/D.{start:04d}/{i:04d}.png"
                        kw = dict(content_type="image/png", metadata={"doc-code": f"D.{start:04d}"}, retain_until=until)
                        if in_memory:  # the stage's sidecar: bytes it has just built
                            return store.put(key, files[i].read_bytes(), **kw)  # type: ignore[arg-type]
                        return store.put_file(key, files[i], **kw)  # type: ignore[arg-type]

                    *first, last = range(start, min(start + PER_DOCUMENT, n))
                    with store.durable_group():
                        stored = write_together([functools.partial(put, i) for i in first])
                        stored.append(put(last, in_memory=True))
                    record_objects(catalog, f"{start:064d}", stored)

            uploads = [(f"copy_{tag}", plain_copy), (f"put_{tag}", sohoa_put), (f"copyfile_{tag}", kernel_copy)]
            for name, fn in uploads if r % 2 == 0 else uploads[::-1]:
                add(name, timed_clean(fn))
            if fsync:
                reads = [
                    ("read_plain", lambda dest=dest: [p.read_bytes() for p in sorted(dest.rglob("*.png"))]),
                    (
                        "read_sohoa",
                        lambda store=store: [
                            store.get(f"owners/037096014589/D.{i // PER_DOCUMENT * PER_DOCUMENT:04d}/{i:04d}.png")
                            for i in range(n)
                        ],
                    ),
                ]
                for name, fn in reads if r % 2 == 0 else reads[::-1]:
                    add(name, timed_clean(fn))
    med = {k: statistics.median(v) for k, v in results.items()}
    return {
        "upload_fsync": {"baseline": rate(med["copy_fsync"], n, size), "sohoa": rate(med["put_fsync"], n, size)},
        "upload_nofsync": {"baseline": rate(med["copy_nofsync"], n, size), "sohoa": rate(med["put_nofsync"], n, size)},
        "upload_vs_copyfile": {
            "baseline": rate(med["copyfile_fsync"], n, size),
            "sohoa": rate(med["put_fsync"], n, size),
        },
        "read": {"baseline": rate(med["read_plain"], n, size), "sohoa": rate(med["read_sohoa"], n, size)},
    }


def start_moto() -> tuple[str, object]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    srv.start()
    return f"127.0.0.1:{port}", srv


def bench_s3(endpoint: str, access: str, secret: str, payloads: list[bytes], rounds: int, catalog: Catalog) -> dict:
    import boto3
    from minio import Minio

    bucket = f"sohoa-bench-{uuid.uuid4().hex[:8]}"
    store = S3Store(bucket, endpoint, access, secret, secure=False, retries=2)
    bare = Minio(endpoint, access_key=access, secret_key=secret, secure=False, region="us-east-1")
    b3 = boto3.client(
        "s3",
        endpoint_url=f"http://{endpoint}",
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
    )
    n, size = len(payloads), len(payloads[0])
    until = datetime.now(UTC) + timedelta(days=1)
    results: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        results.setdefault(name, []).append(seconds)

    for r in range(rounds):

        def minio_put(r: int = r) -> None:
            for i, data in enumerate(payloads):
                bare.put_object(bucket, f"bare/{r}/{i:04d}", io.BytesIO(data), len(data), "image/png")

        def boto3_put(r: int = r) -> None:
            for i, data in enumerate(payloads):
                b3.put_object(Bucket=bucket, Key=f"boto/{r}/{i:04d}", Body=data, ContentType="image/png")

        def sohoa_put(r: int = r) -> None:
            stored = []
            for i, data in enumerate(payloads):
                stored.append(
                    store.put(
                        f"owners/037096014589/D.{r}.{i:04d}/original/01.png",
                        data,
                        content_type="image/png",
                        metadata={"doc-code": f"D.{r}.{i:04d}"},
                        retain_until=until,
                    )
                )
                if len(stored) == PER_DOCUMENT or i == n - 1:
                    record_objects(catalog, f"{r}{i:063d}", stored)
                    stored = []

        def minio_get(r: int = r) -> None:
            for i in range(n):
                resp = bare.get_object(bucket, f"bare/{r}/{i:04d}")
                resp.read()
                resp.close()
                resp.release_conn()

        def sohoa_get(r: int = r) -> None:
            for i in range(n):
                store.get(f"owners/037096014589/D.{r}.{i:04d}/original/01.png")

        add("minio_put", timed(minio_put))
        add("sohoa_put", timed(sohoa_put))
        add("boto3_put", timed(boto3_put))
        add("minio_get", timed(minio_get))
        add("sohoa_get", timed(sohoa_get))
    med = {k: statistics.median(v) for k, v in results.items()}
    return {
        "upload": {
            "baseline": rate(med["minio_put"], n, size),
            "baseline_boto3": rate(med["boto3_put"], n, size),
            "sohoa": rate(med["sohoa_put"], n, size),
        },
        "read": {"baseline": rate(med["minio_get"], n, size), "sohoa": rate(med["sohoa_get"], n, size)},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=50)
    ap.add_argument("--size-kb", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--s3-endpoint", default=None, help="host:port of an S3 server (default: moto on loopback)")
    ap.add_argument("--skip-s3", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    rnd = random.Random(1)
    payloads = [rnd.randbytes(args.size_kb * 1024) for _ in range(args.objects)]
    out: dict = {
        "objects": args.objects,
        "size_kb": args.size_kb,
        "rounds": args.rounds,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        work = Path(tmp)
        catalog = Catalog(f"sqlite:///{work / 'catalog.db'}")
        out["local"] = bench_local(work, payloads, args.rounds, catalog)
        if not args.skip_s3:
            srv = None
            if args.s3_endpoint:
                endpoint = args.s3_endpoint
                access = os.environ.get("SOHOA_S3_ACCESS_KEY", "")
                secret = os.environ.get("SOHOA_S3_SECRET_KEY", "")
                out["s3_server"] = endpoint
            else:
                endpoint, srv = start_moto()
                access, secret = "bench", "bench-secret"
                out["s3_server"] = "moto (in-process, loopback)"
            try:
                out["s3"] = bench_s3(endpoint, access, secret, payloads, args.rounds, catalog)
            finally:
                if srv is not None:
                    srv.stop()
        catalog.close()
    for section in ("local", "s3"):
        for fig in out.get(section, {}).values():
            fig["ratio"] = round(fig["sohoa"]["mb_s"] / fig["baseline"]["mb_s"], 2)
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"{args.objects} objects × {args.size_kb} KiB, median of {args.rounds} rounds; {out['machine']}")
    print(f"{'':26} {'baseline MB/s':>14} {'obj/s':>8} {'sohoa MB/s':>11} {'obj/s':>8} {'ratio':>6}")
    for section in ("local", "s3"):
        for name, fig in out.get(section, {}).items():
            b, s = fig["baseline"], fig["sohoa"]
            label = f"{section} {name}"
            print(f"{label:26} {b['mb_s']:>14} {b['obj_s']:>8} {s['mb_s']:>11} {s['obj_s']:>8} {fig['ratio']:>6}")
    if "s3" in out:
        b3 = out["s3"]["upload"]["baseline_boto3"]
        print(f"{'s3 upload (boto3)':26} {b3['mb_s']:>14} {b3['obj_s']:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
