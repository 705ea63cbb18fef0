"""Typed results of OCR: words with boxes and confidences, and a page's text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ocr.text import Word

__all__ = ["OcrEngine", "PageText", "Word"]


@dataclass(frozen=True, slots=True)
class PageText:
    """The text of one page, NFC-normalized, with its words and a 0-1 confidence."""

    text: str
    words: tuple[Word, ...]
    confidence: float
    width: int
    height: int
    plausibility: float = 1.0
    """Share of the text that reads as Vietnamese (valid syllables, numbers, punctuation), 0-1."""
    low_confidence: bool = False
    """Set when the text is implausible or Tesseract was unsure: a person must look at the page."""
    blank: bool = False
    """Preprocessing found no text on the page; Tesseract was not run."""
    origin: str = "ocr"
    """Where the text comes from: ``ocr``, ``text_layer`` (a born-digital page's own text, no OCR) or
    ``ocr_garbled_layer`` (the page had a text layer that does not read as Vietnamese — legacy fonts — and was
    OCR'd instead)."""

    @property
    def is_blank(self) -> bool:
        return self.blank or not self.words


class OcrEngine:
    """Base of what turns a prepared grey page into text (Tesseract, or a fake in tests).

    ``recognize`` is required; the other capabilities have defaults that say "not available", so callers ask
    the engine instead of probing for attributes.
    """

    reads_lines: bool = False
    """True when ``read_line``/``read_lines`` can read a single cut-out line (the second read of ``ocr.reread``)."""

    def recognize(self, gray: np.ndarray, dpi: float) -> PageText:
        raise NotImplementedError

    def orientation(self, gray: np.ndarray) -> tuple[int, float]:
        """Second opinion on an unsure page: clockwise rotation to upright and a confidence on Tesseract
        OSD's scale (above 2: rarely wrong). The default has no opinion: ``(0, 0.0)``."""
        return 0, 0.0

    def read_line(self, gray: np.ndarray, dpi: float) -> tuple[Word, ...]:
        """Words of an image holding one text line (only when ``reads_lines``)."""
        raise NotImplementedError(f"{type(self).__name__} does not read single lines")

    def read_lines(self, lines: Sequence[np.ndarray], dpi: float) -> list[tuple[Word, ...]]:
        """Words of several one-line images; by default one ``read_line`` each."""
        return [self.read_line(line, dpi) for line in lines]
