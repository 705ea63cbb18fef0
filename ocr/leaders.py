"""Leader lines taken out of the OCR copy: the dotted ("........") and underscored ("____") blanks official
forms print values over, and thin horizontal rules.

Tesseract reads a run of dots as junk punctuation and, where the dots or the line touch or run under the
letters, merges, drops or doubts the words printed over them. Only the grey copy given to Tesseract is
cleaned (and the line cut out for a second read); the archived image keeps its leaders.

Two kinds of mark are removed:

* **blanks** — thin ink runs at least ``RULE_MIN_IN`` inch long printed in a line of text (letters beside them,
  none over them: underscored blanks, not a heading's underline nor a table's rule, which Tesseract reads
  well and whose removal only moved its layout analysis) that run clear of letters for ``RULE_CLEAR_IN`` inch
  somewhere (not a run along a bold heading's tops). Where a
  letter's stroke meets the rule (a descender, a stem standing on it), the rule's pixels under and over the
  stroke are kept, so the letter keeps its foot;
* **dot and dash chains** — at least ``CHAIN_MIN`` small marks (dots, short dashes) on one level, evenly
  spaced and close together, with nothing else between them. Diacritics, full stops, colons, decimal and
  date separators never line up like that: a Vietnamese syllable carries one tone mark, and the separators of
  "1.000.000" or "01.02.2003" stand digits apart.
"""

from __future__ import annotations

import cv2
import numpy as np

RULE_MIN_IN = 0.25
"""Shortest rule removed, in inches (an em dash of 14 pt type is 0.19 in)."""
RULE_CLEAR_IN = 0.2
"""Longest stretch of a rule clear of letters' strokes, at least, in inches."""
LINE_BAND_IN = 0.06
"""Height over a rule where the letters of its line stand, in inches."""
OVER_IN = 0.14
"""Height over a blank that holds no letters (less than the line pitch of single-spaced 11 pt type), in
inches; a heading's underline has its words there."""
BESIDE_IN = 0.3
"""How far before or after a blank its line's label or value is looked for, in inches."""
RULE_MAX_THICK_IN = 0.025
"""Thickest rule removed, in inches (about 1.8 pt; a letter's horizontal bar is never that long)."""
MARK_MAX_IN = 0.03
"""Largest dot (both sides) or dash height, in inches."""
DASH_MAX_IN = 0.08
"""Longest dash of a dashed leader, in inches."""
CHAIN_MIN = 4
"""Fewest marks in a chain (an ellipsis "..." has three)."""
BELOW_IN = 0.05
"""How far under a mark of a chain the paper must be clear (a diacritic's letter is closer)."""
CHAIN_GAP_IN = 0.09
"""Widest gap between two marks of a chain, centre to centre, in inches."""


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink of the OCR copy (already flattened: one threshold serves the page)."""
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return bw


def rule_mask(ink: np.ndarray, dpi: float) -> np.ndarray:
    """Pixels of thin horizontal rules (uint8 0/255), without the pixels where a letter's stroke crosses them."""
    length = max(8, round(RULE_MIN_IN * dpi))
    runs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    out = np.zeros_like(ink)
    if not runs.any():
        return out
    thick = max(2, round(RULE_MAX_THICK_IN * dpi))
    reach = max(2, round(0.01 * dpi))
    margin = thick + reach + max(3, round(0.03 * dpi))
    clear = RULE_CLEAR_IN * dpi
    n, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if h > thick or not _a_blank_in_a_line(ink, x, y, w, dpi):
            continue  # a bar, a photo's edge; a heading's underline, a table's rule: left as they are
        # the rule and the rows around it: a letter's stroke that meets it shows as ink just above or below
        y0, y1 = max(0, y - margin), min(ink.shape[0], y + h + margin)
        x0, x1 = max(0, x - 1), min(ink.shape[1], x + w + 1)
        rule = np.where(labels[y0:y1, x0:x1] == i, 255, 0).astype(np.uint8)
        rule = cv2.dilate(rule, np.ones((3, 3), np.uint8))  # the rule's anti-aliased edge
        rest = cv2.bitwise_and(ink[y0:y1, x0:x1], cv2.bitwise_not(rule))
        k = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 2 * (thick + reach) + 1))
        strokes = cv2.dilate(_vertical_strokes(rest, dpi), k)
        piece = cv2.bitwise_and(rule, cv2.bitwise_not(strokes))
        # a rule runs clear of letters for a good stretch; a run along bold letters' tops or through their
        # bars (a heading blurred on a photocopy) is crossed by a stroke every few pixels
        _, _, pieces, _ = cv2.connectedComponentsWithStats(piece, connectivity=8)
        if pieces[1:, cv2.CC_STAT_WIDTH].max(initial=0) >= clear:
            out[y0:y1, x0:x1] |= piece
    return out


