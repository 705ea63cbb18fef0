"""Field confidence: OCR word confidences and validators decide; nothing invalid is accepted silently."""

from datetime import date

import pytest

from catalog.assess import assess
from catalog.config import CatalogConfig
from catalog.dates import parse_date
from catalog.fields import extract_fields
from catalog.names import is_vietnamese_name, title_case
from catalog.types import default_document_types
from tests.fields_data import TEXT, words

CATALOGUE = default_document_types()
GKS = CATALOGUE.get("GKS")


def test_a_word_read_with_doubt_lowers_the_field_and_sends_to_review():
    sure = extract_fields(TEXT, GKS, words(TEXT))
    assert sure["full_name"].value == "Nguyễn Thị My" and sure["full_name"].confidence >= 0.9
    doubtful = extract_fields(TEXT, GKS, words(TEXT, {"MY": 58.0}))  # "Mỹ" was printed, OCR said "MY" at 58
    assert doubtful["full_name"].confidence < 0.6
    assert "ocr_word_confidence 58" in doubtful["full_name"].problem
    assert doubtful["id_number"].confidence >= 0.9  # other fields keep their confidence
    a = assess(TEXT, CATALOGUE, CatalogConfig(), words=words(TEXT, {"MY": 58.0}), today=date(2026, 11, 22))
    assert any(r.startswith("field_uncertain: full_name") for r in a.review)
    ok = assess(TEXT, CATALOGUE, CatalogConfig(), words=words(TEXT), today=date(2026, 11, 22))
    assert ok.review == () and ok.owner_id == "037303012345"


def test_id_digits_read_with_doubt_block_the_owner():
    a = assess(TEXT, CATALOGUE, CatalogConfig(), words=words(TEXT, {"037303012345": 50.0}))
    assert "owner_uncertain: id_number" in a.review


def test_id_cross_checked_with_birth_date_and_sex():
    male_digit = TEXT.replace("037303012345", "037203012345")  # 2 = man born in the 2000s, the paper says Nữ
    f = extract_fields(male_digit, GKS)
    assert f["id_number"].confidence < 0.3 and f["id_number"].problem == "id_sex_mismatch"
    wrong_century = TEXT.replace("037303012345", "037103012345")  # 1 = woman born in the 1900s
    f = extract_fields(wrong_century, GKS)
    assert f["id_number"].problem == "id_birth_year_mismatch" and f["date_of_birth"].confidence <= 0.5
    a = assess(wrong_century, CATALOGUE, CatalogConfig())
    assert a.owner_id is None and any(r.startswith("owner_invalid: id_number") for r in a.review)


def test_letters_read_as_digits_are_repaired_but_doubted():
    f = extract_fields(TEXT.replace("037303012345", "O37303O12345"), GKS)
    assert f["id_number"].value == "037303012345" and f["id_number"].confidence <= 0.7
    assert f["id_number"].confidence >= CatalogConfig().review_threshold  # a 0 and a 1 in a font like O and l


def test_a_letter_that_could_be_several_digits_sends_the_id_to_review():
    # "037174098369" printed past a card's edge: the border through the "3" made it a "B"
    text = TEXT.replace("037303012345", "037303012B45")
    f = extract_fields(text, GKS)
    assert f["id_number"].value == "037303012845" and f["id_number"].problem == "letters_read_as_digits"
    assert f["id_number"].confidence < CatalogConfig().review_threshold
    a = assess(text, CATALOGUE, CatalogConfig())
    assert any(r.startswith("field_uncertain: id_number") for r in a.review)


