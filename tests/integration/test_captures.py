"""Real captures read end to end with Tesseract: a small picture without resolution, a phone photo, and the
signed PDF's text layer read back with ``pdftotext`` in its default order on a skewed page."""

from __future__ import annotations

import random
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr.config import OcrConfig
from ocr.page import read_page
from ocr.sources import RasterPage, inspect_source, iter_pages
from ocr.tesseract import TesseractEngine
from scripts.bench_ocr import line_errors
from scripts.samplegen import captures
from signing.config import SigningConfig
from signing.pdfa import PdfMetadata, PdfPage, build_pdfa

pytest_plugins = ["tests.fixtures_ocr"]
pytestmark = pytest.mark.slow

CFG = OcrConfig(workers=1)


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    e = TesseractEngine(CFG)
    e.probe()
    return e


def _error(paper, text: str) -> float:
    errors, total = line_errors(paper.truth_lines(), text)
    return errors / total


def test_a_small_picture_without_resolution_is_read_not_declared_blank(tmp_path: Path, sealed_page, engine):
    page, paper = sealed_page
    # the page sent as a 576-pixel-wide JPEG (about 70 dpi), no resolution in the file
    small = cv2.resize(page, (576, round(page.shape[0] * 576 / page.shape[1])), interpolation=cv2.INTER_AREA)
    path = tmp_path / "small.jpg"
    Image.fromarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB)).save(path, "JPEG", quality=85)
    raster = next(iter_pages(path, inspect_source(path, CFG), CFG))
    assert raster.dpi_source != "file"
    r = read_page(raster, engine, CFG)
    assert not r.text.blank and r.dpi_source == "content"
    assert r.dpi == pytest.approx(70, rel=0.15)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in r.text.text
    assert _error(paper, r.text.text) < 0.03
    # assumed to be 300 dpi, as before, the same picture came back blank
    assumed = read_page(RasterPage(0, raster.image, 300.0), engine, OcrConfig(workers=1, content_dpi=False))
    assert assumed.text.blank


def test_a_phone_photo_is_flattened_and_read(tmp_path: Path, sealed_page, engine):
    page, paper = sealed_page
    cap = captures.photo(Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB)), random.Random(2))
    assert cap.hold == 270  # held sideways
    path = tmp_path / "photo.jpg"
    path.write_bytes(cap.data)
    raster = next(iter_pages(path, inspect_source(path, CFG), CFG))
    r = read_page(raster, engine, CFG)
    assert r.steps[0] == "page" and r.page_corners is not None and r.rotation in (90, 270)
    h, w = r.image.shape[:2]
    assert h > w and abs(h / w - 297 / 210) < 0.02  # the archived page: flat, upright, A4
    assert _error(paper, r.text.text) < 0.02


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_signed_pdfs_text_reads_line_by_line_on_a_skewed_page(sealed_page, shadowed, engine):
    page, paper = sealed_page
    h, w = page.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 6.0, 1.0)
    skewed = cv2.warpAffine(page, m, (w, h), borderValue=(250, 250, 250))
    r = read_page(RasterPage(0, shadowed(skewed, 0.3), 200.0), engine, CFG)
    assert abs(r.skew_found) > 5 and r.skew == 0.0  # the archived page was straightened with the OCR copy
    ok, jpeg = cv2.imencode(".jpg", r.image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    ih, iw = r.image.shape[:2]
    meta = PdfMetadata("t", "000.00.00.H42-261207-0001.01", "sohoa", datetime(2026, 12, 7, tzinfo=UTC))
    pdf = build_pdfa([PdfPage(jpeg.tobytes(), iw, ih, r.dpi, r.text.words)], meta, SigningConfig().text_font_path)
    back = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    ocr_error, back_error = _error(paper, r.text.text), _error(paper, back)
    assert ocr_error < 0.03
    assert back_error <= ocr_error + 0.01, (ocr_error, back_error)
    # the lines come in the order of the OCR text
    lines = [x for x in back.splitlines() if x.strip()]
    assert lines.index(next(x for x in lines if "Ngày, tháng, năm sinh" in x)) < lines.index(
        next(x for x in lines if "Giới tính" in x or "Dân tộc" in x)
    )


def test_a_photo_of_a_blank_sheet_is_blank_and_costs_little(engine):
    paper = np.full((2400, 1800, 3), (200, 214, 226), np.uint8)
    noise = np.random.default_rng(3).normal(0, 3, paper.shape)
    raster = RasterPage(0, np.clip(paper + noise, 0, 255).astype(np.uint8), 300.0)
    r = read_page(raster, engine, CFG)
    assert r.text.blank and "blank-at-a-glance" in r.steps


def test_a_ruled_tables_rows_read_across_as_printed(tmp_path: Path, engine):
    import json

    from scripts.bench_ocr import norm_line, norm_text, substring_distance

    # the benchmark's seed-11 small JPEG of a residence paper whose table Tesseract reads cell by cell
    path = captures.write_captures(tmp_path, ["small"], 2, seed=11)[1]
    assert path.name.endswith("XNCT-ct07-table.jpg")
    truth = json.loads((tmp_path / "truth" / (path.stem + ".json")).read_text())["lines"]
    r = read_page(next(iter_pages(path, inspect_source(path, CFG), CFG)), engine, CFG)
    hay = norm_text(r.text.text)
    rows = [norm_line(x) for x in truth if x.count("    ") >= 3]  # label | value | label | value
    assert len(rows) == 2
    for row in rows:  # read cell after cell, each a line of its own, a row costs far more than its rules ("|")
        assert substring_distance(row, hay) <= 0.1 * len(row), (row, r.text.text)


def test_the_hook_above_a_circumflex_is_not_smoothed_into_an_acute_on_a_scan(engine):
    from collections import Counter

    from PIL import ImageDraw, ImageFont

    from scripts.samplegen.render import REGULAR

    dpi = 200
    img = Image.new("L", (round(8.27 * dpi), round(11.69 * dpi)), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(REGULAR), round(13 * dpi / 72))
    lines = [
        "Sổ hộ khẩu, sổ đỏ và quyển sổ kể từ ngày đổi",
        "Đăng ký thay đổi lần thứ hai, phổ thông, tuyển sinh",
        "Cổ phần, kể cả bổ sung, tổ dân phố, chủ hộ khẩu",
        "Ngày trúng tuyển, số đổi mới, quyển sổ thứ ba",
    ] * 4
    for i, line in enumerate(lines):
        draw.text((round(0.8 * dpi), round((1.0 + 0.35 * i) * dpi)), line, font=font, fill=0)
    page = cv2.cvtColor(np.asarray(img), cv2.COLOR_GRAY2BGR)
    hooks = Counter(w for line in lines for w in line.split() if any(c in w for c in "ổểẩỏẻảủở"))

    def read(smoothing: str) -> int:
        cfg = OcrConfig(workers=1, smoothing=smoothing)
        got = Counter(read_page(RasterPage(0, page, float(dpi)), TesseractEngine(cfg), cfg).text.text.split())
        return sum(min(n, got[w]) for w, n in hooks.items())

    scan = read("auto")  # the default: a clean scan is not smoothed
    assert scan >= 0.75 * sum(hooks.values())
    assert scan > read("always") + 5  # smoothed, "sổ" came back "số", "đổi" "đối", "tuyển" "tuyến"
