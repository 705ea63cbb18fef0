"""Dotted and underscored leaders taken out of the OCR copy, the text over and beside them kept (no Tesseract)."""

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.config import OcrConfig
from ocr.leaders import leader_mask, remove_leaders
from ocr.preprocess import prepare

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
DPI = 200


def _page(pieces: list[tuple[int, int, str]], lines: list[tuple[int, int, int]] = ()) -> np.ndarray:
    """A white grey page with text pieces at (x, y) and horizontal lines (x0, x1, y), 12 pt at 200 dpi."""
    img = Image.new("L", (1500, 300), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, round(12 * DPI / 72))
    for x, y, s in pieces:
        d.text((x, y), s, font=font, fill=0)
    for x0, x1, y in lines:
        d.line([(x0, y), (x1, y)], fill=0, width=2)
    return np.array(img)


def _ink(gray: np.ndarray) -> np.ndarray:
    return gray < 128


def _box(gray: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(_ink(gray))
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def test_dots_and_underscores_go_and_the_name_between_them_stays():
    name = _page([(400, 40, "NGUYỄN THỊ HUYỀN TRANG")])  # the same pixels as in the line, without the blank
    page = _page([(40, 40, "Họ, chữ đệm, tên: ....... "), (400, 40, "NGUYỄN THỊ HUYỀN TRANG _____")])
    out = remove_leaders(page, DPI)
    x0, y0, x1, y1 = _box(name)
    # every pixel of the name is as printed
    assert np.array_equal(out[y0:y1, x0:x1], page[y0:y1, x0:x1])
    # the label stays: its ink left of the dots is untouched
    label = _page([(40, 40, "Họ, chữ đệm, tên:")])
    lx0, ly0, lx1, ly1 = _box(label)
    assert np.array_equal(out[ly0:ly1, lx0:lx1], page[ly0:ly1, lx0:lx1])
    # no ink left between the label and the name, nor after it
    assert not _ink(out[:, lx1 + 2 : x0 - 2]).any()
    assert not _ink(out[:, x1 + 2 :]).any()
    assert _ink(page[:, lx1 + 2 : x0 - 2]).sum() > 20 and _ink(page[:, x1 + 2 :]).sum() > 100


@pytest.mark.parametrize(
    "text",
    [
        "Ngày 01.02.2003, số tiền 1.000.000 đồng ...",  # date and thousands separators, an ellipsis of three
        "Nguyễn Thị Mỹ Lệ, Trường Giang, Quỳnh Lưu, Hậu Lộc",  # diacritics above and dots below
        "Giới tính: Nữ - Dân tộc: Kinh — Quốc tịch: Việt Nam",  # colons, a hyphen, an em dash
        "i.i.i.i.i Độc lập - Tự do - Hạnh phúc",
    ],
)
def test_text_without_leaders_is_left_as_it_is(text):
    page = _page([(40, 40, text), (40, 140, text.upper())])
    assert np.array_equal(remove_leaders(page, DPI), page)


def test_an_underlined_word_a_headings_rule_and_a_tables_rule_are_left_as_they_are():
    # Tesseract reads them well; taking them out only moved its layout analysis elsewhere on the page
    page = _page(
        [(300, 40, "Quyết định"), (300, 140, "Độc lập - Tự do - Hạnh phúc")],
        [(290, 700, 86), (380, 600, 190), (40, 1400, 260)],
    )
    assert not leader_mask(page, DPI).any()


def test_an_underscored_blank_touching_a_descender_goes_and_the_letter_keeps_its_foot():
    word = _page([(40, 40, "Nơi ở: "), (400, 40, "Quy")])
    page = _page([(40, 40, "Nơi ở: "), (400, 40, "Quy")], [(180, 700, 72)])  # the blank runs through the "y"
    out = remove_leaders(page, DPI)
    x0, _, x1, _ = _box(_page([(400, 40, "Quy")]))
    assert not _ink(out[68:76, x1 + 3 : 700]).any()
    assert not _ink(out[68:76, 180 : x0 - 3]).any()
    kept = _ink(out) & _ink(word)
    assert kept.sum() >= 0.97 * _ink(word).sum()


def test_a_dotted_leader_touching_nothing_is_found_whatever_its_length():
    for dots in (4, 12, 60):
        page = _page([(40, 40, "Nơi sinh: " + "." * dots)])
        mask = leader_mask(page, DPI)
        assert mask.any()
        assert not _ink(remove_leaders(page, DPI)[:, 220:]).any()
    assert not leader_mask(_page([(40, 40, "Nơi sinh: ...")]), DPI).any()  # three dots are an ellipsis


def test_the_step_runs_on_the_ocr_copy_only():
    grey = _page([(40, 40, "Họ, chữ đệm, tên: ....... TRẦN VĂN AN .......")])
    scan = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    on = prepare(scan, OcrConfig(), DPI)
    off = prepare(scan, OcrConfig(leaders=False), DPI)
    assert "leaders" in on.steps and "leaders" not in off.steps
    assert np.array_equal(on.upright, off.upright)  # the archived page keeps its dots
    assert _ink(off.ocr_image).sum() > _ink(on.ocr_image).sum() + 50
