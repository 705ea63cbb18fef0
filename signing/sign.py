"""PAdES signing with pyHanko behind a signer that hides where the key lives.

The visible signature follows Decree 30/2020 Annex I: top right of page 1, no image, the copy type,
the organisation's name and the signing time as ISO 8601 with the Vietnam offset, Times-like 10 pt,
black. The time shown is the signing time recorded in the signature.

Levels (``signing.level``): B-B signature only; B-T adds an RFC 3161 signature timestamp; B-LT adds the
chain, OCSP responses and CRLs to the document security store (DSS); B-LTA adds a document timestamp
over all of that, which ``sohoa nightly retimestamp`` renews before its certificate expires.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
from asn1crypto import cms
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from signing.config import SigningConfig
from signing.errors import RevocationUnavailable, SignerUnavailable, SigningError, TimestampUnavailable
from signing.keys import KeyKit, load_key
from signing.textfont import compact_font


class _NoFetchNotice(logging.Filter):
    """pyHanko warns on every signature that embeds revocation info while fetching is off. sohoa turns
    fetching off on purpose (the demo PKI's CRL is handed over in process; an operator may do the same), and
    with ``revocation_mode="hard-fail"`` missing revocation info fails the signature as an error anyway — so
    the notice only fills workers' logs, once per document."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoFetchNotice())

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
FIELD_NAME = "SoHoa"
MARGIN_PT = 18.0
PADDING_PT = 4.0


def vn_time(dt: datetime, tz: str = DEFAULT_TZ) -> str:
    """``2026-11-21T14:05:09+07:00``: ISO 8601 in the installation's time zone (Vietnam's by default)."""
    return dt.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


@dataclass(frozen=True)
class VietnamTimeStampStyle(TextStampStyle):
    """A text stamp whose ``%(ts)s`` is the signing time in ``tz`` (Vietnam time, ``+07:00``), ISO 8601."""

    tz: str = DEFAULT_TZ

    def create_stamp(self, writer, box, text_params):
        params = dict(text_params)
        ts = params.get("ts")
        if ts:
            params["ts"] = vn_time(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S%z"), self.tz)
        return super().create_stamp(writer, box, params)


@dataclass(frozen=True, slots=True)
class SignedPdf:
    data: bytes
    signed_at: datetime
    signer_subject: str
    level: str = "B-B"
    timestamp_expires: datetime | None = None
    """When the newest timestamp's certificate expires (renewal is due before that)."""


def load_signer(cfg: SigningConfig, pki_dir: Path, organisation: str) -> signers.Signer:
    """The configured key as a pyHanko signer (kept for callers that need only the key)."""
    return load_key(cfg, pki_dir, organisation).signer


def build_signer(cfg: SigningConfig, pki_dir: Path, organisation: str) -> DocumentSigner:
    """The document signer of the configured backend and level (what the pipeline is given)."""
    organisation = cfg.organisation or organisation
    return DocumentSigner(cfg, load_key(cfg, pki_dir, organisation), organisation)


def _caused_by(e: BaseException, *types: type[BaseException]) -> bool:
    seen = 0
    cur: BaseException | None = e
    while cur is not None and seen < 10:
        if isinstance(cur, types):
            return True
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return False


class DocumentSigner:
    """Signs PDF/A copies for one organisation with one key, at the configured PAdES level."""

    def __init__(self, cfg: SigningConfig, key: KeyKit | signers.Signer, organisation: str) -> None:
        if not isinstance(key, KeyKit):  # a bare signer: B-B only, nothing else is known
            key = KeyKit(key, None, lambda: ValidationContext(allow_fetching=False))
        self.cfg = cfg
        self.key = key
        self.signer = key.signer
        self.organisation = cfg.organisation or organisation
        self.level = cfg.level
        self.timestamper = key.timestamper if self.level != "B-B" else None
        if self.level != "B-B" and self.timestamper is None:
            raise SignerUnavailable(
                f"level {self.level} needs signing.tsa_url", f"mức {self.level} cần cấu hình signing.tsa_url"
            )
        font = TTFont(str(compact_font(cfg.font_path)), lazy=True)
        self._cmap = font.getBestCmap()
        self._hmtx = font["hmtx"]
        self._upm = font["head"].unitsPerEm
        self._font_factories: dict[str, GlyphAccumulatorFactory] = {}
        self._reserve: int | None = None  # hex characters kept for the CMS blob, learnt on the first document

    def _font_factory(self, copy_type: str) -> GlyphAccumulatorFactory:
        """The box's font reduced to the characters it can print (copy type, organisation, the time):
        pyHanko subsets and embeds it in every signature, and a tiny font makes that cheap."""
        if copy_type not in self._font_factories:
            chars = copy_type + self.organisation + "0123456789-:+T "
            path = compact_font(self.cfg.font_path, "".join(sorted(set(chars))))
            self._font_factories[copy_type] = GlyphAccumulatorFactory(str(path), font_size=self.cfg.font_size)
        return self._font_factories[copy_type]

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
        """Append a signature (incremental update: the PDF/A bytes stay as they are)."""
        if _has_signature(pdf_bytes):
            raise SigningError(
                "the PDF is already signed; sohoa never re-signs a signed input",
                "tệp PDF đã được ký; sohoa không ký đè lên tệp đã ký",
            )
        copy_type = copy_type or self.cfg.copy_type
        sample_time = vn_time(datetime.now(ZoneInfo(self.cfg.timezone)), self.cfg.timezone)
        lines = [copy_type, self.organisation, sample_time]
        box = self._box(pdf_bytes, lines)
        style = VietnamTimeStampStyle(
            tz=self.cfg.timezone,
            stamp_text="%(copy_type)s\n%(org)s\n%(ts)s",
            timestamp_format="%Y-%m-%dT%H:%M:%S%z",
            text_box_style=TextBoxStyle(
                font=self._font_factory(copy_type),
                font_size=self.cfg.font_size,
                leading=round(self.cfg.font_size * 1.2),
                text_color=(0, 0, 0),
            ),
            border_width=0,
            background=None,
        )
        long_term = self.level in ("B-LT", "B-LTA")
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=self.cfg.reason,
            name=self.organisation,
            validation_context=self.key.validation_context() if long_term else None,
            embed_validation_info=long_term,
            use_pades_lta=self.level == "B-LTA",
        )
        params = {"copy_type": copy_type, "org": self.organisation}

        def attempt(reserve: int | None) -> bytes:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
            fields.append_signature_field(writer, fields.SigFieldSpec(FIELD_NAME, on_page=0, box=box))
            pdf_signer = signers.PdfSigner(meta, signer=self.signer, stamp_style=style, timestamper=self.timestamper)
            return pdf_signer.sign_pdf(writer, bytes_reserved=reserve, appearance_text_params=params).getvalue()

        try:
            try:
                data = attempt(self._reserve)
            except Exception:
                if self._reserve is None:
                    raise
                self._reserve = None  # the signature outgrew the space learnt earlier: let pyHanko size it
                data = attempt(None)
        except Exception as e:
            raise signing_failure(e, self.timestamper is not None) from e
        blobs = _signature_blobs(data)
        if self._reserve is None:
            # pyHanko sizes /Contents with a dry-run signature (a second CMS build and, at B-T and
            # above, a second timestamp): a quarter of the signing time. The same key, chain and TSA
            # give the same size, so the first document's size, with pyHanko's 50 % margin, is reused.
            own = [sd for kind, sd, _ in blobs if kind != "/DocTimeStamp"][-1]
            cms_hex = 2 * len(cms.ContentInfo({"content_type": "signed_data", "content": own}).dump())
            self._reserve = cms_hex + 2 * (cms_hex // 4)
        return SignedPdf(data, _signed_time(blobs), self.subject, self.level, _timestamp_expiry(blobs))


def signing_failure(e: BaseException, timestamped: bool) -> SigningError:
    """Our error for a pyHanko failure: TSA and revocation trouble may pass, the rest will not."""
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko_certvalidator.errors import PathValidationError, RevokedError

    text = f"{type(e).__name__}: {e}"
    if _caused_by(e, TimestampRequestError) or (timestamped and "timestamp" in text.lower()):
        return TimestampUnavailable(f"timestamp authority failed: {text}", f"máy chủ cấp dấu thời gian lỗi: {text}")
    if _caused_by(e, RevokedError):
        return SignerUnavailable(
            f"the signing certificate is revoked: {text}", f"chứng thư số dùng để ký đã bị thu hồi: {text}"
        )
    if _caused_by(e, PathValidationError) or "revocation" in text.lower() or "OCSP" in text or "CRL" in text:
        return RevocationUnavailable(
            f"cannot gather validation data (OCSP/CRL) for the signature: {text}",
            f"không lấy được dữ liệu kiểm tra (OCSP/CRL) cho chữ ký: {text}",
        )
    if _caused_by(e, OSError, ConnectionError) and timestamped:
        return TimestampUnavailable(f"timestamp authority failed: {text}", f"máy chủ cấp dấu thời gian lỗi: {text}")
    return SigningError(f"signing failed: {text}", f"ký số thất bại: {text}")


def _has_signature(pdf_bytes: bytes) -> bool:
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            acro = pdf.Root.get("/AcroForm")
            return acro is not None and any(f.get("/FT") == "/Sig" and "/V" in f for f in acro.get("/Fields", []))
    except Exception:
        return False


def _signature_blobs(pdf_bytes: bytes) -> list[tuple[str, cms.SignedData, str | None]]:
    """(``/Sig`` or ``/DocTimeStamp``, CMS, ``/M``) of each signed field, in the order they were added.

    Read with pikepdf (qpdf's parser): this runs after every signature, and pyHanko's pure-Python
    reader spends most of its time tokenising the hex ``/Contents`` strings.
    """
    out = []
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        acro = pdf.Root.get("/AcroForm")
        for f in acro.get("/Fields", []) if acro is not None else []:
            v = f.get("/V")
            if f.get("/FT") != "/Sig" or v is None or "/Contents" not in v:
                continue
            info = cms.ContentInfo.load(bytes(v.Contents), strict=False)  # zero padding follows the DER
            m = v.get("/M")
            out.append((str(v.get("/Type", "/Sig")), info["content"], str(m) if m is not None else None))
    return out


def _signer(sd: cms.SignedData) -> cms.SignerInfo:
    return sd["signer_infos"][0]


def _signer_cert(sd: cms.SignedData):
    sid = _signer(sd)["sid"].chosen
    for c in sd["certificates"]:
        cert = c.chosen
        if isinstance(sid, cms.IssuerAndSerialNumber):
            if cert.issuer == sid["issuer"] and cert.serial_number == sid["serial_number"].native:
                return cert
        elif cert.key_identifier == sid.native:
            return cert
    return None


def signed_time(pdf_bytes: bytes) -> datetime:
    """Signing time recorded in the last signature of a PDF."""
    return _signed_time(_signature_blobs(pdf_bytes))


def _signed_time(blobs: list[tuple[str, cms.SignedData, str | None]]) -> datetime:
    from pyhanko.pdf_utils.generic import parse_pdf_date

    sigs = [(sd, m) for kind, sd, m in blobs if kind != "/DocTimeStamp"]
    if not sigs:
        raise SigningError("the PDF has no signature", "tệp PDF không có chữ ký")
    sd, m = sigs[-1]
    for attr in _signer(sd)["signed_attrs"]:
        if attr["type"].native == "signing_time":
            return attr["values"][0].native
    if m:  # PAdES: the claimed signing time is /M in the signature dictionary, not a CMS attribute
        return parse_pdf_date(m)
    raise SigningError("signature has no signing time", "chữ ký không có thời gian ký")


def timestamp_expiry(pdf_bytes: bytes) -> datetime | None:
    """When the certificate of the newest timestamp in the PDF expires (unvalidated; for scheduling renewal).

    The newest document timestamp if there is one, else the last signature's timestamp token; None when
    nothing is timestamped (B-B).
    """
    return _timestamp_expiry(_signature_blobs(pdf_bytes))


def _timestamp_expiry(blobs: list[tuple[str, cms.SignedData, str | None]]) -> datetime | None:
    stamps = [sd for kind, sd, _ in blobs if kind == "/DocTimeStamp"]
    if stamps:
        cert = _signer_cert(stamps[-1])
        return cert.not_valid_after if cert is not None else None
    for _, sd, _ in reversed(blobs):
        for attr in _signer(sd)["unsigned_attrs"] or []:
            if attr["type"].native == "signature_time_stamp_token":
                cert = _signer_cert(attr["values"][0]["content"])
                return cert.not_valid_after if cert is not None else None
    return None
