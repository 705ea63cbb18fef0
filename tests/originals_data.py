"""Electronic originals for the tests (issue 19): born-digital PDFs signed by an issuing agency, and the ways a
signed PDF can be doctored after signing. Built with pyHanko and pikepdf against the loopback PKI
(``tests.fixtures_pki``) or any key and certificate.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pikepdf
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import MDPPerm
from pyhanko_certvalidator.registry import SimpleCertificateStore

from scripts.samplegen.born_digital import born_digital_pdf

# A result as a civil-status office returns it electronically: header, title, labelled fields.
BIRTH_EXTRACT = [
    "UBND XÃ YÊN PHONG",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "TRÍCH LỤC KHAI SINH",
    "Họ, chữ đệm, tên: NGUYỄN THỊ LAN ANH",
    "Ngày, tháng, năm sinh: 12/03/2019",
    "Giới tính: Nữ Dân tộc: Kinh Quốc tịch: Việt Nam",
    "Nơi sinh: Trạm y tế xã Yên Phong, huyện Yên Mô, tỉnh Ninh Bình",
    "Số định danh cá nhân: 037319004512",
    "Họ, chữ đệm, tên người mẹ: TRẦN THỊ HOA",
    "Họ, chữ đệm, tên người cha: NGUYỄN VĂN BÌNH",
    "Nơi đăng ký khai sinh: Ủy ban nhân dân xã Yên Phong, huyện Yên Mô, tỉnh Ninh Bình",
    "Ngày, tháng, năm đăng ký: 20/03/2019",
    "Yên Phong, ngày 20 tháng 03 năm 2019",
]


def extract_pdf(encoding: str = "unicode", pages: int = 1) -> bytes:
    """A born-digital birth extract; ``encoding`` of its text layer (``unicode``, ``tcvn3``, ``vni``, ``none``)."""
    return born_digital_pdf([BIRTH_EXTRACT] * pages, encoding)  # type: ignore[arg-type]


# --- signers --------------------------------------------------------------------------------------------
def p12_signer(path, password: str) -> signers.SimpleSigner:
    s = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password.encode())
    assert s is not None
    return s


def self_signed_signer(cn: str = "Cơ quan tự xưng", org: str = "UBND xã giả") -> signers.SimpleSigner:
    """A signer whose certificate is its own root: chains to nothing an operator configured."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore(),
    )


def sign(
    data: bytes,
    signer: signers.Signer,
    *,
    field: str = "Signature1",
    tsa_url: str | None = None,
    certify: MDPPerm | None = None,
    reason: str = "Trích lục bản điện tử",
) -> bytes:
    """Sign ``data`` (incremental update); with ``tsa_url`` a signature timestamp (B-T); ``certify`` makes it a
    certification signature with that DocMDP permission."""
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        certify=certify is not None,
        docmdp_permissions=certify or MDPPerm.FILL_FORMS,
    )
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    ts = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
    return signers.PdfSigner(meta, signer=signer, timestamper=ts).sign_pdf(w).getvalue()


# --- changes after signing ---------------------------------------------------------------------------------
def _page_ref(w: IncrementalPdfFileWriter, n: int = 0):
    return w.root["/Pages"]["/Kids"].raw_get(n)


