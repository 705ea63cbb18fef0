"""Text that Tesseract's page layout split off and then dropped: the numbers of a numbered list.

On a numbered list set flush left ("1. Họ, chữ đệm và tên …", "2. Ngày, tháng, năm sinh …", one under the
other) Tesseract's column finder (``--psm 3``) can take the narrow stack of numbers for a column of its own:
the numbers become a tall, thin block of one "line" running down the page that reads as nothing or as
vertical junk ("œ©œ ¬I œŒœ CI +"), and each item's line starts at the full stop (". Họ, chữ đệm …").
Whether it does depends on the resolution it is told: on a G4 scan (seed 5, held out) read at 200 dpi
every number of the list was lost (told 220 dpi or less, the same pixels lose them; 250 or more, they are
kept), and read as one block (``--psm 6``) the page keeps them all.

The symptom is in Tesseract's own output, whatever the page: a block of at most one line, narrow (at most
``MAX_WIDTH_IN``), at least two text lines tall, with glyph-sized marks in it, right at the left edge of a
block of text whose lines it spans. Only that region — the split-off block and its neighbour — is read again,
as one block, and the re-read replaces the neighbour's words only when it reads the marks (a word over the
split-off block) and otherwise agrees with what was read first; anything else keeps the first read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

MAX_WIDTH_IN = 0.35
"""Widest split-off block looked at: a list's numbers ("12.", "a)") in body text."""
MAX_GAP_IN = 0.2
"""Largest gap between the split-off block and the text it belongs to."""
MAX_DISAGREEMENT = 0.05
"""Share of the first read's characters the re-read may differ by (outside the recovered marks)."""

Reader = Callable[[np.ndarray], dict]
"""Reads a grey crop as one block and returns pytesseract's ``image_to_data`` dictionary."""

_KEYS = ("level", "block_num", "par_num", "line_num", "word_num", "left", "top", "width", "height", "conf", "text")


@dataclass(frozen=True, slots=True)
class _Box:
    left: int
    top: int
    right: int
    bottom: int


def _blocks(data: dict) -> tuple[dict[int, _Box], dict[int, list[int]], dict[int, int]]:
    """Each block's box, the indices of its words (level 5, text not empty) and its number of lines."""
    boxes: dict[int, _Box] = {}
    words: dict[int, list[int]] = {}
    lines: dict[int, int] = {}
    for i, level in enumerate(data["level"]):
        b = int(data["block_num"][i])
        if int(level) == 2:
            x, y, w, h = (int(data[k][i]) for k in ("left", "top", "width", "height"))
            boxes[b] = _Box(x, y, x + w, y + h)
            words.setdefault(b, [])
        elif int(level) == 4:
            lines[b] = lines.get(b, 0) + 1
        elif int(level) == 5 and str(data["text"][i]).strip():
            words.setdefault(b, []).append(i)
    return boxes, words, lines


def _glyph_marks(gray: np.ndarray, box: _Box, dpi: float) -> int:
    """Marks of a printed character's size inside ``box`` (a rule or a border is not one)."""
    crop = gray[box.top : box.bottom, box.left : box.right]
    if crop.size == 0:
        return 0
    bw = (crop < 128).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    if n <= 1:
        return 0
    h, area = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    return int(np.count_nonzero((h >= 0.06 * dpi) & (h <= 0.4 * dpi) & (area >= 0.0004 * dpi * dpi)))


