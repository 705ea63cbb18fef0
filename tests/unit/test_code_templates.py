"""Every code format round-trips through its generator and its template-built parser (hypothesis)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.codes import (
    CodeTemplates,
    agency_code,
    enterprise_check_digit,
    parse_agency_code,
    province_codes,
    validate_procedure_code,
)
from catalog.errors import InvalidCode

T = CodeTemplates()
level1 = st.builds(lambda c, n: f"{c}{n:02d}", st.sampled_from("GH"), st.integers(0, 99))
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def agencies(draw) -> str:
    l2 = draw(st.integers(0, 99))
    l3 = draw(st.integers(0, 99)) if l2 else 0
    l4 = draw(st.integers(0, 999)) if l3 else 0
    return agency_code(draw(level1), l2, l3, l4)


@st.composite
def personal_ids(draw) -> str:
    dob = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
    digit = (dob.year // 100 - 19) * 2 + draw(st.integers(0, 1))
    province = draw(st.sampled_from(sorted(province_codes())))
    return f"{province}{digit}{dob.year % 100:02d}{draw(st.integers(0, 999_999)):06d}"


@st.composite
def enterprise_codes(draw) -> str:
    first9 = draw(
        st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: enterprise_check_digit(s) is not None)
    )
    return first9 + str(enterprise_check_digit(first9))


@given(agencies())
def test_agency_code_round_trip(code):
    levels = parse_agency_code(code)
    assert agency_code(levels.level1, levels.level2, levels.level3, levels.level4) == code
    if levels.parent:
        assert parse_agency_code(levels.parent).depth == levels.depth - 1


def test_agency_code_examples_and_refusals():
    assert agency_code("H42") == "000.00.00.H42"
    assert agency_code("H42", 16) == "000.00.16.H42"
    assert agency_code("H42", 16, 5) == "000.05.16.H42"
    for bad in (("h42",), ("H4",), ("H42", 100), ("H42", 0, 5)):
        with pytest.raises(InvalidCode):
            agency_code(*bad)
    with pytest.raises(InvalidCode):
        parse_agency_code("000.05.00.H42")  # a level-3 number under no level 2


@given(agencies(), days, st.integers(1, 9999))
def test_dossier_code_round_trip(agency, day, seq):
    code = T.dossier_code(agency, day, seq)
    parsed = T.parse_dossier_code(code)
    assert (parsed.agency, parsed.day, parsed.seq) == (agency, day, seq)


@given(st.text(min_size=0, max_size=30))
def test_dossier_parser_never_crashes(s):
    assert T.is_dossier_code(s) in (True, False)


def test_dossier_parser_refuses_bad_dates():
    assert T.is_dossier_code("000.00.16.H42-230515-0003")
    assert not T.is_dossier_code("000.00.16.H42-230231-0003")  # 31 February
    assert not T.is_dossier_code("000.00.16.H42-231315-0003")
    assert not T.is_dossier_code("000.00.16.H42-230515-003")


@given(agencies(), days, st.integers(1, 9999), st.integers(1, 9999))
def test_document_code_and_archive_name_round_trip(agency, day, seq, ordinal):
    dossier = T.dossier_code(agency, day, seq)
    doc = T.document_code(dossier, ordinal)
    assert T.parse_document_code(doc) == (dossier, ordinal)
    assert T.parse_archive_file_name(T.archive_file_name(dossier, ordinal)) == (dossier, ordinal)
    assert T.parse_archive_file_name(T.archive_file_name(dossier)) == (dossier, None)


def test_archive_name_example():
    assert T.archive_file_name("000.00.16.H42-230515-0003", 1) == "000.00.16.H42-230515-0003.01.pdf"
    assert T.archive_file_name("000.00.16.H42-230515-0003") == "000.00.16.H42-230515-0003.pdf"
    with pytest.raises(InvalidCode):
        T.archive_file_name("not-a-dossier", 1)


@given(
    st.one_of(personal_ids(), enterprise_codes()),
    st.builds(
        lambda c, n, s: f"KQ.{c}{n:02d}.{s:06d}", st.sampled_from("GH"), st.integers(0, 99), st.integers(0, 999_999)
    ),
    st.from_regex(r"[A-Z]{1,5}(-[A-Z0-9]{1,5}){0,2}", fullmatch=True),
    st.integers(1, 99),
)
def test_paper_code_round_trip(owner, result_code, notation, nn):
    code = T.paper_code(owner, result_code, notation, nn)
    p = T.parse_paper_code(code)
    assert (p.owner, p.result_code, p.notation, p.nn) == (owner, result_code, notation, nn)


def test_paper_code_refuses_bad_parts():
    with pytest.raises(InvalidCode):
        T.paper_code("12345", "KQ.G15.000031", "STP-GKS", 1)
    with pytest.raises(InvalidCode):
        T.paper_code("037096014589", "G15.000031", "STP-GKS", 1)
    with pytest.raises(InvalidCode):
        T.parse_paper_code("037096014589.KQ.G15.000031.stp.01")


def test_configured_templates_generate_and_parse():
    t = CodeTemplates(dossier="{agency}-{day:%Y%m%d}-{seq:04d}", document="{dossier}_{ordinal:03d}")
    d = t.dossier_code("000.00.16.H42", date(2023, 5, 15), 7)
    assert d == "000.00.16.H42-20230515-0007"
    assert t.parse_dossier_code(d).day == date(2023, 5, 15)
    assert t.parse_document_code(t.document_code(d, 2)) == (d, 2)
    assert not CodeTemplates().is_dossier_code(d)


@given(st.sampled_from("123"), st.integers(0, 999_999))
def test_procedure_codes(first, n):
    code = f"{first}.{n:06d}"
    assert validate_procedure_code(code) == code
    assert validate_procedure_code(code + ".000.00.00.H42")
    with pytest.raises(InvalidCode):
        validate_procedure_code(f"4.{n:06d}")
