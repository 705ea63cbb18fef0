"""The one place that runs Tesseract (through pytesseract): probe, then recognise pages."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
import pytesseract

from ocr.config import OcrConfig
from ocr.errors import MissingDependency, OcrError, OcrTimeout
from ocr.layout import header_bottom, order_blocks, rows_across
from ocr.margins import recover_split_margins
from ocr.model import OcrEngine, PageText, Word
from ocr.reread import stack_lines
from ocr.text import nfc, plausibility, safe_fixes, tidy


@dataclass(frozen=True, slots=True)
class TesseractInfo:
    version: str
    languages: tuple[str, ...]


@functools.cache
def probe(lang: str = "vie") -> TesseractInfo:
    """Check that Tesseract and every language in ``lang`` are installed, before a batch starts."""
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = tuple(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, FileNotFoundError) as e:
        raise MissingDependency(
            "Tesseract is not installed: apt install tesseract-ocr tesseract-ocr-vie",
            "chưa cài Tesseract: apt install tesseract-ocr tesseract-ocr-vie",
        ) from e
    except Exception as e:
        raise MissingDependency(f"Tesseract does not run: {e}", f"Tesseract không chạy được: {e}") from e
    for code in lang.split("+"):
        if code not in languages:
            raise MissingDependency(
                f"Tesseract language model '{code}' is missing: apt install tesseract-ocr-{code}",
                f"thiếu mô hình ngôn ngữ Tesseract '{code}': apt install tesseract-ocr-{code}",
            )
    return TesseractInfo(version, languages)


@contextlib.contextmanager
def image_file(image: np.ndarray) -> Iterator[str]:
    """The image written to a temporary uncompressed file (PGM, or PPM in colour) that Tesseract reads.

    pytesseract would save an array as a PNG through Pillow at its default compression: on a 200 dpi A4
    page that costs about as much as a third of Tesseract's own read. A PNM file is written in milliseconds
    and holds the same pixels; the resolution goes on the command line (``--dpi``) either way.
    """
    suffix = ".pgm" if image.ndim == 2 else ".ppm"
    with tempfile.TemporaryDirectory(prefix="sohoa-tess-") as d:
        path = os.path.join(d, "page" + suffix)
        if not cv2.imwrite(path, np.ascontiguousarray(image)):
            raise OcrError("could not write the page for Tesseract", "không ghi được trang để Tesseract đọc")
        yield path


class TesseractEngine(OcrEngine):
    """Recognise Vietnamese text with Tesseract's LSTM engine."""

    reads_lines = True

    def __init__(self, cfg: OcrConfig) -> None:
        self.cfg = cfg
        # Pages run in parallel processes; Tesseract's own OpenMP threads would fight them.
        os.environ.setdefault("OMP_THREAD_LIMIT", str(cfg.tesseract_threads))

    def probe(self) -> TesseractInfo:
        return probe(self.cfg.lang)

    def orientation(self, gray: np.ndarray) -> tuple[int, float]:
        """Tesseract OSD: clockwise rotation that makes the page upright, and OSD's confidence."""
        small = gray
        if max(gray.shape) > 2000:
            f = 2000 / max(gray.shape)
            small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        try:
            with image_file(small) as path:
                data = pytesseract.image_to_osd(
                    path,
                    config="--psm 0 -c min_characters_to_try=10",
                    output_type=pytesseract.Output.DICT,
                    timeout=min(30.0, self.cfg.page_timeout_s),
                )
        except (pytesseract.TesseractError, RuntimeError) as e:
            raise OcrError(f"Tesseract OSD failed: {e}", f"Tesseract OSD gặp lỗi: {e}") from e
        return int(data["rotate"]) % 360, float(data["orientation_conf"])

    def recognize(self, gray: np.ndarray, dpi: float) -> PageText:
        cfg = self.cfg
        config = f"--oem {cfg.oem} --psm {cfg.psm} --dpi {round(dpi)}"
        try:
            with image_file(gray) as path:
                data = pytesseract.image_to_data(
                    path,
                    lang=cfg.lang,
                    config=config,
                    output_type=pytesseract.Output.DICT,
                    timeout=cfg.page_timeout_s,
                )
        except pytesseract.TesseractNotFoundError as e:
            raise MissingDependency(
                "Tesseract is not installed: apt install tesseract-ocr tesseract-ocr-vie",
                "chưa cài Tesseract: apt install tesseract-ocr tesseract-ocr-vie",
            ) from e
        except RuntimeError as e:
            if "timeout" in str(e).lower():
                raise OcrTimeout(
                    f"Tesseract took longer than {cfg.page_timeout_s:.0f} s on a page",
                    f"Tesseract xử lý một trang quá {cfg.page_timeout_s:.0f} giây",
                ) from e
            raise OcrError(f"Tesseract failed: {e}", f"Tesseract gặp lỗi: {e}") from e
        except pytesseract.TesseractError as e:
            raise OcrError(f"Tesseract failed: {e}", f"Tesseract gặp lỗi: {e}") from e
        if cfg.psm in (1, 3):  # the page's own layout analysis: list numbers it split off are read again
            data, _ = recover_split_margins(data, gray, dpi, lambda crop: self._data(crop, dpi, 6, 30.0))
        page = page_text_from_data(data, gray.shape[1], gray.shape[0], cfg.min_word_confidence, cfg.layout_columns)
        return judge(page, cfg)

    def _data(self, gray: np.ndarray, dpi: float, psm: int, timeout: float) -> dict:
        """Tesseract's ``image_to_data`` of a small image in layout mode ``psm`` (the second reads)."""
        try:
            with image_file(gray) as path:
                return pytesseract.image_to_data(
                    path,
                    lang=self.cfg.lang,
                    config=f"--oem {self.cfg.oem} --psm {psm} --dpi {round(dpi)}",
                    output_type=pytesseract.Output.DICT,
                    timeout=min(timeout, self.cfg.page_timeout_s),
                )
        except (pytesseract.TesseractError, RuntimeError) as e:
            raise OcrError(f"Tesseract failed on a line: {e}", f"Tesseract gặp lỗi khi đọc một dòng: {e}") from e

    def _words(self, gray: np.ndarray, dpi: float, psm: int, timeout: float) -> tuple[Word, ...]:
        """Words Tesseract reads on a small image in layout mode ``psm`` (the second reads)."""
        data = self._data(gray, dpi, psm, timeout)
        return page_text_from_data(data, gray.shape[1], gray.shape[0], columns=False).words

    def read_line(self, gray: np.ndarray, dpi: float) -> tuple[Word, ...]:
        """Words of an image holding one text line (``--psm 7``): the second read of ``ocr.reread``."""
        return self._words(gray, dpi, 7, 30.0)

    def read_lines(self, lines: Sequence[np.ndarray], dpi: float) -> list[tuple[Word, ...]]:
        """Words of several one-line images, read in one call: stacked apart and read as a block
        (``--psm 6``); each word goes to the line whose band holds its middle."""
        canvas, bands = stack_lines(lines)
        words = self._words(canvas, dpi, 6, 60.0)
        out: list[list[Word]] = [[] for _ in bands]
        for w in words:
            middle = w.top + w.height / 2
            for k, (top, bottom) in enumerate(bands):
                if top <= middle <= bottom:
                    out[k].append(w)
                    break
        return [tuple(sorted(ws, key=lambda w: w.left)) for ws in out]


