"""Electronic originals in the catalog (issue 19), on both backends: the lookups say a paper's origin and signer, the
reuse check counts an original only while its signature validates, and a re-validation that fails sends an archived
paper to review with a ``revoke`` change for the national portal, in one transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from catalog import outbox
from catalog.db import Catalog
from catalog.lookup import owner_documents, reuse_check
from catalog.originals import original_info, record_original, revalidated, to_revalidate
from catalog.types import default_document_types
from signing.config import SigningConfig, TrustConfig
from signing.originals import trust_store
from signing.pki import DemoPki
from tests.sync_data import archived_paper

OWNER = "037096014589"
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _original(c: Catalog, key: str, outcome: str = "valid") -> None:
    record_original(
        c,
        key,
        outcome=outcome,
        reasons=[] if outcome == "valid" else ["signature_untrusted: Signature1"],
        report={"outcome": outcome},
        signer_name="Nguyễn Văn Ký",
        signer_org="UBND xã Yên Phong",
        signed_at=T0,
        level="B-T",
        validated_at=T0,
    )


def test_lookups_say_the_origin_and_reuse_counts_a_valid_original(catalog_url: str):
    c = Catalog(catalog_url)
    try:
        types = default_document_types()
        eo, copy = archived_paper(c, 1, OWNER, "GKS"), archived_paper(c, 2, OWNER, "CCCD")
        _original(c, eo)
        ans = reuse_check(c, types, OWNER, type_codes=["GKS", "CCCD"], on_date=date(2026, 12, 6))
        by_type = {p.type_code: p for p in ans.papers}
        assert by_type["GKS"].status == "reusable" and by_type["CCCD"].status == "reusable"
        gks = by_type["GKS"].document.as_dict()
        assert gks["origin"] == "electronic_original" and gks["signature_validation"] == "valid"
        assert gks["signer_org"] == "UBND xã Yên Phong" and gks["validated_at"].startswith("2026-12-01")
        assert by_type["CCCD"].document.as_dict()["origin"] == "digitized_copy"
        assert {p.doc_code: p.origin for p in owner_documents(c, types, OWNER)} == {
            "000.00.00.H42-261206-0001.01": "electronic_original",
            "000.00.00.H42-261206-0002.01": "digitized_copy",
        }
        assert original_info(c, copy) is None

        # an original whose signature no longer validates is not reusable, even before a clerk sees it
        _original(c, eo, outcome="review")
        ans = reuse_check(c, types, OWNER, type_codes=["GKS"], on_date=date(2026, 12, 6))
        assert ans.papers[0].status != "reusable"
    finally:
        c.close()


def test_a_revoked_signer_sends_the_paper_to_review_and_tells_the_portal(catalog_url: str):
    c = Catalog(catalog_url)
    try:
        key = archived_paper(c, 3, OWNER, "GKS")
        _original(c, key)
        assert to_revalidate(c, before=datetime(2026, 12, 2, tzinfo=UTC)) == [(key, None)]
        now = datetime(2026, 12, 6, tzinfo=UTC)
        same = revalidated(
            c, key, outcome="valid", reasons=[], report={}, level="B-T", validated_at=now, actor="t", revoked=False
        )
        assert same == "still_valid" and to_revalidate(c, before=now) == []
        result = revalidated(
            c,
            key,
            outcome="review",
            reasons=["signature_revoked: Signature1"],
            report={"outcome": "review"},
            level="B-T",
            validated_at=now,
            actor="nightly",
            revoked=True,
        )
        assert result == "invalidated"
        d = c.get(key)
        assert d.status == "needs_review" and d.review_reasons == ["signature_revoked: Signature1"]
        with c.session() as s:
            rows = list(s.scalars(select(outbox.OutboxRow).where(outbox.OutboxRow.doc_key == key)))
        assert [(r.change, r.reason) for r in rows] == [("upsert", "archived"), ("revoke", "signer_revoked")]
        assert rows[-1].payload["origin"] == "electronic_original" and rows[-1].payload["status"] == "needs_review"
        (event,) = c.events(doc_key=key, action="original_invalidated")
        assert event.detail["was"] == "valid" and event.detail["outcome"] == "review"
        # a later run finds it in review: nothing more is sent
        again = revalidated(
            c, key, outcome="review", reasons=[], report={}, level="B-T", validated_at=now, actor="t", revoked=True
        )
        assert again == "still_review"
        with c.session() as s:
            assert len(list(s.scalars(select(outbox.OutboxRow).where(outbox.OutboxRow.doc_key == key)))) == 2
    finally:
        c.close()


def test_the_demo_pki_is_trusted_only_in_demo_mode(demo_pki_dir: Path, tmp_path: Path):
    demo_root = DemoPki(demo_pki_dir).trust_root_certs()[0]
    demo = trust_store(TrustConfig(), SigningConfig(), demo_pki_dir)
    assert demo_root.dump() in {r.dump() for r in demo.roots} and demo.crls
    production = trust_store(TrustConfig(), SigningConfig(backend="pkcs12"), demo_pki_dir)
    assert production.roots == () and production.crls == ()
    forced = trust_store(TrustConfig(trust_demo=False), SigningConfig(), demo_pki_dir)
    assert forced.roots == ()
    root = tmp_path / "root.pem"
    root.write_bytes(DemoPki(demo_pki_dir).root_cert.read_bytes())
    configured = trust_store(
        TrustConfig(roots=(root,), fetch_revocation=True), SigningConfig(backend="pkcs12"), demo_pki_dir
    )
    assert [r.dump() for r in configured.roots] == [demo_root.dump()] and configured.fetch


def test_a_clerk_cannot_release_an_original_whose_signature_fails_until_it_validates_again(catalog_url: str):
    import pytest

    from catalog.review import ReviewError, accept

    c = Catalog(catalog_url)
    try:
        key = archived_paper(c, 4, OWNER, "GKS")
        _original(c, key)
        now = datetime(2026, 12, 6, tzinfo=UTC)
        common = dict(report={}, level="B-T", validated_at=now, actor="nightly")
        reasons = ["signature_untrusted: Signature1"]
        assert revalidated(c, key, outcome="review", reasons=reasons, revoked=False, **common) == "invalidated"
        with pytest.raises(ReviewError, match="signature_untrusted"):
            accept(c, default_document_types(), key, "clerk-01")
        assert c.get(key).status == "needs_review"
        # the operator configures the issuer's CA; the next re-validation passes, and the clerk may release it
        assert revalidated(c, key, outcome="valid", reasons=[], revoked=False, **common) == "valid_again"
        assert c.get(key).status == "needs_review"
        assert accept(c, default_document_types(), key, "clerk-01").status == "archived"
        with c.session() as s:
            rows = list(s.scalars(select(outbox.OutboxRow).where(outbox.OutboxRow.doc_key == key)))
        assert [(r.change, r.reason) for r in rows][-2:] == [
            ("revoke", "signature_invalid"),
            ("upsert", "review_accepted"),
        ]
    finally:
        c.close()
