"""The text a born-digital PDF page carries (its text layer), read with poppler's ``pdftotext -bbox-layout``.

A page written by a word processor or an issuing system holds its words as text: reading them costs a few
milliseconds and no OCR. Some files, though, were typed in legacy Vietnamese fonts (TCVN3 ``.VnTime``, VNI) or
carry fonts without a usable Unicode map: the page looks right but its text extracts as garbage ("Céng hßa
x· héi"). Such a layer is judged with the same plausibility check as OCR output, and the page is OCR'd instead
(``ocr.page.read_page``), which says so in the page's ``origin``.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path

from ocr.errors import MissingDependency
from ocr.text import Word, legacy_share, nfc, plausibility

_NS = "{http://www.w3.org/1999/xhtml}"
MIN_CHARS = 40
"""Fewer letters than this on a page is no text layer worth the name (a page number, a stray label)."""


@dataclass(frozen=True, slots=True)
class TextLayer:
    """A page's words from the file, boxes in pixels of the page rendered at ``width`` x ``height``."""

    words: tuple[Word, ...]
    text: str
    plausibility: float
    width: int
    height: int
    legacy: float = 0.0
    """``ocr.text.legacy_share`` of the text: above a few per cent, a legacy-encoded font."""

    def scaled(self, width: int, height: int) -> TextLayer:
        """The same layer with its boxes in pixels of the page rendered at ``width`` x ``height``."""
        if (width, height) == (self.width, self.height):
            return self
        sx, sy = width / self.width, height / self.height
        words = tuple(
            replace(
                w,
                left=round(w.left * sx),
                top=round(w.top * sy),
                width=max(1, round(w.width * sx)),
                height=max(1, round(w.height * sy)),
            )
            for w in self.words
        )
        return replace(self, words=words, width=width, height=height)

    def trusted(self, max_legacy: float, min_plausibility: float) -> bool:
        """Whether the layer reads as Vietnamese written in Unicode (else the page is OCR'd)."""
        return bool(self.words) and self.legacy <= max_legacy and self.plausibility >= min_plausibility


def read_text_layer(path: Path, page: int, width: int, height: int, timeout_s: float = 30.0) -> TextLayer | None:
    """The text layer of page ``page`` (from 0), or None when the page carries (almost) no text."""
    try:
        proc = subprocess.run(
            ["pdftotext", "-bbox-layout", "-enc", "UTF-8", "-f", str(page + 1), "-l", str(page + 1), str(path), "-"],
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except FileNotFoundError as e:
        raise MissingDependency(
            "poppler (pdftotext) is not installed: apt install poppler-utils",
            "chưa cài poppler (pdftotext): apt install poppler-utils",
        ) from e
    except subprocess.TimeoutExpired:
        return None  # a page whose text takes that long to extract is read by OCR
    if proc.returncode != 0 or not proc.stdout:
        return None
    return parse_bbox_layout(proc.stdout, width, height)


def parse_bbox_layout(xhtml: bytes, width: int, height: int) -> TextLayer | None:
    try:
        root = ET.fromstring(xhtml)
    except ET.ParseError:
        return None
    page = root.find(f".//{_NS}page")
    if page is None:
        return None
    pw, ph = float(page.get("width") or 0), float(page.get("height") or 0)
    if pw <= 0 or ph <= 0:
        return None
    sx, sy = width / pw, height / ph
    words: list[Word] = []
    lines: list[str] = []
    for b, block in enumerate(page.iter(f"{_NS}block")):
        for n, line in enumerate(block.iter(f"{_NS}line")):
            tokens = []
            for w in line.iter(f"{_NS}word"):
                text = nfc((w.text or "").strip())
                if not text:
                    continue
                x0, y0 = float(w.get("xMin", 0)) * sx, float(w.get("yMin", 0)) * sy
                x1, y1 = float(w.get("xMax", 0)) * sx, float(w.get("yMax", 0)) * sy
                words.append(
                    Word(text, round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)), 100.0, b, n)
                )
                tokens.append(text)
            if tokens:
                lines.append(" ".join(tokens))
    text = "\n".join(lines)
    if sum(c.isalpha() for c in text) < MIN_CHARS:
        return None
    return TextLayer(tuple(words), text, plausibility(text), width, height, legacy_share(text))
