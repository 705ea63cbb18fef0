"""Separator sheets: what their QR code says, and the printable PDF (``sohoa sheets``).

A separator sheet is put on top of a paper in the scanner's feeder. In a scanned stack it starts a new document
and is itself dropped; its instruction applies to what follows:

=================================  ==========================================================================
QR code text                       meaning
=================================  ==========================================================================
``SOHOA-SEP/1 DOC``                a new document starts after this sheet
``SOHOA-SEP/1 DOC TYPE=GKS``       a new document of type GKS (the document-type catalogue's code)
``SOHOA-SEP/1 DOSSIER <code>``     a new dossier with this dossier code; the next document is its first
``SOHOA-SEP/1 END``                the end of the stack: the document ends, the dossier no longer applies
=================================  ==========================================================================

The sheet prints the same in Vietnamese for people, two copies of the QR code (top and bottom, so a fold or a
smudge on one leaves the other) and the code's text under each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from catalog.codes import validate_dossier_code
from catalog.errors import InvalidCode

PREFIX = "SOHOA-SEP/"
VERSION = "1"
Action = Literal["doc", "dossier", "end"]


class BadSheet(ValueError):
    """A code that says it is a separator sheet but whose instruction cannot be followed."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.en = en
        self.vi = vi


@dataclass(frozen=True, slots=True)
class Sheet:
    action: Action
    type_code: str | None = None
    dossier: str | None = None

    @property
    def payload(self) -> str:
        if self.action == "dossier":
            return f"{PREFIX}{VERSION} DOSSIER {self.dossier}"
        if self.action == "end":
            return f"{PREFIX}{VERSION} END"
        return f"{PREFIX}{VERSION} DOC" + (f" TYPE={self.type_code}" if self.type_code else "")

    def describe(self, type_name: str | None = None) -> tuple[str, str]:
        """(Vietnamese, English) headline printed on the sheet."""
        if self.action == "dossier":
            return f"HỒ SƠ MỚI: {self.dossier}", f"New dossier {self.dossier}"
        if self.action == "end":
            return "KẾT THÚC XẤP GIẤY", "End of stack"
        if self.type_code:
            name = f"{type_name} ({self.type_code})" if type_name else self.type_code
            return f"TÀI LIỆU MỚI: {name}", f"New document of type {self.type_code}"
        return "TÀI LIỆU MỚI", "New document"


def is_sheet_code(text: str) -> bool:
    return text.strip().upper().startswith(PREFIX)


def parse_sheet(text: str, known_type=None) -> Sheet:
    """The instruction of a separator sheet's code (``is_sheet_code`` must hold); BadSheet when it cannot be
    followed. ``known_type(code) -> bool`` checks a type code against the catalogue."""
    body = text.strip()
    version, _, rest = body[len(PREFIX) :].partition(" ")
    if version != VERSION:
        raise BadSheet(
            f"separator sheet of an unknown version {version!r}: print new sheets with `sohoa sheets`",
            f"tờ phân cách phiên bản lạ {version!r}: hãy in tờ mới bằng lệnh `sohoa sheets`",
        )
    words = rest.split()
    if not words:
        raise BadSheet("separator sheet without an instruction", "tờ phân cách không có lệnh")
    head = words[0].upper()
    if head == "END" and len(words) == 1:
        return Sheet("end")
    if head == "DOC" and len(words) == 1:
        return Sheet("doc")
    if head == "DOC" and len(words) == 2 and words[1].upper().startswith("TYPE="):
        code = words[1].split("=", 1)[1].upper()
        if not code or (known_type is not None and not known_type(code)):
            raise BadSheet(
                f"separator sheet names the document type {code!r}, which is not in the catalogue",
                f"tờ phân cách ghi loại giấy tờ {code!r} không có trong danh mục",
            )
        return Sheet("doc", type_code=code)
    if head == "DOSSIER" and len(words) == 2:
        try:
            return Sheet("dossier", dossier=validate_dossier_code(words[1]))
        except InvalidCode as e:
            raise BadSheet(f"separator sheet: {e}", f"tờ phân cách: {e.vi}") from e
    raise BadSheet(
        f"separator sheet with an instruction this version does not know: {rest[:60]!r}",
        f"tờ phân cách có lệnh không hiểu được: {rest[:60]!r}",
    )


# --- printing ---------------------------------------------------------------------------------------------
PAGE_DPI = 200
A4_PX = (round(8.27 * PAGE_DPI), round(11.69 * PAGE_DPI))
FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")


def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    path = FONT_DIR / ("LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:  # the font package is missing: still a usable sheet (the QR code is what counts)
        return ImageFont.load_default(size)


def qr_image(text: str, module_px: int):
    """A QR code (error correction level H: a quarter of it may be smudged) as a PIL image."""
    import numpy as np
    import zxingcpp
    from PIL import Image

    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="H")
    arr = np.array(zxingcpp.write_barcode_to_image(code, scale=module_px, add_quiet_zones=True))
    return Image.fromarray(arr.astype("uint8"), "L")


def code128_image(text: str, module_px: int, height_px: int):
    import numpy as np
    import zxingcpp
    from PIL import Image

    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128)
    arr = np.array(zxingcpp.write_barcode_to_image(code, scale=module_px, add_quiet_zones=True))
    im = Image.fromarray(arr.astype("uint8"), "L")
    return im.resize((im.width, height_px), Image.NEAREST)


def _centered(draw, y: int, text: str, font, width: int) -> int:
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(((width - (box[2] - box[0])) // 2, y), text, font=font, fill=0)
    return y + (box[3] - box[1]) + font.size // 2


def render_sheet(sheet: Sheet, type_name: str | None = None):
    """One A4 separator sheet as a PIL image at ``PAGE_DPI``."""
    from PIL import Image, ImageDraw

    w, h = A4_PX
    page = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(page)
    vi, en = sheet.describe(type_name)
    qr = qr_image(sheet.payload, 12)
    y = 110
    page.paste(qr, ((w - qr.width) // 2, y))
    y += qr.height + 10
    y = _centered(draw, y, sheet.payload, _font(30), w)
    y += 60
    y = _centered(draw, y, "TỜ PHÂN CÁCH — KHÔNG SỐ HÓA", _font(58, True), w)
    y = _centered(draw, y, vi, _font(64 if len(vi) < 30 else 44, True), w)
    y = _centered(draw, y, f"Separator sheet — {en}", _font(36), w)
    y += 30
    for line in (
        "Đặt tờ này ngay trước tài liệu. Tờ này bị bỏ khỏi bản số hóa; có thể dùng lại.",
        "Put this sheet right before the document. It is dropped from the digitized copy; reuse it.",
    ):
        y = _centered(draw, y, line, _font(28), w)
    qr2 = qr_image(sheet.payload, 10)
    page.paste(qr2, ((w - qr2.width) // 2, h - qr2.height - 110))
    return page


def write_sheets(path: Path, sheets: list[tuple[Sheet, str | None]]) -> Path:
    """A PDF with one page per sheet (``(sheet, type name)``), to print single-sided at 100 % scale."""
    pages = [render_sheet(s, name).convert("RGB") for s, name in sheets]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    pages[0].save(tmp, "PDF", save_all=True, append_images=pages[1:], resolution=float(PAGE_DPI))
    tmp.replace(path)
    return path
