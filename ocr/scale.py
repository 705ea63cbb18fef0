"""The scale of the text measured on the page itself, for files whose resolution says nothing.

A photo from a phone, a picture sent by e-mail or through the portal, a screenshot: such files carry no
resolution, or one that means nothing (72 or 96 dpi), or one made stale by resizing. Assuming 300 dpi makes the
text of a small picture look like specks (the page is then declared blank); assuming too little blows it up.

The text itself tells the scale: the letters of body text come in two heights, the x-height (a, c, e, m, n, o
… — Vietnamese diacritics are separate marks above or below them) and, about 1.4 times taller, capitals and
ascenders (b, d, đ, h, k, l, t). The two most common heights among the page's letter-sized marks, in that
ratio, give the capital height; compared with that of the body text administrative papers are printed in
(13-14 pt, Decree 30/2020), it gives the resolution at which the page would have been scanned. Used to size the
OCR copy (Tesseract's preferred glyph size), to decide whether the page is blank, and as the archived page's
resolution when the file gives none.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BODY_CAP_HEIGHT_IN = 0.1195
"""Capital height of 13 pt body text (Times-like serif: 0.66 em), in inches: what one inch of paper means."""

CAP_TO_X = (1.22, 1.75)
"""Range of the ratio of capital height to x-height across the serif and sans faces papers are printed in."""

MIN_MARKS = 25
"""Letter-sized marks needed before the measure is trusted."""

WORK_SIDE = 2400
"""Long side, in pixels, of the copy measured (larger pages are reduced first)."""

MAX_FIELD_IN = 34.0
"""Longest side, in inches, that any capture can show: twice the largest paper a counter receives (A3's 16.5
in), for a photo taken from afar. A measure that would make the image larger took small marks (diacritics,
dots) for the body text's letters."""

DENOISE_SIDE = 1500
"""From this long side on, the copy measured is smoothed first (a smaller picture's strokes are too thin)."""


@dataclass(frozen=True, slots=True)
class TextScale:
    cap_height: float
    """Height of the body text's capitals and ascenders, in pixels of the measured image."""
    marks: int
    """Letter-sized marks the measure rests on."""
    paired: bool = True
    """Both heights of body text (x-height and capitals) were found in their usual ratio."""

    @property
    def dpi(self) -> float:
        """Resolution at which this capital height is that of 13 pt body text."""
        return self.cap_height / BODY_CAP_HEIGHT_IN

    @property
    def trusted(self) -> bool:
        """Enough marks, in the two heights of body text: a measure to act on even against the file's word."""
        return self.marks >= MIN_MARKS and self.paired


def _ink(gray: np.ndarray) -> np.ndarray:
    """Dark marks (255) against their own surroundings: uneven light and a coloured background do not count."""
    h, w = gray.shape[:2]
    block = max(15, (max(h, w) // 40) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 18)


def letter_heights(gray: np.ndarray) -> np.ndarray:
    """Heights (pixels) of the marks shaped like printed letters, on ``gray`` as given."""
    bw = _ink(gray)
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    if n <= 1:
        return np.zeros(0)
    s = stats[1:]
    hh, ww, area = s[:, cv2.CC_STAT_HEIGHT], s[:, cv2.CC_STAT_WIDTH], s[:, cv2.CC_STAT_AREA]
    H, W = bw.shape
    fill = area / np.maximum(hh * ww, 1)
    letter = (
        (hh >= 4)
        & (hh <= H * 0.08)
        & (ww <= W * 0.08)
        & (ww >= 0.25 * hh)  # not a rule's end, an l or an i alone
        & (ww <= 2.5 * hh)  # not a dash, a dotted leader or a line of touching letters
        & (fill >= 0.12)
        & (fill <= 0.9)  # not a blot
    )
    return hh[letter].astype(np.float64)


def _smooth(hist: np.ndarray) -> np.ndarray:
    """Histogram smoothed over a window that grows with the height (a 40 px letter varies more than a 6 px one)."""
    out = np.zeros_like(hist)
    for h in range(1, hist.size):
        r = round(h * 0.04)
        out[h] = hist[max(0, h - r) : h + r + 1].sum() / (2 * r + 1)
    return out


def _centre(hist: np.ndarray, peak: int) -> float:
    r = max(1, round(peak * 0.08))
    lo, hi = max(0, peak - r), min(hist.size, peak + r + 1)
    weights = hist[lo:hi]
    return float(np.dot(np.arange(lo, hi), weights) / weights.sum()) if weights.sum() else float(peak)


def cap_height(heights: np.ndarray, smallest: float = 0.0) -> tuple[float, bool]:
    """Capital height from letter heights: the taller of the two most common heights in x-height ratio (and
    whether such a pair was found); a capital height under ``smallest`` is not considered."""
    heights = heights[heights >= smallest / CAP_TO_X[1]]
    if heights.size == 0:
        return smallest, False
    hist = np.bincount(heights.astype(np.int64)).astype(np.float64)
    smooth = _smooth(hist)
    top = smooth.max()
    peaks = [
        h
        for h in range(1, smooth.size)
        if smooth[h] >= 0.25 * top and smooth[h] >= smooth[h - 1] and smooth[h] >= smooth[min(h + 1, smooth.size - 1)]
    ]
    best: tuple[float, int] | None = None
    for x in peaks:
        for c in peaks:
            if c >= smallest and CAP_TO_X[0] <= c / x <= CAP_TO_X[1]:
                weight = min(smooth[x], smooth[c])
                if best is None or weight > best[0]:
                    best = (weight, c)
    if best is not None:
        return _centre(hist, best[1]), True
    # One height only: text in capitals (or letters too small to tell apart); take it as the capital height.
    return max(smallest, _centre(hist, int(np.argmax(smooth)))), False


def measure_text_scale(gray: np.ndarray) -> TextScale | None:
    """The x-height of the page's body text, in pixels of ``gray``; None when there is no text to measure."""
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    f = min(1.0, WORK_SIDE / max(gray.shape[:2]))
    work = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    if max(work.shape[:2]) >= DENOISE_SIDE:
        # specks, toner haze and sensor noise make marks of a few pixels that outnumber the letters of a
        # page; at this size a letter's strokes are wide enough to survive a 3x3 median
        work = cv2.medianBlur(work, 3)
    heights = letter_heights(work)
    if heights.size < 8:
        return None
    # a whole Vietnamese page has more diacritics than letters of any one height: marks that small, paired in
    # the x-height ratio, would make the image larger than any capture (a 200-dpi A4 page measured at 39 dpi)
    cap, paired = cap_height(heights, max(work.shape[:2]) / MAX_FIELD_IN * BODY_CAP_HEIGHT_IN)
    return TextScale(cap / f, int(heights.size), paired)
