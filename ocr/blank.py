"""Is a scanned page blank? Duplex backs of one-sided papers, with scanner noise, dust and show-through.

The page is flattened (divided by its own blurred background, so grey paper and faint show-through of the
other side fade), thresholded, and its dark specks smaller than a dot of ink removed; what remains is the
page's ink. A page is blank when its ink covers less than ``max_ink`` of the area inside the margins (the
edges, where feeders leave shadows and punch holes, are not looked at) and no mark on it is as large as a
handwritten letter: dropping a page is only ever done to an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_DPI = 75.0
"""Pages are judged at this resolution: enough for a line of 8 pt text, cheap for 60-page stacks."""


@dataclass(frozen=True, slots=True)
class BlankVerdict:
    blank: bool
    ink: float
    """Fraction of the page (inside the margins) covered by ink, after specks are removed."""


def judge_blank(
    image: np.ndarray, dpi: float, max_ink: float = 0.0015, margin: float = 0.06, min_speck_mm: float = 0.5,
    min_mark_mm: float = 1.5,
) -> BlankVerdict:  # fmt: skip
    """Blank when the ink (specks under ``min_speck_mm`` removed) covers less than ``max_ink`` of the page inside
    its margins **and** no mark reaches ``min_mark_mm`` in width or height: a single handwritten line, a signature
    or a stamp on an otherwise empty back is content, never dropped."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, WORK_DPI / max(dpi, 1.0))
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = gray.shape[:2]
    my, mx = int(h * margin), int(w * margin)
    gray = gray[my : h - my, mx : w - mx]
    if gray.size == 0:
        return BlankVerdict(True, 0.0)
    # the paper's own shade, from a coarse copy (a median there is cheap and ignores text and specks)
    small = cv2.resize(gray, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    background = cv2.resize(cv2.medianBlur(small, 5), (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    ink = (flat < 170).astype(np.uint8)
    px_per_mm = dpi * scale / 25.4
    speck_px = max(1, round((min_speck_mm * px_per_mm) ** 2))
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    stats = stats[1:] if n > 1 else np.zeros((0, 5), dtype=np.int32)
    kept = stats[stats[:, cv2.CC_STAT_AREA] >= speck_px]
    fraction = float(kept[:, cv2.CC_STAT_AREA].sum()) / float(gray.size)
    extent = np.maximum(kept[:, cv2.CC_STAT_WIDTH], kept[:, cv2.CC_STAT_HEIGHT]) if len(kept) else np.zeros(0)
    marks = int((extent >= min_mark_mm * px_per_mm).sum())
    return BlankVerdict(fraction < max_ink and marks == 0, round(fraction, 6))
