"""A receipt printed without a code, found in a stack by reading only its title line (``pipeline.stacks``):
the line is located on the image (``title_lines``), pages without a centred line are not read at all, and only
pages whose title reads as the receipt's are read again at 300 dpi."""

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline import stacks
from scripts.samplegen.degrade import Damage, apply
from scripts.samplegen.stacks import Stack, _font, receipt_page

DPI = 200
CODE = "000.00.16.H42-230515-0003"


def a4(dpi: int = DPI) -> Image.Image:
    return Image.new("L", (round(8.27 * dpi), round(11.69 * dpi)), 255)


def band_of(page: Image.Image, dpi: int = DPI) -> np.ndarray:
    return stacks.receipt_band(np.asarray(page.convert("L")), dpi, stacks.SCREEN_DPI)


def letter(dpi: int = DPI, title: str | None = "THÔNG BÁO", agency: str = "UBND TỈNH NINH BÌNH") -> Image.Image:
    """A page with two header columns, perhaps a centred title, and body lines from the left margin."""
    page = a4(dpi)
    d = ImageDraw.Draw(page)
    pt = dpi / 72
    d.text((round(50 * pt), round(40 * pt)), "UBND TỈNH NINH BÌNH", font=_font(round(11 * pt), True), fill=0)
    d.text((round(50 * pt), round(54 * pt)), agency, font=_font(round(11 * pt), True), fill=0)
    head = _font(round(11 * pt), True)
    d.text((page.width - round(300 * pt), round(40 * pt)), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=head, fill=0)
    d.text((page.width - round(260 * pt), round(54 * pt)), "Độc lập - Tự do - Hạnh phúc", font=head, fill=0)
    y = round(100 * pt)
    if title:
        box = d.textbbox((0, 0), title, font=_font(round(15 * pt), True))
        d.text(((page.width - box[2]) // 2, y), title, font=_font(round(15 * pt), True), fill=0)
    for k in range(6):
        body = "Nội dung: một dòng chữ thường " * 2
        d.text((round(70 * pt), y + round((35 + 20 * k) * pt)), body, font=_font(round(12 * pt)), fill=0)
    return page


def test_the_title_is_the_one_line_taken_even_on_a_skewed_noisy_scan():
    rng = random.Random(3)
    page = apply(letter(), Damage("mild", skew=3.5, noise=8, blur=0.5, shadow=0.1, jpeg_quality=70), rng)
    lines = stacks.title_lines(band_of(page), stacks.SCREEN_DPI)
    assert lines is not None and len(lines) == 1
    h, w = lines[0].shape
    pt = stacks.SCREEN_DPI / 72
    # the 15 pt title straightened and cut alone: not a body line (longer), not two lines run together (taller)
    title_w = ImageDraw.Draw(a4()).textbbox((0, 0), "THÔNG BÁO", font=_font(round(15 * pt), True))[2]
    assert abs(w - title_w) < 0.25 * title_w
    assert 12 * pt < h < 30 * pt


def test_two_header_lines_run_together_across_the_columns_do_not_outrank_the_title():
    """A long agency name brings the left column close to the right one, and the two header lines touch: the
    block is centred and tall, but its letters are small — the title is still the line taken."""
    page = letter(title="THÔNG BÁO", agency="UBND XÃ GIA VIỄN — BỘ PHẬN MỘT CỬA LIÊN THÔNG")
    page = apply(page, Damage("mild", skew=2.0, noise=4), random.Random(5))
    lines = stacks.title_lines(band_of(page), stacks.SCREEN_DPI, keep=3)
    assert lines and len(lines) >= 1
    pt = stacks.SCREEN_DPI / 72
    title_w = ImageDraw.Draw(a4()).textbbox((0, 0), "THÔNG BÁO", font=_font(round(15 * pt), True))[2]
    assert abs(lines[0].shape[1] - title_w) < 0.25 * title_w


def test_a_page_with_no_centred_line_gives_nothing_to_read():
    assert stacks.title_lines(band_of(letter(title=None)), stacks.SCREEN_DPI) == []


def test_a_page_without_letters_cannot_be_told_apart_and_is_read_whole():
    assert stacks.title_lines(band_of(a4()), stacks.SCREEN_DPI) is None


class Spy:
    """The real Tesseract engine, and what it was given to read."""

    def __init__(self, engine):
        self.engine = engine
        self.calls: list[tuple[float, tuple[int, int]]] = []

    def recognize(self, gray, dpi):
        self.calls.append((dpi, gray.shape))
        return self.engine.recognize(gray, dpi)


@pytest.fixture(scope="module")
def tesseract():
    from ocr.config import OcrConfig
    from ocr.tesseract import TesseractEngine

    engine = TesseractEngine(OcrConfig())
    try:
        engine.probe()
    except Exception:  # pragma: no cover - the OCR stage needs Tesseract; the test says so instead of passing
        pytest.fail("Tesseract with Vietnamese is needed for this test (apt install tesseract-ocr-vie)")
    return engine


def test_a_code_less_receipt_inside_a_document_is_found_and_only_it_is_read_again(
    tmp_path: Path, tesseract, monkeypatch
):
    from ocr.config import OcrConfig
    from ocr.sources import inspect_source
    from pipeline.intake_config import SplitConfig

    rng = random.Random(7)
    damage = lambda: Damage("mild", skew=rng.uniform(-2, 2), noise=5, jpeg_quality=80)  # noqa: E731
    receipt, _ = receipt_page(CODE, DPI, rng, "text", held_out=False)
    pages = [letter(title="GIẤY KHAI SINH"), letter(title=None), receipt, letter(title="TRÍCH LỤC KHAI TỬ")]
    path = Stack([apply(p, damage(), rng) for p in pages], DPI).save(tmp_path / "stack.pdf")
    ocr_cfg = OcrConfig()
    info = inspect_source(path, ocr_cfg)
    asked: list[list[int] | None] = []
    real = stacks.page_images

    def spy_images(path, info, cfg, ocr_cfg, only=None):
        asked.append(None if only is None else sorted(only))
        yield from real(path, info, cfg, ocr_cfg, only=only)

    monkeypatch.setattr(stacks, "page_images", spy_images)
    engine = Spy(tesseract)
    split, _ = stacks.analyse_stack(path, info, SplitConfig(), ocr_cfg, lambda c: True, None, engine)

    assert [p.pages for p in split.parts] == [[0, 1], [2], [3]]
    assert split.parts[1].receipt and split.parts[1].dossier == CODE and split.parts[2].dossier == CODE
    assert asked == [None, [2]]  # the first look at every page, then the receipt alone at 300 dpi
    screening = [shape for dpi, shape in engine.calls if dpi == stacks.SCREEN_DPI]
    again = [shape for dpi, shape in engine.calls if dpi == stacks.CODE_DPI]
    assert len(again) == 1
    # what was screened: three title lines (the page without a title gave none), not the pages' tops
    band_rows = band_of(pages[0]).shape[0]
    assert len(screening) == 1 and screening[0][0] < band_rows


def test_a_page_not_a_receipt_is_never_read_at_300_dpi(tmp_path: Path, tesseract):
    from ocr.config import OcrConfig
    from ocr.sources import inspect_source
    from pipeline.intake_config import SplitConfig

    rng = random.Random(11)
    pages = [letter(title=t) for t in ("GIẤY KHAI SINH", "THÔNG BÁO KẾT QUẢ", "GIẤY XÁC NHẬN HỒ SƠ")]
    path = Stack([apply(p, Damage("mild", skew=1.5, noise=5), rng) for p in pages], DPI).save(tmp_path / "s.pdf")
    ocr_cfg = OcrConfig()
    engine = Spy(tesseract)
    split, _ = stacks.analyse_stack(path, inspect_source(path, ocr_cfg), SplitConfig(), ocr_cfg, None, None, engine)
    assert [p.pages for p in split.parts] == [[0, 1, 2]] and not split.parts[0].receipt
    assert engine.calls and all(dpi == stacks.SCREEN_DPI for dpi, _ in engine.calls)
