"""Build a two-layer PDF/A-2b: each page the colour scan at its true size plus invisible OCR text.

The metadata of Decree 30/2020 Annex VI is written to XMP in a custom schema (``nd30``, documented in
the README) that is declared with a PDF/A extension schema, as PDF/A requires.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import pikepdf
from PIL import ImageCms

from signing.errors import PdfANonConformant, PdfBuildError
from signing.textfont import TextFont, compact_font

ND30_NS = "https://sohoa.example.vn/ns/nd30/1.0/"
ND30_PROPERTIES = {
    # property: description (Decree 30/2020/NĐ-CP Annex VI, document-level metadata)
    "FileCode": "Dossier file code (OrganId + year + notation) / Mã hồ sơ",
    "DocCode": "Document code = archive file name / Mã tài liệu",
    "DocOrdinal": "Document ordinal within the dossier / Số thứ tự văn bản",
    "TypeName": "Document type name / Tên loại văn bản",
    "TypeCode": "Document type code in the sohoa catalogue / Mã loại giấy tờ",
    "CodeNumber": "Number of the paper / Số của văn bản",
    "CodeNotation": "Notation of the paper / Ký hiệu của văn bản",
    "IssuedDate": "Issue date YYYY-MM-DD / Ngày, tháng, năm văn bản",
    "OrganName": "Issuing body / Tên cơ quan, tổ chức ban hành văn bản",
    "Subject": "Summary / Trích yếu nội dung",
    "Language": "Language / Ngôn ngữ",
    "PageAmount": "Number of pages / Số trang",
    "Description": "Notes / Ghi chú",
    "OwnerId": "Owner's personal ID or enterprise code / Số định danh chủ sở hữu",
    "Digitizer": "Digitizing agency code / Mã cơ quan số hóa",
    "SourceSha256": "SHA-256 of the original scan(s) / Mã băm bản quét gốc",
}


class WordBox(Protocol):
    """A recognised word: its axis-aligned box in page pixels and the text line it belongs to."""

    text: str
    left: int
    top: int
    width: int
    height: int
    line: int


@dataclass(frozen=True, slots=True)
class PdfPage:
    jpeg: bytes
    """The colour page image, JPEG-encoded."""
    width_px: int
    height_px: int
    dpi: float
    words: Sequence[WordBox] = ()


@dataclass(frozen=True, slots=True)
class PdfMetadata:
    title: str
    doc_code: str
    creator: str
    created: datetime
    language: str = "vi"
    subject: str = ""
    nd30: Mapping[str, str] = field(default_factory=dict)


def _xmp(meta: PdfMetadata, document_id: str) -> bytes:
    created = meta.created.isoformat(timespec="seconds")
    nd30 = "".join(f"<nd30:{k}>{escape(str(v))}</nd30:{k}>" for k, v in meta.nd30.items() if k in ND30_PROPERTIES and v)
    props = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{k}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        f"<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(d)}</pdfaProperty:description></rdf:li>"
        for k, d in ND30_PROPERTIES.items()
    )
    description = (
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(meta.subject)}</rdf:li></rdf:Alt>'
        "</dc:description>\n"
        if meta.subject
        else ""
    )
    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
 xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"
 xmlns:nd30="{ND30_NS}">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(meta.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{escape(meta.creator)}</rdf:li></rdf:Seq></dc:creator>
{description}<dc:language><rdf:Bag><rdf:li>{escape(meta.language)}</rdf:li></rdf:Bag></dc:language>
<dc:identifier>{escape(meta.doc_code)}</dc:identifier>
<xmp:CreateDate>{created}</xmp:CreateDate>
<xmp:ModifyDate>{created}</xmp:ModifyDate>
<xmp:MetadataDate>{created}</xmp:MetadataDate>
<xmp:CreatorTool>sohoa</xmp:CreatorTool>
<pdf:Producer>sohoa (pikepdf {pikepdf.__version__})</pdf:Producer>
<xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>
<xmpMM:InstanceID>uuid:{document_id}</xmpMM:InstanceID>
{nd30}
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>sohoa metadata of Decree 30/2020/ND-CP Annex VI</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{ND30_NS}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>nd30</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq>{props}</rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return xml.encode("utf-8")


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _lines(words: Sequence[WordBox]) -> list[list[WordBox]]:
    """Words grouped by their OCR line, lines in the order of the OCR text, words left to right. Words that
    carry no line number (a text layer taken from elsewhere, e.g. a born-digital page's own) are grouped by
    where they sit: a word joins the line whose band holds its middle."""
    kept = [w for w in words if w.text.strip() and w.width > 0 and w.height > 0]
    if kept and all(getattr(w, "line", None) is None for w in kept):
        return _lines_by_position(kept)
    lines: dict[int, list[WordBox]] = {}
    for w in kept:
        lines.setdefault(int(getattr(w, "line", 0) or 0), []).append(w)
    return [sorted(ws, key=lambda w: w.left) for ws in lines.values()]


def _lines_by_position(words: Sequence[WordBox]) -> list[list[WordBox]]:
    rows: list[tuple[float, float, list[WordBox]]] = []  # (top, bottom, words), top to bottom
    for w in sorted(words, key=lambda w: (w.top + w.height / 2, w.left)):
        middle = w.top + w.height / 2
        if rows and rows[-1][0] <= middle <= rows[-1][1]:
            top, bottom, ws = rows[-1]
            ws.append(w)
            rows[-1] = (min(top, w.top), max(bottom, w.top + w.height), ws)
        else:
            rows.append((w.top, w.top + w.height, [w]))
    return [sorted(ws, key=lambda w: w.left) for _, _, ws in rows]


HEADER_SHARE = 0.3
"""Top share of the page where a wide gap inside an OCR line may part two columns (the issuing body beside the
national motto), which the OCR text reads one after the other (``ocr.layout``): such a gap is left open."""
COLUMN_GAP_HEIGHTS = 3.0
COLUMN_GAP_PAGE = 0.04
"""A gap wider than both this many line heights and this share of the page's width parts two columns (the
measure ``ocr.layout`` cuts header lines by)."""


def _bridged(gap: float, line_h: float, top: float, page_w: float, page_h: float) -> bool:
    """Whether the gap before the next word of a line is filled by this word: every gap but a header's column
    gap. Left open, ``pdftotext`` and viewers take a gap a few letters wide for a column break and
    give "Giới tính: Nữ", "Dân tộc: Kinh", "Quốc tịch: Việt Nam" as three lines of their own."""
    columns = gap > max(COLUMN_GAP_HEIGHTS * line_h, COLUMN_GAP_PAGE * page_w)
    return not (columns and top < HEADER_SHARE * page_h)


def _text_ops(font: TextFont, words: Sequence[WordBox], scale: float, page_w: float, page_h: float) -> bytes:
    """Invisible text (render mode 3): each OCR line's words on one shared baseline, at one size.

    Viewers and ``pdftotext`` build lines from characters whose baselines agree: words of a line placed
    each at its own box (a descender, a capital, a dot-below make boxes differ) could fall apart or join a
    neighbouring line. The archived page is straightened by ``ocr`` (its ``deskew_archive``), so level lines
    are right; text set on slanted baselines was measured to read worse, not better, with ``pdftotext``.
    A word's letters are stretched to reach the next word of the line, a space of natural width after them
    (``_bridged``), so a line of fields set far apart stays one line.
    """
    ops = [b"BT", b"3 Tr"]
    for line in _lines(words):
        heights = sorted(w.height for w in line)
        line_h = heights[len(heights) // 2]
        size = max(1.0, line_h * scale)
        # the baseline: the line's middle, moved down by what lies between a line's middle and its baseline
        middle = sum(w.top + w.height / 2 for w in line) / len(line)
        y = page_h - (middle + line_h / 2) * scale + size * 0.18
        for k, w in enumerate(line):
            encoded, units = font.encode(w.text.strip() + " ")
            if not encoded or units <= 0:
                continue
            start = f"/F1 {size:.2f} Tf {{tz:.2f}} Tz 1 0 0 1 {w.left * scale:.2f} {y:.2f} Tm"
            nxt = line[k + 1] if k + 1 < len(line) else None
            gap = nxt.left - (w.left + w.width) if nxt is not None else 0
            if nxt is not None and gap > 0 and _bridged(gap * scale, line_h * scale, w.top * scale, page_w, page_h):
                # the word's letters stretched to reach the next word, then a space of its natural width:
                # a stretched space would still be a gap wide enough to read as a column break
                word, word_units = font.encode(w.text.strip())
                space, space_units = font.encode(" ")
                room = (nxt.left - w.left) * scale - space_units * size / 1000.0
                if word and word_units > 0 and room > 0:
                    tz = 100.0 * room / (word_units * size / 1000.0)
                    ops.append(start.format(tz=tz).encode())
                    ops.append(b"<" + word.hex().encode() + b"> Tj 100 Tz <" + space.hex().encode() + b"> Tj")
                    continue
            # stretch so the word (and the space after it) spans the word's box plus a little
            tz = 100.0 * (w.width * scale * 1.08) / (units * size / 1000.0)
            ops.append(start.format(tz=tz).encode())
            ops.append(b"<" + encoded.hex().encode() + b"> Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


def build_pdfa(pages: Sequence[PdfPage], meta: PdfMetadata, text_font: Path) -> bytes:
    """A PDF/A-2b with one page per scan page; raises PdfANonConformant if the self-check fails."""
    if not pages:
        raise PdfBuildError("a document needs at least one page", "tài liệu phải có ít nhất một trang")
    try:
        pdf = pikepdf.new()
        font = TextFont(compact_font(text_font))
        contents = []
        for page in pages:
            scale = 72.0 / page.dpi
            w_pt, h_pt = page.width_px * scale, page.height_px * scale
            image = pdf.make_stream(
                page.jpeg,
                Type=pikepdf.Name.XObject,
                Subtype=pikepdf.Name.Image,
                Width=page.width_px,
                Height=page.height_px,
                ColorSpace=pikepdf.Name.DeviceRGB,
                BitsPerComponent=8,
                Filter=pikepdf.Name.DCTDecode,
            )
            draw = f"q {w_pt:.3f} 0 0 {h_pt:.3f} 0 0 cm /Im0 Do Q\n".encode()
            contents.append((w_pt, h_pt, image, draw + _text_ops(font, page.words, scale, w_pt, h_pt)))
        font_obj = font.pdf_font(pdf) if font.used else None
        for w_pt, h_pt, image, stream in contents:
            resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
            if font_obj is not None:
                resources.Font = pikepdf.Dictionary(F1=font_obj)
            page_obj = pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=[0, 0, round(w_pt, 3), round(h_pt, 3)],
                    Resources=resources,
                    Contents=pdf.make_stream(stream),
                )
            )
            pdf.pages.append(page_obj)
        document_id = str(uuid.uuid4())
        icc = pdf.make_stream(srgb_profile(), N=3)
        pdf.Root.OutputIntents = [
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier="sRGB IEC61966-2.1",
                Info="sRGB IEC61966-2.1",
                DestOutputProfile=icc,
            )
        ]
        pdf.Root.Metadata = pdf.make_stream(
            _xmp(meta, document_id), Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML
        )
        pdf.Root.Lang = pikepdf.String(meta.language)
        pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=False)
        # No Info dictionary: XMP is the metadata of record, and the signer's incremental update
        # (pyHanko) would otherwise make the two disagree, which PDF/A forbids.
        if "/Info" in pdf.trailer:
            del pdf.trailer.Info
        buf = io.BytesIO()
        pdf.save(
            buf, fix_metadata_version=False, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve
        )
        data = buf.getvalue()
    except PdfBuildError:
        raise
    except Exception as e:
        raise PdfBuildError(f"cannot build the PDF/A: {e}", f"không tạo được tệp PDF/A: {e}") from e
    problems = pdfa_problems(data)
    if problems:
        raise PdfANonConformant(
            "PDF/A self-check failed: " + "; ".join(problems), "tệp PDF/A không đạt kiểm tra: " + "; ".join(problems)
        )
    return data


RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
XMPMM = "{http://ns.adobe.com/xap/1.0/mm/}"


def xmp_properties(xmp: bytes) -> dict[str, str]:
    """Simple properties of every rdf:Description, written as attributes or as elements."""
    root = ET.fromstring(
        xmp.strip().split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0] if xmp.lstrip().startswith(b"<?xpacket") else xmp
    )
    props: dict[str, str] = {}
    for desc in root.iter(RDF + "Description"):
        for k, v in desc.attrib.items():
            if not k.startswith(RDF):
                props.setdefault(k, v)
        for child in desc:
            if len(child) == 0 and child.text and child.text.strip():
                props.setdefault(child.tag, child.text.strip())
    return props


def pdfa_problems(data: bytes) -> list[str]:
    """The common PDF/A breakers found in ``data`` (empty when none)."""
    problems: list[str] = []
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return ["encrypted"]
    except Exception as e:
        return [f"unreadable: {e}"]
    with pdf:
        if pdf.is_encrypted:
            problems.append("encrypted")
        if "/ID" not in pdf.trailer:
            problems.append("trailer has no /ID")
        intents = pdf.Root.get("/OutputIntents")
        if not intents or not any("/DestOutputProfile" in oi for oi in intents):
            problems.append("missing output intent with an ICC profile")
        md = pdf.Root.get("/Metadata")
        if md is None:
            problems.append("missing XMP metadata")
        else:
            try:
                props = xmp_properties(md.read_bytes())
            except ET.ParseError as e:
                props = {}
                problems.append(f"XMP is not well-formed: {e}")
            if props.get(PDFAID + "part") not in ("1", "2", "3") or not props.get(PDFAID + "conformance"):
                problems.append("XMP lacks pdfaid part/conformance")
            if not props.get(XMPMM + "DocumentID"):
                problems.append("XMP lacks xmpMM:DocumentID")
        for n, page in enumerate(pdf.pages, 1):
            if page.obj.get("/Group") is not None and page.obj.Group.get("/S") == pikepdf.Name.Transparency:
                problems.append(f"page {n} has a transparency group")
            res = page.obj.get("/Resources", pikepdf.Dictionary())
            for _, xobj in (res.get("/XObject") or {}).items():
                if xobj.get("/SMask") is not None:
                    problems.append(f"page {n} image has a soft mask (transparency)")
            for _, gs in (res.get("/ExtGState") or {}).items():
                for key in ("/CA", "/ca"):
                    if key in gs and float(gs[key]) < 1.0:
                        problems.append(f"page {n} uses transparency ({key})")
            for name, font in (res.get("/Font") or {}).items():
                fonts = [font, *list(font.get("/DescendantFonts", []))]
                embedded = any(
                    f.get("/FontDescriptor") is not None
                    and any(k in f.FontDescriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                    for f in fonts
                )
                if not embedded:
                    problems.append(f"page {n} font {name} is not embedded")
        names = pdf.Root.get("/Names")
        if names is not None and "/JavaScript" in names:
            problems.append("contains JavaScript")
    return problems
