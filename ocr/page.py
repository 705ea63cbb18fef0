"""Read one page: prepare it, recognise it, and put the word boxes back on the upright colour image."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ocr.config import OcrConfig
from ocr.model import OcrEngine, PageText, Word
from ocr.preprocess import DebugHook, prepare
from ocr.sources import RasterPage


@dataclass(frozen=True, slots=True)
class PageResult:
    index: int
    image: np.ndarray
    """Upright colour page (BGR) — what is archived."""
    dpi: float
    dpi_estimated: bool
    text: PageText
    """Text with word boxes in ``image`` pixel coordinates."""
    rotation: int
    orientation_confidence: float
    skew: float
    steps: tuple[str, ...] = ()
    """Preprocessing steps that ran on the OCR copy."""
    seconds: float = 0.0
    """Wall time spent on the page (preprocessing and Tesseract)."""


def _map_words(text: PageText, matrix: tuple, width: int, height: int) -> PageText:
    m = np.array(matrix, dtype=np.float64)
    if np.allclose(m, [[1, 0, 0], [0, 1, 0]]):
        return text
    inv = cv2.invertAffineTransform(m)
    mapped: list[Word] = []
    for w in text.words:
        corners = np.array(
            [
                [w.left, w.top],
                [w.left + w.width, w.top],
                [w.left, w.top + w.height],
                [w.left + w.width, w.top + w.height],
            ],
            dtype=np.float64,
        )
        pts = corners @ inv[:, :2].T + inv[:, 2]
        x0, y0 = np.clip(pts.min(axis=0), 0, [width, height])
        x1, y1 = np.clip(pts.max(axis=0), 0, [width, height])
        mapped.append(replace(w, left=int(x0), top=int(y0), width=max(1, int(x1 - x0)), height=max(1, int(y1 - y0))))
    return replace(text, words=tuple(mapped), width=width, height=height)


def read_page(raster: RasterPage, engine: OcrEngine, cfg: OcrConfig, debug: DebugHook | None = None) -> PageResult:
    """Prepare one page and recognise it; a blank page is not sent to the engine. A born-digital page whose
    text layer reads as Vietnamese is not OCR'd at all: its own words are the text."""
    t0 = time.perf_counter()
    layer = raster.text_layer
    if layer is not None and layer.trusted(cfg.text_layer_max_legacy, cfg.text_layer_min_plausibility):
        h, w = raster.image.shape[:2]
        text = PageText(layer.text, layer.words, 1.0, w, h, plausibility=layer.plausibility, origin="text_layer")
        return PageResult(
            index=raster.index,
            image=raster.image,
            dpi=raster.dpi,
            dpi_estimated=raster.dpi_estimated,
            text=text,
            rotation=0,
            orientation_confidence=1.0,
            skew=0.0,
            steps=("text_layer",),
            seconds=round(time.perf_counter() - t0, 3),
        )
    osd = getattr(engine, "orientation", None)
    prepared = prepare(raster.image, cfg, raster.dpi, debug=debug, osd=osd)
    h, w = prepared.upright.shape[:2]
    if prepared.blank:
        text = PageText("", (), 0.0, w, h, plausibility=1.0, low_confidence=False, blank=True)
    else:
        text = engine.recognize(prepared.ocr_image, raster.dpi * prepared.scale)
        text = _map_words(text, prepared.matrix, w, h)
    steps = prepared.steps
    if layer is not None:  # the page has text, but it does not read as Vietnamese (legacy fonts): OCR'd instead
        text = replace(text, origin="ocr_garbled_layer")
        steps = ("text_layer_garbled", *steps)
    return PageResult(
        index=raster.index,
        image=prepared.upright,
        dpi=raster.dpi,
        dpi_estimated=raster.dpi_estimated,
        text=text,
        rotation=prepared.rotation,
        orientation_confidence=prepared.orientation_confidence,
        skew=prepared.skew,
        steps=steps,
        seconds=round(time.perf_counter() - t0, 3),
    )