def test_enterprise_code_check_digit():
    text = "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP\nMã số doanh nghiệp: {}\nĐăng ký lần đầu: ngày 04 tháng 10 năm 2018\n"
    t = CATALOGUE.get("GCNDKDN")
    assert extract_fields(text.format("0100109106"), t)["enterprise_code"].confidence >= 0.9
    bad = extract_fields(text.format("0100109107"), t)["enterprise_code"]
    assert bad.confidence < 0.3 and bad.problem == "check_digit_wrong"
    assert extract_fields(text.format("0100109106"), t)["issue_date"].value == "2018-10-04"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04/10/2018", "2018-10-04"),
        ("04-10-2018", "2018-10-04"),
        ("04.10.2018", "2018-10-04"),
        ("4/10/2018", "2018-10-04"),
        ("ngày 04 tháng 10 năm 2018", "2018-10-04"),
        ("Ninh Bình, ngày 4 tháng 10 năm 2018", "2018-10-04"),
        ("ngay 04 thang 10 nam 2018", "2018-10-04"),  # diacritics lost by OCR
        ("NGÀY 04 THÁNG 10 NĂM 2018", "2018-10-04"),
        ("29/02/2023", None),
        ("ngày 32 tháng 1 năm 2020", None),
    ],
)
def test_every_date_format(text, expected):
    d = parse_date(text)
    assert (d.isoformat() if d else None) == expected


def test_implausible_dates_are_doubted():
    future = TEXT.replace("01/02/2003", "01/02/2093").replace("037303012345", "037393012345")
    f = extract_fields(future, GKS, today=date(2026, 11, 22))
    assert f["date_of_birth"].confidence < 0.3
    backwards = TEXT.replace("15/02/2003", "15/02/2001")  # registered before birth
    assert extract_fields(backwards, GKS)["issue_date"].confidence < 0.3


def test_names():
    assert title_case("NGUYỄN THỊ MỸ") == "Nguyễn Thị Mỹ"
    assert title_case("nguye\u0302\u0303n văn an") == "Nguyễn Văn An"  # decomposed input comes out NFC
    assert is_vietnamese_name("Nguyễn Thị Mỹ") and is_vietnamese_name("Ngô Quang Nghĩa")
    assert not is_vietnamese_name("Nguyễn")  # one word
    assert not is_vietnamese_name("Nguyễn Th1 Mỹ")
    assert not is_vietnamese_name("Nguyễn Thị Mxyz")
    assert not is_vietnamese_name("Nguyễn Thị Mỹ́")  # two tone marks on one syllable
    f = extract_fields(TEXT.replace("NGUYỄN THỊ MY", "NGUYỄN THỊ MXYZ"), GKS)
    assert f["full_name"].confidence < 0.5 and f["full_name"].problem == "not_a_vietnamese_name"


def test_labels_of_the_type_come_first_and_honorifics_go():
    hkd = "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH\n1. Tên hộ kinh doanh: HỘ KINH DOANH AN\nHọ và tên: LÊ VĂN AN\n"
    assert extract_fields(hkd, CATALOGUE.get("GCNDKHKD"))["full_name"].value == "Lê Văn An"
    permit = "GIẤY PHÉP XÂY DỰNG\n1. Cấp cho: Ông/Bà TRẦN THỊ HOA\n"
    assert extract_fields(permit, CATALOGUE.get("GPXD"))["full_name"].value == "Trần Thị Hoa"


def test_labels_tolerate_ocr_punctuation():
    text = "GIẤY KHAI SINH\nHọ. chữ đệm, tên; NGUYỄN VĂN AN\nNgày , tháng , năm sinh : 01/02/2003\n"
    f = extract_fields(text, GKS)
    assert f["full_name"].value == "Nguyễn Văn An" and f["date_of_birth"].value == "2003-02-01"


def test_printed_expiry_wins_over_the_rule():
    text = (
        "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN\nGiấy này có giá trị sử dụng đến ngày: 01/01/2025\n"
        "Ninh Bình, ngày 31 tháng 08 năm 2024\n"
    )
    f = extract_fields(text, CATALOGUE.get("GXNTTHN"))
    assert f["valid_until"].value == "2025-01-01"
    before = text.replace("01/01/2025", "01/01/2024")
    assert extract_fields(before, CATALOGUE.get("GXNTTHN"))["valid_until"].problem == "valid_until_before_issue"


