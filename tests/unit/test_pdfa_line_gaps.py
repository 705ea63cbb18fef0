"""The signed PDF's invisible text keeps a line of fields set far apart as one line for ``pdftotext``."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from ocr.model import Word
from signing.config import SigningConfig
from signing.pdfa import PdfMetadata, PdfPage, build_pdfa
from tests.unit.test_pdfa_sign import page_jpeg

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")


def _line(words: list[tuple[str, int]], top: int, line: int) -> list[Word]:
    return [Word(text, left, top, 14 * len(text), 30, 95.0, line=line) for text, left in words]


def _pdftotext(words: list[Word]) -> list[str]:
    meta = PdfMetadata("t", "000.00.00.H42-261207-0001.01", "t", datetime(2026, 12, 7, tzinfo=UTC))
    pdf = build_pdfa([PdfPage(page_jpeg(), 1654, 2339, 200.0, words)], meta, SigningConfig().text_font_path)
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_a_line_of_fields_set_far_apart_reads_as_one_line():
    # the birth certificate's "Giới tính: Nữ      Dân tộc: Kinh      Quốc tịch: Việt Nam", below the title
    fields = [("Giới", 180), ("tính:", 250), ("Nữ", 330), ("Dân", 700), ("tộc:", 760), ("Kinh", 830)]
    fields += [("Quốc", 1150), ("tịch:", 1225), ("Việt", 1305), ("Nam", 1375)]
    words = _line([("Họ,", 180), ("chữ", 240), ("đệm,", 300), ("tên:", 375), ("TRẦN", 440), ("HOA", 530)], 900, 0)
    words += _line(fields, 960, 1)
    lines = _pdftotext(words)
    assert "Giới tính: Nữ Dân tộc: Kinh Quốc tịch: Việt Nam" in lines
    assert "Họ, chữ đệm, tên: TRẦN HOA" in lines


def test_the_two_header_columns_stay_apart():
    # the issuing body and the national motto share one OCR line at the top: the OCR text reads them one
    # column after the other, so their gap is left open
    words = _line([("ỦY", 150), ("BAN", 200), ("NHÂN", 260), ("DÂN", 340), ("CỘNG", 900), ("HÒA", 990)], 140, 0)
    lines = _pdftotext(words)
    assert not any("DÂN CỘNG" in line for line in lines)
