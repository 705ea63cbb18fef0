"""Captures as a one-stop counter really receives them, made from a rendered paper. Deterministic by seed.

Kinds (``KINDS``; ``HELD_OUT_KINDS`` are never looked at while tuning, figures are reported on them):

``photo``         a phone photo of the page lying on a desk: perspective, background around the page, light
                  falling off across it, camera blur and noise, held upright or sideways; JPEG without any
                  resolution (as phones write it: 72 dpi or none)
``small``         the page sent by e-mail or through the portal: shrunk to 1,000-1,300 pixels, JPEG, no resolution
``gray16``        a 16-bit greyscale PNG from an archival scanner (300 dpi)
``bilevel``       a 1-bit CCITT G4 TIFF from a document feeder (300 dpi)
``restricted``    a scanned PDF with an owner password (printing and copying restricted; opens without one)
held out:
``photo-dark``    a photo on a dark cloth under warm, dim light, held sideways or upside down, the sideways
                  hold written as an EXIF orientation tag
``screenshot``    a screenshot of the page (PNG, 96 dpi written by the screen), 900-1,100 pixels wide
``gray16-tiff``   a 16-bit greyscale TIFF (300 dpi) of a page on greyish paper
``bilevel-pdf``   a 1-bit page in a PDF (CCITT G4, 300 dpi), as feeders scan to PDF
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pikepdf
from PIL import Image

KINDS = ("photo", "small", "gray16", "bilevel", "restricted")
HELD_OUT_KINDS = ("photo-dark", "screenshot", "gray16-tiff", "bilevel-pdf")
RENDER_DPI = {
    "photo": 200,
    "photo-dark": 200,
    "small": 200,
    "screenshot": 200,
    "gray16": 300,
    "gray16-tiff": 300,
    "bilevel": 300,
    "bilevel-pdf": 300,
    "restricted": 200,
}
EXT = {
    "photo": ".jpg",
    "photo-dark": ".jpg",
    "small": ".jpg",
    "screenshot": ".png",
    "gray16": ".png",
    "gray16-tiff": ".tif",
    "bilevel": ".tif",
    "bilevel-pdf": ".pdf",
    "restricted": ".pdf",
}


@dataclass
class Capture:
    kind: str
    data: bytes
    ext: str
    corners: list[list[float]] | None = None
    """Where the page's corners lie in the photo (TL, TR, BR, BL, pixels), for photos."""
    hold: int = 0
    """Clockwise rotation of the photo relative to the upright page (how the phone was held)."""
    notes: dict = field(default_factory=dict)


