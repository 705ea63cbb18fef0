"""A second, independent read of a few words: their line cut out of the page and read alone.

Tesseract often reads a word right with a low confidence when it sits in a busy page (a date next to a
dotted leader, a name beside a label). Read a second time on its own — cut from the archived colour page,
cleaned and straightened like the OCR copy, recognised as a single text line (``--psm 7``) — the same word
usually comes back with a clear confidence. Where the two reads agree, a doubt is lifted; where they
differ, it stays. Nothing is ever replaced by the second read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import median

import cv2
import numpy as np

from ocr.config import OcrConfig
from ocr.errors import OcrError
from ocr.leaders import remove_leaders
from ocr.model import OcrEngine, Word
from ocr.preprocess import deskew_matrix, ocr_scale, suppress_colour_ink


def line_crop(image: np.ndarray, words: Sequence[Word], dpi: float, skew: float, cfg: OcrConfig) -> np.ndarray | None:
    """Grey image of just these words (one line), straightened, at the resolution the OCR copy had.

    The boxes are in upright-page pixels: on a skewed page each is the axis-aligned box around the
    slanted words, so the words' own width and height are recovered from it and the skew before cutting
    them out of the straightened region, with a margin too narrow to take a neighbour's letters along.
    """
    if not words:
        return None
    x0 = min(w.left for w in words)
    y0 = min(w.top for w in words)
    x1 = max(w.left + w.width for w in words)
    y1 = max(w.top + w.height for w in words)
    box_w, box_h = float(x1 - x0), float(y1 - y0)
    t = math.radians(abs(skew))
    c, s = math.cos(t), math.sin(t)
    # box_w = w·c + h·s and box_h = w·s + h·c for the slanted line's own width w and height h
    line_w, line_h = box_w, float(median(w.height for w in words))
    if t > 1e-3 and math.cos(2 * t) > 0.5:
        line_w = max(1.0, (c * box_w - s * box_h) / math.cos(2 * t))
        line_h = max(1.0, min(line_h, (c * box_h - s * box_w) / math.cos(2 * t)))
    H, W = image.shape[:2]
    pad = round(line_h)
    cx0, cy0 = max(0, x0 - pad), max(0, y0 - pad)
    cx1, cy1 = min(W, x1 + pad), min(H, y1 + pad)
    if cx1 - cx0 < 2 or cy1 - cy0 < 2:
        return None
    crop = image[cy0:cy1, cx0:cx1]
    gray = suppress_colour_ink(crop, dpi) if crop.ndim == 3 and cfg.ink_suppression else _gray(crop)
    centre = np.array([(x0 + x1) / 2 - cx0, (y0 + y1) / 2 - cy0, 1.0])
    if abs(skew) >= 0.1:
        m = deskew_matrix(gray.shape, skew)
        gray = cv2.warpAffine(
            gray, m, (gray.shape[1], gray.shape[0]), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        centre = np.array([*(m @ centre), 1.0])
    # the words and a margin: Tesseract's word boxes may clip a first letter's stem, and more above and below
    # would take in the neighbouring lines' diacritics (a neighbouring word's edge is told apart later)
    half_w, half_h = line_w / 2 + 0.25 * line_h, line_h / 2 + 0.3 * line_h
    left, right = max(0, round(centre[0] - half_w)), min(gray.shape[1], round(centre[0] + half_w))
    top, bottom = max(0, round(centre[1] - half_h)), min(gray.shape[0], round(centre[1] + half_h))
    if right - left < 2 or bottom - top < 2:
        return None
    gray = gray[top:bottom, left:right]
    scale = ocr_scale(dpi, cfg)
    if scale != 1.0:
        gray = cv2.resize(
            gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        )
    if cfg.leaders:
        gray = remove_leaders(gray, dpi * scale)
    border = max(10, round(0.5 * line_h * scale))
    return cv2.copyMakeBorder(gray, border, border, border, border, cv2.BORDER_CONSTANT, value=255)


def _gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


@dataclass(frozen=True, slots=True)
class PageImage:
    """Where a page's words can be read again: its upright colour image (loaded when first needed)."""

    load: Callable[[], np.ndarray]
    dpi: float
    skew: float
    words: int
    """How many of the document's words (in reading order) are on this page."""


