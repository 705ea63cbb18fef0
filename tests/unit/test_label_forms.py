"""Label forms of the official papers (issue 18): role suffixes, section and column heads, bilingual labels, labels
above or beside their values, labels sharing a line or printed empty, owners listed in order, names as printed,
values wrapped or cut, and owners found by name and date of birth. Each layout is read from OCR words with boxes
and from plain text."""

from __future__ import annotations

import random
from datetime import date

import pytest

from catalog.assess import assess
from catalog.config import CatalogConfig
from catalog.fields import EMPTY, extract_fields
from catalog.parties import KnownOwner, MemoryDirectory
from catalog.types import default_document_types
from scripts.samplegen.papers import LAYOUTS, make_paper
from tests.label_forms_data import text_of, words_of

CATALOGUE = default_document_types()
TODAY = date(2026, 12, 1)
HUSBAND, WIFE = "037090012345", "037192012345"  # a man born 1990, a woman born 1992 (Ninh Bình)
BOTH = pytest.mark.parametrize("boxes", [True, False], ids=["words-with-boxes", "text"])


def read(rows, code: str, boxes: bool, **kw):
    return extract_fields(text_of(rows), CATALOGUE.get(code), words_of(rows, **kw) if boxes else None, TODAY)


def judge(rows, code: str, boxes: bool, directory=None):
    return assess(
        text_of(rows),
        CATALOGUE,
        CatalogConfig(),
        words=words_of(rows) if boxes else None,
        today=TODAY,
        directory=directory,
        declared_type=code,
    )


def values(fields) -> dict[str, str]:
    return {k: v.value for k, v in fields.items()}


MARRIAGE_SUFFIX = [
    [(420, "GIẤY CHỨNG NHẬN KẾT HÔN")],
    [(100, "Họ, chữ đệm, tên người chồng: TRẦN VĂN AN")],
    [(100, "Ngày, tháng, năm sinh: 01/02/1990")],
    [(100, "Số định danh cá nhân: 037090012345")],
    [(100, "Họ, chữ đệm, tên người vợ: LÊ THỊ BÌNH")],
    [(100, "Ngày, tháng, năm sinh: 03/04/1992")],
    [(100, "Số định danh cá nhân: 037192012345")],
    [(100, "Ngày, tháng, năm đăng ký: 05/06/2020")],
]
EXPECTED_COUPLE = {
    "full_name": "Trần Văn An",
    "date_of_birth": "1990-02-01",
    "id_number": HUSBAND,
    "wife.full_name": "Lê Thị Bình",
    "wife.date_of_birth": "1992-04-03",
    "wife.id_number": WIFE,
}


@BOTH
def test_role_suffixes_say_whose_value_it_is(boxes):
    f = values(read(MARRIAGE_SUFFIX, "GCNKH", boxes))
    assert EXPECTED_COUPLE.items() <= f.items() and f["issue_date"] == "2020-06-05"
    a = judge(MARRIAGE_SUFFIX, "GCNKH", boxes)
    assert {(o.role, o.owner_id) for o in a.owners} == {("husband", HUSBAND), ("wife", WIFE)}
    assert a.owner_id == HUSBAND and a.review == ()


@BOTH
def test_section_headings_say_whose_block_follows(boxes):
    rows = [
        [(420, "GIẤY CHỨNG NHẬN KẾT HÔN")],
        [(100, "Thông tin người chồng")],
        *[[(100, t.replace(" người chồng", ""))] for ((_, t),) in MARRIAGE_SUFFIX[1:4]],
        [(100, "Thông tin người vợ")],
        *[[(100, t.replace(" người vợ", ""))] for ((_, t),) in MARRIAGE_SUFFIX[4:7]],
    ]
    assert EXPECTED_COUPLE.items() <= values(read(rows, "GCNKH", boxes)).items()