def _line_height(data: dict, idx: list[int]) -> float:
    heights = sorted(int(data["height"][i]) for i in idx)
    return float(heights[len(heights) // 2]) if heights else 0.0


def _text(data: dict, idx: list[int]) -> str:
    return " ".join(str(data["text"][i]).strip() for i in idx)


def recover_split_margins(data: dict, gray: np.ndarray, dpi: float, read: Reader) -> tuple[dict, int]:
    """``data`` with the words of a text block whose list numbers were split off read again with them, the
    split-off block dropped (see the module's doc); and how many blocks were re-read and replaced."""
    boxes, words, lines_of = _blocks(data)
    replaced: dict[int, list[dict]] = {}
    dropped: set[int] = set()
    for e, ebox in boxes.items():
        # split off: narrow, and at most one "line" running down it (read as nothing, or as vertical text)
        if lines_of.get(e, 0) > 1 or ebox.right - ebox.left > MAX_WIDTH_IN * dpi:
            continue
        for t, tbox in boxes.items():
            idx = words.get(t)
            if t == e or not idx or t in replaced:
                continue
            # the block's lines beside the empty one: they start just right of it
            beside = [i for i in idx if ebox.top <= int(data["top"][i]) + int(data["height"][i]) / 2 <= ebox.bottom]
            lines = {(int(data["par_num"][i]), int(data["line_num"][i])) for i in beside}
            if len(lines) < 2:
                continue
            gap = min(int(data["left"][i]) for i in beside) - ebox.right
            if not -0.02 * dpi <= gap <= MAX_GAP_IN * dpi:
                continue
            line_h = _line_height(data, idx)
            if line_h <= 0 or ebox.bottom - ebox.top < 2 * line_h or t in dropped:
                continue
            if _glyph_marks(gray, ebox, dpi) < 2:
                break  # a rule or a speck: nothing was dropped there
            words_new = _reread(data, gray, ebox, tbox, idx, read, t)
            if words_new is not None:
                replaced[t] = words_new
                dropped.add(e)
            break
    if not replaced:
        return data, 0
    out: dict[str, list] = {k: [] for k in _KEYS}
    done: set[int] = set()
    for i in range(len(data["level"])):
        b = int(data["block_num"][i])
        if b in dropped:
            continue
        if b in replaced and int(data["level"][i]) == 5:
            if b not in done:  # the re-read's words where the block's first word was
                for w in replaced[b]:
                    for k in _KEYS:
                        out[k].append(w[k])
                done.add(b)
            continue
        for k in _KEYS:
            out[k].append(data[k][i])
    return out, len(replaced)


def _reread(data: dict, gray: np.ndarray, ebox: _Box, tbox: _Box, idx: list[int], read: Reader, block: int):
    """The text block's words read again together with the split-off marks, or None when the re-read does
    not read the marks or does not agree with the first read elsewhere."""
    pad = max(2, round(_line_height(data, idx) * 0.5))
    h, w = gray.shape[:2]
    x0, y0 = max(0, min(ebox.left, tbox.left) - pad), max(0, min(ebox.top, tbox.top) - pad)
    x1, y1 = min(w, max(ebox.right, tbox.right) + pad), min(h, max(ebox.bottom, tbox.bottom) + pad)
    again = read(gray[y0:y1, x0:x1])
    new: list[dict] = []
    marks: list[str] = []
    rest: list[str] = []
    for i, level in enumerate(again["level"]):
        text = str(again["text"][i]).strip()
        if int(level) != 5 or not text:
            continue
        left = int(again["left"][i]) + x0
        middle = int(again["top"][i]) + y0 + int(again["height"][i]) / 2
        if not tbox.top <= middle <= tbox.bottom:
            continue  # another block's line that the split-off strip runs on beside: read with that block
        word = {
            "level": 5,
            "block_num": block,
            "par_num": int(again["par_num"][i]) + 1000 * int(again["block_num"][i]),
            "line_num": int(again["line_num"][i]),
            "word_num": int(again["word_num"][i]),
            "left": left,
            "top": int(again["top"][i]) + y0,
            "width": int(again["width"][i]),
            "height": int(again["height"][i]),
            "conf": again["conf"][i],
            "text": again["text"][i],
        }
        new.append(word)
        # a mark: at the strip, beside it (the block's lines above the strip may start as far left)
        (marks if left < ebox.right and ebox.top <= middle <= ebox.bottom else rest).append(text)
    if not marks:
        return None
    first = _text(data, idx)
    # the recovered marks may carry the full stop the first read had on its own ("1." for ".")
    first_cmp = "".join(first.split()).replace(".", "")
    rest_cmp = "".join("".join(rest).split()).replace(".", "")
    if Levenshtein.distance(first_cmp, rest_cmp) > MAX_DISAGREEMENT * max(len(first_cmp), 1):
        return None
    return new