class Rereader:
    """Second reads of a document's words; positions count the words of all its pages in order.

    Needs an engine that ``reads_lines`` (Tesseract); reads nothing for words on two pages, or when the
    engine fails on the line (the first read then stands, with its doubt).
    """

    def __init__(self, engine: OcrEngine, cfg: OcrConfig, pages: Sequence[PageImage], words: Sequence[Word]) -> None:
        self.engine = engine
        self.cfg = cfg
        self.pages = list(pages)
        self.words = list(words)
        """The document's words, in the order the positions refer to."""
        self._images: dict[int, np.ndarray] = {}
        self._cache: dict[tuple[int, ...], tuple[Word, ...]] = {}
        self.reads = 0
        """Tesseract calls made (a prefetch of several lines is one)."""

    def _page_of(self, i: int) -> int | None:
        start = 0
        for n, p in enumerate(self.pages):
            if start <= i < start + p.words:
                return n
            start += p.words
        return None

    def _crop(self, positions: Sequence[int]) -> tuple[np.ndarray, float] | None:
        """The line image of these words and its resolution; None for words on two pages or an empty cut."""
        pages = {self._page_of(i) for i in positions}
        if not positions or len(pages) != 1 or None in pages:
            return None
        n = pages.pop()
        assert n is not None
        page = self.pages[n]
        if n not in self._images:
            self._images[n] = page.load()
        crop = line_crop(self._images[n], [self.words[i] for i in positions], page.dpi, page.skew, self.cfg)
        return None if crop is None else (crop, page.dpi * ocr_scale(page.dpi, self.cfg))

    def prefetch(self, spans: Sequence[Sequence[int]]) -> None:
        """Read several lines in one Tesseract call (each call costs a process start and a model load,
        about as much as reading a line): the lines are stacked, well apart, and read as one block."""
        todo: dict[tuple[int, ...], tuple[np.ndarray, float]] = {}
        for span in spans:
            key = tuple(span)
            if key in self._cache or key in todo:
                continue
            crop = self._crop(key)
            if crop is None:
                self._cache[key] = ()
            else:
                todo[key] = crop
        if not self.engine.reads_lines or len(todo) < 2:
            return  # one line (or none) is read when asked for
        self.reads += 1
        try:
            results = self.engine.read_lines([c for c, _ in todo.values()], max(d for _, d in todo.values()))
        except OcrError:
            return
        for key, words in zip(todo, results, strict=True):
            self._cache[key] = tuple(words)

    def __call__(self, positions: Sequence[int]) -> tuple[Word, ...]:
        key = tuple(positions)
        if key in self._cache:
            return self._cache[key]
        crop = self._crop(key) if self.engine.reads_lines else None
        if crop is None:
            return ()
        self.reads += 1
        try:
            words = tuple(self.engine.read_line(*crop))
        except OcrError:
            words = ()
        self._cache[key] = words
        return words


def stack_lines(lines: Sequence[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """One white image holding the line images one under another, a line's height apart, left-aligned;
    and each line's vertical band in it (what is read inside a band belongs to that line)."""
    gap = max(line.shape[0] for line in lines)
    width = max(line.shape[1] for line in lines)
    height = sum(line.shape[0] for line in lines) + gap * (len(lines) + 1)
    canvas = np.full((height, width + 2 * gap), 255, np.uint8)
    bands, y = [], gap
    for line in lines:
        h, w = line.shape[:2]
        canvas[y : y + h, gap : gap + w] = line
        bands.append((y, y + h))
        y += h + gap
    return canvas, bands
