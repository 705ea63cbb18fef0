"""A batch archived on a real S3 server on loopback (SeaweedFS): every document under its owner with server-side
checksums and retention, as an independent client (boto3) sees it; and an S3 failure in the middle of a batch — a
short network outage (absorbed by backoff) or the server killed with SIGKILL and started again later (documents
failed, then resumed) — ends with every document archived exactly once and nothing half-written catalogued."""

from __future__ import annotations

import base64
import shutil
import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from archive.config import StoreConfig
from archive.s3 import S3Store
from catalog import owner_keys
from catalog.db import Catalog
from catalog.warehouse import objects_of
from pipeline import run as run_module
from pipeline.config import AppConfig
from tests.integration.helpers import run_inprocess, truths

pytest_plugins = ["tests.fixtures_s3"]
pytestmark = pytest.mark.slow

N_DOCS = 3
PUTS_PER_DOC = 4  # original scan, OCR text, signed PDF/A, sidecar


@pytest.fixture
def few_scans(samples: Path, tmp_path: Path) -> Path:
    """Three of the sample scans (a birth certificate, a land-use certificate, an ID card)."""
    d = tmp_path / "few"
    d.mkdir()
    for f in sorted((samples / "scans").iterdir())[:N_DOCS]:
        if f.name != "manifest.csv":
            shutil.copy2(f, d / f.name)
    return d


def s3_config(home: Path, bucket: str, **store: object) -> AppConfig:
    return AppConfig(home=home, store_url=f"s3://{bucket}", store=StoreConfig(**store))


def s3_config_from_env(home: Path, bucket: str, monkeypatch, **store: object) -> AppConfig:
    """The way an office configures it: SOHOA_STORE_URL=s3://… and SOHOA_STORE__* variables."""
    monkeypatch.setenv("SOHOA_STORE_URL", f"s3://{bucket}")
    for k, v in store.items():
        monkeypatch.setenv(f"SOHOA_STORE__{k.upper()}", str(v))
    return AppConfig(home=home)


def b64(hexdigest: str) -> str:
    return base64.b64encode(bytes.fromhex(hexdigest)).decode()


def _outage_on_put(monkeypatch, server, nth: int, restart_after: float | None) -> dict:
    """Stop the S3 server just before the ``nth`` PUT of the batch; restart it ``restart_after`` seconds
    later (None: when the test says so)."""
    real = S3Store._write
    state = {"n": 0, "stopped": False}

    def write(self, *args, **kwargs):
        state["n"] += 1
        if state["n"] == nth:
            server.stop()
            state["stopped"] = True
            if restart_after is not None:
                threading.Timer(restart_after, server.start).start()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(S3Store, "_write", write)
    return state


def _stored(data: dict) -> int:
    """Documents stored, signed and catalogued: archived, or held for a clerk's review."""
    return data["totals"].get("archived", 0) + data["totals"].get("needs_review", 0)


def _exactly_once(b3, bucket: str, catalog: Catalog) -> None:
    versions = b3.list_object_versions(Bucket=bucket).get("Versions", [])
    keys = [v["Key"] for v in versions]
    assert len(keys) == len(set(keys)) == N_DOCS * (PUTS_PER_DOC + 1)  # one version each (+ dossier entry)
    by_status = catalog.count_by_status()  # held for review is stored and signed just the same
    assert set(by_status) <= {"archived", "needs_review"} and sum(by_status.values()) == N_DOCS, by_status


