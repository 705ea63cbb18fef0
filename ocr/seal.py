"""Round seals on pages that carry no colour (grey or bi-level scans), found by their shape.

On a colour page a red seal is lifted by its colour (``ocr.preprocess.suppress_colour_ink``). A grey scanner
turns it into mid-grey ink, a bi-level one into black: the colour cue is gone, and the seal's ring, rim
lettering and star, stamped over the lines of the body, are read as text or make Tesseract join the lines
around them into one block. Here a seal is found as a circle of seal size (15-25 mm radius) whose outline is
inked nearly all round while the circle just outside it is not (text seen through a circle is inked as much
outside as on it). Then:

- on a grey page, where the seal is clearly lighter than the text, every pixel of the seal's disc lighter than
  half-way between the seal's ink and the text's black becomes paper: text under the seal (black over red stays
  black) is kept whole (``lift_seal_ink``);
- on a bi-level page, where nothing tells seal ink from print, the disc is cleared only between the text lines
  that run through it, found on both sides of the seal: the ring, the star and the lettering between lines go,
  what lies on a line is kept (``clear_between_lines``);
- the orientation and skew measures look at the page without its seals (``blank_seals``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MM = 1 / 25.4
SEAL_RADIUS_MM = (15.0, 25.0)
"""Radius of an office seal (Decree 99/2016: round seals of 35-42 mm for most bodies; some smaller)."""
_WORK_DPI = 75.0


@dataclass(frozen=True, slots=True)
class Seal:
    x: float
    y: float
    r: float
    """Centre and outer radius, in pixels of the image searched."""


def _ink(small: np.ndarray) -> np.ndarray:
    _, bw = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return cv2.dilate(bw, np.ones((2, 2), np.uint8))


def _coverage(ink: np.ndarray, x: float, y: float, r: float, tol: float) -> float:
    """Share of the points of the circle (x, y, r) with ink within ``tol`` pixels of it."""
    h, w = ink.shape
    angles = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    hits = np.zeros(angles.size, bool)
    for dr in np.arange(-tol, tol + 0.01, 1.0):
        xs = np.round(x + (r + dr) * np.cos(angles)).astype(int)
        ys = np.round(y + (r + dr) * np.sin(angles)).astype(int)
        inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        hits[inside] |= ink[ys[inside], xs[inside]] > 0
    return float(hits.mean())


def find_seals(gray: np.ndarray, dpi: float) -> list[Seal]:
    """Round seals on a grey page (pixels of ``gray``)."""
    f = min(1.0, _WORK_DPI / max(dpi, 1.0))
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    d = dpi * f
    rmin, rmax = (round(v * MM * d) for v in SEAL_RADIUS_MM)
    if rmin < 8 or min(small.shape) < 2 * rmin:
        return []
    blurred = cv2.GaussianBlur(small, (0, 0), 1.2)
    found = cv2.HoughCircles(
        blurred, cv2.HOUGH_GRADIENT, dp=1, minDist=rmin * 1.5, param1=120, param2=22, minRadius=rmin, maxRadius=rmax
    )
    if found is None:
        return []
    ink = _ink(small)
    seals: list[Seal] = []
    for x, y, r in found[0][:12]:
        # the outline may be fitted a little inside or outside the ring: take the best radius nearby
        best = max(np.arange(r * 0.94, r * 1.06 + 0.01, 0.5), key=lambda rr: _coverage(ink, x, y, rr, 1.0))
        on = _coverage(ink, x, y, best, 1.0)
        outside = _coverage(ink, x, y, best * 1.18, 1.0)
        if on >= 0.7 and on - outside >= 0.3 and all(np.hypot(x - s.x * f, y - s.y * f) > rmin for s in seals):
            seals.append(Seal(float(x) / f, float(y) / f, float(best) / f))
    return seals


def _disc(shape: tuple[int, ...], seal: Seal, scale: float = 1.08) -> tuple[slice, slice, np.ndarray]:
    """The seal's bounding box (slices) and its disc as a boolean mask within the box."""
    h, w = shape[:2]
    r = seal.r * scale
    x0, x1 = max(0, int(seal.x - r)), min(w, int(seal.x + r) + 1)
    y0, y1 = max(0, int(seal.y - r)), min(h, int(seal.y + r) + 1)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    return slice(y0, y1), slice(x0, x1), (xx - seal.x) ** 2 + (yy - seal.y) ** 2 <= r * r


def blank_seals(gray: np.ndarray, seals: list[Seal]) -> np.ndarray:
    """A copy with every seal's disc white (for the orientation and skew measures)."""
    if not seals:
        return gray
    out = gray.copy()
    for s in seals:
        ys, xs, disc = _disc(gray.shape, s)
        out[ys, xs][disc] = 255
    return out


def seal_contrast(gray: np.ndarray, seal: Seal) -> tuple[float, float]:
    """Grey level of the seal's ink (on its outer ring) and of the page's black print (outside the seal)."""
    ys, xs, disc = _disc(gray.shape, seal, 1.0)
    box = gray[ys, xs]
    yy, xx = np.mgrid[ys, xs]
    ring = np.abs(np.hypot(xx - seal.x, yy - seal.y) - seal.r) <= max(2.0, seal.r * 0.03)
    ring_ink = box[ring & (box < 200)]
    outside = gray.copy()
    outside[ys, xs][disc] = 255
    text = outside[outside < 100]
    if ring_ink.size < 20 or text.size < 100:
        return 0.0, 0.0
    return float(np.median(ring_ink)), float(np.percentile(text, 30))


def lift_seal_ink(gray: np.ndarray, seals: list[Seal], min_gap: float = 45.0) -> tuple[np.ndarray, list[Seal]]:
    """Paper white over each seal clearly lighter than the print; returns the page and the seals left (those
    as dark as the print: a bi-level scan)."""
    left = []
    out = gray
    for s in seals:
        seal_level, text_level = seal_contrast(gray, s)
        if seal_level - text_level < min_gap:
            left.append(s)
            continue
        if out is gray:
            out = gray.copy()
        cut = (seal_level + text_level) / 2
        ys, xs, disc = _disc(gray.shape, s)
        box = out[ys, xs]
        box[disc & (box > cut)] = 255
    return out, left


def clear_between_lines(gray: np.ndarray, seals: list[Seal], dpi: float) -> np.ndarray:
    """On an upright, level page: each seal's disc made white except on the rows of the text lines that cross
    it, those rows found in the print on either side of the seal."""
    if not seals:
        return gray
    out = gray.copy()
    w = gray.shape[1]
    for s in seals:
        ys, xs, disc = _disc(gray.shape, s)
        reach = int(2.5 * s.r)
        left = gray[ys, max(0, int(s.x - reach)) : max(0, int(s.x - s.r * 1.1))]
        right = gray[ys, min(w, int(s.x + s.r * 1.1)) : min(w, int(s.x + reach))]
        sides = np.hstack([left, right]) if left.size or right.size else np.zeros((ys.stop - ys.start, 0), np.uint8)
        if sides.shape[1] == 0:
            continue
        rows = (sides < 128).sum(axis=1) > max(2, 0.004 * sides.shape[1])
        pad = max(1, round(dpi * 0.02))  # diacritics and descenders just beyond the measured band
        rows = cv2.dilate(rows.astype(np.uint8)[:, None], np.ones((2 * pad + 1, 1), np.uint8))[:, 0] > 0
        box = out[ys, xs]
        box[disc & ~rows[:, None]] = 255
    return out
