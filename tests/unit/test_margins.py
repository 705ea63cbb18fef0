"""List numbers Tesseract's layout split off into a narrow block of their own are read again with their lines."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.margins import recover_split_margins
from ocr.tesseract import page_text_from_data

DPI = 200
ITEMS = ["Họ, chữ đệm và tên ĐỖ CÔNG QUÂN", "Ngày, tháng, năm sinh 07/04/2006", "Số định danh cá nhân 001206312879"]
TOP, STEP, LINE_H = 550, 62, 30
NUM_LEFT, TEXT_LEFT = 173, 209


def _row(level, block, par, line, word, left, top, width, height, conf, text):
    return {
        "level": level,
        "block_num": block,
        "par_num": par,
        "line_num": line,
        "word_num": word,
        "left": left,
        "top": top,
        "width": width,
        "height": height,
        "conf": conf,
        "text": text,
    }


def _data(rows: list[dict]) -> dict:
    keys = rows[0].keys()
    return {k: [r[k] for r in rows] for k in keys}


def _first_read() -> dict:
    """What Tesseract gave on the G4 page of seed 5: the numbers as a block of one line running down it, read
    as junk, and each item starting at its full stop."""
    rows = [_row(1, 0, 0, 0, 0, 0, 0, 1654, 2339, -1, "")]
    rows.append(_row(2, 1, 0, 0, 0, 193, TOP, 1100, STEP * len(ITEMS), -1, ""))
    rows.append(_row(3, 1, 1, 0, 0, 193, TOP, 1100, STEP * len(ITEMS), -1, ""))
    for n, item in enumerate(ITEMS, 1):
        y = TOP + (n - 1) * STEP
        rows.append(_row(4, 1, 1, n, 0, 193, y, 900, LINE_H, -1, ""))
        rows.append(_row(5, 1, 1, n, 1, 193, y + 22, 4, 4, 92.0, "."))
        x = TEXT_LEFT
        for k, word in enumerate(item.split(), 2):
            rows.append(_row(5, 1, 1, n, k, x, y, 12 * len(word), LINE_H, 96.0, word))
            x += 12 * len(word) + 12
    height = STEP * len(ITEMS) - (STEP - LINE_H)
    rows.append(_row(2, 2, 0, 0, 0, NUM_LEFT, TOP, 16, height, -1, ""))
    rows.append(_row(3, 2, 1, 0, 0, NUM_LEFT, TOP, 16, height, -1, ""))
    rows.append(_row(4, 2, 1, 1, 0, NUM_LEFT, TOP, 16, height, -1, ""))
    rows.append(_row(5, 2, 1, 1, 1, 168, TOP + 2 * STEP, 29, 29, 7.0, "œŒœ"))
    rows.append(_row(5, 2, 1, 1, 2, 168, TOP, 29, 35, 37.0, "¬I"))
    return _data(rows)


def _page(numbers: bool = True) -> np.ndarray:
    page = np.full((2339, 1654), 255, np.uint8)
    for n in range(1, len(ITEMS) + 1):
        y = TOP + (n - 1) * STEP + LINE_H
        if numbers:
            cv2.putText(page, str(n), (NUM_LEFT, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 3)
    return page


def _reader(texts: list[str], calls: list[tuple[int, int]]):
    """A second read as one block (``--psm 6``) that gives ``texts`` line by line, in crop coordinates."""

    def read(crop: np.ndarray) -> dict:
        calls.append(crop.shape)
        rows = [_row(1, 0, 0, 0, 0, 0, 0, crop.shape[1], crop.shape[0], -1, "")]
        # the crop starts half a line left of and above the numbers
        x0, y0 = NUM_LEFT - LINE_H // 2, TOP - LINE_H // 2
        for n, text in enumerate(texts, 1):
            y = TOP + (n - 1) * STEP - y0
            x = (NUM_LEFT if text[0].isdigit() else TEXT_LEFT) - x0  # a line without its number starts later
            for k, word in enumerate(text.split(), 1):
                rows.append(_row(5, 1, 1, n, k, x, y, 12 * len(word), LINE_H, 95.0, word))
                x += 12 * len(word) + 12
        return _data(rows)

    return read


def test_list_numbers_split_off_are_read_again_with_their_lines():
    data = _first_read()
    before = page_text_from_data(data, 1654, 2339).text
    assert "1." not in before and "œŒœ" in before  # the failure, as Tesseract gave it
    calls: list = []
    numbered = [f"{n}. {item}" for n, item in enumerate(ITEMS, 1)]
    out, replaced = recover_split_margins(data, _page(), DPI, _reader(numbered, calls))
    assert replaced == 1 and len(calls) == 1
    text = page_text_from_data(out, 1654, 2339).text
    for line in numbered:
        assert line in text
    assert "œŒœ" not in text and "¬I" not in text  # the junk read down the numbers is gone
    # the region read again is the numbers and their lines, not the page
    h, w = calls[0]
    assert h < 400 and w < 1300


def test_a_second_read_that_disagrees_elsewhere_is_not_taken():
    data = _first_read()
    calls: list = []
    wrong = [f"{n}. Nội dung khác hẳn dòng đã đọc" for n in range(1, len(ITEMS) + 1)]
    out, replaced = recover_split_margins(data, _page(), DPI, _reader(wrong, calls))
    assert len(calls) == 1 and replaced == 0
    assert out is data


def test_a_second_read_that_finds_nothing_at_the_margin_is_not_taken():
    data = _first_read()
    calls: list = []
    out, replaced = recover_split_margins(data, _page(), DPI, _reader(ITEMS, calls))
    assert len(calls) == 1 and replaced == 0 and out is data


def test_a_narrow_block_without_glyphs_is_not_read_again():
    # a rule or a border down the margin: one tall mark, nothing a list number could be
    page = _page(numbers=False)
    cv2.line(page, (NUM_LEFT + 8, TOP), (NUM_LEFT + 8, TOP + 150), 0, 3)
    calls: list = []
    _, replaced = recover_split_margins(_first_read(), page, DPI, _reader(ITEMS, calls))
    assert calls == [] and replaced == 0


def test_a_page_without_a_split_off_block_is_left_alone():
    data = _first_read()
    keep = [i for i, b in enumerate(data["block_num"]) if b != 2]
    data = {k: [v[i] for i in keep] for k, v in data.items()}
    calls: list = []
    out, replaced = recover_split_margins(data, _page(), DPI, _reader(ITEMS, calls))
    assert calls == [] and replaced == 0 and out is data


def test_the_engine_reads_split_off_numbers_again(monkeypatch):
    import pytesseract

    from ocr.config import OcrConfig
    from ocr.tesseract import TesseractEngine

    numbered = [f"{n}. {item}" for n, item in enumerate(ITEMS, 1)]
    second = _reader(numbered, [])
    modes: list[str] = []

    def image_to_data(path, lang, config, output_type, timeout):
        modes.append(config.split("--psm ")[1].split()[0])
        return _first_read() if modes[-1] == "3" else second(cv2.imread(path, cv2.IMREAD_GRAYSCALE))

    monkeypatch.setattr(pytesseract, "image_to_data", image_to_data)
    text = TesseractEngine(OcrConfig()).recognize(_page(), DPI).text
    assert modes == ["3", "6"]
    for line in numbered:
        assert line in text


def test_a_strip_that_runs_on_beside_the_next_block_still_gives_the_list_its_numbers():
    # bench_ocr's clean LLTP page: the numbers' strip runs on beside a last item Tesseract put in a block of its
    # own; the re-read of the region reads that line too, which is not this block's and is left to its own
    data = _first_read()
    extra = "Tình trạng án tích: Không có án tích"
    y = TOP + len(ITEMS) * STEP
    rows = [
        _row(2, 3, 0, 0, 0, TEXT_LEFT, y, 600, LINE_H, -1, ""),
        _row(4, 3, 1, 1, 0, TEXT_LEFT, y, 600, LINE_H, -1, ""),
    ]
    x = TEXT_LEFT
    for k, word in enumerate(extra.split(), 1):
        rows.append(_row(5, 3, 1, 1, k, x, y, 12 * len(word), LINE_H, 96.0, word))
        x += 12 * len(word) + 12
    for r in rows:
        for key in data:
            data[key].append(r[key])
    strip = [i for i, b in enumerate(data["block_num"]) if b == 2 and data["level"][i] in (2, 3, 4)]
    for i in strip:
        data["height"][i] += STEP  # the strip runs on beside the extra line
    page = _page()
    cv2.putText(page, str(len(ITEMS) + 1), (NUM_LEFT, y + LINE_H), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 3)
    numbered = [f"{n}. {item}" for n, item in enumerate([*ITEMS, extra], 1)]
    calls: list = []
    out, replaced = recover_split_margins(data, page, DPI, _reader(numbered, calls))
    assert replaced == 1
    text = page_text_from_data(out, 1654, 2339).text
    for line in numbered[:-1]:
        assert line in text
    assert text.count("Tình trạng án tích") == 1  # the next block's line once, as its own block read it
