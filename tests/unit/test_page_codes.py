"""Codes and blank pages on scanned pages (``ocr.barcodes``, ``ocr.blank``), separator sheets printed and read
back (``pipeline.sheets``), and a receipt recognised by its printed text (``pipeline.stacks.receipt_in_text``)."""

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.barcodes import read_codes
from ocr.blank import judge_blank
from pipeline.sheets import BadSheet, Sheet, code128_image, parse_sheet, qr_image, render_sheet, write_sheets
from pipeline.stacks import receipt_in_text

CODE = "000.00.16.H42-230515-0003"


def grey(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("L"))


def a4(dpi: int = 200) -> Image.Image:
    return Image.new("L", (round(8.27 * dpi), round(11.69 * dpi)), 255)


def noisy(a: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(a.astype(np.float32) + rng.normal(0, sigma, a.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    "sheet",
    [Sheet("doc"), Sheet("doc", type_code="GKS"), Sheet("dossier", dossier=CODE), Sheet("end")],
)
def test_a_printed_separator_sheet_reads_back_as_its_instruction(sheet: Sheet):
    page = noisy(grey(render_sheet(sheet, "Giấy khai sinh")), 6)
    texts = {c.text for c in read_codes(page, 200).codes}
    assert texts == {sheet.payload}
    assert parse_sheet(sheet.payload, lambda c: c == "GKS") == sheet


def test_sheets_pdf_has_one_page_per_sheet(tmp_path):
    import pikepdf

    path = write_sheets(tmp_path / "s.pdf", [(Sheet("doc"), None), (Sheet("end"), None)])
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2


def test_bad_sheet_instructions_are_refused_with_a_reason():
    with pytest.raises(BadSheet):
        parse_sheet("SOHOA-SEP/2 DOC")
    with pytest.raises(BadSheet, match="not of the form"):
        parse_sheet("SOHOA-SEP/1 DOSSIER 000.00.16.H42-231399-0003")
    with pytest.raises(BadSheet) as e:
        parse_sheet("SOHOA-SEP/1 DOC TYPE=XYZ", lambda c: False)
    assert "danh mục" in e.value.vi


def _receipt(code_img: Image.Image, dpi: int = 200) -> Image.Image:
    page = a4(dpi)
    page.paste(code_img, (page.width - code_img.width - 80, 200))
    return page


def test_small_qr_and_code128_on_a_skewed_noisy_page_are_read():
    small_qr = _receipt(qr_image(CODE, 3)).rotate(2.5, fillcolor=255)
    bar = _receipt(code128_image(CODE, 2, 80)).rotate(-1.5, fillcolor=255)
    assert [c.text for c in read_codes(noisy(grey(small_qr), 8), 200).codes] == [CODE]
    assert [c.text for c in read_codes(noisy(grey(bar), 8), 200).codes] == [CODE]


def test_a_partly_smudged_qr_code_is_still_read():
    qr = qr_image(CODE, 6)
    page = _receipt(qr)
    d = ImageDraw.Draw(page)
    x0, y0 = page.width - qr.width - 80, 200
    rng = random.Random(2)
    for _ in range(6):  # blots over about a tenth of the symbol, none on a finder pattern's centre
        cx, cy = x0 + qr.width * rng.uniform(0.35, 0.65), y0 + qr.height * rng.uniform(0.35, 0.65)
        d.ellipse((cx - 12, cy - 12, cx + 12, cy + 12), fill=rng.choice([60, 255]))
    assert [c.text for c in read_codes(grey(page), 200).codes] == [CODE]


def test_a_page_without_codes_reads_none():
    page = a4()
    ImageDraw.Draw(page).text((200, 300), "Giấy khai sinh", fill=0, font=ImageFont.load_default(40))
    assert read_codes(grey(page), 200).codes == ()


def test_blank_backs_with_noise_and_dust_are_blank_and_one_line_of_text_is_not():
    back = noisy(grey(a4()), 5)
    dusty = back.copy()
    rng = random.Random(1)
    for _ in range(10):
        y, x = rng.randrange(100, 2200), rng.randrange(100, 1500)
        dusty[y : y + 2, x : x + 2] = 60
    assert judge_blank(back, 200).blank and judge_blank(dusty, 200).blank
    line = a4()
    ImageDraw.Draw(line).text((300, 1000), "Ghi chú: bản sao y", fill=0, font=ImageFont.load_default(36))
    assert not judge_blank(grey(line), 200).blank
    signature = a4()
    ImageDraw.Draw(signature).line([(900, 1800), (1100, 1750), (1200, 1820)], fill=20, width=4)
    assert not judge_blank(grey(signature), 200).blank


def test_receipt_recognised_by_its_printed_text_with_ocr_slips():
    text = "UBND TỈNH NINH BÌNH\nGIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ\nMã hồ sơ: 000.00.16.H42-230515-O003\n"
    assert receipt_in_text(text) == CODE  # O read for 0
    assert receipt_in_text("GIAY TIEP NHAN HO SO\nMa ho so: 000 . 00.16.H42 - 230515-0003") == CODE
    assert receipt_in_text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ\nMã hồ sơ: (bị nhòe)") == ""
    assert receipt_in_text("GIẤY KHAI SINH\nSố: 000.00.16.H42-230515-0003") is None


def test_pdf_pages_with_nothing_drawn_are_blank_without_being_rendered(tmp_path, monkeypatch):
    """A stack's empty PDF pages (a feeder's backs, or a file of 2,000 empty pages) are known blank from the file:
    only drawn pages are rendered and looked at, and the split is what rendering them all gives."""
    from dataclasses import replace

    import pikepdf

    from ocr.config import OcrConfig
    from ocr.sources import inspect_source
    from pipeline import stacks
    from pipeline.intake_config import SplitConfig

    sheets = write_sheets(tmp_path / "s.pdf", [(Sheet("doc"), None), (Sheet("doc"), None)])
    with pikepdf.open(sheets) as src:
        pdf = pikepdf.new()
        for n in range(8):  # sheet, 3 empty pages, sheet, 3 empty pages
            if n in (0, 4):
                pdf.pages.append(src.pages[n // 4])
            else:
                pdf.add_blank_page(page_size=(595, 842))
        pdf.save(tmp_path / "stack.pdf")
    cfg, ocr_cfg = SplitConfig(), OcrConfig()
    info = inspect_source(tmp_path / "stack.pdf", ocr_cfg)
    rendered: list[int] = []
    real = stacks.page_images

    def spy(path, info, cfg, ocr_cfg, only=None):
        for n, gray, dpi in real(path, info, cfg, ocr_cfg, only=only):
            rendered.append(n)
            yield n, gray, dpi

    monkeypatch.setattr(stacks, "page_images", spy)
    split, signals = stacks.analyse_stack(tmp_path / "stack.pdf", info, cfg, ocr_cfg)
    assert sorted(rendered) == [0, 4]
    assert [s.index for s in signals] == list(range(8))
    assert [s.blank for s in signals] == [False, True, True, True, False, True, True, True]
    drawn_info = replace(info, pages=[replace(p, blank=False) for p in info.pages])  # as if none were known
    monkeypatch.setattr(stacks, "page_images", real)
    split_all, _ = stacks.analyse_stack(tmp_path / "stack.pdf", drawn_info, cfg, ocr_cfg)  # every page rendered
    assert split == split_all and [why for _, why in split.dropped].count("separator") == 2
