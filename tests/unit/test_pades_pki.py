"""PAdES levels against a real PKI on loopback (certomancer: TSA, OCSP, CRLs), a SoftHSM2 token,
revocation, tampering and renewal — each signature checked by pyHanko (``verify_pdf``) and by poppler's
``pdfsig`` independently."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from signing.config import SigningConfig
from signing.errors import SignerUnavailable, TimestampUnavailable
from signing.keys import load_timestamping
from signing.pdfa import PdfMetadata, PdfPage, build_pdfa
from signing.renew import add_document_timestamp, renewal_due
from signing.sign import build_signer
from signing.verify import Verdict, verify_pdf

if TYPE_CHECKING:
    from tests.fixtures_pki import LoopbackPki, SoftHsm

pytest_plugins = ["tests.fixtures_pki"]

ORG = "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình"


@pytest.fixture(scope="module")
def pdfa() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (827, 1170), (250, 248, 240)).save(buf, "JPEG", quality=70)  # A4 at 100 dpi: small, fast
    meta = PdfMetadata(
        "Giấy khai sinh", "000.00.00.H42-261121-0001.01", ORG, datetime(2026, 11, 21, tzinfo=ZoneInfo("Asia/Bangkok"))
    )
    return build_pdfa([PdfPage(buf.getvalue(), 827, 1170, 100.0)], meta, SigningConfig().text_font_path)


def pdfsig(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=60).stdout


def first_signature_block(out: str) -> str:
    return out.split("Signature #2")[0]


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level_validates_in_pyhanko_and_pdfsig(
    level: str, pdfa: bytes, loopback_pki: LoopbackPki, pkcs12_passphrase, tmp_path: Path
):
    signer = build_signer(loopback_pki.config(level), tmp_path / "pki", ORG)
    signed = signer.sign(pdfa)
    assert signed.data.startswith(pdfa)  # incremental: the PDF/A bytes stay as they were
    report = verify_pdf(signed.data, [loopback_pki.root_pem])
    assert report.verdict == Verdict.VALID, report.as_dict()
    assert report.level == level  # detected from the file, not trusted from the config
    sig = report.signatures[0]
    assert sig.trusted and not sig.revoked and "TEST Trung tâm" in sig.signer
    assert (sig.timestamp is not None) == (level != "B-B")
    assert sig.ltv == (level in ("B-LT", "B-LTA"))
    assert len(report.doc_timestamps) == (1 if level == "B-LTA" else 0)
    out = first_signature_block(pdfsig(signed.data, tmp_path))
    assert "Signature Validation: Signature is Valid." in out
    assert "TEST Trung tâm" in out
    if level in ("B-B", "B-T"):
        assert "Total document signed" in out


def test_without_trust_roots_the_chain_is_untrusted(
    pdfa: bytes, loopback_pki: LoopbackPki, pkcs12_passphrase, tmp_path
):
    signed = build_signer(loopback_pki.config("B-B"), tmp_path, ORG).sign(pdfa)
    report = verify_pdf(signed.data, [])
    assert report.verdict == Verdict.UNTRUSTED
    assert report.signatures[0].intact and report.signatures[0].valid


def test_a_tampered_byte_is_detected_by_both(pdfa: bytes, loopback_pki: LoopbackPki, pkcs12_passphrase, tmp_path):
    data = bytearray(build_signer(loopback_pki.config("B-LTA"), tmp_path, ORG).sign(pdfa).data)
    pos = data.find(b"<dc:identifier>000.00.00.H42-261121-0001")
    assert 0 < pos < len(pdfa)
    data[pos + len(b"<dc:identifier>")] = ord("9")
    report = verify_pdf(bytes(data), [loopback_pki.root_pem])
    assert report.verdict == Verdict.TAMPERED
    assert not report.signatures[0].intact
    out = first_signature_block(pdfsig(bytes(data), tmp_path))
    assert "Digest Mismatch" in out or "Signature is Invalid" in out
    assert "Signature is Valid" not in out


def test_a_revoked_certificate_is_reported(pdfa: bytes, loopback_pki: LoopbackPki, pkcs12_passphrase, tmp_path):
    cfg = loopback_pki.config("B-B", pkcs12_path=loopback_pki.revoked_p12)
    signed = build_signer(cfg, tmp_path, ORG).sign(pdfa)  # B-B checks nothing at signing time
    report = verify_pdf(signed.data, [loopback_pki.root_pem], fetch=True)  # OCSP on loopback says revoked
    assert report.verdict == Verdict.REVOKED
    assert report.signatures[0].revoked and report.signatures[0].intact
    # at B-LT the signer gathers revocation data first, and refuses a revoked key
    with pytest.raises(SignerUnavailable) as e:
        build_signer(loopback_pki.config("B-LT", pkcs12_path=loopback_pki.revoked_p12), tmp_path, ORG).sign(pdfa)
    assert e.value.reason_code == "signer_unavailable"


def test_softhsm2_token_signs_at_b_lt(
    pdfa: bytes, loopback_pki: LoopbackPki, softhsm_token: SoftHsm, monkeypatch: pytest.MonkeyPatch, tmp_path
):
    cfg = loopback_pki.config(
        "B-LT",
        backend="pkcs11",
        pkcs12_path=None,
        pkcs11_module=softhsm_token.module,
        pkcs11_token=softhsm_token.token,
        pkcs11_key_label=softhsm_token.key_label,
    )
    with pytest.raises(SignerUnavailable):  # the PIN comes only from the environment
        build_signer(cfg, tmp_path, ORG)
    monkeypatch.setenv("SOHOA_SIGNING_PIN", softhsm_token.pin)
    signed = build_signer(cfg, tmp_path, ORG).sign(pdfa)
    report = verify_pdf(signed.data, [loopback_pki.root_pem])
    assert report.verdict == Verdict.VALID and report.level == "B-LT"
    assert "TEST Trung tâm" in report.signatures[0].signer
    assert "Signature is Valid." in first_signature_block(pdfsig(signed.data, tmp_path))
    with pytest.raises(SignerUnavailable) as e:
        build_signer(cfg.model_copy(update={"pkcs11_key_label": "no-such-key"}), tmp_path, ORG)
    assert "no-such-key" in str(e.value) and "LoggedIn" not in str(e.value)


def test_a_wrong_pkcs12_passphrase_is_a_signer_error(loopback_pki: LoopbackPki, monkeypatch, tmp_path):
    monkeypatch.setenv("SOHOA_SIGNING_PASSPHRASE", "Qz7-not-it")
    with pytest.raises(SignerUnavailable) as e:
        build_signer(loopback_pki.config("B-B"), tmp_path, ORG)
    assert "Qz7-not-it" not in str(e.value) + e.value.vi  # the secret never appears in a message


def test_an_unreachable_tsa_is_retryable(pdfa: bytes, loopback_pki: LoopbackPki, pkcs12_passphrase, tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = loopback_pki.config("B-T", tsa_url=f"http://127.0.0.1:{port}/tsa", tsa_timeout=2)
    with pytest.raises(TimestampUnavailable) as e:
        build_signer(cfg, tmp_path, ORG).sign(pdfa)
    assert e.value.retryable


def test_renewal_extends_validity(pdfa: bytes, loopback_pki: LoopbackPki, pkcs12_passphrase, tmp_path):
    short = loopback_pki.config("B-LTA", tsa_url=loopback_pki.short_tsa_url)
    signed = build_signer(short, tmp_path, ORG).sign(pdfa)
    before = verify_pdf(signed.data, [loopback_pki.root_pem])
    assert before.verdict == Verdict.VALID and before.level == "B-LTA"
    now = datetime.now(UTC)
    decision = renewal_due(before, now, timedelta(days=365))
    assert decision.due and decision.expires is not None and decision.expires < now + timedelta(days=31)

    renewed = add_document_timestamp(signed.data, load_timestamping(loopback_pki.config("B-LTA"), tmp_path, ORG))
    assert renewed.startswith(signed.data)  # write-once in spirit: only appended
    after = verify_pdf(renewed, [loopback_pki.root_pem])
    assert after.verdict == Verdict.VALID and after.level == "B-LTA"
    assert len(after.doc_timestamps) == 2
    assert after.newest_timestamp_expiry > now + timedelta(days=3000)
    assert not renewal_due(after, now, timedelta(days=365)).due


@pytest.mark.parametrize("level", ["B-T", "B-LTA"])
def test_demo_pki_signs_long_term_without_any_server(level: str, pdfa: bytes, home: Path, tmp_path, caplog):
    signer = build_signer(SigningConfig(level=level), home / "pki", ORG)
    with caplog.at_level("WARNING"):
        signed = signer.sign(pdfa)
    assert not [r for r in caplog.records if r.levelname == "WARNING"]  # no per-document noise in workers' logs
    report = verify_pdf(signed.data, [home / "pki" / "demo-root.pem"])
    assert report.verdict == Verdict.VALID and report.level == level
    assert "DEMO" in report.signatures[0].signer
    assert "Signature is Valid." in first_signature_block(pdfsig(signed.data, tmp_path))


def test_an_already_signed_pdf_is_never_signed_again(pdfa: bytes, home: Path):
    signer = build_signer(SigningConfig(level="B-B"), home / "pki", ORG)
    signed = signer.sign(pdfa)
    with pytest.raises(Exception, match="already signed"):
        signer.sign(signed.data)


def test_space_for_the_signature_is_learnt_and_outgrowing_it_is_survived(pdfa: bytes, home: Path, tmp_path):
    signer = build_signer(SigningConfig(level="B-LT"), home / "pki", ORG)
    first = signer.sign(pdfa)
    assert signer._reserve and signer._reserve % 2 == 0  # learnt from the first document
    signer._reserve = 64  # far too small, as if a TSA suddenly answered with a bigger token
    second = signer.sign(pdfa)
    for signed in (first, second):
        report = verify_pdf(signed.data, [home / "pki" / "demo-root.pem"])
        assert report.verdict == Verdict.VALID and report.level == "B-LT"
    assert signer._reserve > 64  # sized again by pyHanko, then learnt again


def test_token_import_then_sign_with_the_imported_key(
    pdfa: bytes, loopback_pki: LoopbackPki, softhsm_token: SoftHsm, sohoa_cli, monkeypatch: pytest.MonkeyPatch, tmp_path
):
    monkeypatch.setenv("SOHOA_SIGNING_PIN", softhsm_token.pin)
    monkeypatch.setenv("SOHOA_SIGNING_PASSPHRASE", loopback_pki.p12_password)
    r = sohoa_cli(
        tmp_path / "home",
        "pki",
        "token-import",
        str(loopback_pki.signer_p12),
        "--token",
        softhsm_token.token,
        "--label",
        "imported",
    )
    assert r.returncode == 0, r.stderr
    cfg = loopback_pki.config(
        "B-T",
        backend="pkcs11",
        pkcs12_path=None,
        pkcs11_module=softhsm_token.module,
        pkcs11_token=softhsm_token.token,
        pkcs11_key_label="imported",
    )
    report = verify_pdf(build_signer(cfg, tmp_path, ORG).sign(pdfa).data, [loopback_pki.root_pem])
    assert report.verdict == Verdict.VALID and report.level == "B-T"
