"""PAdES signing with pyHanko behind a signer that hides where the key lives.

The visible signature follows Decree 30/2020 Annex I: top right of page 1, no image, the copy type,
the organisation's name and the signing time as ISO 8601 with the Vietnam offset, Times-like 10 pt,
black. The time shown is the signing time recorded in the signature.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.stamp import TextStampStyle

from signing.config import SigningConfig
from signing.errors import SignerUnavailable, SigningError, TimestampUnavailable
from signing.pki import ensure_demo_pki

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIELD_NAME = "SoHoa"
MARGIN_PT = 18.0
PADDING_PT = 4.0


def vn_time(dt: datetime) -> str:
    """``2026-11-21T14:05:09+07:00``."""
    return dt.astimezone(VN_TZ).isoformat(timespec="seconds")


@dataclass(frozen=True)
class VietnamTimeStampStyle(TextStampStyle):
    """A text stamp whose ``%(ts)s`` is the signing time in Vietnam time, ISO 8601 with ``+07:00``."""

    def create_stamp(self, writer, box, text_params):
        params = dict(text_params)
        ts = params.get("ts")
        if ts:
            params["ts"] = vn_time(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S%z"))
        return super().create_stamp(writer, box, params)


@dataclass(frozen=True, slots=True)
class SignedPdf:
    data: bytes
    signed_at: datetime
    signer_subject: str


def load_signer(cfg: SigningConfig, pki_dir: Path, organisation: str) -> signers.Signer:
    """The configured key as a pyHanko signer (demo PKI generated on first use)."""
    if cfg.backend == "demo":
        pki = ensure_demo_pki(pki_dir, organisation)
        return signers.SimpleSigner.load(
            str(pki.signer_key), str(pki.signer_cert), ca_chain_files=(str(pki.root_cert),)
        )
    if cfg.pkcs12_path is None:
        raise SignerUnavailable("signing.pkcs12_path is not set", "chưa cấu hình signing.pkcs12_path")
    passphrase = os.environ.get("SOHOA_SIGNING_PASSPHRASE")
    try:
        signer = signers.SimpleSigner.load_pkcs12(
            str(cfg.pkcs12_path), passphrase=passphrase.encode() if passphrase else None
        )
    except Exception as e:
        raise SignerUnavailable(
            f"cannot open PKCS#12 {cfg.pkcs12_path}: {e}", f"không mở được tệp khóa PKCS#12 {cfg.pkcs12_path}: {e}"
        ) from e
    if signer is None:
        raise SignerUnavailable(
            f"cannot open PKCS#12 {cfg.pkcs12_path} (wrong passphrase?)",
            f"không mở được tệp khóa PKCS#12 {cfg.pkcs12_path} (sai mật khẩu?)",
        )
    return signer


class DocumentSigner:
    """Signs PDF/A copies for one organisation with one key."""

    def __init__(self, cfg: SigningConfig, signer: signers.Signer, organisation: str) -> None:
        self.cfg = cfg
        self.signer = signer
        self.organisation = cfg.organisation or organisation
        self.timestamper = None
        if cfg.level == "B-T":
            if not cfg.tsa_url:
                raise SignerUnavailable("level B-T needs signing.tsa_url", "mức B-T cần cấu hình signing.tsa_url")
            self.timestamper = timestamps.HTTPTimeStamper(cfg.tsa_url)
        font = TTFont(str(cfg.font_path), lazy=True)
        self._cmap = font.getBestCmap()
        self._hmtx = font["hmtx"]
        self._upm = font["head"].unitsPerEm
        self._font_factory = GlyphAccumulatorFactory(str(cfg.font_path), font_size=cfg.font_size)

    @property
    def subject(self) -> str:
        return self.signer.signing_cert.subject.human_friendly

    def _text_width(self, text: str) -> float:
        units = sum(self._hmtx[self._cmap[ord(c)]][0] for c in text if ord(c) in self._cmap)
        return units * self.cfg.font_size / self._upm

    def _box(self, pdf_bytes: bytes, lines: list[str]) -> tuple[float, float, float, float]:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            _, _, x1, y1 = (float(v) for v in pdf.pages[0].mediabox)
        leading = self.cfg.font_size * 1.2
        width = max(self._text_width(line) for line in lines) + 2 * PADDING_PT + 2
        height = leading * len(lines) + 2 * PADDING_PT
        right, top = x1 - MARGIN_PT, y1 - MARGIN_PT
        return (right - width, top - height, right, top)

    def sign(self, pdf_bytes: bytes, copy_type: str | None = None) -> SignedPdf:
        copy_type = copy_type or self.cfg.copy_type
        sample_time = vn_time(datetime.now(VN_TZ))
        lines = [copy_type, self.organisation, sample_time]
        box = self._box(pdf_bytes, lines)
        style = VietnamTimeStampStyle(
            stamp_text="%(copy_type)s\n%(org)s\n%(ts)s",
            timestamp_format="%Y-%m-%dT%H:%M:%S%z",
            text_box_style=TextBoxStyle(
                font=self._font_factory,
                font_size=self.cfg.font_size,
                leading=round(self.cfg.font_size * 1.2),
                text_color=(0, 0, 0),
            ),
            border_width=0,
            background=None,
        )
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=self.cfg.reason,
            name=self.organisation,
        )
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
            fields.append_signature_field(writer, fields.SigFieldSpec(FIELD_NAME, on_page=0, box=box))
            pdf_signer = signers.PdfSigner(meta, signer=self.signer, stamp_style=style, timestamper=self.timestamper)
            out = pdf_signer.sign_pdf(writer, appearance_text_params={"copy_type": copy_type, "org": self.organisation})
        except Exception as e:
            text = str(e)
            if self.timestamper is not None and ("timestamp" in text.lower() or "connect" in text.lower()):
                raise TimestampUnavailable(
                    f"timestamp authority failed: {e}", f"máy chủ cấp dấu thời gian lỗi: {e}"
                ) from e
            raise SigningError(f"signing failed: {e}", f"ký số thất bại: {e}") from e
        data = out.getvalue()
        return SignedPdf(data, signed_time(data), self.subject)


def signed_time(pdf_bytes: bytes) -> datetime:
    """Signing time recorded in the last signature of a PDF."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf_bytes))
    sig = reader.embedded_signatures[-1]
    t = sig.self_reported_timestamp
    if t is None:
        raise SigningError("signature has no signing time", "chữ ký không có thời gian ký")
    return t
