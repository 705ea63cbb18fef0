"""Reading order from Tesseract's words: keep two-column headers as two blocks.

Vietnamese administrative papers open with two centred columns: the issuing body on the left
("ỦY BAN NHÂN DÂN / XÃ …", "Số: …") and the national motto on the right ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA
VIỆT NAM / Độc lập - Tự do - Hạnh phúc"). Tesseract's layout analysis often reads them as one line
across the gap ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI …"), which mixes two texts. Here a line is cut where a
gap is far wider than the space between words, and a run of such cut lines (with the single-column lines
that sit on one side of the cut) becomes a left block followed by a right block.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from statistics import median

from ocr.model import Word


@dataclass(frozen=True, slots=True)
class Segment:
    words: tuple[Word, ...]

    @property
    def left(self) -> int:
        return self.words[0].left

    @property
    def right(self) -> int:
        return max(w.left + w.width for w in self.words)

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def split_line(words: list[Word], page_width: int, gap_factor: float = 3.0) -> list[Segment]:
    """Cut a line where the gap between two words is much wider than a word space."""
    ws = sorted(words, key=lambda w: w.left)
    if len(ws) < 2:
        return [Segment(tuple(ws))] if ws else []
    h = median(w.height for w in ws)
    limit = max(gap_factor * h, 0.04 * page_width)
    out: list[Segment] = []
    cur = [ws[0]]
    for prev, w in itertools.pairwise(ws):
        if w.left - (prev.left + prev.width) > limit:
            out.append(Segment(tuple(cur)))
            cur = []
        cur.append(w)
    out.append(Segment(tuple(cur)))
    return out


HEADER_SHARE = 0.3
"""A two-column band starts in the top part of the page (the issuing body beside the national motto); lower
down, a wide gap inside a line is a table's or a form's (label, then its value) and the line reads across."""


def header_bottom(lines: list[list[Word]], page_width: int, page_height: int) -> float:
    """Where the page's header can end: above its first centred title (a one-piece line across the middle,
    "GIẤY KHAI SINH") and within the top ``HEADER_SHARE`` of the page."""
    limit = HEADER_SHARE * page_height
    middle = page_width / 2
    for line in lines:
        segs = split_line(line, page_width)
        if len(segs) == 1 and segs[0].left < middle < segs[0].right and segs[0].top > 0.04 * page_height:
            limit = min(limit, segs[0].top)
    return limit


def order_blocks(lines: list[list[Word]], page_width: int, header_end: float | None = None) -> list[list[str]]:
    """Blocks of text lines in reading order; a two-column band becomes its left block then its right.

    With ``header_end`` (see :func:`header_bottom`), only a band that starts above it is read column after
    column: the rows of a table lower down (label | value) stay whole lines, as they are printed.
    """
    segs = [split_line(line, page_width) for line in lines]
    blocks: list[list[str]] = []
    i, n = 0, len(segs)
    while i < n:
        s = segs[i]
        below_header = header_end is not None and s and min(seg.top for seg in s) >= header_end
        if len(s) < 2 or below_header:
            blocks.append([" ".join(seg.text for seg in s)] if s else [])
            i += 1
            continue
        # a band starts: cut at the middle of the widest gap
        gaps = [(b.left - a.right, (a.right + b.left) / 2) for a, b in itertools.pairwise(s)]
        cut = max(gaps)[1]
        height = median(w.height for seg in s for w in seg.words)
        band = [s]
        bottom = max(seg.top for seg in s)
        j = i + 1
        while j < n and segs[j]:
            t = segs[j]
            if min(seg.top for seg in t) - bottom > 4 * height:
                break
            one_side = all(seg.right < cut for seg in t) or all(seg.left > cut for seg in t)
            straddles = any(seg.left < cut < seg.right for seg in t)
            if straddles or (len(t) < 2 and not one_side):
                break
            band.append(t)
            bottom = max(seg.top for seg in t)
            j += 1
        left = [" ".join(seg.text for seg in t if seg.right <= cut) for t in band]
        right = [" ".join(seg.text for seg in t if seg.left >= cut) for t in band]
        blocks.append([x for x in left if x])
        blocks.append([x for x in right if x])
        i = j
    return [b for b in blocks if b]
