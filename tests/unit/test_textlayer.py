"""Born-digital PDF pages (issue 19): a text layer in Unicode is the page's text, no OCR; one typed in a legacy font
(TCVN3, VNI) reads as garbage and the page is OCR'd instead, saying so; a page without text is OCR'd as a scan."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from ocr.config import OcrConfig
from ocr.model import OcrEngine, PageText
from ocr.page import read_page
from ocr.sources import inspect_source, iter_pages
from ocr.text import legacy_share, plausibility
from scripts.samplegen.born_digital import tcvn3, vni
from scripts.samplegen.papers import GENERATORS, make_paper
from tests import originals_data as od

CFG = OcrConfig(pdf_dpi=150)


class CountingEngine(OcrEngine):
    """Stands in for Tesseract: counts the pages it is asked to read."""

    def __init__(self) -> None:
        self.calls = 0

    def recognize(self, gray: np.ndarray, dpi: float) -> PageText:
        self.calls += 1
        h, w = gray.shape[:2]
        return PageText("văn bản đọc bằng OCR", (), 0.9, w, h)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("born-digital")
    out = {}
    for enc in ("unicode", "tcvn3", "vni", "none"):
        out[enc] = d / f"{enc}.pdf"
        out[enc].write_bytes(od.extract_pdf(enc))
    out["mixed"] = d / "mixed.pdf"
    out["mixed"].write_bytes(od.born_digital_pdf([od.BIRTH_EXTRACT, od.BIRTH_EXTRACT], ["none", "unicode"]))
    return out


def _read(path: Path) -> tuple[list, CountingEngine]:
    engine = CountingEngine()
    info = inspect_source(path, CFG)
    assert not info.signed
    return [read_page(r, engine, CFG) for r in iter_pages(path, info, CFG)], engine


def test_a_unicode_text_layer_is_the_text_and_skips_ocr(pdfs):
    pages, engine = _read(pdfs["unicode"])
    assert engine.calls == 0
    t = pages[0].text
    assert t.origin == "text_layer" and pages[0].steps == ("text_layer",)
    assert "TRÍCH LỤC KHAI SINH" in t.text and "037319004512" in t.text
    # word boxes are in the rendered page's pixels: the ID number lies inside the page, below the title
    h, w = pages[0].image.shape[:2]
    title = next(x for x in t.words if x.text == "TRÍCH")
    number = next(x for x in t.words if x.text == "037319004512")
    assert 0 < number.left < w and title.top < number.top < h


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_a_legacy_encoded_layer_is_ocrd_instead_and_says_so(pdfs, encoding: str):
    pages, engine = _read(pdfs[encoding])
    assert engine.calls == 1
    assert pages[0].text.origin == "ocr_garbled_layer" and pages[0].steps[0] == "text_layer_garbled"
    assert pages[0].text.text == "văn bản đọc bằng OCR"


def test_a_page_without_text_is_read_as_a_scan(pdfs):
    pages, engine = _read(pdfs["none"])
    assert engine.calls == 1 and pages[0].text.origin == "ocr"


def test_a_mixed_file_takes_each_page_its_own_way(pdfs):
    pages, engine = _read(pdfs["mixed"])
    assert [p.text.origin for p in pages] == ["ocr", "text_layer"] and engine.calls == 1


def test_the_text_layer_can_be_switched_off(pdfs):
    engine = CountingEngine()
    cfg = OcrConfig(pdf_dpi=150, text_layer=False)
    info = inspect_source(pdfs["unicode"], cfg)
    pages = [read_page(r, engine, cfg) for r in iter_pages(pdfs["unicode"], info, cfg)]
    assert engine.calls == 1 and pages[0].text.origin == "ocr"


def test_legacy_encodings_are_told_from_unicode_on_held_out_papers():
    """The thresholds were set on the tests' birth extract and sample seeds 0-7; here, seeds 100-131 of every
    paper type and layout: every Unicode text is trusted, every TCVN3 and VNI rendering of it is not."""
    cfg = OcrConfig()

    def trusted(text: str) -> bool:
        return legacy_share(text) <= cfg.text_layer_max_legacy and plausibility(text) >= cfg.text_layer_min_plausibility

    n = 0
    for code in GENERATORS:
        for seed in range(100, 132):
            text = "\n".join(make_paper(code, random.Random(seed), "random").truth_lines())
            assert trusted(text), (code, seed)
            assert not trusted(tcvn3(text)) and not trusted(vni(text)), (code, seed)
            n += 1
    assert n == len(GENERATORS) * 32
