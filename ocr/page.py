"""Read one page: find it (photos), measure its scale, prepare it, recognise it, and put the word boxes back on
the upright colour image.

    blank PDF page? → page in a photo → resolution (file / content / page size) → blank at a glance? → prepare
    → recognise
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ocr.config import OcrConfig
from ocr.model import OcrEngine, PageText, Word
from ocr.photo import PageQuad, find_page, flatten_page, whiten
from ocr.preprocess import DebugHook, looks_blank, prepare
from ocr.scale import measure_text_scale
from ocr.sources import A4_SHORT_IN, RasterPage


@dataclass(frozen=True, slots=True)
class PageResult:
    index: int
    image: np.ndarray
    """Upright colour page (BGR) — what is archived."""
    dpi: float
    """Resolution of ``image``: the file's, or measured (see ``dpi_source``)."""
    dpi_estimated: bool
    text: PageText
    """Text with word boxes in ``image`` pixel coordinates."""
    rotation: int
    orientation_confidence: float
    skew: float
    """Skew left in ``image`` (what a second read of a line must undo): 0 once the archived page was
    straightened; ``skew_found`` is what the page was fed askew by."""
    steps: tuple[str, ...] = ()
    """Preprocessing steps that ran on the OCR copy."""
    seconds: float = 0.0
    """Wall time spent on the page (preprocessing and Tesseract)."""
    dpi_source: str = "file"
    """Where ``dpi`` comes from: ``file``, ``content`` (the text's measured scale), ``page_size`` (the page's
    proportions taken for A4) or ``default`` (the configured fallback)."""
    page_corners: tuple[tuple[float, float], ...] | None = None
    """Corners of the page found in a photo (TL, TR, BR, BL, photo pixels); None for a scan."""
    skew_found: float = 0.0
    """Skew measured on the page (degrees, counter-clockwise positive), whether or not ``image`` keeps it."""


MAX_PAPER_IN = 17.0
"""Longest side of any paper a counter receives, in inches (A3's is 16.5)."""


def resolve_dpi(image: np.ndarray, dpi: float, source: str, cfg: OcrConfig) -> tuple[float, str]:
    """The page's resolution and where it comes from.

    A file's usable resolution stands unless the text contradicts it by more than ``dpi_contradiction``;
    otherwise the text's measured scale wins over any guess from the page's size — except on a page found in
    a photo (``page_size``: the image is the sheet itself), where a scale that would make the sheet larger
    than ``MAX_PAPER_IN`` is a mis-measure (small print or specks taken for body text), not a poster.
    """
    if not cfg.content_dpi:
        return dpi, source
    measured = measure_text_scale(image)
    if measured is None:
        return dpi, source
    agrees = 1 / cfg.dpi_contradiction <= dpi / measured.dpi <= cfg.dpi_contradiction
    if source == "file" and (agrees or not measured.trusted):
        return dpi, source
    if source == "page_size" and max(image.shape[:2]) / measured.dpi > MAX_PAPER_IN:
        return dpi, source
    return round(measured.dpi, 1), "content"


def _photo_page(image: np.ndarray) -> tuple[np.ndarray, PageQuad | None, float | None]:
    """The flattened, whitened page of a photo (or the image as it was) and, when found, its resolution by A4
    size."""
    quad = find_page(image)
    if quad is None:
        return image, None, None
    page = whiten(flatten_page(image, quad))
    h, w = page.shape[:2]
    return page, quad, min(h, w) / A4_SHORT_IN


def _blank_result(raster: RasterPage, image: np.ndarray, dpi: float, source: str, t0: float, steps) -> PageResult:
    h, w = image.shape[:2]
    return PageResult(
        index=raster.index,
        image=image,
        dpi=dpi,
        dpi_estimated=source != "file",
        text=PageText("", (), 0.0, w, h, plausibility=1.0, low_confidence=False, blank=True),
        rotation=0,
        orientation_confidence=0.0,
        skew=0.0,
        steps=tuple(steps),
        seconds=round(time.perf_counter() - t0, 3),
        dpi_source=source,
    )


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
    """Prepare one page and recognise it; a blank page is not sent to the engine (nor, when it is blank at a
    glance, through the preparation steps). A born-digital page whose text layer reads as Vietnamese is not
    OCR'd at all: its own words are the text."""
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
            dpi_source=raster.dpi_source,
        )
    if raster.blank:  # a PDF page with nothing drawn on it
        return _blank_result(raster, raster.image, raster.dpi, raster.dpi_source, t0, ("blank-pdf-page",))
    image, dpi, source = raster.image, raster.dpi, raster.dpi_source
    steps: list[str] = []
    quad = None
    if cfg.page_detection and raster.camera:
        image, quad, page_dpi = _photo_page(image)
        if quad is not None:
            steps.append("page")
            if debug is not None:
                debug("00-page", image)
            if source != "file":
                dpi, source = page_dpi, "page_size"
    dpi, source = resolve_dpi(image, dpi, source, cfg)
    if cfg.blank_detection and looks_blank(image):
        return _blank_result(raster, image, dpi, source, t0, (*steps, "blank-at-a-glance"))
    prepared = prepare(image, cfg, dpi, debug=debug, osd=engine.orientation, photo=quad is not None)
    h, w = prepared.upright.shape[:2]
    if prepared.blank:
        text = PageText("", (), 0.0, w, h, plausibility=1.0, low_confidence=False, blank=True)
    else:
        text = engine.recognize(prepared.ocr_image, dpi * prepared.scale)
        text = _map_words(text, prepared.matrix, w, h)
    if layer is not None:  # the page has text, but it does not read as Vietnamese (legacy fonts): OCR'd instead
        text = replace(text, origin="ocr_garbled_layer")
        steps.insert(0, "text_layer_garbled")
    corners = None
    if quad is not None:
        corners = tuple((round(float(x), 1), round(float(y), 1)) for x, y in quad.corners)
    return PageResult(
        index=raster.index,
        image=prepared.upright,
        dpi=dpi,
        dpi_estimated=source != "file",
        text=text,
        rotation=prepared.rotation,
        orientation_confidence=prepared.orientation_confidence,
        skew=prepared.upright_skew,
        steps=(*steps, *prepared.steps),
        seconds=round(time.perf_counter() - t0, 3),
        dpi_source=source,
        page_corners=corners,
        skew_found=prepared.skew,
    )