def _a_blank_in_a_line(ink: np.ndarray, x: int, y: int, w: int, dpi: float) -> bool:
    """The rule at (x, y), ``w`` long, is a blank printed in a line of text: letters beside it on the line's
    level (a label before it, a value after it) and none over it. A heading's underline has its words over
    it and nothing beside; a table's rule has nothing beside it either."""
    top, bottom = max(0, y - round(LINE_BAND_IN * dpi)), max(0, y - max(2, round(0.01 * dpi)))
    if bottom <= top:
        return False
    side = round(BESIDE_IN * dpi)
    band = ink[top:bottom]
    beside = band[:, max(0, x - side) : max(0, x - 2)].any() or band[:, x + w + 2 : x + w + side].any()
    over = ink[max(0, y - round(OVER_IN * dpi)) : bottom, x : x + w].any(axis=0).mean() if w else 1.0
    return bool(beside) and over <= 0.2


def _vertical_strokes(rest: np.ndarray, dpi: float) -> np.ndarray:
    """Ink in vertical runs at least a small letter's stem long (the rule's own edges, a few pixels of
    anti-aliasing, are not)."""
    stem = max(3, round(0.03 * dpi))
    return cv2.morphologyEx(rest, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, stem)))


def chain_mask(ink: np.ndarray, dpi: float) -> np.ndarray:
    """Pixels of dotted or dashed leaders (uint8 0/255)."""
    n, labels, stats, cent = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return np.zeros_like(ink)
    mark = max(2, MARK_MAX_IN * dpi)
    dash = DASH_MAX_IN * dpi
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    small = (h <= mark) & (w <= dash) & ((w <= mark) | (w >= 1.5 * h))
    small[0] = False
    idx = np.nonzero(small)[0]
    keep = np.zeros(n, bool)
    if idx.size < CHAIN_MIN:
        return np.zeros_like(ink)
    gap = CHAIN_GAP_IN * dpi
    level = max(1.5, 0.008 * dpi)
    below = max(3, round(BELOW_IN * dpi))
    # marks on one level (the OCR copy is deskewed), then runs of close marks along it
    idx = idx[np.argsort(cent[idx, 1], kind="stable")]
    breaks = np.nonzero(np.diff(cent[idx, 1]) > level)[0] + 1
    for row in np.split(idx, breaks):
        if row.size < CHAIN_MIN:
            continue
        row = row[np.argsort(cent[row, 0], kind="stable")]
        row = row[[_nothing_below(labels, stats, int(i), below) for i in row]]
        if row.size < CHAIN_MIN:
            continue
        chain = [int(row[0])]
        for i in (*row[1:].tolist(), None):
            if i is not None:
                j = chain[-1]
                if (
                    abs(cent[j, 1] - cent[i, 1]) <= level
                    and 0 < cent[i, 0] - cent[j, 0] <= gap
                    and _clear_between(labels, stats, j, i)
                ):
                    chain.append(i)
                    continue
            if len(chain) >= CHAIN_MIN:
                _keep_even(chain, cent, keep)
            if i is not None:
                chain = [i]
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _keep_even(chain: list[int], cent: np.ndarray, keep: np.ndarray) -> None:
    """Mark the evenly spaced runs of a chain (a colon's lower dot before a dotted blank stands a space
    further off: the run is cut there)."""
    steps = np.diff(cent[chain, 0])
    limit = 1.4 * np.median(steps) + 2
    run = [chain[0]]
    for step, i in zip(steps, chain[1:], strict=True):
        if step > limit:
            if len(run) >= CHAIN_MIN:
                keep[run] = True
            run = []
        run.append(i)
    if len(run) >= CHAIN_MIN:
        keep[run] = True


def _nothing_below(labels: np.ndarray, stats: np.ndarray, i: int, reach: int) -> bool:
    """No other ink right under mark ``i``: a leader's dot stands alone, a tittle, a tone mark or a
    circumflex has its letter under it."""
    x, y, w, h = (int(v) for v in stats[i, :4])
    under = labels[y + h : y + h + reach, x : x + w]
    return not ((under != 0) & (under != i)).any()


def _clear_between(labels: np.ndarray, stats: np.ndarray, a: int, b: int) -> bool:
    """Nothing but paper between marks ``a`` and ``b`` over a band a little taller than them."""
    x0 = stats[a, cv2.CC_STAT_LEFT] + stats[a, cv2.CC_STAT_WIDTH]
    x1 = stats[b, cv2.CC_STAT_LEFT]
    if x1 <= x0:
        return False
    tops = stats[[a, b], cv2.CC_STAT_TOP]
    top, bottom = int(tops.min()), int((tops + stats[[a, b], cv2.CC_STAT_HEIGHT]).max())
    pad = max(2, bottom - top)
    band = labels[max(0, top - pad) : bottom + pad, x0:x1]
    return not band.any()


def leader_mask(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Every leader pixel of a grey page (uint8 0/255), a pixel wider than the marks (their anti-aliased edge)."""
    ink = _ink(gray)
    chains = chain_mask(ink, dpi)
    if chains.any():
        chains = cv2.dilate(chains, np.ones((3, 3), np.uint8))
    return cv2.bitwise_or(rule_mask(ink, dpi), chains)


def remove_leaders(gray: np.ndarray, dpi: float) -> np.ndarray:
    """The grey page with its leader lines painted over in the paper's white (a new image)."""
    mask = leader_mask(gray, dpi)
    if not mask.any():
        return gray
    out = gray.copy()
    out[mask > 0] = 255
    return out
