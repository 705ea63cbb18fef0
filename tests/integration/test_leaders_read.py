"""Values printed over dotted and underscored blanks read right (real Tesseract, generated official forms).

Regression: before ``ocr.leaders``, Tesseract dropped the whole "Họ, chữ đệm, tên: ....... NAME ......." line
of every tt15 dotted birth-certificate extract tried, and the date of birth under it; the paper went to review
with its owner's name missing.
"""

import json
from pathlib import Path

import cv2
import pytest

from catalog.assess import assess
from catalog.config import CatalogConfig
from catalog.types import default_document_types
from ocr.config import OcrConfig
from ocr.page import read_page
from ocr.sources import RasterPage
from ocr.tesseract import TesseractEngine
from scripts.make_samples import Spec, generate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    e = TesseractEngine(OcrConfig())
    e.probe()
    return e


@pytest.mark.parametrize(("type_code", "layout"), [("TLKS", "tt15-dotted"), ("GCS", "2012-underline")])
def test_a_value_over_a_leader_is_read_and_extracted(tmp_path: Path, engine, type_code, layout):
    scan = generate(tmp_path, [Spec(type_code, "clean", 200, "png", layout)], seed=3)[0]
    truth = json.loads((tmp_path / "truth" / f"{scan.stem}.json").read_text())
    page = read_page(RasterPage(0, cv2.imread(str(scan)), 200.0), engine, OcrConfig())
    assert "leaders" in page.steps
    assert "......." not in page.text.text and "____" not in page.text.text
    a = assess(page.text.text, default_document_types(), CatalogConfig(), words=page.text.words)
    assert a.type_code == type_code
    for key in ("full_name", "date_of_birth", "id_number"):
        if key in truth["fields"]:
            assert a.fields[key].value == truth["fields"][key], key
    assert not [r for r in a.review if "full_name" in r or "date_of_birth" in r], a.review
