"""Each preprocessing step on generated pages (no Tesseract: these run in a second or two)."""

import cv2
import numpy as np
import pytest

from ocr.config import OcrConfig
from ocr.layout import order_blocks
from ocr.model import Word
from ocr.preprocess import (
    colour_ink_mask,
    count_glyphs,
    crop_background,
    flatten_illumination,
    prepare,
    remove_specks,
    rotate_quarter,
    suppress_colour_ink,
)
from scripts.samplegen.render import SEAL_RED

pytest_plugins = ["tests.fixtures_ocr"]

OFF = {
    "orientation": False,
    "ink_suppression": False,
    "crop": False,
    "deskew": False,
    "illumination": False,
    "denoise": False,
    "leaders": False,
    "binarize": False,
    "upscale": False,
    "blank_detection": False,
}


def _rotate(image: np.ndarray, angle: float) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, m, (w, h), borderValue=(250, 250, 250))


@pytest.mark.parametrize("angle", [-14.0, -6.3, -0.9, 2.2, 11.7])
def test_a_skewed_shadowed_page_comes_back_within_two_tenths_of_a_degree(sealed_page, shadowed, angle):
    page, _ = sealed_page
    prepared = prepare(shadowed(_rotate(page, angle)), OcrConfig(), 200)
    assert prepared.rotation == 0
    assert prepared.skew == pytest.approx(angle, abs=0.2)


@pytest.mark.parametrize("fed", [90, 180, 270])
def test_a_sideways_or_upside_down_page_is_turned_upright(sealed_page, shadowed, fed):
    page, _ = sealed_page
    scan = shadowed(_rotate(rotate_quarter(page, fed), 3.0))
    prepared = prepare(scan, OcrConfig(orientation_osd=False), 200)
    assert (fed + prepared.rotation) % 360 == 0
    assert prepared.orientation_confidence > 0.3
    # the archived image: upright, colour, straightened on a canvas a little larger than the page (nothing cut)
    assert prepared.upright.ndim == 3 and "straighten-archive" in prepared.steps
    h, w = page.shape[:2]
    assert h <= prepared.upright.shape[0] <= h * 1.1 and w <= prepared.upright.shape[1] <= w * 1.1
    kept = prepare(scan, OcrConfig(orientation_osd=False, deskew_archive=False), 200)
    assert kept.upright.shape == page.shape  # turned by quarter turns only: upright, colour, full size


def test_the_archived_image_is_never_altered(sealed_page):
    page, _ = sealed_page
    before = page.copy()
    prepared = prepare(page, OcrConfig(binarize=True), 200)
    assert np.array_equal(page, before)
    assert np.array_equal(prepared.upright, page)


def test_red_seal_is_lifted_and_the_black_text_under_it_kept(sealed_page):
    page, _ = sealed_page
    red = np.all(np.abs(page.astype(int) - SEAL_RED[::-1]) < 30, axis=2)  # pure seal ink (BGR)
    assert red.sum() > 2000, "the sample must carry a seal"
    ink = colour_ink_mask(page, 200).astype(bool)
    assert ink[red].mean() > 0.95
    gray = suppress_colour_ink(page, 200)
    assert np.median(gray[red]) > 200  # seal ink is now as light as paper
    plain = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    under = (plain < 60) & ~ink  # black print (also where it crosses the seal) stays black
    assert np.median(gray[under]) < 60


def test_a_red_line_of_print_is_not_taken_for_a_seal():
    page = np.full((600, 1200, 3), 255, np.uint8)
    cv2.putText(page, "CAN CUOC CONG DAN", (50, 300), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (20, 20, 170), 4)
    assert colour_ink_mask(page, 200).sum() == 0


def test_a_red_line_of_print_on_a_page_lying_sideways_is_not_taken_for_a_seal():
    # ink comes before orientation: a photo held sideways shows a red title running down the page
    page = np.full((600, 1200, 3), 255, np.uint8)
    cv2.putText(page, "GIAY PHEP LAI XE", (50, 300), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (20, 20, 170), 4)
    sideways = cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE)
    assert colour_ink_mask(sideways, 200).sum() == 0
    gray = suppress_colour_ink(sideways, 200)
    red = np.all(np.abs(sideways.astype(int) - (20, 20, 170)) < 30, axis=2)
    assert np.median(gray[red]) < 120  # the title stays dark for Tesseract


def test_illumination_makes_shadowed_yellow_paper_white(sealed_page, shadowed):
    page, _ = sealed_page
    gray = cv2.cvtColor(shadowed(page, 0.5), cv2.COLOR_BGR2GRAY)
    flat = flatten_illumination(gray, 200)
    paper = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) > 250
    assert np.percentile(gray[paper], 5) < 160  # the shadow was deep
    assert np.percentile(flat[paper], 5) > 225
    text = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) < 60
    assert np.median(flat[text]) < 110


