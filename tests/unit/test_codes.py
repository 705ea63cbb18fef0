from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.codes import (
    DOSSIER_CODE_RE,
    CodeTemplates,
    enterprise_check_digit,
    is_enterprise_code,
    is_personal_id,
    mask_id,
    mask_name,
    owner_kind,
    parse_personal_id,
    province_codes,
    validate_agency_code,
    validate_dossier_code,
)
from catalog.errors import InvalidCode

provinces = st.sampled_from(sorted(province_codes()))
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
sexes = st.sampled_from(["M", "F"])


def make_id(province: str, dob: date, sex: str, serial: int) -> str:
    digit = (dob.year // 100 - 19) * 2 + (0 if sex == "M" else 1)
    return f"{province}{digit}{dob.year % 100:02d}{serial:06d}"


@given(provinces, birth_dates, sexes, st.integers(0, 999_999))
def test_personal_id_round_trip(province, dob, sex, serial):
    pid = parse_personal_id(make_id(province, dob, sex, serial))
    assert pid.province == province
    assert pid.sex == sex
    assert pid.birth_year() == dob.year
    assert pid.matches_birth_date(dob)


@given(st.text(alphabet="0123456789", min_size=0, max_size=20).filter(lambda s: len(s) != 12))
def test_personal_id_wrong_length_is_refused(s):
    assert not is_personal_id(s)


def test_personal_id_unknown_province_and_century():
    with pytest.raises(InvalidCode, match="province"):
        parse_personal_id("003096014589")  # 003 is not a province code
    with pytest.raises(InvalidCode, match="century"):
        parse_personal_id("037796014589")  # digit 7: 2200s
    assert parse_personal_id("037096014589").birth_year() == 1996


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_enterprise_check_digit(first9):
    check = enterprise_check_digit(first9)
    if check is None:
        assert not any(is_enterprise_code(first9 + str(d)) for d in range(10))
    else:
        code = first9 + str(check)
        assert is_enterprise_code(code)
        assert is_enterprise_code(code + "-001")
        assert not is_enterprise_code(first9 + str((check + 1) % 10))


def test_known_enterprise_code():
    assert is_enterprise_code("0100109106")  # from STANDARDS.md
    assert owner_kind("0100109106") == "enterprise"
    assert owner_kind("037096014589") == "citizen"
    with pytest.raises(InvalidCode):
        owner_kind("12345")


@given(
    st.integers(0, 999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from("GH"),
    st.integers(0, 99),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(1, 9999),
)
def test_dossier_code_generated_is_valid(a, b, c, letter, d, day, seq):
    agency = validate_agency_code(f"{a:03d}.{b:02d}.{c:02d}.{letter}{d:02d}")
    code = CodeTemplates().dossier_code(agency, day, seq)
    assert DOSSIER_CODE_RE.match(code)
    assert validate_dossier_code(code) == code
    assert code.startswith(agency + "-" + day.strftime("%y%m%d"))


def test_dossier_sequence_bounds_and_example():
    t = CodeTemplates()
    assert t.dossier_code("000.00.16.H42", date(2023, 5, 15), 3) == "000.00.16.H42-230515-0003"
    assert t.document_code("000.00.16.H42-230515-0003", 1) == "000.00.16.H42-230515-0003.01"
    with pytest.raises(InvalidCode):
        t.dossier_code("000.00.16.H42", date(2023, 5, 15), 10000)
    with pytest.raises(InvalidCode):
        validate_dossier_code("000.00.16.H42-231315-0003")  # month 13
    assert t.paper_code("037096014589", "KQ.G15.000031", "STP-SCT", 1) == "037096014589.KQ.G15.000031.STP-SCT.01"


def test_masks_hide_personal_data():
    assert mask_id("037096014589") == "037******589"
    assert "096014" not in mask_id("037096014589")
    assert mask_name("Nguyễn Văn An") == "N. V. A."
    assert mask_id(None) == "-"