def test_top_three_with_confidences_and_configurable_threshold():
    a = assess(TEXT, CATALOGUE, CatalogConfig(), words=words(TEXT))
    assert len(a.candidates) == 3 and a.candidates[0][0] == "GKS"
    assert a.candidates[0][1] >= a.candidates[1][1] >= a.candidates[2][1]
    assert sum(c for _, c in a.candidates) <= 1.0
    strict = assess(TEXT, CATALOGUE, CatalogConfig(review_threshold=0.999), words=words(TEXT))
    assert "type_uncertain" in strict.review


def test_family_name_read_with_a_wrong_diacritic_is_repaired():
    from catalog.names import repair_surname, split_run_together

    assert repair_surname("NGUYÊN VĂN AN") == ("NGUYỄN VĂN AN", True)  # Tesseract's usual capital Ễ → Ê
    assert repair_surname("Hưỳnh Thị Mai") == ("Huỳnh Thị Mai", True)
    assert repair_surname("Trần Văn An") == ("Trần Văn An", False)
    assert repair_surname("Lã Văn An") == ("Lã Văn An", False)  # La / Lã: both family names, left alone
    assert split_run_together("Huỳnh Xuânan") == ("Huỳnh Xuân An", True)
    assert split_run_together("Nguyễn Minhan") == ("Nguyễn Minhan", False)  # Minh An or Mi Nhan: ask a person
    f = extract_fields(TEXT.replace("NGUYỄN THỊ MY", "NGUYỄN THỊUYÊN"), GKS)
    assert f["full_name"].value == "Nguyễn Thị Uyên"  # not Thịu Yên: not a name; but a person confirms
    assert f["full_name"].confidence < 0.5 and f["full_name"].problem == "name_split_guessed"
    f = extract_fields(TEXT.replace("NGUYỄN THỊ MY", "NGUYÊN THỊ MY"), GKS)
    assert f["full_name"].value == "Nguyễn Thị My"
    f = extract_fields(TEXT.replace("NGUYỄN THỊ MY", "NGUYỄN MINHAN"), GKS)
    assert f["full_name"].confidence < 0.5


def test_damaged_english_half_and_dropped_colon_and_no_stray_labels():
    licence = "GIẤY PHÉP LÁI XE\nHọ tên / Eull name: ĐINH NGỌC THẮNG\n"
    assert extract_fields(licence, CATALOGUE.get("GPLX"))["full_name"].value == "Đinh Ngọc Thắng"
    company = (
        "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP\nTên công ty viết bằng tiếng Việt CÔNG TY TNHH NÔNG SẢN TRÀNG AN\n"
        "Họ và tên: NGUYỄN MINH HÙNG\n"
    )
    # an organisation's name is kept as printed: capitals and the acronym TNHH
    assert extract_fields(company, CATALOGUE.get("GCNDKDN"))["full_name"].value == "CÔNG TY TNHH NÔNG SẢN TRÀNG AN"
    # without the company label, the legal representative's "Họ và tên" is not taken for the company
    no_label = "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP\nHọ và tên: NGUYỄN MINH HÙNG\n"
    assert "full_name" not in extract_fields(no_label, CATALOGUE.get("GCNDKDN"))
    run_together = company.replace("TRÀNG AN", "HOALƯ")
    assert extract_fields(run_together, CATALOGUE.get("GCNDKDN"))["full_name"].problem == "unusual_word_in_name"


def test_declared_owner_wins_unless_the_paper_clearly_names_another():
    w = words(TEXT, {"037303012345": 50.0})
    same = assess(TEXT, CATALOGUE, CatalogConfig(), words=w, declared_owner="037303012345")
    assert same.owner_id == "037303012345" and same.review == ()
    other = assess(TEXT, CATALOGUE, CatalogConfig(), words=words(TEXT), declared_owner="037203099999")
    assert other.owner_id == "037203099999" and any(r.startswith("owner_mismatch") for r in other.review)
    assert "037203099999" not in " ".join(other.review)  # the reason does not spell the ID out


