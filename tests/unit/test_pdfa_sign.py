import io
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
import pytest
from PIL import Image

from ocr.model import Word
from signing.config import SigningConfig
from signing.pdfa import ND30_NS, PdfMetadata, PdfPage, build_pdfa, pdfa_problems, xmp_properties
from signing.sign import DocumentSigner, build_signer, vn_time
from signing.verify import verify_pdf
from tests.conftest import ORG

WORDS = [
    Word("Họ,", 100, 300, 60, 30, 95),
    Word("chữ", 170, 300, 55, 30, 95),
    Word("đệm:", 235, 300, 70, 30, 95),
    Word("NGUYỄN", 320, 300, 150, 30, 95),
    Word("THỊ", 480, 300, 60, 30, 95),
    Word("HƯƠNG", 550, 300, 130, 30, 95),
]


def page_jpeg(w: int = 1654, h: int = 2339) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (250, 248, 240)).save(buf, "JPEG", quality=70)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pdfa() -> bytes:
    meta = PdfMetadata(
        "Giấy khai sinh — 000.00.00.H42-261121-0001.01",
        "000.00.00.H42-261121-0001.01",
        ORG,
        datetime(2026, 11, 21, 14, 5, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        subject="Giấy khai sinh",
        nd30={"DocCode": "000.00.00.H42-261121-0001.01", "TypeName": "Giấy khai sinh"},
    )
    return build_pdfa([PdfPage(page_jpeg(), 1654, 2339, 200.0, WORDS)], meta, SigningConfig().text_font_path)


@pytest.fixture
def signer(home: Path) -> DocumentSigner:
    cfg = SigningConfig()
    return build_signer(cfg, home / "pki", ORG)


def test_pdfa_structure(pdfa: bytes, tmp_path: Path):
    assert pdfa_problems(pdfa) == []
    with pikepdf.open(io.BytesIO(pdfa)) as pdf:
        page = pdf.pages[0]
        assert [round(float(v)) for v in page.mediabox] == [0, 0, 595, 842]  # true size from 200 dpi
        font = page.Resources.Font.F1
        assert font.Subtype == "/Type0" and "/ToUnicode" in font
        assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor
        props = xmp_properties(pdf.Root.Metadata.read_bytes())
        assert props["{http://www.aiim.org/pdfa/ns/id/}part"] == "2"
        assert props["{" + ND30_NS + "}DocCode"] == "000.00.00.H42-261121-0001.01"
    path = tmp_path / "a.pdf"
    path.write_bytes(pdfa)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "NGUYỄN" in text and "HƯƠNG" in text


def test_self_check_catches_a_missing_output_intent(pdfa: bytes):
    with pikepdf.open(io.BytesIO(pdfa)) as pdf:
        del pdf.Root.OutputIntents
        buf = io.BytesIO()
        pdf.save(buf)
    assert any("output intent" in p for p in pdfa_problems(buf.getvalue()))


def test_signature_is_valid_visible_top_right_and_in_vietnam_time(
    pdfa: bytes, signer: DocumentSigner, home: Path, tmp_path: Path
):
    signed = signer.sign(pdfa)
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed.data)
    assert signed.data.startswith(pdfa)  # incremental: the PDF/A bytes are kept as they were
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out
    report = verify_pdf(signed.data, [home / "pki" / "demo-root.pem"])
    assert report.ok and report.signatures[0].trusted
    assert report.pdfa_problems == ()
    with pikepdf.open(path) as pdf:
        annot = next(a for a in pdf.pages[0].Annots if a.get("/FT") == "/Sig")
        _x0, _y0, x1, y1 = (float(v) for v in annot.Rect)
        assert x1 > 595 * 0.6 and y1 > 842 * 0.9  # top right of page 1
        assert int(annot.F) & 4  # printable
        assert "/Image" not in str(annot.AP.N.Resources.keys())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "SAO Y" in text and ORG in text
    assert vn_time(signed.signed_at) in text
    assert vn_time(signed.signed_at).endswith("+07:00")


def test_a_tampered_byte_is_detected(pdfa: bytes, signer: DocumentSigner, home: Path):
    data = bytearray(signer.sign(pdfa).data)
    pos = data.find(b"<dc:identifier>000.00.00.H42-261121-0001")  # in the signed first revision
    assert pos > 0
    data[pos + len(b"<dc:identifier>")] = ord("9")  # one digit of the document code
    report = verify_pdf(bytes(data), [home / "pki" / "demo-root.pem"])
    assert not report.ok
    assert not report.signatures[0].intact
    assert not verify_pdf(b"%PDF-1.7 garbage", []).ok
