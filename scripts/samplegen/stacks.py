"""Scanned stacks as a document feeder makes them, with their truth: which pages make which document.

A stack holds 20-60 pages: papers of the sample generator, reception receipts (the one-stop system's "Giấy tiếp
nhận hồ sơ và hẹn trả kết quả" with its dossier code as a QR code, a Code 128, or printed only), separator
sheets (``pipeline.sheets``) or, at sites without sheets, runs of blank pages; scanned duplex (blank backs with
dust and show-through) at 200-300 dpi with skew and noise; some codes printed small or partly smudged.

Two families: ``tuned`` (what the detectors were tuned on) and ``held_out`` (other receipt layout, smaller and
more smudged codes, stronger skew and noise, TIFF as well as PDF), measured only.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from scripts.samplegen.degrade import Damage, apply
from scripts.samplegen.papers import make_paper
from scripts.samplegen.render import render_paper

FONTS = Path("/usr/share/fonts/truetype/liberation2")
TYPES = ("GKS", "GCNKH", "XNCT", "LLTP", "TLKT", "GCNDKDN", "BTNTHPT")


@dataclass
class TruthDoc:
    pages: list[int]
    dossier: str | None = None
    type_code: str | None = None
    receipt: bool = False
    code_readable: bool = True
    """For a receipt: whether its code was printed readably (a smudge that destroys it is a clerk's case)."""
    style: str = ""
    """For a receipt: ``qr``, ``code128`` or ``text`` (printed only)."""


@dataclass
class Stack:
    pages: list[Image.Image]
    dpi: int
    mode: str = ""
    docs: list[TruthDoc] = field(default_factory=list)
    content: list[int] = field(default_factory=list)
    """Pages that carry a paper's content: each must be in exactly one document."""

    def save(self, path: Path, fmt: str = "pdf") -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        rgb = [p.convert("RGB") for p in self.pages]
        if fmt == "tiff":
            rgb[0].save(path, "TIFF", save_all=True, append_images=rgb[1:], compression="jpeg", dpi=(self.dpi,) * 2)
        else:
            rgb[0].save(path, "PDF", save_all=True, append_images=rgb[1:], resolution=float(self.dpi), quality=80)
        return path


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(FONTS / ("LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf")), size
    )


def dossier_code(rng: random.Random) -> str:
    d = date(2026, 1, 1) + timedelta(days=rng.randrange(330))
    return f"000.00.{rng.randrange(1, 40):02d}.H42-{d:%y%m%d}-{rng.randrange(1, 9999):04d}"


def _a4(dpi: int) -> Image.Image:
    return Image.new("RGB", (round(8.27 * dpi), round(11.69 * dpi)), (255, 255, 255))


def _paste_code(page: Image.Image, code_img: Image.Image, xy: tuple[int, int]) -> None:
    page.paste(code_img.convert("RGB"), xy)


def _smudge(page: Image.Image, box: tuple[int, int, int, int], rng: random.Random, amount: float) -> None:
    """Ink blots and a wipe over part of a code (``amount``: share of its area touched)."""
    d = ImageDraw.Draw(page)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    for _ in range(int(6 * amount * 10)):
        r = min(rng.uniform(0.02, 0.06) * w, 0.5 * h)
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        grey = rng.choice([(90, 90, 90), (200, 200, 200), (255, 255, 255)])
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=grey)
    if amount > 0.15:  # a wipe across one side
        d.rectangle((x0, y0 + h * 0.7, x0 + w * amount, y1), fill=(235, 235, 235))


def _qr(text: str, module: int) -> Image.Image:
    from pipeline.sheets import qr_image

    return qr_image(text, module)


def _code128(text: str, module: int, height: int) -> Image.Image:
    from pipeline.sheets import code128_image

    return code128_image(text, module, height)


