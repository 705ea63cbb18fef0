import random

import cv2
import numpy as np
import pytest

from ocr.config import OcrConfig
from ocr.preprocess import detect_orientation, estimate_skew, prepare, rotate_quarter
from scripts.samplegen.papers import GENERATORS
from scripts.samplegen.render import render_paper


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    img = render_paper(GENERATORS["LLTP"](random.Random(3)), 200, random.Random(3))[0]
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


@pytest.mark.parametrize("fed", [0, 90, 180, 270])
def test_orientation_is_found(page, fed):
    gray = cv2.cvtColor(rotate_quarter(page, fed), cv2.COLOR_BGR2GRAY)
    rotation, confidence = detect_orientation(gray)
    assert (fed + rotation) % 360 == 0
    assert confidence > 0.5


@pytest.mark.parametrize("angle", [-12.5, -3.3, -0.7, 0.0, 1.4, 6.0, 14.0])
def test_skew_is_measured_within_two_tenths_of_a_degree(page, angle):
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    skewed = cv2.warpAffine(gray, m, (w, h), borderValue=255)
    assert estimate_skew(skewed) == pytest.approx(angle, abs=0.2)


def test_prepare_keeps_the_archived_image_in_colour_and_uprights_it(page):
    fed = rotate_quarter(page, 90)
    prepared = prepare(fed, OcrConfig(), 200)
    assert prepared.upright.ndim == 3 and prepared.upright.shape == page.shape
    assert prepared.ocr_image.ndim == 2
    assert (90 + prepared.rotation) % 360 == 0


def test_fine_scans_are_scaled_for_ocr_only(page):
    prepared = prepare(page, OcrConfig(ocr_target_dpi=200), 300)
    assert prepared.scale == pytest.approx(200 / 300)
    assert prepared.upright.shape == page.shape
    assert prepared.ocr_image.shape[0] == round(page.shape[0] * 2 / 3)