def _jpeg(a: np.ndarray, quality: int, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    im = Image.fromarray(a)
    if exif is not None:
        im.save(buf, "JPEG", quality=quality, exif=exif)
    else:
        im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _desk(h: int, w: int, rng: random.Random, dark: bool) -> np.ndarray:
    nprng = np.random.default_rng(rng.randrange(2**32))
    if dark:
        base = np.array(rng.choice([(40, 38, 45), (30, 45, 70), (55, 40, 35)]), np.float32)
    else:
        base = np.array(rng.choice([(150, 110, 75), (120, 120, 125), (170, 140, 100), (95, 105, 90)]), np.float32)
    # wood grain / cloth: low-frequency streaks and fine noise
    streak = cv2.resize(nprng.normal(0, 1, (h // 40 + 1, 4)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    fine = cv2.GaussianBlur(nprng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.5)
    a = base[None, None, :] * (1 + 0.08 * streak[:, :, None]) + 6 * fine[:, :, None]
    return np.clip(a, 0, 255)


def _light(h: int, w: int, rng: random.Random, strength: float) -> np.ndarray:
    """Light falling off across the frame from a side, with a vignette: a factor per pixel."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * (xx / w - 0.5) + np.sin(angle) * (yy / h - 0.5)) + 0.5
    vignette = ((xx / w - 0.5) ** 2 + (yy / h - 0.5) ** 2) * 2
    return (1.0 - strength * np.clip(ramp, 0, 1) - 0.25 * strength * vignette).astype(np.float32)


def photo(page: Image.Image, rng: random.Random, dark: bool = False) -> Capture:
    """A phone photo of ``page`` lying on a desk."""
    src = np.asarray(page.convert("RGB")).astype(np.float32)
    ph, pw = src.shape[:2]
    frame_h = rng.choice([2800, 3000, 3200]) if not dark else rng.choice([2600, 2800])
    frame_w = frame_h * 3 // 4
    # the page fills 70-85 % of the frame's height, seen from a little off the vertical
    height = frame_h * rng.uniform(0.72, 0.86)
    width = height * pw / ph
    cx = frame_w / 2 + rng.uniform(-0.04, 0.04) * frame_w
    cy = frame_h / 2 + rng.uniform(-0.03, 0.03) * frame_h
    tilt = rng.uniform(-6, 6) if not dark else rng.uniform(-9, 9)
    t = np.deg2rad(tilt)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    hw, hh = width / 2, height / 2
    half = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]])
    corners = half @ rot.T + [cx, cy]
    # perspective: the far edge (top or bottom) looks shorter
    k = rng.uniform(0.04, 0.09) if not dark else rng.uniform(0.07, 0.12)
    far = rng.choice([0, 1])  # 0: top edge farther, 1: bottom edge
    pairs = ((0, 1), (3, 2))[far]
    for i in pairs:
        corners[i, 0] += (cx - corners[i, 0]) * k
    corners += np.array([[rng.uniform(-12, 12), rng.uniform(-12, 12)] for _ in range(4)])
    fit = min(1.0, (frame_w - 20) / np.ptp(corners[:, 0]), (frame_h - 20) / np.ptp(corners[:, 1]))
    corners = (corners - [cx, cy]) * fit + [cx, cy]
    srcq = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], np.float32)
    m = cv2.getPerspectiveTransform(srcq, corners.astype(np.float32))
    warped = cv2.warpPerspective(src, m, (frame_w, frame_h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), m, (frame_w, frame_h), flags=cv2.INTER_LINEAR)
    a = _desk(frame_h, frame_w, rng, dark) * (1 - mask[:, :, None]) + warped * mask[:, :, None]
    a *= _light(frame_h, frame_w, rng, rng.uniform(0.2, 0.35) if not dark else rng.uniform(0.3, 0.45))[:, :, None]
    if dark:
        a *= np.array([1.0, 0.86, 0.7], np.float32)  # warm lamp light (RGB)
    a = cv2.GaussianBlur(a, (0, 0), rng.uniform(0.6, 1.0))
    nprng = np.random.default_rng(rng.randrange(2**32))
    a += nprng.normal(0, rng.uniform(2.5, 4.5), a.shape).astype(np.float32)
    a = np.clip(a, 0, 255).astype(np.uint8)
    hold = rng.choice([0, 0, 90, 270]) if not dark else rng.choice([90, 180, 270])
    exif = None
    if dark and hold in (90, 270):
        # the phone knew how it was held: pixels stored as the sensor saw them, the EXIF tag says how to turn
        im = Image.new("RGB", (1, 1))
        ex = im.getexif()
        ex[0x0112] = 6 if hold == 90 else 8  # 6: rotate 90 CW to view; 8: 90 CCW
        ex[0x010F] = "Phone"
        exif = ex.tobytes()
        stored = np.ascontiguousarray(np.rot90(a, k=1 if hold == 90 else -1))
        # the viewer sees the upright frame: corners stay in the upright frame's pixels
        return Capture("photo-dark", _jpeg(stored, 88, exif), ".jpg", corners.round(2).tolist(), 0)
    rotated = np.ascontiguousarray(np.rot90(a, k=-hold // 90)) if hold else a
    corners_out = _rotate_points(corners, hold, frame_w, frame_h)
    return Capture("photo-dark" if dark else "photo", _jpeg(rotated, 88), ".jpg", corners_out.round(2).tolist(), hold)


def _rotate_points(pts: np.ndarray, clockwise: int, w: int, h: int) -> np.ndarray:
    """Points of a w x h image after turning the image ``clockwise`` degrees."""
    x, y = pts[:, 0], pts[:, 1]
    if clockwise == 90:
        return np.stack([h - 1 - y, x], axis=1)
    if clockwise == 180:
        return np.stack([w - 1 - x, h - 1 - y], axis=1)
    if clockwise == 270:
        return np.stack([y, w - 1 - x], axis=1)
    return pts.copy()


def small(page: Image.Image, rng: random.Random) -> Capture:
    long_side = rng.randint(1000, 1300)
    f = long_side / max(page.size)
    im = page.convert("RGB").resize((round(page.width * f), round(page.height * f)), Image.Resampling.LANCZOS)
    return Capture("small", _jpeg(np.asarray(im), rng.choice([70, 80, 85])), ".jpg")


def screenshot(page: Image.Image, rng: random.Random) -> Capture:
    width = rng.randint(900, 1100)
    f = width / page.width
    im = page.convert("RGB").resize((width, round(page.height * f)), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    im.save(buf, "PNG", dpi=(96, 96))
    return Capture("screenshot", buf.getvalue(), ".png")


def gray16(page: Image.Image, rng: random.Random, tiff: bool = False) -> Capture:
    g = np.asarray(page.convert("L")).astype(np.float64)
    # a scanner's 16-bit tones: paper a little below white, ink a little above black, fine noise
    paper = rng.uniform(0.80, 0.90) if tiff else rng.uniform(0.88, 0.96)
    ink = rng.uniform(0.06, 0.12)
    v = ink + (g / 255.0) * (paper - ink)
    nprng = np.random.default_rng(rng.randrange(2**32))
    v += nprng.normal(0, 0.006, v.shape)
    a = np.clip(v * 65535, 0, 65535).astype(np.uint16)
    buf = io.BytesIO()
    if tiff:
        Image.fromarray(a).save(buf, "TIFF", compression="tiff_lzw", dpi=(300, 300))
        return Capture("gray16-tiff", buf.getvalue(), ".tif")
    Image.fromarray(a).save(buf, "PNG", dpi=(300, 300))
    return Capture("gray16", buf.getvalue(), ".png")


def _bilevel(page: Image.Image, rng: random.Random) -> Image.Image:
    g = np.asarray(page.convert("L")).astype(np.float32)
    g = cv2.GaussianBlur(g, (0, 0), 0.5)
    threshold = rng.uniform(150, 175)  # feeders cut light: a touch of seal and signature stays as grey dots
    return Image.fromarray(((g > threshold) * 255).astype(np.uint8)).convert("1", dither=Image.Dither.NONE)


def bilevel(page: Image.Image, rng: random.Random) -> Capture:
    buf = io.BytesIO()
    _bilevel(page, rng).save(buf, "TIFF", compression="group4", dpi=(300, 300))
    return Capture("bilevel", buf.getvalue(), ".tif")


def bilevel_pdf(page: Image.Image, rng: random.Random) -> Capture:
    buf = io.BytesIO()
    _bilevel(page, rng).save(buf, "PDF", resolution=300.0)
    return Capture("bilevel-pdf", buf.getvalue(), ".pdf")


def restricted(page: Image.Image, rng: random.Random) -> Capture:
    """A scanned PDF whose owner password forbids printing and copying; it opens without a password."""
    buf = io.BytesIO()
    page.convert("RGB").save(buf, "PDF", resolution=200.0, quality=85)
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        pdf.save(
            out,
            encryption=pikepdf.Encryption(
                owner=f"owner-{rng.randrange(10**6)}",
                user="",
                allow=pikepdf.Permissions(extract=False, print_highres=False, print_lowres=False, modify_other=False),
            ),
            static_id=True,
        )
    return Capture("restricted", out.getvalue(), ".pdf")


def make_capture(kind: str, page: Image.Image, rng: random.Random) -> Capture:
    if kind == "photo":
        return photo(page, rng)
    if kind == "photo-dark":
        return photo(page, rng, dark=True)
    if kind == "small":
        return small(page, rng)
    if kind == "screenshot":
        return screenshot(page, rng)
    if kind == "gray16":
        return gray16(page, rng)
    if kind == "gray16-tiff":
        return gray16(page, rng, tiff=True)
    if kind == "bilevel":
        return bilevel(page, rng)
    if kind == "bilevel-pdf":
        return bilevel_pdf(page, rng)
    if kind == "restricted":
        return restricted(page, rng)
    raise ValueError(f"unknown capture kind {kind!r}")


def write_captures(out: Path, kinds: list[str], per_kind: int, seed: int = 1, held_out: bool = False) -> list[Path]:
    """Captures of one-page papers with their truth (``truth/<name>.json``); returns the capture paths.

    Papers of the held-out set use the held-out layouts of ``samplegen.papers`` (never tuned on), the others
    each type's classic layouts.
    """
    import json

    from scripts.samplegen.papers import LAYOUTS, make_paper
    from scripts.samplegen.render import render_paper

    (out / "scans").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    types = [t for t in LAYOUTS if t != "CCCD"]
    written = []
    n = 0
    for kind in kinds:
        for i in range(per_kind):
            n += 1
            rng = random.Random(f"capture:{seed}:{kind}:{i}:{held_out}")
            t = types[(i * 5 + len(kind) + seed) % len(types)]
            lays = [lay.name for lay in LAYOUTS[t] if bool(lay.held_out) == held_out]
            layout = lays[i % len(lays)] if lays else None
            paper = make_paper(t, rng, layout)
            pages = render_paper(paper, RENDER_DPI[kind], rng)
            cap = make_capture(kind, pages[0], rng)
            name = f"{n:03d}-{kind}-{t}-{paper.layout}"
            path = out / "scans" / (name + cap.ext)
            path.write_bytes(cap.data)
            lines = paper.truth_lines()
            for extra in paper.extra_pages:  # only the first page is captured: drop the lines of the others
                for line in extra:
                    if line in lines:
                        lines.remove(line)
            truth = {
                "file": path.name,
                "kind": kind,
                "type": t,
                "layout": paper.layout,
                "held_out": held_out,
                "lines": lines,
                "corners": cap.corners,
                "hold": cap.hold,
                "render_dpi": RENDER_DPI[kind],
            }
            (out / "truth" / (name + ".json")).write_text(json.dumps(truth, ensure_ascii=False, indent=1))
            written.append(path)
    return written
