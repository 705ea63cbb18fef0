"""Typed results of OCR: words with boxes and confidences, and a page's text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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


class OcrEngine(Protocol):
    """Anything that turns a prepared grey page into text (Tesseract, or a fake in tests)."""

    def recognize(self, gray: np.ndarray, dpi: float) -> PageText: ...

    # Optional: ``orientation(gray) -> (clockwise rotation to upright, confidence)`` gives preprocessing a
    # second opinion on unsure pages (TesseractEngine answers with OSD); engines without it are fine.