@BOTH
def test_two_people_side_by_side(boxes):
    left = [t.replace(" người chồng", "") for ((_, t),) in MARRIAGE_SUFFIX[1:4]]
    right = [t.replace(" người vợ", "") for ((_, t),) in MARRIAGE_SUFFIX[4:7]]
    rows = [[(420, "GIẤY CHỨNG NHẬN KẾT HÔN")], [(100, "Thông tin người chồng"), (900, "Thông tin người vợ")]]
    rows += [[(100, a), (900, b)] for a, b in zip(left, right, strict=True)]
    assert EXPECTED_COUPLE.items() <= values(read(rows, "GCNKH", boxes)).items()


@BOTH
def test_a_table_with_a_column_per_person_and_old_identity_cards(boxes):
    rows = [
        [(420, "GIẤY CHỨNG NHẬN KẾT HÔN")],
        [(600, "Chồng"), (1100, "Vợ")],
        [(100, "Họ và tên"), (600, "TRẦN VĂN AN"), (1100, "LÊ THỊ BÌNH")],
        [(100, "Ngày, tháng, năm sinh"), (600, "01/02/1990"), (1100, "03/04/1992")],
        [(100, "Số Giấy CMND"), (600, "164123456"), (1100, "164654321")],  # 9 digits: not a personal ID
    ]
    f = values(read(rows, "GCNKH", boxes))
    assert {k: v for k, v in EXPECTED_COUPLE.items() if "id_number" not in k}.items() <= f.items()
    assert "id_number" not in f and "wife.id_number" not in f
    known = MemoryDirectory(
        [KnownOwner(HUSBAND, "Trần Văn An", "1990-02-01"), KnownOwner(WIFE, "Lê Thị Bình", "1992-04-03")]
    )
    a = judge(rows, "GCNKH", boxes, known)
    assert {(o.role, o.owner_id, o.how) for o in a.owners} == {
        ("husband", HUSBAND, "matched"),
        ("wife", WIFE, "matched"),
    }
    assert a.review == ()
    unknown = judge(rows, "GCNKH", boxes, MemoryDirectory([]))
    assert "owner_missing" in unknown.review and "owner_missing: wife" in unknown.review


@BOTH
def test_bilingual_labels_and_labels_above_their_values(boxes):
    rows = [
        [(420, "CĂN CƯỚC")],
        [(420, "IDENTITY CARD")],
        [(100, "Số định danh cá nhân / Personal identification number: 037090012345")],
        [(100, "Họ, chữ đệm và tên khai sinh / Surname, middle name and given name:")],
        [(100, "TRẦN VĂN AN")],
        [(100, "Ngày, tháng, năm sinh / Date of birth: 01/02/1990")],
        [(100, "Giới tính / Sex: Nam    Quốc tịch / Nationality: Việt Nam")],
        [(100, "Nơi cư trú / Place of residence:")],
        [(100, "Xã Ninh Hải, huyện Hoa Lư, tỉnh Ninh Bình")],
        [(100, "Ngày, tháng, năm hết hạn / Date of expiry: 01/02/2030")],
    ]
    f = values(read(rows, "CCCD", boxes))
    assert f["id_number"] == HUSBAND and f["full_name"] == "Trần Văn An" and f["date_of_birth"] == "1990-02-01"
    assert f["valid_until"] == "2030-02-01"


@BOTH
def test_labels_sharing_a_line_are_split_and_cross_checked(boxes):
    rows = [
        [(420, "GIẤY KHAI SINH")],
        [(100, "Họ, chữ đệm, tên: TRẦN VĂN AN")],
        [(100, "Ngày, tháng, năm sinh: 01/02/1990 Giới tính: Nữ Dân tộc: Kinh")],  # the ID says a man
        [(100, "Số định danh cá nhân: 037090012345")],
    ]
    f = read(rows, "GKS", boxes)
    assert f["date_of_birth"].value == "1990-02-01" and f["id_number"].problem == "id_sex_mismatch"


