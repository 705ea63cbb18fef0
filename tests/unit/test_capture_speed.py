"""What makes a capture cheaper to read without changing what is read: the page handed to Tesseract as an
uncompressed file, the photo's light divided out in 8 bits; and the benchmark's scoring of leaders."""

from __future__ import annotations

import os
import random

import cv2
import numpy as np
from PIL import Image

from ocr.config import OcrConfig
from ocr.photo import find_page, whiten
from ocr.tesseract import image_file
from scripts.bench_ocr import drop_leaders, line_errors
from scripts.samplegen import captures

pytest_plugins = ["tests.fixtures_ocr"]

CFG = OcrConfig()


def test_the_page_goes_to_tesseract_as_the_same_pixels_in_a_file_removed_after():
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 256, (123, 77), dtype=np.uint8)
    colour = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    for image, suffix in ((grey, ".pgm"), (colour, ".ppm")):
        with image_file(image) as path:
            assert path.endswith(suffix) and os.path.exists(path)
            back = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            assert back is not None and np.array_equal(back, image)
        assert not os.path.exists(path)
    # a slice of a larger array (not contiguous) is written as what it shows
    view = grey[::2, 10:50]
    with image_file(view) as path:
        assert np.array_equal(cv2.imread(path, cv2.IMREAD_UNCHANGED), view)


def _whiten_in_floats(page: np.ndarray) -> np.ndarray:
    """``whiten`` as it was written before, in floating point (truncated)."""
    h, w = page.shape[:2]
    small = cv2.resize(page, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    k = max(5, (max(small.shape[:2]) // 40) | 1)
    background = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.medianBlur(background, 5)
    background = cv2.GaussianBlur(background, (0, 0), k)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    out = page.astype(np.float32) * (255.0 / np.maximum(background, 1).astype(np.float32))
    return np.clip(out, 0, 255).astype(np.uint8)


def test_whitening_in_8_bits_is_the_float_division_within_a_level(sealed_page):
    page, _ = sealed_page
    w = page.shape[1]
    # warm light falling off across the page, as on a photo
    ramp = np.linspace(1.0, 0.55, w, dtype=np.float32)[None, :, None] * np.array([0.8, 0.95, 1.0], np.float32)
    lit = np.clip(page.astype(np.float32) * ramp, 0, 255).astype(np.uint8)
    ours = whiten(lit).astype(int)
    ref = _whiten_in_floats(lit).astype(int)
    assert np.abs(ours - ref).max() <= 1
    # the paper comes back white on the dim side too, the ink stays dark
    g = cv2.cvtColor(whiten(lit), cv2.COLOR_BGR2GRAY)
    assert np.median(g[:, -w // 5 :]) >= 245
    assert g.min() < 80


def test_page_corners_are_found_on_a_photo_held_sideways(sealed_page):
    """The cheaper smoothing of the page search still places the corners within a few pixels, whatever the
    hold (seeds chosen so that the set holds an upright and a sideways photo)."""
    page, _ = sealed_page
    rgb = Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB))
    holds = set()
    for seed in (1, 2, 5, 7):
        cap = captures.photo(rgb, random.Random(seed))
        holds.add(cap.hold % 180)
        photo = cv2.imdecode(np.frombuffer(cap.data, np.uint8), cv2.IMREAD_COLOR)
        found = find_page(photo)
        assert found is not None, seed
        truth = np.array(cap.corners)
        err = min(np.abs(np.roll(found.corners, k, axis=0) - truth).max() for k in range(4))
        assert err <= 6.0, (seed, err)
    assert holds == {0, 90}


def test_leaders_are_not_scored_as_content_on_either_side():
    truth = ["Họ, chữ đệm, tên: ....... NGUYỄN VĂN AN .......", "Số tiền: ____ 1.000.000 đồng ____"]
    # a reader that drops the leaders and one that reads them as dots both score 0
    assert line_errors(truth, "Họ, chữ đệm, tên: NGUYỄN VĂN AN\nSố tiền: 1.000.000 đồng", leaders=False)[0] == 0
    assert (
        line_errors(
            truth, "Họ, chữ đệm, tên:...... NGUYỄN VĂN AN ....\nSố tiền: ___ 1.000.000 đồng ______", leaders=False
        )[0]
        == 0
    )
    # a misread word still counts, and so does junk left where the dots were
    assert line_errors(truth, "Họ, chữ đệm, tên: NGUYỄN VĂN AM\nSố tiền: 1.000.000 đồng", leaders=False)[0] == 1
    assert line_errors(truth, "Họ, chữ đệm, tên: .,:. NGUYỄN VĂN AN\nSố tiền: 1.000.000 đồng", leaders=False)[0] == 5
    # scored as characters (the default), dropping them costs every dot
    assert line_errors(truth, "Họ, chữ đệm, tên: NGUYỄN VĂN AN\nSố tiền: 1.000.000 đồng")[0] > 20
    # an ellipsis, a date and a sum keep their dots
    for text in ("Còn nữa...", "ngày 01.02.2003", "1.000.000 đồng"):
        assert drop_leaders(text) == text


def test_a_photos_sheet_keeps_its_size_against_a_scale_that_would_make_it_a_poster(sealed_page, monkeypatch):
    """On a page found in a photo the sheet's A4 size gives the resolution; a measured text scale replaces it
    (a card, an A5 slip) unless it would make the sheet larger than any paper (a mis-measure: on a photographed
    birth certificate small marks were taken for body text, 56 dpi for 188, and the OCR copy was blown up 3x)."""
    import ocr.page as page_mod
    from ocr.scale import BODY_CAP_HEIGHT_IN, TextScale

    page, _ = sealed_page  # 200 dpi, A4
    h, w = page.shape[:2]
    by_size = min(h, w) / 8.27
    too_coarse = TextScale(cap_height=56 * BODY_CAP_HEIGHT_IN, marks=400)
    monkeypatch.setattr(page_mod, "measure_text_scale", lambda image: too_coarse)
    assert page_mod.resolve_dpi(page, by_size, "page_size", CFG) == (by_size, "page_size")
    # anything else without a resolution of its own still takes the text's word
    assert page_mod.resolve_dpi(page, 300.0, "default", CFG) == (56.0, "content")
    # a card photographed alone: taken for A4 by its size (about 50 dpi), its text says 200: the text wins
    card = page[: round(2.13 * 200), : round(3.37 * 200)]
    fine = TextScale(cap_height=200 * BODY_CAP_HEIGHT_IN, marks=80)
    monkeypatch.setattr(page_mod, "measure_text_scale", lambda image: fine)
    assert page_mod.resolve_dpi(card, min(card.shape[:2]) / 8.27, "page_size", CFG) == (200.0, "content")