def receipt_page(code: str, dpi: int, rng: random.Random, style: str, held_out: bool) -> tuple[Image.Image, bool]:
    """A reception receipt carrying ``code``; ``style``: ``qr``, ``code128`` or ``text``. Returns the page and
    whether its code stays readable."""
    page = _a4(dpi)
    d = ImageDraw.Draw(page)
    pt = dpi / 72
    f = lambda s, b=False: _font(round(s * pt), b)  # noqa: E731
    w = page.width
    y = round(40 * pt)
    agency = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" if not held_out else "UBND XÃ GIA VIỄN — BỘ PHẬN MỘT CỬA"
    d.text((round(50 * pt), y), "UBND TỈNH NINH BÌNH", font=f(11, True), fill=0)
    d.text((round(50 * pt), y + round(15 * pt)), agency, font=f(11, True), fill=0)
    d.text((w - round(300 * pt), y), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=f(11, True), fill=0)
    d.text((w - round(260 * pt), y + round(15 * pt)), "Độc lập - Tự do - Hạnh phúc", font=f(12, True), fill=0)
    y += round(60 * pt)
    title = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    box = d.textbbox((0, 0), title, font=f(15, True))
    d.text(((w - box[2]) // 2, y), title, font=f(15, True), fill=0)
    y += round(30 * pt)
    label = "Mã hồ sơ: " if not held_out else "Số hồ sơ (Mã hồ sơ): "
    d.text((round(70 * pt), y), label + code, font=f(13, True), fill=0)
    y += round(26 * pt)
    lines = [
        "Trung tâm Phục vụ hành chính công tiếp nhận hồ sơ của: Ông/Bà ...................",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
        "Thành phần hồ sơ nộp gồm: Tờ khai; Giấy chứng sinh; Giấy tờ tùy thân",
        "Thời gian giải quyết hồ sơ theo quy định: 03 ngày làm việc",
        "Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 15 tháng 05 năm 2026",
        "Thời gian trả kết quả: 14 giờ 00 phút, ngày 18 tháng 05 năm 2026",
        "Đăng ký nhận kết quả tại: Bộ phận Một cửa",
    ]
    for line in lines:
        d.text((round(70 * pt), y), line, font=f(12), fill=0)
        y += round(20 * pt)
    readable = True
    if style != "text":
        small = rng.random() < (0.45 if held_out else 0.3)
        if style == "qr":
            module = max(2, round((0.35 if small else 0.6) * dpi / 25.4)) if not held_out or not small else 3
            img = _qr(code, module)
            xy = (w - img.width - round(40 * pt), round(95 * pt)) if not held_out else (round(60 * pt), y + 10)
        else:
            module = max(2, round((0.25 if small else 0.38) * dpi / 25.4))
            img = _code128(code, module, round(40 * pt))
            xy = ((w - img.width) // 2, y + round(10 * pt))
        _paste_code(page, img, xy)
        smudge = rng.random() < (0.3 if held_out else 0.2)
        if smudge:
            amount = rng.uniform(0.05, 0.2)
            if style == "qr":
                _smudge(page, (xy[0], xy[1], xy[0] + img.width, xy[1] + img.height), rng, amount)
            else:  # a barcode has no error correction: a blot over part of its height leaves lines to read
                top = rng.random() < 0.5
                h = img.height * 0.4
                y0 = xy[1] if top else xy[1] + img.height - h
                _smudge(page, (xy[0], int(y0), xy[0] + img.width, int(y0 + h)), rng, amount)
    d.text((w - round(250 * pt), round(700 * pt)), "NGƯỜI TIẾP NHẬN", font=f(12, True), fill=0)
    return page, readable


def sheet_page(payload_sheet, dpi: int, rng: random.Random, small: bool, smudged: bool) -> Image.Image:
    from pipeline.sheets import render_sheet

    im = render_sheet(payload_sheet).convert("RGB")
    if small:  # printed at 70 % ("fit to page" on the office printer)
        shrunk = im.resize((round(im.width * 0.7), round(im.height * 0.7)), Image.LANCZOS)
        im = Image.new("RGB", im.size, (255, 255, 255))
        im.paste(shrunk, ((im.width - shrunk.width) // 2, (im.height - shrunk.height) // 2))
    im = im.resize((round(8.27 * dpi), round(11.69 * dpi)), Image.LANCZOS)
    if smudged:  # one of its two codes blotted
        top = rng.random() < 0.5
        h = im.height
        box = (
            (im.width // 3, 0, im.width * 2 // 3, h // 3) if top else (im.width // 3, h * 2 // 3, im.width * 2 // 3, h)
        )
        _smudge(im, box, rng, 0.25)
    return im


def blank_back(front: Image.Image | None, dpi: int, rng: random.Random) -> Image.Image:
    """The back of a one-sided sheet: dust, a little show-through of the front, the feeder's edge shadow."""
    page = _a4(dpi)
    a = np.asarray(page).astype(np.float32)
    if front is not None and rng.random() < 0.6:
        ghost = np.asarray(front.convert("L").resize(page.size).transpose(Image.FLIP_LEFT_RIGHT)).astype(np.float32)
        a -= ((255 - ghost) * rng.uniform(0.03, 0.08))[:, :, None]
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(out)
    for _ in range(rng.randrange(0, 12)):  # dust
        x, y, r = rng.uniform(0, out.width), rng.uniform(0, out.height), rng.uniform(0.5, 2.0)
        d.ellipse((x - r, y - r, x + r, y + r), fill=(70, 70, 70))
    return out


def make_stack(rng: random.Random, family: str = "tuned", mode: str | None = None) -> Stack:
    """One stack. ``mode``: ``sheets`` (separator sheets), ``receipts`` (receipt covers and sheets) or
    ``blank_run`` (no sheets: two blank sheets between documents); None: drawn."""
    from pipeline.sheets import Sheet

    held_out = family == "held_out"
    dpi = rng.choice([200, 240, 300])
    mode = mode or rng.choice(["sheets", "receipts", "receipts", "blank_run"])
    stack = Stack([], dpi, mode)
    target = rng.randrange(20, 61)
    duplex = rng.random() < 0.7
    dossier: str | None = None
    level_skew = (-4, 4) if held_out else (-2.5, 2.5)

    def feed(img: Image.Image, content: bool, back: bool = True) -> int:
        dmg = Damage(
            "mild",
            skew=rng.uniform(*level_skew),
            noise=rng.uniform(3, 9 if held_out else 7),
            blur=rng.uniform(0, 0.8 if held_out else 0.6),
            shadow=rng.uniform(0.0, 0.12),
            jpeg_quality=rng.choice([70, 80, 90]),
        )
        n = len(stack.pages)
        stack.pages.append(apply(img, dmg, rng))
        if content:
            stack.content.append(n)
        if duplex and back:
            stack.pages.append(apply(blank_back(img, dpi, rng), Damage("mild", noise=rng.uniform(2, 6)), rng))
        return n

    while len(stack.pages) < target:
        # what starts the next document
        pending_type = None
        if mode == "receipts" and rng.random() < 0.45:
            dossier = dossier_code(rng)
            style = rng.choice(
                ["qr", "qr", "code128", "text"] if not held_out else ["qr", "code128", "code128", "text"]
            )
            page, readable = receipt_page(dossier, dpi, rng, style, held_out)
            n = feed(page, True)
            stack.docs.append(TruthDoc([n], dossier, None, True, readable, style))
        elif stack.docs or stack.content:
            if mode == "blank_run":
                for _ in range(2):  # two blank sheets: four blank pages in duplex, two in simplex
                    stack.pages.append(apply(blank_back(None, dpi, rng), Damage("mild", noise=3), rng))
                    if duplex:
                        stack.pages.append(apply(blank_back(None, dpi, rng), Damage("mild", noise=3), rng))
            else:
                typed = rng.random() < 0.4
                pending_type = rng.choice(TYPES) if typed else None
                small = rng.random() < (0.4 if held_out else 0.25)
                smudged = rng.random() < (0.3 if held_out else 0.15)
                feed(sheet_page(Sheet("doc", type_code=pending_type), dpi, rng, small, smudged), False)
        # the document itself: one to three sheets of a paper
        code = rng.choice(TYPES)
        paper = make_paper(code, rng, "random")
        pages = render_paper(paper, dpi, rng)
        extra = rng.randrange(0, 3)
        doc_pages = []
        for k in range(1 + extra):
            src = pages[k % len(pages)]
            doc_pages.append(feed(src, True))
        stack.docs.append(TruthDoc(doc_pages, dossier, pending_type))
    return stack


def stack_bytes(stack: Stack, fmt: str = "pdf") -> bytes:
    buf = io.BytesIO()
    rgb = [p.convert("RGB") for p in stack.pages]
    if fmt == "tiff":
        rgb[0].save(buf, "TIFF", save_all=True, append_images=rgb[1:], compression="jpeg", dpi=(stack.dpi,) * 2)
    else:
        rgb[0].save(buf, "PDF", save_all=True, append_images=rgb[1:], resolution=float(stack.dpi), quality=80)
    return buf.getvalue()


def demo_stack(rng: random.Random, dpi: int = 200) -> tuple[Stack, str]:
    """A short stack for the demo and the tests: a reception receipt (QR code) with its blank back, a birth
    certificate, a separator sheet "new document of type XNCT", a residence confirmation with its blank back, and
    an "end of stack" sheet: three documents in one dossier. Returns the stack and its dossier code."""
    from pipeline.sheets import Sheet

    code = dossier_code(rng)
    stack = Stack([], dpi, "receipts")
    light = Damage("mild", skew=0.8, noise=3, jpeg_quality=90)

    def add(img: Image.Image, content: bool) -> int:
        stack.pages.append(apply(img, light, rng))
        if content:
            stack.content.append(len(stack.pages) - 1)
        return len(stack.pages) - 1

    receipt, _ = receipt_page(code, dpi, random.Random(1), "qr", False)
    r = add(receipt, True)
    add(blank_back(receipt, dpi, rng), False)
    gks = add(render_paper(make_paper("GKS", rng), dpi, rng)[0], True)
    add(sheet_page(Sheet("doc", type_code="XNCT"), dpi, rng, False, False), False)
    xnct = add(render_paper(make_paper("XNCT", rng), dpi, rng)[0], True)
    add(blank_back(None, dpi, rng), False)
    add(sheet_page(Sheet("end"), dpi, rng, False, False), False)
    stack.docs = [TruthDoc([r], code, None, True, True, "qr"), TruthDoc([gks], code), TruthDoc([xnct], code, "XNCT")]
    return stack, code
