"""Where a page's centred title line is, found on the image, so that only that line need be read.

Used by ``pipeline.stacks`` to screen pages for a reception receipt printed without a code: reading one line a
page instead of the top third's ten keeps the screening within a few per cent of a page's OCR.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.preprocess import best_angle, deskew_matrix

TITLE_LINES = 1
"""Lines of a page's top read when screening it: the centred one in the largest letters (a title set on two
lines has the receipt's words on each)."""


def _longest_run(on: np.ndarray) -> int:
    """Length of the longest run of True in a 1-D array."""
    best = run = 0
    for v in on.tolist():
        run = run + 1 if v else 0
        best = max(best, run)
    return best


def title_lines(band: np.ndarray, dpi: float, keep: int = TITLE_LINES) -> list[np.ndarray] | None:
    """Where a reception receipt's title would be on the top of a page (``receipt_band``, at ``dpi``): the text
    lines centred on the page, tallest first (a title is set in large capitals, centred), at most ``keep`` of
    them, each cut from the straightened band. ``[]``: no centred line (nothing there to read as a title);
    None: no text line could be told apart (the caller reads the whole band)."""
    if band.size == 0:
        return None
    _, ink = cv2.threshold(band, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w_c, h_c, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    # letters only: no specks of noise, no codes, logos, seals or rules (a rule would join two lines)
    letter = (area >= max(3, (dpi / 100) ** 2 * 3)) & (h_c <= dpi * 0.4) & (w_c <= dpi * 0.8) & (w_c <= h_c * 8)
    letter[0] = False
    if n < 2 or not letter.any():
        return None
    mask = np.where(letter[labels], np.uint8(255), np.uint8(0))
    ys, xs = np.nonzero(mask[:, ::2])  # every other column is enough to find the lines' slant
    angle, _ = best_angle(xs.astype(np.float64) * 2, ys.astype(np.float64), 5.0)
    if abs(angle) > 0.1:
        m = deskew_matrix(mask.shape, angle)
        size = (mask.shape[1], mask.shape[0])
        mask = cv2.warpAffine(mask, m, size, flags=cv2.INTER_NEAREST, borderValue=0)
        band = cv2.warpAffine(band, m, size, flags=cv2.INTER_LINEAR, borderValue=255)
    height, width = mask.shape
    rows = np.count_nonzero(mask, axis=1) > 0
    gap = max(1, round(dpi * 0.03))  # a diacritic sits this close above its letter
    lines: list[tuple[int, int]] = []
    y = 0
    while y < height:
        if not rows[y]:
            y += 1
            continue
        y1 = y
        while y1 < height and (rows[y1] or rows[y1 : y1 + gap + 1].any()):
            y1 += 1
        lines.append((y, y1))
        y = y1
    found: list[tuple[int, int, int, int, int]] = []  # (letters' height, y0, y1, x0, x1)
    for y0, y1 in lines:
        h = y1 - y0
        if not dpi * 0.06 <= h <= dpi * 0.45:  # a title's capitals: about 12 to 30 pt (not lines run together)
            continue
        cols = np.flatnonzero(np.count_nonzero(mask[y0:y1], axis=0))
        # the line's pieces: words closer than twice the line's height belong together (two columns do not)
        breaks = np.flatnonzero(np.diff(cols) > 2 * h)
        for a, b in zip(np.r_[0, breaks + 1], np.r_[breaks, cols.size - 1], strict=True):
            x0, x1 = int(cols[a]), int(cols[b]) + 1
            # centred, and long enough to hold the title's words ("TIẾP NHẬN HỒ SƠ", "HẸN TRẢ KẾT QUẢ")
            if x1 - x0 >= 4 * h and abs((x0 + x1) / 2 - width / 2) <= width * 0.1:
                # the letters' own height: the longest run of rows holding half the line's peak of ink (not
                # their diacritics; two small lines run together have two short runs, not one tall line)
                core = np.count_nonzero(mask[y0:y1, x0:x1], axis=1)
                found.append((_longest_run(core >= core.max() / 2), y0, y1, x0, x1))
    if not found:
        return []
    pad = max(2, round(dpi * 0.04))
    out = []
    for _, y0, y1, x0, x1 in sorted(found, key=lambda f: (-f[0], f[1]))[:keep]:
        out.append(band[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad])
    return out