def replace_page_content(data: bytes) -> bytes:
    """Incremental update that gives page 1 a new content stream (what it says is changed)."""
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    ref = _page_ref(w)
    page = ref.get_object()
    stream = generic.StreamObject(stream_data=b"q 1 1 1 rg 0 0 600 850 re f Q BT /F1 24 Tf 72 700 Td (FORGED) Tj ET")
    page["/Contents"] = w.add_object(stream)
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def overlay_content(data: bytes) -> bytes:
    """Incremental update that appends a second content stream drawing a white box and new digits over page 1."""
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    page = _page_ref(w).get_object()
    old = page.raw_get("/Contents")
    stream = generic.StreamObject(stream_data=b"q 1 1 1 rg 200 500 200 20 re f Q")
    page["/Contents"] = generic.ArrayObject([old, w.add_object(stream)])
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def add_annotation(data: bytes) -> bytes:
    """Incremental update that adds a FreeText annotation (a note laid over the page) after signing."""
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref = _page_ref(w)
    page = page_ref.get_object()
    annot = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (200, 500, 400, 520)]),
            generic.NameObject("/Contents"): generic.TextStringObject("12/03/2009"),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            generic.NameObject("/P"): page_ref,
        }
    )
    annots = page.get("/Annots")
    if annots is None:
        page["/Annots"] = generic.ArrayObject([w.add_object(annot)])
    else:
        annots.get_object().append(w.add_object(annot))
        if isinstance(page.raw_get("/Annots"), generic.IndirectObject):
            w.update_container(annots.get_object())
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def with_text_field(data: bytes, name: str = "GhiChu") -> bytes:
    """A copy of an unsigned PDF with an empty text form field on page 1 (to be filled after certification)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        field = pdf.make_indirect(
            pikepdf.Dictionary(
                FT=pikepdf.Name.Tx,
                T=pikepdf.String(name),
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Widget,
                Rect=[72, 72, 300, 92],
                F=4,
                DA=pikepdf.String("/Helv 10 Tf 0 g"),
                P=page.obj,
            )
        )
        page.obj.Annots = pdf.make_indirect(pikepdf.Array([field]))
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]), DA=pikepdf.String("/Helv 10 Tf 0 g"))
        buf = io.BytesIO()
        pdf.save(buf)
        return buf.getvalue()


def fill_text_field(data: bytes, value: str = "Đã đối chiếu", name: str = "GhiChu") -> bytes:
    """Incremental update that fills the text field ``name`` (form filling, as a certification may allow)."""
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    for ref in w.root["/AcroForm"]["/Fields"]:
        f = ref.get_object()
        if f.get("/T") == name:
            f["/V"] = generic.TextStringObject(value)
            w.update_container(f)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def resign_byte_range(data: bytes, signer: signers.Signer, ranges) -> bytes:
    """The last signature of ``data`` made again over other byte ranges: ``ranges(a, b, c, d)`` gives the new
    four numbers (same digit count, so nothing moves). A correct signature over the wrong bytes."""
    import asyncio

    m = list(_BYTE_RANGE.finditer(data))[-1]
    old = [int(x) for x in m.groups()]
    new = ranges(*old)
    text = m.group(0)
    for o, n in zip(old, new, strict=True):
        if o != n:
            text = re.sub(
                rb"(?<![0-9])" + str(o).encode() + rb"(?![0-9])", str(n).encode().rjust(len(str(o))), text, count=1
            )
    assert len(text) == len(m.group(0))
    doc = bytearray(data[: m.start()] + text + data[m.end() :])
    covered = bytes(doc[new[0] : new[0] + new[1]] + doc[new[2] : new[2] + new[3]])
    h = hashes.Hash(hashes.SHA256())
    h.update(covered)
    cms = asyncio.run(signer.async_sign(h.finalize(), "sha256", use_pades=True))
    hexed = cms.dump().hex().encode()
    start = old[1] + 1  # the /Contents hex string starts after its "<"
    room = old[2] - old[1] - 2
    assert len(hexed) <= room
    doc[start : start + room] = hexed.ljust(room, b"0")
    return bytes(doc)


def gap_in_byte_range(data: bytes, signer: signers.Signer) -> bytes:
    """A signature whose byte range leaves bytes after /Contents uncovered (a gap an attacker may edit)."""
    return resign_byte_range(data, signer, lambda a, b, c, d: (a, b, c + 40, d - 40))


def partial_byte_range(data: bytes, signer: signers.Signer) -> bytes:
    """A signature that covers only a part of its revision: its byte range stops before the end of the file."""
    return resign_byte_range(data, signer, lambda a, b, c, d: (a, b, c, d - 200))
