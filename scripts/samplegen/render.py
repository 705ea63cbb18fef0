"""Draw a paper onto an A4 page (or a card photocopied on A4) at a given resolution."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont

from scripts.samplegen.layouts import Row
from scripts.samplegen.papers import Paper

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
REGULAR = FONT_DIR / "LiberationSerif-Regular.ttf"
BOLD = FONT_DIR / "LiberationSerif-Bold.ttf"
SANS = FONT_DIR / "LiberationSans-Regular.ttf"
ITALIC = FONT_DIR / "LiberationSerif-Italic.ttf"
A4_IN = (8.27, 11.69)
INK = (25, 25, 30)
SEAL_RED = (215, 35, 40)
SIGN_BLUE = (30, 50, 170)


class Canvas:
    def __init__(self, dpi: int, paper_tint: tuple[int, int, int] = (255, 255, 255)) -> None:
        self.dpi = dpi
        self.w, self.h = round(A4_IN[0] * dpi), round(A4_IN[1] * dpi)
        self.img = Image.new("RGB", (self.w, self.h), paper_tint)
        self.draw = ImageDraw.Draw(self.img)
        self._fonts: dict[tuple[Path, float], ImageFont.FreeTypeFont] = {}

    def pt(self, points: float) -> int:
        return round(points * self.dpi / 72)

    def font(self, path: Path, size_pt: float) -> ImageFont.FreeTypeFont:
        key = (path, size_pt)
        if key not in self._fonts:
            self._fonts[key] = ImageFont.truetype(str(path), self.pt(size_pt))
        return self._fonts[key]

    def text(
        self,
        x: float,
        y: float,
        s: str,
        font: ImageFont.FreeTypeFont,
        anchor: str = "la",
        fill=INK,
        underline: bool = False,
    ) -> None:
        self.draw.text((x, y), s, font=font, fill=fill, anchor=anchor)
        if underline:
            left, _top, right, b = self.draw.textbbox((x, y), s, font=font, anchor=anchor)
            cx, half = (left + right) / 2, (right - left) * 0.35
            self.draw.line(
                [(cx - half, b + self.pt(3)), (cx + half, b + self.pt(3))], fill=fill, width=max(1, self.pt(0.8))
            )


def _seal(canvas: Canvas, cx: float, cy: float, text: str, rng: random.Random) -> None:
    """A red round seal: two rings, text around, a star; drawn as translucent ink over what is below."""
    r = canvas.pt(rng.uniform(52, 60))
    layer = Image.new("L", canvas.img.size, 0)
    d = ImageDraw.Draw(layer)
    w = max(2, canvas.pt(2.2))
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255, width=w)
    d.ellipse([cx - r * 0.68, cy - r * 0.68, cx + r * 0.68, cy + r * 0.68], outline=255, width=max(1, w // 2))
    font = canvas.font(BOLD, 9)
    label = f" {text} *"
    step = 2 * math.pi / max(len(label), 1)
    for i, ch in enumerate(label):
        ang = -math.pi / 2 + i * step
        x = cx + math.cos(ang) * r * 0.84
        y = cy + math.sin(ang) * r * 0.84
        glyph = Image.new("L", (canvas.pt(14), canvas.pt(14)), 0)
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(ang) - 90, resample=Image.BICUBIC)
        layer.paste(255, (round(x - glyph.width / 2), round(y - glyph.height / 2)), glyph)
    star_r = r * 0.3
    pts = []
    for k in range(10):
        rad = star_r if k % 2 == 0 else star_r * 0.42
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((cx + math.cos(a) * rad, cy + math.sin(a) * rad))
    d.polygon(pts, fill=255)
    # ink is uneven: thin it out randomly (seeded, so the same seed gives the same seal)
    nprng = np.random.default_rng(rng.randrange(2**32))
    noise = np.where(nprng.random((canvas.img.height, canvas.img.width)) > 0.3, 255, 120).astype(np.uint8)
    layer = ImageChops.multiply(layer, Image.fromarray(noise, "L"))
    red = Image.new("RGB", canvas.img.size, SEAL_RED)
    ink = Image.composite(red, Image.new("RGB", canvas.img.size, (255, 255, 255)), layer)
    canvas.img = ImageChops.multiply(canvas.img, ink)
    canvas.draw = ImageDraw.Draw(canvas.img)


def _signature(canvas: Canvas, cx: float, cy: float, rng: random.Random) -> None:
    pts = []
    x = cx - canvas.pt(40)
    for _ in range(14):
        x += canvas.pt(rng.uniform(3, 9))
        pts.append((x, cy + canvas.pt(rng.uniform(-12, 12))))
    canvas.draw.line(pts, fill=SIGN_BLUE, width=max(2, canvas.pt(1.3)), joint="curve")


def _rules(c: Canvas, row: Row, x0: float, body_w: float, y: float, top: bool) -> None:
    """A ruled table row: a line above it (unless it carries on the previous row) and the column lines."""
    lw = max(1, c.pt(0.6))
    y0, y1 = y - c.pt(4), y + c.pt(18)
    if top:
        c.draw.line([(x0 - c.pt(4), y0), (x0 + body_w, y0)], fill=INK, width=lw)
    for frac in (*(row.columns or tuple(f for f, _ in row.cells)), 1.0):
        x = x0 + frac * body_w - (c.pt(4) if frac < 1.0 else 0)
        c.draw.line([(x, y0), (x, y1)], fill=INK, width=lw)


def render_paper(paper: Paper, dpi: int, rng: random.Random) -> list[Image.Image]:
    if paper.card:
        return [_render_card(paper, dpi, rng)]
    c = Canvas(dpi)
    left_cx, right_cx = c.w * 0.27, c.w * 0.68
    y = c.pt(48)
    bold12, bold13 = c.font(BOLD, 12), c.font(BOLD, 13)
    reg13, ital13 = c.font(SANS if paper.font == "sans" else REGULAR, 13), c.font(ITALIC, 13)
    if paper.header_left:
        for i, line in enumerate(paper.header_left):
            last = i == len(paper.header_left) - 1
            c.text(left_cx, y + i * c.pt(17), line, bold12, anchor="ma", underline=last)
        for i, line in enumerate(paper.motto[:2]):
            c.text(right_cx, y + i * c.pt(17), line, bold12 if i == 0 else bold13, anchor="ma", underline=i == 1)
        y += c.pt(17) * max(len(paper.header_left), 2) + c.pt(10)
    else:
        for i, line in enumerate(paper.motto[:2]):
            c.text(c.w / 2, y + i * c.pt(17), line, bold12 if i == 0 else bold13, anchor="ma", underline=i == 1)
        y += c.pt(17) * 2 + c.pt(10)
    if paper.number_line:
        c.text(left_cx, y, paper.number_line, reg13, anchor="ma")
        y += c.pt(20)
    y += c.pt(22)
    for line in paper.title:
        c.text(c.w / 2, y, line, c.font(BOLD, 16), anchor="ma")
        y += c.pt(24)
    y += c.pt(14)
    x0 = c.pt(62)
    body_w = c.w - 2 * x0
    ruled_top: float | None = None
    seal_at: tuple[float, float] | None = None
    for i, line in enumerate(paper.body):
        if isinstance(line, Row):
            if line.ruled:
                _rules(c, line, x0, body_w, y, top=ruled_top is None or not line.continued)
                ruled_top = y
            for frac, text in line.cells:
                c.text(x0 + frac * body_w + (c.pt(4) if line.ruled else 0), y, text, reg13)
        else:
            c.text(x0, y, line, reg13)
        nxt = paper.body[i + 1] if i + 1 < len(paper.body) else None
        if ruled_top is not None and not (isinstance(nxt, Row) and nxt.ruled):
            c.draw.line([(x0 - c.pt(4), y + c.pt(18)), (x0 + body_w, y + c.pt(18))], fill=INK, width=max(1, c.pt(0.6)))
            ruled_top = None
        if paper.seal_on_line is not None and i == paper.seal_on_line:
            text = line.text if isinstance(line, Row) else line
            seal_at = (x0 + reg13.getlength(text) - c.pt(10), y + c.pt(8))
        y += c.pt(22)
    y += c.pt(20)
    sig_cx = c.w * 0.68
    if paper.place_date:
        c.text(sig_cx, y, paper.place_date, ital13, anchor="ma")
        y += c.pt(22)
    for line in paper.signer_title:
        c.text(sig_cx, y, line, bold13, anchor="ma")
        y += c.pt(18)
    y_sig = y + c.pt(40)
    name_y = y + c.pt(86)
    if paper.signer_name:
        _signature(c, sig_cx, y_sig, rng)
        c.text(sig_cx, name_y, paper.signer_name, bold13, anchor="ma")
    if paper.seal_text:
        _seal(c, sig_cx - c.pt(rng.uniform(28, 48)), y_sig + c.pt(rng.uniform(4, 16)), paper.seal_text, rng)
    if seal_at is not None:  # a second stamp over the end of a body line
        _seal(c, seal_at[0] + c.pt(30), seal_at[1], paper.seal_text or "ĐÃ ĐỐI CHIẾU", rng)
    pages = [c.img]
    for extra in paper.extra_pages:
        c2 = Canvas(dpi)
        y = c2.pt(70)
        for line in extra:
            c2.text(c2.pt(62), y, line, c2.font(REGULAR, 13))
            y += c2.pt(24)
        pages.append(c2.img)
    return pages


def _render_card(paper: Paper, dpi: int, rng: random.Random) -> Image.Image:
    """A citizen identity card, front side, photocopied enlarged (x1.8) onto A4."""
    c = Canvas(dpi)
    scale = 1.8
    cw, ch = c.pt(242.6 * scale), c.pt(153 * scale)  # 85.6 x 54 mm
    x0, y0 = (c.w - cw) // 2, c.pt(90)
    c.draw.rounded_rectangle(
        [x0, y0, x0 + cw, y0 + ch], radius=c.pt(12), outline=(90, 90, 90), width=max(1, c.pt(1)), fill=(244, 246, 250)
    )
    small, smallb = c.font(SANS if paper.font == "sans" else REGULAR, 6.2 * scale), c.font(BOLD, 6.2 * scale)
    cx = x0 + cw * 0.6
    y = y0 + c.pt(8 * scale)
    for i, line in enumerate(paper.motto):
        c.text(cx, y, line, smallb if i % 2 == 0 else small, anchor="ma")
        y += c.pt(8 * scale)
    y += c.pt(3 * scale)
    c.text(cx, y, paper.title[0], c.font(BOLD, 8.5 * scale), anchor="ma", fill=(170, 20, 20))
    y += c.pt(10 * scale)
    c.text(cx, y, paper.title[1], small, anchor="ma")
    # photo
    px0, py0 = x0 + c.pt(12 * scale), y0 + c.pt(62 * scale)
    c.draw.rectangle([px0, py0, px0 + c.pt(55 * scale), py0 + c.pt(72 * scale)], fill=(205, 210, 220))
    c.draw.ellipse(
        [px0 + c.pt(15 * scale), py0 + c.pt(12 * scale), px0 + c.pt(40 * scale), py0 + c.pt(40 * scale)],
        fill=(150, 150, 160),
    )
    tx = x0 + c.pt(76 * scale)
    y += c.pt(13 * scale)
    # nothing past the card's edge (``papers.fit_card_lines`` put long values under their labels): the lines
    # close up to stay on the card, and a line still too wide (a long bilingual label) is set smaller
    step = min(c.pt(8.4 * scale), (y0 + ch - c.pt(9 * scale) - y) / max(1, len(paper.body) - 1))
    right = x0 + cw - c.pt(6 * scale)
    for line in paper.body:
        if isinstance(line, Row):
            line = "  " + line.text
        f = smallb if line.isupper() else small
        width = c.draw.textlength(line, font=f)
        if tx + width > right:
            path = BOLD if line.isupper() else (SANS if paper.font == "sans" else REGULAR)
            f = c.font(path, 6.2 * scale * (right - tx) / width)
        c.text(tx, y, line, f)
        y += step
    return c.img