@BOTH
def test_value_in_the_cell_to_the_right_and_a_label_over_two_lines(boxes):
    rows = [
        [(420, "GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ")],
        [(100, "1. Họ, chữ đệm và tên"), (640, "TRẦN VĂN AN")],
        [(100, "2. Ngày, tháng,"), (640, "01/02/1990"), (1000, "3. Giới tính"), (1200, "Nam")],
        [(100, "năm sinh")],
        [(100, "4. Số định danh cá nhân"), (640, "037090012345")],
        [(100, "8. Họ, chữ đệm và"), (640, "LÊ VĂN"), (1000, "Quan hệ với chủ"), (1200, "Con")],
        [(100, "tên chủ hộ"), (640, "BÌNH"), (1000, "hộ")],
    ]
    f = values(read(rows, "XNCT", boxes))
    assert f["full_name"] == "Trần Văn An" and f["date_of_birth"] == "1990-02-01" and f["id_number"] == HUSBAND


@BOTH
def test_a_role_suffix_without_its_colon_before_a_name_as_printed(boxes):
    rows = [
        [(420, "TỜ KHAI ĐĂNG KÝ KHAI SINH")],
        [(100, "Họ, chữ đệm, tên người yêu cầu Huỳnh Hồng Tuyết")],  # no colon, the name in a sentence's case
        [(100, "Số định danh cá nhân 037192012345")],
        [(100, "Họ, chữ đệm, tên Trần Văn An")],  # the child: not the form's owner
    ]
    f = values(read(rows, "TK", boxes))
    assert f["full_name"] == "Huỳnh Hồng Tuyết" and f["id_number"] == WIFE


@BOTH
def test_a_label_printed_empty_is_reported_empty(boxes):
    rows = [
        [(420, "GIẤY KHAI SINH")],
        [(100, "Họ, chữ đệm, tên:")],
        [(100, "Ngày, tháng, năm sinh: 01/02/1990")],
        [(100, "Số định danh cá nhân:"), (700, "Quốc tịch: Việt Nam")],
    ]
    f = read(rows, "GKS", boxes)
    assert f["full_name"].value == "" and f["full_name"].problem == EMPTY  # not "Ngày, tháng, năm sinh: …"
    assert f["id_number"].value == "" and f["date_of_birth"].value == "1990-02-01"
    a = judge(rows, "GKS", boxes)
    assert "field_empty: full_name" in a.review and "owner_missing" in a.review and a.owner_id is None


@BOTH
def test_land_holders_listed_in_order(boxes):
    two = [
        [(200, "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT")],
        [(100, "I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất")],
        [(100, "Ông: TRẦN VĂN AN    Năm sinh: 1990")],
        [(100, "Số định danh cá nhân: 037090012345")],
        [(100, "Bà: LÊ THỊ BÌNH    Năm sinh: 1992")],
        [(100, "CCCD số: 037192012345")],
    ]
    f = values(read(two, "GCNQSDD", boxes))
    assert f["full_name"] == "Trần Văn An" and f["id_number"] == HUSBAND
    assert f["co_holder.full_name"] == "Lê Thị Bình" and f["co_holder.id_number"] == WIFE
    a = judge(two, "GCNQSDD", boxes)
    assert {(o.role, o.owner_id) for o in a.owners} == {("holder", HUSBAND), ("co_holder", WIFE)} and a.review == ()
    new_form = [  # Luật Đất đai 2024: one sentence per holder
        [(200, "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT")],
        [(100, "1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:")],
        [(100, "Ông TRẦN VĂN AN, sinh năm 1990, CCCD số: 037090012345")],
        [(100, "Bà LÊ THỊ BÌNH, sinh năm 1992, CCCD số: 037192012345")],
    ]
    assert {k: v for k, v in values(read(new_form, "GCNQSDD", boxes)).items() if "." in k or k in f} == {
        k: v for k, v in f.items() if k in ("full_name", "id_number", "co_holder.full_name", "co_holder.id_number")
    }
    one = [[(200, "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT")], [(100, "Tên người sử dụng đất: Hộ ông TRẦN VĂN AN")]]
    one += [[(100, "Số CCCD: 037090012345")]]
    a = judge(one, "GCNQSDD", boxes)
    assert a.fields["full_name"].value == "Trần Văn An" and a.review == ()  # one holder: no co-holder missing


