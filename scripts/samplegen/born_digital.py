"""Born-digital PDFs: pages whose text is in the file (a text layer), as an e-extract or an e-certificate is.

Each page is drawn as an image (what a reader sees) and carries the same words as text in the file, at the
same places. The text can be written in Unicode, as a modern issuer writes it, or in a legacy Vietnamese
encoding (TCVN3 / VNI fonts): then the page still looks right but its text extracts as garbage, which is what
sohoa must detect and OCR instead. A page may also be an image with no text at all (a scan inside a born-digital
file). Deterministic: no clock, no randomness.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
A4_IN = (8.27, 11.69)
Encoding = Literal["unicode", "tcvn3", "vni", "none"]

# TCVN3 (ABC) code points of the lower-case letters, read back as Windows-1252 by an extractor that does not
# know the font: "Cộng hòa" → "Céng hßa".
_TCVN3 = dict(
    zip(
        "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ",
        "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ¡¢§£¤¥¦",
        strict=True,
    )
)
# VNI: a base letter followed by a mark character ("ộ" → "oä", "ư" → "ö").
_VNI_TONE = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_HAT_TONE = {"\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä", "": "â"}
_VNI_BREVE_TONE = {"\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë", "": "ê"}


def tcvn3(text: str) -> str:
    """How Unicode Vietnamese text reads when it was typed in a TCVN3 font (upper-case letters with a tone take
    the lower-case code, as in the .VnTime fonts)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        out.append(_TCVN3.get(ch) or _TCVN3.get(ch.lower(), ch) if ord(ch) > 127 else ch)
    return "".join(out)


def vni(text: str) -> str:
    """How Unicode Vietnamese text reads when it was typed in a VNI font."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "đĐ":
            out.append("ñ" if ch == "đ" else "Ñ")
            continue
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], parts[1:]
        if not marks:
            out.append(ch)
            continue
        tone = next((m for m in marks if m in _VNI_TONE), "")
        if "\u031b" in marks:  # horn: ơ ư are letters of their own in VNI
            out.append(("ô" if base in "oO" else "ö") + _VNI_TONE.get(tone, ""))
        elif "\u0302" in marks:
            out.append(base + _VNI_HAT_TONE[tone])
        elif "\u0306" in marks:
            out.append(base + _VNI_BREVE_TONE[tone])
        else:
            out.append(base + _VNI_TONE.get(tone, ""))
    return "".join(out)


ENCODERS = {"unicode": lambda s: s, "tcvn3": tcvn3, "vni": vni}


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    left: int
    top: int
    width: int
    height: int


def page_image(lines: list[str], dpi: int = 200, size_pt: float = 12.0) -> tuple[Image.Image, list[_Word]]:
    """The page as a reader sees it, and its words with their boxes in pixels."""
    w, h = round(A4_IN[0] * dpi), round(A4_IN[1] * dpi)
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), round(size_pt * dpi / 72))
    margin, y = round(0.9 * dpi), round(0.9 * dpi)
    pitch = round(size_pt * 1.9 * dpi / 72)
    space = font.getlength(" ")
    words: list[_Word] = []
    for line in lines:
        x = float(margin)
        for token in line.split():
            draw.text((x, y), token, font=font, fill=(20, 20, 25))
            left, top, right, bottom = draw.textbbox((x, y), token, font=font)
            words.append(
                _Word(token, round(left), round(top), max(1, round(right - left)), max(1, round(bottom - top)))
            )
            x += font.getlength(token) + space
        y += pitch
    return img, words


def vector_pdf(pages: list[list[str]], size_pt: float = 12.0) -> bytes:
    """A born-digital PDF as a word processor writes it: the text drawn as text (vectors, an embedded subset
    font, Unicode map), no image at all."""
    import pikepdf

    from signing.config import LIBERATION_SERIF
    from signing.textfont import TextFont, compact_font

    pdf = pikepdf.new()
    font = TextFont(compact_font(LIBERATION_SERIF))
    w_pt, h_pt = A4_IN[0] * 72, A4_IN[1] * 72
    streams = []
    for lines in pages:
        ops = [b"BT", b"0 Tr", b"0.08 0.08 0.1 rg"]
        y = h_pt - 0.9 * 72 - size_pt
        for line in lines:
            encoded, _ = font.encode(line)
            ops.append(f"/F1 {size_pt:.1f} Tf 1 0 0 1 {0.9 * 72:.2f} {y:.2f} Tm".encode())
            ops.append(b"<" + encoded.hex().encode() + b"> Tj")
            y -= size_pt * 1.9
        ops.append(b"ET")
        streams.append(b"\n".join(ops))
    font_obj = font.pdf_font(pdf)
    for stream in streams:
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=[0, 0, round(w_pt, 3), round(h_pt, 3)],
                    Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font_obj)),
                    Contents=pdf.make_stream(stream),
                )
            )
        )
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True)
    return buf.getvalue()


def born_digital_pdf(pages: list[list[str]], encodings: list[Encoding] | Encoding = "unicode", dpi: int = 200) -> bytes:
    """A PDF of ``pages`` (lines of text each), each drawn as an image with its text layer, invisible, in its
    encoding (``none``: a scan, no text at all). :func:`vector_pdf` draws the text itself instead."""
    from signing.config import LIBERATION_SERIF
    from signing.pdfa import PdfMetadata, PdfPage, build_pdfa

    encs = [encodings] * len(pages) if isinstance(encodings, str) else list(encodings)
    out = []
    for lines, enc in zip(pages, encs, strict=True):
        img, words = page_image(lines, dpi)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        layer = [] if enc == "none" else [_Word(ENCODERS[enc](w.text), w.left, w.top, w.width, w.height) for w in words]
        out.append(PdfPage(buf.getvalue(), img.width, img.height, dpi, layer))
    meta = PdfMetadata(
        title="Bản điện tử", doc_code="", creator="sohoa samples", created=datetime(2026, 1, 1, tzinfo=UTC)
    )
    return build_pdfa(out, meta, LIBERATION_SERIF)