def test_batch_on_s3_through_a_short_outage_seen_by_boto3(
    home: Path, few_scans: Path, samples: Path, s3_outage_server, s3_bucket, monkeypatch
):
    """The server goes away in the middle of the second document and comes back a second later: the
    store's backoff absorbs it. Then boto3 inspects what was archived."""
    s3_server = s3_outage_server
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    config = s3_config_from_env(home, s3_bucket, monkeypatch, retries=6, backoff_s=0.2)
    assert config.store_config.url == f"s3://{s3_bucket}" and config.store_config.retries == 6
    state = _outage_on_put(monkeypatch, s3_server, PUTS_PER_DOC + 2, restart_after=1.0)
    report, data = run_inprocess(config, few_scans)
    assert state["stopped"] and s3_server.running
    assert report.failed_items == 0 and _stored(data) == N_DOCS
    b3 = s3_server.boto3()
    catalog = Catalog(config.catalog_config.url)
    _exactly_once(b3, s3_bucket, catalog)
    truth = truths(samples)
    for doc in data["documents"]:
        d = catalog.get(doc["sha256"])
        owner = truth[doc["input"]]["owner_id"]
        okey = owner_keys.key_of(catalog, d.owner_id)  # the owner's opaque folder, never the ID number
        assert d.owner_id == owner and okey and owner not in okey
        prefix = f"owners/{okey}/{d.doc_code}/"
        listed = {o["Key"] for o in b3.list_objects_v2(Bucket=s3_bucket, Prefix=prefix)["Contents"]}
        assert listed == set(d.objects) and len(listed) == PUTS_PER_DOC
        assert doc["pdf"] == f"s3://{s3_bucket}/{prefix}{d.doc_code}.pdf"
        ledger = {o.key: o for o in objects_of(catalog, d.key)}
        entry = f"dossiers/{d.dossier_code}/{d.doc_code}.json"  # the dossier's manifest entry
        assert set(ledger) == listed | {entry}
        assert b3.head_object(Bucket=s3_bucket, Key=entry)["ContentType"] == "application/json"
        for key, sha in d.objects.items():
            head = b3.head_object(Bucket=s3_bucket, Key=key, ChecksumMode="ENABLED")
            assert head["ChecksumSHA256"] == b64(sha)  # the checksum the server holds = the catalog's
            assert ledger[key].version_id == head["VersionId"]
            if head.get("ObjectLockRetainUntilDate"):
                assert head["ObjectLockMode"] == "COMPLIANCE"
            else:  # a permanent document type: held without end date
                hold = b3.get_object_legal_hold(Bucket=s3_bucket, Key=key)["LegalHold"]["Status"]
                assert hold == "ON"
        store = S3Store.from_config(config.store_config, config.store_config.url, s3_server.env())
        url = store.presigned_get(d.pdf_key, timedelta(minutes=2))
        assert owner not in url  # a presigned URL names no ID number
        r = httpx.get(url)
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
    catalog.close()


def test_server_killed_mid_batch_fails_documents_then_the_rerun_archives_them_once(
    home: Path, few_scans: Path, s3_crash_server, s3_bucket, monkeypatch
):
    s3_outage_server = s3_crash_server  # killed with SIGKILL mid-batch, started again on the same data
    for k, v in s3_outage_server.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(run_module, "TRANSIENT_ATTEMPTS", 2)
    monkeypatch.setattr(run_module, "BACKOFF_S", 0.05)
    config = s3_config(home, s3_bucket, retries=2, backoff_s=0.05)
    # down from the second document's OCR text (its original scan is already stored) to the batch's end
    state = _outage_on_put(monkeypatch, s3_outage_server, PUTS_PER_DOC + 2, restart_after=None)
    _report, data = run_inprocess(config, few_scans)
    assert state["stopped"] and not s3_outage_server.running
    assert _stored(data) == 1 and data["totals"]["failed"] == N_DOCS - 1
    failed = [d for d in data["documents"] if d["status"] == "failed"]
    catalog = Catalog(config.catalog_config.url)
    for d in failed:  # nothing half-written is catalogued as archived
        doc = catalog.get(d["sha256"])
        assert doc.status == "failed" and doc.reason_code == "storage_unavailable"
        assert doc.archived_at is None and not doc.objects

    s3_outage_server.start()
    monkeypatch.undo()
    for k, v in s3_outage_server.env().items():
        monkeypatch.setenv(k, v)
    report2, data2 = run_inprocess(config, few_scans)
    assert report2.failed_items == 0
    statuses = sorted("archived" if d["status"] == "needs_review" else d["status"] for d in data2["documents"])
    assert statuses == ["archived"] * (N_DOCS - 1) + ["duplicate"]
    _exactly_once(s3_outage_server.boto3(), s3_bucket, catalog)
    catalog.close()