def page_text_from_data(data: dict, width: int, height: int, min_conf: float = 0.0, columns: bool = True) -> PageText:
    """Words, reading-order text and confidence from pytesseract's ``image_to_data`` dictionary."""
    words: list[Word] = []
    lines: dict[tuple[int, int, int], list[Word]] = {}
    order: list[tuple[int, int, int]] = []
    for i, raw in enumerate(data["text"]):
        text = nfc(str(raw)).strip()
        if int(data["level"][i]) != 5 or not text:
            continue
        conf = float(data["conf"][i])
        if conf < min_conf:
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        word = Word(
            text=text,
            left=int(data["left"][i]),
            top=int(data["top"][i]),
            width=int(data["width"][i]),
            height=int(data["height"][i]),
            conf=max(conf, 0.0),
            block=key[0],
            line=len(order) if key not in lines else order.index(key),
        )
        if key not in lines:
            lines[key] = []
            order.append(key)
        lines[key].append(word)
        words.append(word)
    if columns:
        # Tesseract's blocks first, then each block's lines re-cut where a wide gap joins two columns
        blocks: list[list[list[Word]]] = []
        previous_block = None
        for key in order:
            if key[0] != previous_block:
                blocks.append([])
                previous_block = key[0]
            blocks[-1].append(lines[key])
        end = header_bottom([lines[key] for key in order], width, height)
        text_blocks = [b for block in rows_across(blocks, end) for b in order_blocks(block, width, end)]
    else:
        text_blocks = []
        previous_block = None
        for key in order:
            if key[0] != previous_block:
                text_blocks.append([])
                previous_block = key[0]
            text_blocks[-1].append(" ".join(w.text for w in lines[key]))
    out = "\n\n".join("\n".join(b) for b in text_blocks)
    total = sum(len(w.text) for w in words)
    confidence = sum(w.conf * len(w.text) for w in words) / total / 100.0 if total else 0.0
    return PageText(tidy(out), tuple(words), round(confidence, 4), width, height)


def judge(page: PageText, cfg: OcrConfig) -> PageText:
    """Safe text fixes, then the page's plausibility as Vietnamese and its low-confidence flag.

    An implausible page keeps its text (a person may still read something from it) but its confidence
    drops to its plausibility, so the document goes to review instead of passing garbage on.
    """
    text = safe_fixes(page.text) if cfg.safe_fixes else page.text
    score = plausibility(text)
    confidence = page.confidence
    low = False
    if text and score < cfg.min_plausibility:
        low = True
        confidence = min(confidence, score)
    if text and confidence < cfg.min_page_confidence:
        low = True
    return replace(page, text=text, plausibility=score, confidence=round(confidence, 4), low_confidence=low)
