"""Done-when of issue 19, through ``sohoa batch run`` on both catalog backends: an electronic original signed by a
trusted issuer is archived with its bytes unchanged and its validation beside it; doctored, untrusted and
unparseable ones get the right status; born-digital pages skip OCR unless their text layer is garbage; the nightly
re-validation turns a revoked signer's paper to review and tells the national portal."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pyhanko.sign import signers
from sqlalchemy import select

from catalog import outbox
from catalog.db import Catalog
from catalog.originals import original_info
from pipeline.config import AppConfig
from signing.pki import DemoPki
from tests import originals_data as od
from tests.integration.helpers import run_inprocess

pytestmark = pytest.mark.slow
pytest_plugins = ["tests.fixtures_pki"]


NOTES = [
    "Ghi chú",
    "Bản trích lục này được cấp từ cơ sở dữ liệu hộ tịch điện tử.",
    "Trang này được quét từ bản giấy lưu tại ủy ban.",
]


def demo_signer(pki_dir: Path) -> signers.SimpleSigner:
    pki = DemoPki(pki_dir)
    s = signers.SimpleSigner.load(str(pki.signer_key), str(pki.signer_cert), ca_chain_files=(str(pki.root_cert),))
    assert s is not None
    return s


def _unparseable(data: bytes) -> bytes:
    m = re.search(rb"/Contents <([0-9a-fA-F]+)>", data)
    assert m
    return data[: m.start(1)] + b"0" * len(m.group(1)) + data[m.end(1) :]


@pytest.fixture
def inbox(tmp_path: Path, home: Path) -> Path:
    d = tmp_path / "inbox"
    d.mkdir()
    signer = demo_signer(home / "pki")
    valid = od.sign(od.extract_pdf(), signer)
    files = {
        "valid.pdf": valid,
        "overlay.pdf": od.overlay_content(valid),
        "selfsigned.pdf": od.sign(od.extract_pdf(), od.self_signed_signer()),
        "unparseable.pdf": _unparseable(valid),
        "unicode.pdf": od.extract_pdf("unicode"),
        "tcvn3.pdf": od.extract_pdf("tcvn3"),
        "mixed.pdf": od.born_digital_pdf([od.BIRTH_EXTRACT, NOTES], ["unicode", "none"]),
        "cosigned.pdf": od.sign(valid, signer, field="Signature2"),
    }
    for name, data in files.items():
        (d / name).write_bytes(data)
    (d / "with-scan.pdf").write_bytes(od.sign(od.extract_pdf("vni"), signer))
    (d / "scan.pdf").write_bytes(od.extract_pdf("none"))
    rows = [*files, "with-scan.pdf|scan.pdf"]
    (d / "manifest.csv").write_text("file,owner_id\n" + "".join(f"{r},\n" for r in rows), encoding="utf-8")
    return d


def test_electronic_originals_and_born_digital_pdfs_through_a_batch(
    inbox: Path, home: Path, catalog_url: str, monkeypatch: pytest.MonkeyPatch
):
    config = AppConfig(home=home, catalog_url=catalog_url)
    _, data = run_inprocess(config, inbox, inbox / "manifest.csv")
    docs = {d["input"]: d for d in data["documents"]}
    status = {k: d["status"] for k, d in docs.items()}
    assert status.pop("mixed.pdf") in ("archived", "needs_review")  # its scanned page is read by OCR
    assert status == {
        "valid.pdf": "archived",
        "cosigned.pdf": "archived",
        "overlay.pdf": "needs_review",
        "selfsigned.pdf": "needs_review",
        "unparseable.pdf": "quarantined",
        "unicode.pdf": "archived",
        "tcvn3.pdf": "archived",
        "with-scan.pdf|scan.pdf": "quarantined",
    }, status
    assert "chữ ký số nhưng không đọc được" in docs["unparseable.pdf"]["reason"]
    assert "bản gốc điện tử, phải nộp riêng" in docs["with-scan.pdf|scan.pdf"]["reason"]
    assert docs["valid.pdf"]["origin"] == "electronic_original" and docs["unicode.pdf"]["origin"] == "digitized_copy"
    catalog = Catalog(config.catalog_config.url)
    try:
        by_input = {}
        for name in docs:
            key = docs[name]["sha256"]
            d = catalog.get(key) if key else None
            by_input[name] = d
        # the original is the document's file, byte for byte; its validation report lies beside it
        for name in ("valid.pdf", "cosigned.pdf", "overlay.pdf", "selfsigned.pdf"):
            d = by_input[name]
            stored = (home / "warehouse" / "objects" / d.pdf_key).read_bytes()
            assert hashlib.sha256(stored).digest().hex() == d.pdf_sha256 == d.key  # the input's own SHA-256
            assert stored == (inbox / name).read_bytes()
            assert (d.timestamp_expires_at is None and d.paper_code is not None) or name != "valid.pdf"
            side = json.loads((home / "warehouse" / "objects" / d.pdf_key.replace(".pdf", ".json")).read_text())
            eo = side["electronic_original"]
            validation = json.loads((home / "warehouse" / "objects" / eo["validation"]["key"]).read_text())
            assert validation["outcome"] == eo["outcome"]
            assert side["originals"] == [side["originals"][0]] and side["originals"][0]["key"] == d.pdf_key
            assert (home / "warehouse" / "objects" / d.pdf_key.rsplit("/", 1)[0] / "pages" / "0001.jpg").is_file()
        valid = original_info(catalog, by_input["valid.pdf"].key)
        assert valid is not None and valid.outcome == "valid" and valid.signer_name.startswith("DEMO")
        assert original_info(catalog, by_input["unicode.pdf"].key) is None  # a digitized copy
        review = by_input["overlay.pdf"].review_reasons
        assert review == ["signature_modified_after_signing: Signature1"], review
        assert "signature_untrusted: Signature1" in by_input["selfsigned.pdf"].review_reasons
        # born-digital text: the layer when it reads as Vietnamese, OCR when it is TCVN3 garbage, page by page
        origins = {n: json.loads(_sidecar(home, by_input[n]))["text_origin"] for n in ("unicode.pdf", "tcvn3.pdf")}
        assert origins == {"unicode.pdf": ["text_layer"], "tcvn3.pdf": ["ocr_garbled_layer"]}
        assert json.loads(_sidecar(home, by_input["mixed.pdf"]))["text_origin"] == ["text_layer", "ocr"]
        assert "TRÍCH LỤC KHAI SINH" in by_input["unicode.pdf"].text
        assert "037319004512" in by_input["tcvn3.pdf"].text
        # a catalog lost and rebuilt from the warehouse knows its electronic originals again
        from archive.store import open_store
        from pipeline.rebuild import rebuild_catalog

        rebuilt = Catalog(f"sqlite:///{home / 'rebuilt.db'}")
        try:
            rebuild_catalog(rebuilt, open_store(config.store_config), config.templates)
            again = original_info(rebuilt, by_input["valid.pdf"].key)
            assert again is not None and again.outcome == "valid" and again.signer_org == valid.signer_org
            assert original_info(rebuilt, by_input["overlay.pdf"].key).reasons == tuple(review)
            assert original_info(rebuilt, by_input["unicode.pdf"].key) is None
        finally:
            rebuilt.close()

        # sohoa verify CODE judges the stored original as the batch did
        from pipeline.docverify import check_copies

        store = open_store(config.store_config)
        assert check_copies(config, store, by_input["valid.pdf"]).verdict == 0
        assert check_copies(config, store, by_input["overlay.pdf"]).verdict == 20
        assert check_copies(config, store, by_input["selfsigned.pdf"]).verdict == 23
        # a reusable electronic original is announced to the national portal with its outbox row
        with catalog.session() as s:
            rows = list(
                s.scalars(select(outbox.OutboxRow).where(outbox.OutboxRow.doc_key == by_input["valid.pdf"].key))
            )
        assert [(r.change, r.reason) for r in rows] == [("upsert", "original_validated")]

        # the demo signer's certificate is revoked: tonight's re-validation sends the paper to review
        from pipeline import revalidate
        from pipeline.deps import build_deps
        from signing.originals import trust_store

        pki = DemoPki(home / "pki")
        serial = demo_signer(home / "pki").signing_cert.serial_number
        store = trust_store(config.trust, config.signing, config.pki_dir)
        revoked = replace(store, crls=(pki.crl(revoked_serials=(serial,)),))
        monkeypatch.setattr(revalidate, "trust_for", lambda cfg, fetch=None: revoked)
        deps = build_deps(config)
        try:
            r = revalidate.revalidate(deps, max_age=timedelta(0))
        finally:
            deps.close()
        assert r.ok and r.summary["invalidated"] == 2 and r.summary["still_review"] == 2, r.summary
        d = catalog.get(by_input["valid.pdf"].key)
        assert d.status == "needs_review" and any(x.startswith("signature_revoked") for x in d.review_reasons)
        with catalog.session() as s:
            rows = list(s.scalars(select(outbox.OutboxRow).where(outbox.OutboxRow.doc_key == d.key)))
        assert [(r.change, r.reason) for r in rows][-1] == ("revoke", "signer_revoked")
        assert original_info(catalog, d.key).outcome == "review"
    finally:
        catalog.close()


def _sidecar(home: Path, d) -> str:
    return (home / "warehouse" / "objects" / d.pdf_key.replace(".pdf", ".json")).read_text()


# input name -> (how it is made from the extract, given the signer, the TSA URL and the loopback PKI; valid?)
ADVERSARIAL = {
    "valid-bt.pdf": (lambda x, s, tsa, pki: od.sign(x, s, tsa_url=tsa), True),
    "cosigned.pdf": (lambda x, s, tsa, pki: od.sign(od.sign(x, s, tsa_url=tsa), s, field="Signature2"), True),
    "certified-filled.pdf": (
        lambda x, s, tsa, pki: od.fill_text_field(od.sign(od.with_text_field(x), s, certify=od.MDPPerm.FILL_FORMS)),
        True,
    ),
    "page-replaced.pdf": (lambda x, s, tsa, pki: od.replace_page_content(od.sign(x, s)), False),
    "overlay.pdf": (lambda x, s, tsa, pki: od.overlay_content(od.sign(x, s)), False),
    "annotated.pdf": (lambda x, s, tsa, pki: od.add_annotation(od.sign(x, s)), False),
    "gap.pdf": (lambda x, s, tsa, pki: od.gap_in_byte_range(od.sign(x, s), s), False),
    "partial.pdf": (lambda x, s, tsa, pki: od.partial_byte_range(od.sign(x, s), s), False),
    "forbidden-fill.pdf": (
        lambda x, s, tsa, pki: od.fill_text_field(od.sign(od.with_text_field(x), s, certify=od.MDPPerm.NO_CHANGES)),
        False,
    ),
    "approval-fill.pdf": (lambda x, s, tsa, pki: od.fill_text_field(od.sign(od.with_text_field(x), s)), False),
    "self-signed.pdf": (lambda x, s, tsa, pki: od.sign(x, od.self_signed_signer()), False),
    "expired.pdf": (
        lambda x, s, tsa, pki: od.sign(x, od.p12_signer(pki.expired_p12, pki.p12_password)),
        False,
    ),
    "revoked.pdf": (
        lambda x, s, tsa, pki: od.sign(x, od.p12_signer(pki.revoked_p12, pki.p12_password), tsa_url=tsa),
        False,
    ),
}


def test_the_adversarial_originals_through_a_batch(tmp_path: Path, home: Path, catalog_url: str, request):
    """Every adversarial case of the issue, signed by the loopback PKI's issuer, through ``sohoa batch run`` with
    that PKI configured in ``[trust]`` (revocation fetched): 0 doctored files archived, every valid one archived
    with its bytes unchanged."""
    from signing.config import TrustConfig

    pki = request.getfixturevalue("loopback_pki")
    signer = od.p12_signer(pki.signer_p12, pki.p12_password)
    extract = od.extract_pdf()
    inbox = tmp_path / "adversarial"
    inbox.mkdir()
    for name, (make, _) in ADVERSARIAL.items():
        (inbox / name).write_bytes(make(extract, signer, pki.tsa_url, pki))
    trust = TrustConfig(roots=(pki.root_pem,), intermediates=(pki.chain_pem,), fetch_revocation=True)
    config = AppConfig(home=home, catalog_url=catalog_url, trust=trust)
    _, data = run_inprocess(config, inbox)
    docs = {d["input"]: d for d in data["documents"]}
    wrongly_valid = [n for n, (_, ok) in ADVERSARIAL.items() if not ok and docs[n]["status"] == "archived"]
    assert wrongly_valid == []
    for name, (_, ok) in ADVERSARIAL.items():
        d = docs[name]
        assert d["origin"] == "electronic_original", name
        if ok:
            assert d["status"] == "archived" and d["signature"]["validation"] == "valid", (name, d["review"])
            stored = Path(d["pdf"].removeprefix("file://")).read_bytes()
            assert hashlib.sha256(stored).hexdigest() == d["sha256"] and stored == (inbox / name).read_bytes()
        else:
            assert d["status"] == "needs_review", (name, d["status"], d["reason"])
            assert any(r.startswith("signature_") for r in d["review"]), (name, d["review"])
    assert docs["valid-bt.pdf"]["signature"]["level"] == "B-T"
    assert any(r.startswith("signature_revoked") for r in docs["revoked.pdf"]["review"])
    assert any(r.startswith("signature_expired") for r in docs["expired.pdf"]["review"])
    assert any(r.startswith("signature_untrusted") for r in docs["self-signed.pdf"]["review"])
    assert any(r.startswith("signature_partial_coverage") for r in docs["gap.pdf"]["review"])