def test_dark_scanner_border_is_whitened():
    page = np.full((1000, 800), 255, np.uint8)
    cv2.putText(page, "Ho va ten", (100, 500), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    page[:, :60] = 10
    page[:40, :] = 15
    out = crop_background(page)
    assert out[:, :60].min() == 255 and out[:40, :].min() == 255
    assert out[450:520, 100:300].min() < 50  # the text stays


def test_specks_go_and_diacritic_sized_dots_stay():
    page = np.full((400, 400), 255, np.uint8)
    rng = np.random.default_rng(1)
    ys, xs = rng.integers(0, 400, 300), rng.integers(0, 400, 300)
    page[ys, xs] = 0  # single-pixel specks
    page[200:203, 200:203] = 0  # a dot below: 3x3 at 200 dpi
    out = remove_specks(page, 200)
    assert (out < 128).sum() < 30
    assert out[200:203, 200:203].max() < 128


def test_a_blank_page_is_detected_and_a_written_one_is_not(sealed_page):
    page, _ = sealed_page
    blank = np.full_like(page, 245)
    rng = np.random.default_rng(2)
    blank = np.clip(blank + rng.normal(0, 10, blank.shape), 0, 255).astype(np.uint8)
    blank[rng.integers(0, blank.shape[0], 400), rng.integers(0, blank.shape[1], 400)] = 20  # dust
    cv2.line(blank, (0, 1200), (blank.shape[1], 1210), (180, 180, 180), 3)  # a fold
    p = prepare(blank, OcrConfig(), 200)
    assert p.blank
    assert not prepare(page, OcrConfig(), 200).blank
    assert count_glyphs(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), 200) > 300


def test_low_resolution_scans_are_enlarged_for_ocr_only(sealed_page):
    page, _ = sealed_page
    small = cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # 100 dpi
    p = prepare(small, OcrConfig(min_ocr_dpi=200), 100)
    assert p.scale == pytest.approx(2.0)
    assert p.ocr_image.shape[0] == small.shape[0] * 2
    assert p.upright.shape == small.shape
    assert prepare(small, OcrConfig(upscale=False), 100).scale == 1.0


def test_every_step_can_be_switched_off_and_each_is_shown(sealed_page):
    page, _ = sealed_page
    seen: list[str] = []
    p = prepare(page, OcrConfig(binarize=True), 200, debug=lambda name, img: seen.append(name))
    assert p.steps == ("ink", "crop", "illumination", "orientation", "denoise", "leaders", "binarize")
    assert seen[0] == "00-input" and seen[1:] == [f"{i:02d}-{s}" for i, s in enumerate(p.steps, 1)]
    bare = prepare(page, OcrConfig(**OFF), 200)
    assert bare.steps == ()
    assert np.array_equal(bare.ocr_image, cv2.cvtColor(page, cv2.COLOR_BGR2GRAY))


def test_binarized_page_is_black_and_white(sealed_page, shadowed):
    page, _ = sealed_page
    p = prepare(shadowed(page), OcrConfig(binarize=True), 200)
    assert set(np.unique(p.ocr_image)) <= {0, 255}


def _w(text, left, top, width=80, height=30, block=1):
    return Word(text, left, top, width, height, 95.0, block)


def test_a_two_column_header_read_across_becomes_two_blocks():
    # Tesseract's merged lines: issuing body (left) and national motto (right) on the same lines
    lines = [
        [
            _w("ỦY", 100, 100),
            _w("BAN", 190, 100),
            _w("NHÂN", 280, 100),
            _w("DÂN", 370, 100),
            _w("CỘNG", 800, 100),
            _w("HÒA", 890, 100),
            _w("VIỆT", 980, 100),
            _w("NAM", 1070, 100),
        ],
        [
            _w("XÃ", 140, 140),
            _w("NINH", 230, 140),
            _w("GIANG", 320, 140),
            _w("Độc", 830, 140),
            _w("lập", 920, 140),
            _w("-", 1010, 140, 20),
            _w("Tự", 1040, 140),
        ],
        [_w("Số:", 150, 180), _w("229/2011", 240, 180)],
        [_w("GIẤY", 500, 300), _w("KHAI", 590, 300), _w("SINH", 680, 300)],
    ]
    blocks = order_blocks(lines, 1654)
    assert blocks == [
        ["ỦY BAN NHÂN DÂN", "XÃ NINH GIANG", "Số: 229/2011"],
        ["CỘNG HÒA VIỆT NAM", "Độc lập - Tự"],
        ["GIẤY KHAI SINH"],
    ]


def test_ordinary_lines_are_left_alone():
    lines = [[_w("Giới", 100, 100), _w("tính:", 190, 100), _w("Nam", 280, 100), _w("Dân", 420, 100)]]
    assert order_blocks(lines, 1654) == [["Giới tính: Nam Dân"]]
