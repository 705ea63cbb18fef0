"""Electronic originals (issue 19): every way a signed PDF can be doctored gets the right verdict, and none is
reported valid wrongly. Signed against the loopback PKI (certomancer: TSA, OCSP, CRLs on loopback)."""

from __future__ import annotations

import pytest
from pyhanko.sign.fields import MDPPerm

from signing.keys import load_certs
from signing.originals import TrustStore, validate_original
from tests import originals_data as od

pytest_plugins = ["tests.fixtures_pki"]


@pytest.fixture(scope="module")
def extract() -> bytes:
    return od.extract_pdf()


@pytest.fixture(scope="module")
def signer(loopback_pki):
    return od.p12_signer(loopback_pki.signer_p12, loopback_pki.p12_password)


@pytest.fixture(scope="module")
def trust(loopback_pki) -> TrustStore:
    return TrustStore(
        tuple(load_certs([loopback_pki.root_pem])), tuple(load_certs([loopback_pki.chain_pem])), fetch=True
    )


@pytest.fixture(scope="module")
def signed(extract: bytes, signer, loopback_pki) -> bytes:
    return od.sign(extract, signer, tsa_url=loopback_pki.tsa_url)


def codes(check) -> set[str]:
    return {f.code for f in check.findings}


def test_a_valid_timestamped_original_is_valid_with_its_signer(signed: bytes, trust: TrustStore):
    check = validate_original(signed, trust)
    assert check.outcome == "valid", check.findings
    assert check.signer_name == "TEST Trung tâm Phục vụ hành chính công"
    assert check.signer_org == "sohoa TEST (loopback)"
    assert check.report.level == "B-T" and check.signature.timestamp is not None
    assert check.signed_at is not None
    d = check.as_dict()
    assert d["outcome"] == "valid" and d["report"]["signatures"][0]["coverage"] == "ENTIRE_FILE"


def test_an_untimestamped_original_is_valid_at_level_b_b(extract: bytes, signer, trust: TrustStore):
    check = validate_original(od.sign(extract, signer), trust)
    assert check.outcome == "valid" and check.report.level == "B-B"


# case name -> (how the file is made from the signed extract, the findings of which it must raise one)
TAMPERED = {
    "page replaced": (lambda s, signer: od.replace_page_content(s), {"modified_after_signing"}),
    "overlay added": (lambda s, signer: od.overlay_content(s), {"modified_after_signing"}),
    "annotation over the page": (
        lambda s, signer: od.add_annotation(s),
        {"changed_after_signing", "modified_after_signing"},
    ),
    "gap in the byte range": (od.gap_in_byte_range, {"partial_coverage"}),
    "part of the file signed": (od.partial_byte_range, {"partial_coverage"}),
    "bytes flipped": (lambda s, signer: _flip(s), {"tampered"}),
}


def _flip(data: bytes) -> bytes:
    """One byte of the image stream changed (covered by the signature)."""
    i = data.index(b"stream", 2000) + 400
    return data[:i] + bytes([data[i] ^ 0x55]) + data[i + 1 :]


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_doctored_original_is_never_valid(case: str, signed: bytes, signer, trust: TrustStore):
    make, expected = TAMPERED[case]
    data = make(signed, signer)
    assert data != signed
    check = validate_original(data, trust)
    assert check.outcome == "review", case
    assert expected & codes(check), (case, check.findings)


def test_a_self_signed_signer_is_untrusted(extract: bytes, trust: TrustStore):
    check = validate_original(od.sign(extract, od.self_signed_signer()), trust)
    assert check.outcome == "review" and codes(check) == {"untrusted"}
    assert check.signer_org == "UBND xã giả"


def test_a_signer_from_a_root_not_configured_is_untrusted(signed: bytes, demo_pki_dir):
    from signing.pki import DemoPki

    check = validate_original(signed, TrustStore(tuple(DemoPki(demo_pki_dir).trust_root_certs())))
    assert check.outcome == "review" and "untrusted" in codes(check)


def test_an_expired_signer_certificate_without_timestamp_is_flagged(extract: bytes, loopback_pki, trust: TrustStore):
    expired = od.p12_signer(loopback_pki.expired_p12, loopback_pki.p12_password)
    check = validate_original(od.sign(extract, expired), trust)
    assert check.outcome == "review" and codes(check) == {"expired"}


def test_a_revoked_signer_is_flagged_when_revocation_is_fetched(extract: bytes, loopback_pki, trust: TrustStore):
    revoked = od.p12_signer(loopback_pki.revoked_p12, loopback_pki.p12_password)
    data = od.sign(extract, revoked, tsa_url=loopback_pki.tsa_url)
    check = validate_original(data, trust)
    assert check.outcome == "review" and "revoked" in codes(check) and check.revoked
    # without fetching, nothing in the file says so: the finding needs the revocation data
    offline = validate_original(data, TrustStore(trust.roots, trust.intermediates, fetch=False))
    assert not offline.revoked


def test_a_second_signature_keeps_the_first_valid(signed: bytes, signer, trust: TrustStore):
    check = validate_original(od.sign(signed, signer, field="Signature2"), trust)
    assert check.outcome == "valid", check.findings
    assert len(check.report.signatures) == 2 and any("later signatures" in n for n in check.notes)
    assert check.signature.field == "Signature1"  # the issuer's signature is the first one


def test_form_filling_allowed_by_a_certification_is_valid(extract: bytes, signer, trust: TrustStore):
    certified = od.sign(od.with_text_field(extract), signer, certify=MDPPerm.FILL_FORMS)
    check = validate_original(od.fill_text_field(certified), trust)
    assert check.outcome == "valid", check.findings
    assert check.signature.docmdp == "FILL_FORMS" and check.notes


def test_form_filling_forbidden_by_a_certification_is_flagged(extract: bytes, signer, trust: TrustStore):
    certified = od.sign(od.with_text_field(extract), signer, certify=MDPPerm.NO_CHANGES)
    check = validate_original(od.fill_text_field(certified), trust)
    assert check.outcome == "review" and codes(check) & {"modified_after_signing", "changed_after_signing"}


def test_form_filling_after_an_approval_signature_is_flagged(extract: bytes, signer, trust: TrustStore):
    signed = od.sign(od.with_text_field(extract), signer)
    check = validate_original(od.fill_text_field(signed), trust)
    assert check.outcome == "review" and codes(check) & {"modified_after_signing", "changed_after_signing"}


def test_an_unparseable_file_is_unreadable(trust: TrustStore):
    check = validate_original(b"%PDF-1.7\nnot really\n%%EOF", trust)
    assert check.outcome == "unreadable"