def test_rare_family_name_one_diacritic_from_a_common_one_goes_to_review():
    from catalog.names import confusable_surname

    assert confusable_surname("Đồ Quang Đạt") == "Đỗ"  # a real but rare family name, or Đỗ misread?
    assert confusable_surname("Lường Văn An") == "Lương"
    assert confusable_surname("Đô Văn An") == "Đỗ"  # no family name at all: Đỗ or Đồ, never guessed
    assert confusable_surname("Đỗ Quang Đạt") is None
    assert confusable_surname("Lã Văn An") is None  # La and Lã are both rare: nothing to prefer
    assert confusable_surname("Kiều Thị Mai") is None
    f = extract_fields(TEXT.replace("NGUYỄN THỊ MY", "ĐỒ THỊ MY"), GKS, words(TEXT.replace("NGUYỄN", "ĐỒ")))
    assert f["full_name"].value == "Đồ Thị My"  # kept as read, not "repaired" into another family
    assert f["full_name"].confidence < 0.5 and f["full_name"].problem == "family_name_confusable_with Đỗ"
    a = assess(TEXT.replace("NGUYỄN THỊ MY", "ĐỒ THỊ MY"), CATALOGUE, CatalogConfig())
    assert any(r.startswith("field_uncertain: full_name (family_name_confusable_with") for r in a.review)


def test_a_name_syllable_one_diacritic_from_a_common_name_goes_to_review():
    from catalog.names import confusable_given_name

    assert confusable_given_name("Trần Bích Hãng") == ("Hãng", "Hằng")
    assert confusable_given_name("Đinh Xuân Quần") == ("Quần", "Quân")
    assert confusable_given_name("Trịnh Thị Dũng") is None  # Dung and Dũng are both names: no guess
    assert confusable_given_name("Lê Văn Tèo") is None  # unusual, but nothing it could be instead
    f = extract_fields(TEXT.replace("NGUYỄN THỊ MY", "NGUYỄN THỊ HÃNG"), GKS)
    assert f["full_name"].value == "Nguyễn Thị Hãng" and f["full_name"].confidence < 0.5
    assert f["full_name"].problem == "name_confusable: Hãng or Hằng"


def test_a_paper_of_limited_validity_without_a_readable_end_goes_to_review():
    text = "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN\nHọ, chữ đệm, tên: NGUYỄN VĂN AN\nSố định danh cá nhân: 037096014589\n"
    a = assess(text, CATALOGUE, CatalogConfig(), words=words(text))
    assert a.type_code == "GXNTTHN" and "valid_until" not in a.fields
    assert "field_missing: valid_until" in a.review
    dated = text + "Ninh Bình, ngày 31 tháng 08 năm 2024\n"
    assert "field_missing: valid_until" not in assess(dated, CATALOGUE, CatalogConfig(), words=words(dated)).review
    licence = (
        "GIẤY PHÉP LÁI XE\nHọ tên / Full name: NGUYỄN VĂN AN\nSố định danh cá nhân: 037096014589\n"
        "Hạng / Class: A    Ngày trúng tuyển / Beginning date: 13/06/2024\n"
    )
    a = assess(licence, CATALOGUE, CatalogConfig(), words=words(licence))
    assert a.type_code == "GPLX" and "field_missing: valid_until" in a.review  # printed validity, not read
    unlimited = licence + "Có giá trị đến / Expires: Không thời hạn\n"
    a = assess(unlimited, CATALOGUE, CatalogConfig(), words=words(unlimited))
    assert "valid_until" not in a.fields and "field_missing: valid_until" not in a.review  # says: no end
