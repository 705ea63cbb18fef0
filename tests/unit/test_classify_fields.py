"""Classification and extraction over the generator's ground-truth text (no OCR involved)."""

import random

import pytest

from catalog.classify import classify
from catalog.dates import parse_date
from catalog.fields import extract_fields
from catalog.types import default_document_types
from ocr.text import unaccent
from scripts.samplegen.papers import GENERATORS

CATALOGUE = default_document_types()


@pytest.mark.parametrize("type_code", sorted(GENERATORS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_generated_paper_is_classified_and_read(type_code, seed):
    paper = GENERATORS[type_code](random.Random(seed))
    text = "\n".join(paper.truth_lines())
    result = classify(text, CATALOGUE)
    assert result.type_code == type_code
    assert result.confidence >= 0.9
    fields = extract_fields(text, CATALOGUE.get(type_code))
    for key in ("id_number", "enterprise_code", "full_name", "date_of_birth", "issue_date"):
        if key in paper.fields:
            assert fields[key].value == paper.fields[key], key
            assert fields[key].confidence >= 0.8


@pytest.mark.parametrize("type_code", ["GKS", "LLTP", "GCNDKDN", "CCCD"])
def test_classification_survives_lost_diacritics(type_code):
    text = unaccent("\n".join(GENERATORS[type_code](random.Random(5)).truth_lines()))
    assert classify(text, CATALOGUE).type_code == type_code


def test_unrelated_text_is_not_forced_into_a_type():
    result = classify("Hóa đơn tiền điện tháng 10\nSố tiền: 450.000 đồng\nKhách hàng: Công ty ABC", CATALOGUE)
    assert result.type_code is None or result.confidence < 0.6
    assert len(result.candidates) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ngày sinh: 04/10/2018", "2018-10-04"),
        ("sinh ngày 4-10-2018", "2018-10-04"),
        ("Ninh Bình, ngày 04 tháng 10 năm 2018", "2018-10-04"),
        ("ngày 4 tháng 10 năm 2018", "2018-10-04"),
        ("31/02/2018", None),
    ],
)
def test_dates(text, expected):
    d = parse_date(text)
    assert (d.isoformat() if d else None) == expected


def test_invalid_id_is_not_silently_accepted():
    text = "GIẤY KHAI SINH\nHọ, chữ đệm, tên: NGUYỄN VĂN AN\nNgày, tháng, năm sinh: 01/02/2003\n"
    bad_province = extract_fields(text + "Số định danh cá nhân: 003203012345", CATALOGUE.get("GKS"))
    assert bad_province["id_number"].confidence < 0.5
    wrong_year = extract_fields(text + "Số định danh cá nhân: 037299012345", CATALOGUE.get("GKS"))  # born 1999?
    assert wrong_year["id_number"].confidence < 0.5
    good = extract_fields(text + "Số định danh cá nhân: 037203012345", CATALOGUE.get("GKS"))
    assert good["id_number"].confidence >= 0.9


def test_name_stops_at_the_next_label():
    f = extract_fields("Họ và tên: LÊ NGỌC DŨNG Năm sinh: 1952", CATALOGUE.get("GCNQSDD"))
    assert f["full_name"].value == "Lê Ngọc Dũng"


def test_validity_computed_from_the_type_rule():
    text = "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN\nNinh Bình, ngày 31 tháng 08 năm 2024\n"
    f = extract_fields(text, CATALOGUE.get("GXNTTHN"))
    assert f["issue_date"].value == "2024-08-31"
    assert f["valid_until"].value == "2025-02-28"
