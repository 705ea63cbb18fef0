"""Pages laid out as rows of cells, as text and as OCR words with boxes, for the label-form tests (plain data)."""

from __future__ import annotations

from ocr.model import Word

CHAR_W = 11
LINE_H = 60
WORD_H = 26


def words_of(rows: list[list[tuple[int, str]]], conf: float = 95.0, low: dict[str, float] | None = None) -> list[Word]:
    """OCR words of a page whose rows hold cells ``(x in pixels, text)``: one word per token, each cell a
    Tesseract line (so a cell's words share a line number), 11 px a character, rows 60 px apart."""
    low = low or {}
    out: list[Word] = []
    line = 0
    for r, cells in enumerate(rows):
        top = 200 + r * LINE_H
        for x, text in cells:
            pos = x
            for token in text.split():
                out.append(Word(token, pos, top, CHAR_W * len(token), WORD_H, low.get(token, conf), 1, line))
                pos += CHAR_W * (len(token) + 1)
            line += 1
    return out


def text_of(rows: list[list[tuple[int, str]]]) -> str:
    """The same page as text: cells of a row separated by four spaces."""
    return "\n".join("    ".join(t for _, t in cells) for cells in rows)
