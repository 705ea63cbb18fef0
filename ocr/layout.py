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


RULE_MARKS = "|¦"
"""What a table's vertical rule reads as when Tesseract takes it for a character."""


def is_rule(text: str) -> bool:
    """A word that is only a table's vertical rule read as a character ("|"): a cell boundary, not text."""
    return bool(text) and all(c in RULE_MARKS for c in text)


def split_line(words: list[Word], page_width: int, gap_factor: float = 3.0) -> list[Segment]:
    """Cut a line into cells: where the gap between two words is much wider than a word space, where a word
    comes from another of Tesseract's blocks (a ruled table's next cell, see :func:`rows_across`) and at a
    vertical rule read as a character ("|", left out)."""
    ws = sorted(words, key=lambda w: w.left)
    text_words = [w for w in ws if not is_rule(w.text)] or ws
    h = median(w.height for w in text_words) if ws else 0
    limit = max(gap_factor * h, 0.04 * page_width)
    out: list[Segment] = []
    cur: list[Word] = []
    for w in ws:
        if is_rule(w.text):
            if cur:
                out.append(Segment(tuple(cur)))
            cur = []
            continue
        if cur and (w.left - (cur[-1].left + cur[-1].width) > limit or w.block != cur[-1].block):
            out.append(Segment(tuple(cur)))
            cur = []
        cur.append(w)
    if cur:
        out.append(Segment(tuple(cur)))
    return out


CELL_SEPARATOR = "\t"
"""Between the cells of a row below the header: a tab, which every reader of the text takes as a space and
``catalog.pairing`` (reading text without word boxes) as a cell boundary."""


HEADER_SHARE = 0.3
"""A two-column band starts in the top part of the page (the issuing body beside the national motto); lower
down, a wide gap inside a line is a table's or a form's (label, then its value) and the line reads across."""


def header_bottom(lines: list[list[Word]], page_width: int, page_height: int) -> float:
    """Where the page's header can end: above its first centred title (a one-piece line across the middle,
    "GIẤY KHAI SINH", alone on its row) and within the top ``HEADER_SHARE`` of the page.

    A line with another beside it is not a title: the national motto, when it reaches across the middle of the
    page, stands beside the issuing body (Tesseract gives the two columns blocks of their own)."""
    limit = HEADER_SHARE * page_height
    middle = page_width / 2
    for i, line in enumerate(lines):
        segs = split_line(line, page_width)
        centred = len(segs) == 1 and segs[0].left < middle < segs[0].right
        if not centred or not 0.04 * page_height < segs[0].top < limit:
            continue
        if not any(j != i and other and _same_row(line, other) for j, other in enumerate(lines)):
            limit = segs[0].top
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
            blocks.append([CELL_SEPARATOR.join(seg.text for seg in s)] if s else [])
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


def _centre(line: list[Word]) -> float:
    return median(w.top + w.height / 2 for w in line)


def _height(line: list[Word]) -> float:
    return median(w.height for w in line)


ROW_TOLERANCE = 0.5
"""Two lines are on one printed row when their middles are less than this many line heights apart (the
smaller of the two heights)."""
TALL = 2.0
"""A block with a line taller than this many typical line heights is not read across with its neighbours."""


def _same_row(a: list[Word], b: list[Word]) -> bool:
    return abs(_centre(a) - _centre(b)) <= ROW_TOLERANCE * min(_height(a), _height(b))


@dataclass(frozen=True, slots=True)
class _Box:
    left: int
    right: int
    top: int
    bottom: int
    height: float


def _box(block: list[list[Word]]) -> _Box:
    words = [w for line in block for w in line]
    return _Box(
        min(w.left for w in words),
        max(w.left + w.width for w in words),
        min(w.top for w in words),
        max(w.top + w.height for w in words),
        median(w.height for w in words),
    )


def rows_across(blocks: list[list[list[Word]]], header_end: float) -> list[list[list[Word]]]:
    """Tesseract's blocks with the ones that stand side by side below the header read across, row by row.

    Tesseract gives each cell of a ruled table a block of its own: a row ("8. Họ, chữ đệm / và tên chủ hộ |
    TRẦN KIM OANH | Quan hệ với chủ / hộ | Con") would come out cell after cell, label and value lines apart.
    Blocks below ``header_end`` that do not overlap across and have a line at the same height become one
    block whose lines are the printed rows: the lines of one height, left to right. Above the header the
    blocks stay as they are (the issuing body beside the national motto is two texts, see
    :func:`order_blocks`).
    """
    n = len(blocks)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    below = [
        bool(b) and all(line for line in b) and min(w.top for line in b for w in line) >= header_end for b in blocks
    ]
    heights = [_height(line) for i, b in enumerate(blocks) if below[i] for line in b]
    if heights:
        # a "line" far taller than the page's lines is something read down a strip (list numbers Tesseract
        # split off, a stamp, a photo's edge): not a row of the table, and it would span every row beside it
        typical = median(heights)
        below = [ok and all(_height(line) <= TALL * typical for line in b) for ok, b in zip(below, blocks, strict=True)]
    boxes = {i: _box(blocks[i]) for i in range(n) if below[i]}
    marks = {i: [(_centre(line), _height(line)) for line in blocks[i]] for i in boxes}  # each line's middle, height
    for i in boxes:
        for j in boxes:
            if j <= i or root(i) == root(j):
                continue
            a, b = boxes[i], boxes[j]
            if b.top > a.bottom or a.top > b.bottom:
                continue  # not a line's height in common
            if min(a.right, b.right) - max(a.left, b.left) > 0.5 * min(a.height, b.height):
                continue  # one above the other, not side by side
            if any(abs(ca - cb) <= ROW_TOLERANCE * min(ha, hb) for ca, ha in marks[i] for cb, hb in marks[j]):
                parent[root(j)] = root(i)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(root(i), []).append(i)
    out: list[list[list[Word]]] = []
    for i in range(n):
        group = members[root(i)]
        if len(group) == 1:
            out.append(blocks[i])
        elif i == group[0]:  # the band goes where its first block was
            out.append(_rows([line for m in group for line in blocks[m]]))
    return out


def _rows(lines: list[list[Word]]) -> list[list[Word]]:
    """Lines of side-by-side blocks joined into printed rows, top to bottom, each row's pieces left to right."""
    rows: list[list[list[Word]]] = []
    for line in sorted(lines, key=_centre):
        if rows and _same_row(rows[-1][0], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [[w for piece in sorted(row, key=lambda ln: min(w.left for w in ln)) for w in piece] for row in rows]
