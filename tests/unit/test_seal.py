"""Round seals on grey and bi-level pages (no colour to go by), found by their shape (``ocr.seal``)."""

from __future__ import annotations

import dataclasses
import io
import random

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr.config import OcrConfig
from ocr.preprocess import colourless, prepare
from ocr.seal import blank_seals, clear_between_lines, find_seals, lift_seal_ink
from scripts.samplegen.captures import make_capture
from scripts.samplegen.papers import LAYOUTS, Row, make_paper
from scripts.samplegen.render import render_paper

DPI = 300


def _paper(type_code: str, seed: str, stamp: bool = True, seal: bool = True):
    """A classic-layout paper; with ``stamp`` a second seal is stamped over the end of a long body line."""
    rng = random.Random(seed)
    lay = next(lay.name for lay in LAYOUTS[type_code] if not lay.held_out)
    paper = make_paper(type_code, rng, lay)
    if stamp:
        long = [i for i, line in enumerate(paper.body) if len(line.text if isinstance(line, Row) else line) > 25]
        paper = dataclasses.replace(paper, seal_on_line=rng.choice(long))
    if not seal:
        paper = dataclasses.replace(paper, seal_text="", seal_on_line=None)
    return paper, rng


def _grey(type_code: str, seed: str, **kw) -> np.ndarray:
    paper, rng = _paper(type_code, seed, **kw)
    return np.asarray(render_paper(paper, DPI, rng)[0].convert("L"))


@pytest.fixture(scope="module")
def grey_page() -> np.ndarray:
    """A residence certificate in grey: its seal by the signature and a stamp over a body line."""
    return _grey("XNCT", "seal-test")


def test_seals_are_found_by_their_shape(grey_page):
    seals = find_seals(grey_page, DPI)
    assert len(seals) == 2
    for s in seals:  # the generator draws seals of 52-60 pt radius
        assert 52 / 72 * DPI * 0.95 <= s.r <= 60 / 72 * DPI * 1.05
    for code in ("GKS", "CCCD", "GCNKH", "BTNTHPT"):  # print without a seal: nothing found
        assert find_seals(_grey(code, "no-seal", stamp=False, seal=False), DPI) == []


def test_a_grey_seal_is_lifted_and_the_print_under_it_kept(grey_page):
    seals = find_seals(grey_page, DPI)
    lifted, left = lift_seal_ink(grey_page, seals)
    assert left == []  # grey: the seal is lighter than the print
    black_before = grey_page < 45  # print (the seal's ink is near 90, the print's near 25)
    assert np.array_equal(lifted[black_before], grey_page[black_before])  # print, also under the seal, untouched
    for s in seals:
        yy, xx = np.mgrid[0 : grey_page.shape[0], 0 : grey_page.shape[1]]
        ring = np.abs(np.hypot(xx - s.x, yy - s.y) - s.r) <= 3
        seal_ink = ring & (grey_page >= 60) & (grey_page < 200)
        assert seal_ink.sum() > 500
        assert (lifted[seal_ink] == 255).mean() > 0.95  # the seal's ring is paper now


def test_a_bilevel_seal_is_cleared_between_the_lines_through_it(grey_page):
    bw = np.where(grey_page < 170, 0, 255).astype(np.uint8)  # a bi-level scan: the seal as black as the print
    seals = find_seals(bw, DPI)
    assert len(seals) == 2
    same, left = lift_seal_ink(bw, seals)
    assert len(left) == 2 and same is bw  # nothing tells the seal from the print by its grey
    cleared = clear_between_lines(bw, left, DPI)
    for s in left:
        ys, xs = slice(int(s.y - s.r), int(s.y + s.r)), slice(int(s.x - s.r), int(s.x + s.r))
        before, after = (bw[ys, xs] == 0).sum(), (cleared[ys, xs] == 0).sum()
        assert after < 0.85 * before  # the ink between the lines (ring, star, lettering) is gone
        rows_inked = (cleared[ys, xs] == 0).any(axis=1)
        assert 0.2 < rows_inked.mean() < 0.95  # rows between the lines through the seal are clear
    # what lies outside the seals is untouched
    masked = blank_seals(np.zeros_like(bw), left) == 255
    assert np.array_equal(cleared[~masked], bw[~masked])


def test_a_bilevel_page_with_two_stamps_is_read_upright():
    """Two black stamps on a G4 page made the orientation measure turn the page upside down."""
    paper, rng = _paper("BTNTHPT", "dev:3:2:bilevel")
    cap = make_capture("bilevel", render_paper(paper, DPI, rng)[0], rng)
    page = cv2.cvtColor(np.asarray(Image.open(io.BytesIO(cap.data)).convert("L")), cv2.COLOR_GRAY2BGR)
    assert colourless(page)
    p = prepare(page, OcrConfig(orientation_osd=False), DPI)
    assert p.rotation == 0 and "seal-clear" in p.steps


def test_a_colour_page_is_left_to_the_colour_step():
    from tests.fixtures_ocr import render

    bgr, _ = render("GKS", 5, 200)
    assert not colourless(bgr)
    assert "seal-lift" not in prepare(bgr, OcrConfig(orientation_osd=False), 200).steps
