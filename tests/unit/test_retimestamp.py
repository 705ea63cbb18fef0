"""Nightly timestamp renewal over the catalog (SQLite and PostgreSQL) and the write-once store."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from archive.local import LocalStore
from catalog.db import Catalog
from catalog.status import Status
from pipeline.config import AppConfig
from pipeline.nightly.registry import JOBS
from pipeline.renewal import renewed_key, retimestamp
from signing.config import SigningConfig
from signing.pdfa import PdfMetadata, PdfPage, build_pdfa
from signing.sign import build_signer
from signing.verify import Verdict, verify_configured

ORG = "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình"


def signed_copy(home: Path, code: str, level: str) -> tuple[bytes, datetime | None]:
    buf = io.BytesIO()
    Image.new("RGB", (413, 585), (250, 248, 240)).save(buf, "JPEG", quality=60)
    meta = PdfMetadata(code, code, ORG, datetime(2026, 11, 21, tzinfo=ZoneInfo("Asia/Bangkok")))
    pdfa = build_pdfa([PdfPage(buf.getvalue(), 413, 585, 50.0)], meta, SigningConfig().text_font_path)
    signed = build_signer(SigningConfig(level=level), home / "pki", ORG).sign(pdfa)
    return signed.data, signed.timestamp_expires


def archive(catalog: Catalog, store: LocalStore, home: Path, n: int, level: str, *, expiry_known: bool = True) -> str:
    code = f"000.00.00.H42-261121-000{n}.01"
    data, expires = signed_copy(home, code, level)
    key = f"owners/037096014589/{code}/{code}.pdf"
    stored = store.put(key, data, content_type="application/pdf", metadata={"doc_code": code})
    doc_key = f"{n:064d}"
    catalog.claim(
        doc_key,
        holder="seed",
        batch_id="B1",
        input_name=f"{n}.png",
        agency="000.00.00.H42",
        operator="t",
        kind="result",
        procedure=None,
    )
    catalog.update_document(
        doc_key,
        status=Status.ARCHIVED,
        doc_code=code,
        owner_id="037096014589",
        pdf_key=key,
        pdf_sha256=stored.sha256,
        objects={key: stored.sha256},
        signature_level=level if expiry_known else None,
        timestamp_expires_at=expires if expiry_known else None,
    )
    return doc_key


def test_renewed_key_never_reuses_a_key():
    taken = {"a/x.r01.pdf"}
    assert renewed_key("a/x.pdf", taken.__contains__) == "a/x.r02.pdf"
    assert renewed_key("a/x.r02.pdf", lambda k: False) == "a/x.r03.pdf"
    assert (
        renewed_key("a/000.00.00.H42-261121-0001.01.pdf", lambda k: False) == "a/000.00.00.H42-261121-0001.01.r01.pdf"
    )


def test_retimestamp_renews_due_copies_as_new_versions(catalog_url: str, home: Path):
    assert "retimestamp" in JOBS
    cfg = AppConfig(home=home, catalog_url=catalog_url)
    catalog = Catalog(catalog_url)
    store = LocalStore(home / "warehouse", fsync=False)
    deps = SimpleNamespace(config=cfg, catalog=catalog, store=store)
    try:
        lta = archive(catalog, store, home, 1, "B-LTA")
        lt_unknown = archive(catalog, store, home, 2, "B-LT", expiry_known=False)  # row from before 0004
        bb = archive(catalog, store, home, 3, "B-B", expiry_known=False)
        old = {k: catalog.get(k) for k in (lta, lt_unknown, bb)}

        # the demo TSA certificate lives 5 years: a 1-year window finds nothing due, but learns the expiry
        r = retimestamp(deps, window_days=365)
        assert r.ok and r.summary["renewed"] == 0 and r.summary["backfilled"] == 1, r.summary
        assert r.summary["untimestamped"] == 1
        assert catalog.get(lt_unknown).timestamp_expires_at is not None

        # a window longer than the TSA certificate's life: both timestamped copies are due
        now = datetime.now(UTC)
        r = retimestamp(deps, window_days=3650, now=now)
        assert r.ok and r.summary["renewed"] == 2 and r.summary["failed"] == 0, r.summary
        for k in (lta, lt_unknown):
            d = catalog.get(k)
            assert d.pdf_key == old[k].pdf_key.removesuffix(".pdf") + ".r01.pdf"
            assert d.signature_level == "B-LTA" and d.timestamp_expires_at is not None
            assert store.get(old[k].pdf_key) == store.get(old[k].pdf_key)  # old copy still there, unchanged
            assert store.stat(old[k].pdf_key).sha256 == old[k].pdf_sha256
            renewed = store.get(d.pdf_key)
            assert renewed.startswith(store.get(old[k].pdf_key))
            report = verify_configured(cfg.signing, cfg.pki_dir, renewed)
            assert report.verdict == Verdict.VALID and report.level == "B-LTA"
            events = catalog.events(doc_key=k, action="retimestamped")
            assert len(events) == 1 and events[0].detail["new_pdf_key"] == d.pdf_key
        assert catalog.get(bb).pdf_key == old[bb].pdf_key  # B-B has no timestamp to renew

        # renewing again makes .r02 and keeps .r01
        r = retimestamp(deps, window_days=3650, limit=1)
        assert r.summary["renewed"] == 1
        assert any(catalog.get(k).pdf_key.endswith(".r02.pdf") for k in (lta, lt_unknown))
    finally:
        catalog.close()


def test_a_tampered_archive_copy_is_not_renewed(tmp_path: Path, home: Path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    cfg = AppConfig(home=home, catalog_url=url)
    catalog = Catalog(url)
    store = LocalStore(home / "warehouse", fsync=False)
    try:
        k = archive(catalog, store, home, 4, "B-LTA")
        d = catalog.get(k)
        path = home / "warehouse" / "objects" / d.pdf_key
        data = bytearray(path.read_bytes())
        pos = data.find(b"<dc:identifier>") + len(b"<dc:identifier>")
        data[pos] = ord("9")
        path.chmod(0o644)
        path.write_bytes(bytes(data))
        bad_store = SimpleNamespace(get=lambda key: bytes(data), stat=store.stat, put=store.put)
        r = retimestamp(SimpleNamespace(config=cfg, catalog=catalog, store=bad_store), window_days=3650)
        assert not r.ok and r.summary["failed"] == 1 and r.summary["renewed"] == 0
        ev = catalog.events(doc_key=k, action="retimestamp_failed")
        assert ev and ev[0].detail["reason_code"] == "renewal_refused"
        assert catalog.get(k).pdf_key == d.pdf_key
    finally:
        catalog.close()


@pytest.mark.parametrize("window", [0])
def test_window_must_be_positive(window):
    with pytest.raises(ValueError):
        SigningConfig(retimestamp_window_days=window)