@BOTH
def test_names_as_printed(boxes):
    mixed = [[(420, "GIẤY KHAI SINH")], [(100, "Họ, chữ đệm, tên: Võ Hồng Loan")]]  # "Võ" is no suffix "vợ"
    assert read(mixed, "GKS", boxes)["full_name"].value == "Võ Hồng Loan"
    title = [[(200, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP")], [(100, "Mã số doanh nghiệp: 0100109106")]]
    for printed in (
        "CÔNG TY TNHH THƯƠNG MẠI TRÀNG AN",
        "CÔNG TY TNHH MTV DỊCH VỤ HOA LƯ",
        "CÔNG TY CP XÂY DỰNG TAM CỐC",
        "HTX NÔNG NGHIỆP KHÁNH AN",
        "Công ty TNHH Thương mại Tràng An",
    ):
        rows = [*title, [(100, f"Tên công ty viết bằng tiếng Việt: {printed}")]]
        got = read(rows, "GCNDKDN", boxes)["full_name"]
        assert got.value == printed and got.problem is None, printed


@BOTH
def test_a_company_name_wrapped_at_the_margin_is_joined(boxes):
    rows = [
        [(200, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP")],
        [(100, "Mã số doanh nghiệp: 0100109106")],
        [(100, "Tên công ty viết bằng tiếng Việt: CÔNG TY TNHH THƯƠNG MẠI DỊCH VỤ VẬN TẢI TRÀNG")],
        [(100, "AN NINH BÌNH")],
        [(100, "Địa chỉ trụ sở chính: Số 1 đường Trần Hưng Đạo, thành phố Ninh Bình")],
    ]
    got = read(rows, "GCNDKDN", boxes)["full_name"]
    assert got.value == "CÔNG TY TNHH THƯƠNG MẠI DỊCH VỤ VẬN TẢI TRÀNG AN NINH BÌNH" and got.problem is None


def test_a_value_cut_short_goes_to_review():
    base = [[(200, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP")], [(100, "Mã số doanh nghiệp: 0100109106")]]
    # a word of the name lost under a seal: the rest stands apart on the same row
    sealed = [*base, [(100, "Tên công ty viết bằng tiếng Việt: CÔNG TY TNHH THƯƠNG MẠI"), (800, "AN")]]
    got = read(sealed, "GCNDKDN", True)["full_name"]
    assert got.problem == "value_gap" and got.confidence < 0.6
    # the name reaches the margin and the next line goes on with something that is not its continuation
    at_edge = [
        *base,
        [(100, "Tên công ty viết bằng tiếng Việt: CÔNG TY TNHH THƯƠNG MẠI DỊCH VỤ VẬN TẢI TRÀNG")],
        [(100, "và du lịch, trụ sở tại thành phố Ninh Bình")],
    ]
    got = read(at_edge, "GCNDKDN", True)["full_name"]
    assert got.problem == "value_at_line_end" and got.confidence < 0.6
    person = [[(420, "GIẤY KHAI SINH")], [(100, "Họ, chữ đệm, tên: TRẦN VĂN")]]  # its given name is missing
    assert read(person, "GKS", True)["full_name"].problem == "name_may_be_cut"


def test_a_diploma_without_an_id_number_finds_its_owner_by_name_and_birth():
    rows = [
        [(300, "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG")],
        [(100, "Họ và tên: TRẦN VĂN AN")],
        [(100, "Ngày sinh: 01/02/1990    Giới tính: Nam")],
        [(100, "Nơi sinh: Xã Ninh Hải, huyện Hoa Lư, tỉnh Ninh Bình")],
    ]
    namesake = "037090099999"
    one = MemoryDirectory(
        [KnownOwner(HUSBAND, "Trần Văn An", "1990-02-01"), KnownOwner(namesake, "Trần Văn An", "1991-02-01")]
    )
    a = judge(rows, "BTNTHPT", True, one)
    assert a.owner_id == HUSBAND and a.owners[0].how == "matched" and a.review == ()
    twins = [
        KnownOwner(HUSBAND, "Trần Văn An", "1990-02-01", ("Xã Ninh Hải, huyện Hoa Lư, tỉnh Ninh Bình",)),
        KnownOwner(namesake, "Trần Văn An", "1990-02-01", ("Xã Kim Định, huyện Kim Sơn, tỉnh Ninh Bình",)),
    ]
    a = judge(rows, "BTNTHPT", True, MemoryDirectory(twins))
    assert a.owner_id == HUSBAND and a.review == ()  # the place tells them apart
    elsewhere = [rows[0], rows[1], rows[2], [(100, "Nơi sinh: Xã Gia Sinh, huyện Gia Viễn, tỉnh Ninh Bình")]]
    a = judge(elsewhere, "BTNTHPT", True, MemoryDirectory(twins))
    assert a.owner_id is None and any(r.startswith("owner_ambiguous (2 known owners") for r in a.review)
    assert "owner_missing" in judge(rows, "BTNTHPT", True, MemoryDirectory([])).review


TUNED = [(code, lay.name) for code, lays in sorted(LAYOUTS.items()) for lay in lays if not lay.held_out]


@pytest.mark.parametrize(("code", "layout"), TUNED)
def test_every_tuned_layout_of_the_generator_reads_right_from_text(code, layout):
    """The held-out layouts are left to the benchmark (scripts/bench_classify.py --layouts held-out)."""
    p = make_paper(code, random.Random(11), layout)
    people = MemoryDirectory([KnownOwner(x["owner_id"], x["name"], x["date_of_birth"]) for x in p.people])
    a = assess("\n".join(p.truth_lines()), CATALOGUE, CatalogConfig(), directory=people)
    assert a.type_code == code
    for key, want in p.fields.items():
        if not key.endswith("issuer"):
            assert a.fields[key].value == want, key
    assert {(o.role, o.owner_id) for o in a.owners} == {(o["role"], o["owner_id"]) for o in p.owners}
    assert a.review == ()


def test_a_name_wrapped_in_the_right_column_is_not_stored_cut_short():
    # held-out "columns" marriage certificate: the wife's given name wrapped under her name, beside the
    # husband's next label; "NGUYỄN THU" alone was stored without a flag
    rows = [
        [(420, "GIẤY CHỨNG NHẬN KẾT HÔN")],
        [(100, "Thông tin người chồng"), (900, "Thông tin người vợ")],
        [(100, "Họ, chữ đệm, tên: VÕ QUANG PHÚC"), (900, "Họ, chữ đệm, tên: NGUYỄN THU")],
        [(100, "Ngày, tháng, năm sinh: 18/05/1979"), (900, "TUYẾT")],
        [(100, "Dân tộc: Kinh"), (900, "Ngày, tháng, năm sinh: 19/04/1983")],
        [(100, "Số định danh cá nhân: 037079636870"), (900, "Dân tộc: Kinh")],
    ]
    got = read(rows, "GCNKH", True)["wife.full_name"]
    # the husband's label left of her column says nothing about it: the wrapped word is joined
    assert got.value == "Nguyễn Thu Tuyết" and read(rows, "GCNKH", True)["full_name"].value == "Võ Quang Phúc"
    rows[3] = [(100, "Ngày, tháng, năm sinh: 18/05/1979"), (900, "Dân tộc: Kinh")]  # her next label: complete
    assert read(rows, "GCNKH", True)["wife.full_name"].value == "Nguyễn Thu"


@BOTH
def test_a_role_suffix_misread_by_a_letter_or_a_diacritic_before_its_colon(boxes):
    rows = [  # "chông" for "chồng" (a diacritic), "người chế" for "người chết" (a letter) — both before a colon
        [(420, "GIẤY CHỨNG NHẬN KẾT HÔN")],
        [(100, "Họ, chữ đệm, tên người chông: TRẦN VĂN AN")],
        [(100, "Ngày, tháng, năm sinh: 01/02/1990")],
        [(100, "Số định danh cá nhân: 037090012345")],
        [(100, "Họ, chữ đệm, tên người vọ: LÊ THỊ BÌNH")],
        [(100, "Ngày, tháng, năm sinh: 03/04/1992")],
        [(100, "Số định danh cá nhân: 037192012345")],
    ]
    f = values(read(rows, "GCNKH", boxes))
    assert EXPECTED_COUPLE.items() <= f.items()
    death = [
        [(420, "TRÍCH LỤC KHAI TỬ")],
        [(100, "Họ và tên người chế: TRẦN VĂN AN")],
        [(100, "Số định danh cá nhân: 037090012345")],
    ]
    f = values(read(death, "TLKT", boxes))  # one letter from "người chết" and from "người cha": no father here
    assert f["full_name"] == "Trần Văn An" and f["id_number"] == HUSBAND


@BOTH
def test_a_misread_suffix_whose_colon_stands_apart_or_is_lost(boxes):
    # a dotted blank taken out leaves a gap: the suffix ends its cell, the colon and the name stand apart (or the
    # colon is lost); a suffix of two words or more, which no name starts like, still ends the label there
    death = [
        [(420, "TRÍCH LỤC KHAI TỬ")],
        [(100, "Họ và tên người chế"), (500, ": NGUYỄN HỒNG HOA")],
        [(100, "Số định danh cá nhân: 037163647387")],
    ]
    assert values(read(death, "TLKT", boxes))["full_name"] == "Nguyễn Hồng Hoa"
    above = [
        [(420, "GIẤY CHỨNG NHẬN KẾT HÔN")],
        [(100, "Họ, chữ đệm, tên người chông")],
        [(100, "TRẦN VĂN AN")],
        [(100, "Họ, chữ đệm, tên người vợ")],
        [(100, "LÊ THỊ BÌNH")],
    ]
    f = values(read(above, "GCNKH", boxes))
    assert f["full_name"] == "Trần Văn An" and f["wife.full_name"] == "Lê Thị Bình"


@BOTH
def test_a_misread_suffix_needs_its_colon_and_one_role_only(boxes):
    # without a colon a word that folds like a suffix is a name ("Võ" is not "vợ"); two letters off is no suffix
    rows = [
        [(420, "GIẤY KHAI SINH")],
        [(100, "Họ, chữ đệm, tên Võ Thị Bình")],
        [(100, "Ngày, tháng, năm sinh: 03/04/1992")],
    ]
    f = values(read(rows, "GKS", boxes))
    assert f["full_name"] == "Võ Thị Bình"
    far = [
        [(420, "TRÍCH LỤC KHAI TỬ")],
        [(100, "Họ và tên người chứa: TRẦN VĂN AN")],  # "chứa" is two letters from "chết": not taken for it
    ]
    assert "full_name" not in values(read(far, "TLKT", boxes))
    alone = [  # a one-word suffix with other marks at a cell's end is a name's first word, not a role
        [(420, "GIẤY CHỨNG NHẬN KẾT HÔN")],
        [(100, "Họ, chữ đệm, tên Võ")],
        [(100, "Ngày, tháng, năm sinh: 03/04/1992")],
    ]
    assert not any(k.startswith("wife.") for k in values(read(alone, "GCNKH", boxes)))


def test_a_name_ending_its_column_is_not_doubted_for_the_neighbour_column_wrapping():
    # held-out "old-grid" marriage certificate: the husband's name wraps in his column ("CƯỜNG" under "TRẦN
    # THANH"); the wife's, complete, ends at the margin — the line under it in her own column is empty, so it is
    # not cut short (it was sent to review as value_at_line_end, read from the husband's wrapped word)
    rows = [
        [(420, "GIẤY CHỨNG NHẬN KẾT HÔN")],
        [(600, "Chồng"), (1000, "Vợ")],
        [(100, "Họ và tên"), (600, "TRẦN THANH"), (1000, "ĐỖ PHƯƠNG CHÂU")],
        [(600, "CƯỜNG")],
        [(100, "Ngày, tháng, năm sinh"), (600, "08/05/1988"), (1000, "13/03/1990")],
        [(100, "Dân tộc"), (600, "Kinh"), (1000, "Tày")],
    ]
    f = read(rows, "GCNKH", True)
    assert f["full_name"].value == "Trần Thanh Cường"
    assert f["wife.full_name"].value == "Đỗ Phương Châu" and f["wife.full_name"].problem is None
    rows[3] = [(600, "CƯỜNG"), (1000, "KIM")]  # something under her name in her column: it may go on
    got = read(rows, "GCNKH", True)["wife.full_name"]
    assert got.value == "Đỗ Phương Châu Kim" or got.problem == "value_at_line_end"


def test_a_tone_mark_read_as_a_vowel_of_its_own_is_merged():
    from catalog.names import merge_doubled_vowel

    assert merge_doubled_vowel("PHAẠM NGỌC ANH") == ("PHẠM NGỌC ANH", True)  # seen on a held-out diploma
    assert merge_doubled_vowel("Xoong Hoàng") == ("Xoong Hoàng", False)  # a real double vowel, no mark
    assert merge_doubled_vowel("NGUYỄN VĂN AN") == ("NGUYỄN VĂN AN", False)
    rows = [[(420, "BẰNG TỐT NGHIỆP PHỔ THÔNG TRUNG HỌC")], [(100, "Họ và tên: PHAẠM NGỌC ANH")]]
    got = read(rows, "BTNTHPT", True)["full_name"]
    assert got.value == "Phạm Ngọc Anh" and got.confidence < 0.9  # a repair costs a little


@BOTH
def test_the_issue_date_under_its_place(boxes):
    # OCR splits "Ninh Bình, ngày 20 tháng 07 năm 1998" where its words stand apart: the date is still the day
    rows = [
        [(420, "BẰNG TỐT NGHIỆP PHỔ THÔNG TRUNG HỌC")],
        [(100, "Họ và tên: PHẠM NGỌC ANH")],
        [(100, "Sinh ngày: 17/06/1980")],
        [(700, "Ninh Bình,")],
        [(700, "ngày 20 tháng 07 năm 1998")],
    ]
    assert values(read(rows, "BTNTHPT", boxes))["issue_date"] == "1998-07-20"
    rows[3] = [(700, "Ninh Bình: hồ sơ số 12")]  # not a place and its comma: no date taken from the next line
    assert "issue_date" not in values(read(rows, "BTNTHPT", boxes))


@BOTH
def test_a_label_without_its_colon_read_with_a_marked_consonant(boxes):
    # "Ñgày, tháng, năm sinh" (held-out criminal record table): no Vietnamese word puts a mark on a consonant,
    # so the label counts as printed; a vowel's other mark still does not ("HẰNG" is not the label "Hạng")
    rows = [
        [(420, "PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1")],
        [(100, "Họ, chữ đệm, tên"), (700, "LÊ XUÂN HOÀNG")],
        [(100, "Ñgày, tháng, năm sinh"), (700, "23/03/1971")],
    ]
    assert values(read(rows, "LLTP", boxes))["date_of_birth"] == "1971-03-23"
    rows[2] = [(100, "Ngáy, tháng, năm sinh"), (700, "23/03/1971")]  # a vowel read with another mark: not taken
    assert "date_of_birth" not in values(read(rows, "LLTP", boxes))


def test_a_name_wrapped_back_to_its_columns_start_is_joined_when_it_is_a_name():
    # seen on a "columns" marriage certificate: the husband's column is narrower than the room to the wife's,
    # so his line ended well short of her column and "THẮNG" went under his label; "Đặng Thanh" was stored
    # without a flag
    rows = [
        [(420, "GIẤY CHỨNG NHẬN KẾT HÔN")],
        [(100, "Thông tin người chồng"), (900, "Thông tin người vợ")],
        [(100, "Họ, chữ đệm, tên: ĐẶNG THANH"), (900, "Họ, chữ đệm, tên: TRẦN MINH HUYỀN")],
        [(100, "THẮNG"), (900, "Ngày, tháng, năm sinh: 21/03/1987")],
        [(100, "Ngày, tháng, năm sinh: 04/02/1988"), (900, "Dân tộc: Kinh")],
    ]
    f = read(rows, "GCNKH", True)
    assert f["full_name"].value == "Đặng Thanh Thắng" and f["wife.full_name"].value == "Trần Minh Huyền"
    rows[3] = [(100, "XEM MẶT SAU"), (900, "Ngày, tháng, năm sinh: 21/03/1987")]  # not a name's words
    assert read(rows, "GCNKH", True)["full_name"].value == "Đặng Thanh"
