"""The authority that issued a result, read from the paper and matched to the agencies of its issue date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog.authority import ResultAuthority, assign_missing, level_from_words, match_issuer, set_authority, unsure
from catalog.db import Catalog, Document
from catalog.errors import InvalidCode
from catalog.kpi import compute_report, parse_period
from catalog.kpi_db import AgencyInfo, upsert_agency

AGENCIES = [
    AgencyInfo("000.00.00.H42", "Trung tâm Phục vụ hành chính công tỉnh", "province"),
    AgencyInfo("000.00.16.H42", "UBND huyện Hoa Lư", "district", valid_to="2025-06-30"),
    AgencyInfo("000.05.16.H42", "UBND xã Ninh Hải", "commune", valid_to="2025-06-30"),
    AgencyInfo("000.06.16.H42", "UBND xã Ninh Hòa", "commune"),
    AgencyInfo("000.40.16.H42", "UBND xã Hoa Lư", "commune", valid_from="2025-07-01"),
    AgencyInfo("000.00.01.H42", "Bưu điện tỉnh Ninh Bình", "province", org_type="postal"),
    AgencyInfo("000.41.16.H42", "UBND xã Trường Yên", "commune"),
    AgencyInfo("000.42.16.H42", "Công an xã Trường Yên", "commune"),
]


@pytest.mark.parametrize(
    ("issuer", "day", "agency", "review"),
    [
        ("ỦY BAN NHÂN DÂN HUYỆN HOA LƯ ỦY BAN NHÂN DÂN XÃ NINH HẢI", "2020-01-01", "000.05.16.H42", False),
        ("UBND XA NINH HAI", "2020-01-01", "000.05.16.H42", False),  # read without diacritics
        ("UBND HUYỆN HOA LƯ", "2020-01-01", "000.00.16.H42", False),
        ("UBND XÃ HOA LƯ", "2025-08-01", "000.40.16.H42", False),  # only the new commune existed then
        ("UBND XÃ NINH HẢ", "2020-01-01", "000.05.16.H42", True),  # a letter lost by OCR: taken, but reviewed
        ("SỞ TƯ PHÁP", "2020-01-01", None, True),
        ("BƯU ĐIỆN TỈNH NINH BÌNH", "2020-01-01", None, True),  # the post office issues no results
        # most letters of "Ninh Hòa": a guess for a clerk, credited to no one until confirmed; never "Ninh Hải"
        ("ỦY BAN NHÂN DÂN XÃ NHƯ HÒA", "2020-01-01", "000.06.16.H42", True),
        ("ỦY BAN NHÂN DÂN XÃ TRƯỜNG YÊN", "2020-01-01", "000.41.16.H42", False),  # "trường" is a place here
        ("UBND TỈNH NINH BÌNH SỞ TƯ PHÁP", "2020-01-01", None, True),  # the department, not the province
        ("CÔNG AN TỈNH NINH BÌNH CÔNG AN XÃ TRƯỜNG YÊN", "2020-01-01", "000.42.16.H42", False),  # not the UBND
    ],
)
def test_match_issuer(issuer, day, agency, review):
    m = match_issuer(issuer, AGENCIES, day)
    assert (m.agency, m.needs_review) == (agency, review)


def test_the_last_body_named_issued_the_paper():
    m = match_issuer("ỦY BAN NHÂN DÂN TỈNH NINH BÌNH SỞ TƯ PHÁP", AGENCIES)
    assert (m.agency, m.level) == (None, "province")
    assert match_issuer("CÔNG AN TỈNH NINH BÌNH CÔNG AN XÃ KỲ PHÚ", AGENCIES).level == "commune"


def test_level_from_words_and_nothing_read():
    assert level_from_words("ỦY BAN NHÂN DÂN TỈNH NINH BÌNH") == "province"
    assert level_from_words("UBND PHƯỜNG HOA LƯ") == "commune"
    assert match_issuer(None, AGENCIES) is None and match_issuer("  ", AGENCIES) is None


def test_assign_review_and_a_clerks_answer(tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    upsert_agency(c, "000.00.00.H42", name="Trung tâm Phục vụ hành chính công tỉnh", level="province")
    upsert_agency(c, "000.05.16.H42", name="UBND xã Ninh Hải", level="commune")
    with c.session() as s:
        for n, issuer in enumerate(("UBND XÃ NINH HẢI", "SỞ TƯ PHÁP", None, "UBND XÃ NINH HẢ"), start=1):
            s.add(
                Document(
                    key=f"{n:064d}",
                    doc_code=f"000.00.00.H42-240101-{n:04d}.01",
                    kind="result",
                    status="archived",
                    input="x",
                    agency="000.00.00.H42",
                    operator="op",
                    fields={"issuer": {"value": issuer}} if issuer else {},
                    issue_date="2023-05-05",
                    archived_at=datetime(2024, 3, 1, tzinfo=UTC),
                )
            )
    assert assign_missing(c) == 4 and assign_missing(c) == 0  # incremental
    with c.session() as s:
        got = {r.doc_key[-1]: (r.agency, r.source, r.needs_review) for r in s.query(ResultAuthority)}
    assert got == {
        "1": ("000.05.16.H42", "issuer", 0),
        "2": (None, "issuer", 1),
        "3": ("000.00.00.H42", "scanning_office", 0),
        "4": ("000.05.16.H42", "issuer", 1),  # a letter lost: a guess, for a clerk
    }
    dig = compute_report(c, parse_period("2024"))["digitization"]
    assert {r["agency"]: r["digitized"] for r in dig["by_agency"]} == {"000.00.00.H42": 1, "000.05.16.H42": 1}
    assert dig["unattributed"] == 2  # the department and the guess: credited to no one until confirmed
    assert [u["doc_code"] for u in unsure(c)] == ["000.00.00.H42-240101-0002.01", "000.00.00.H42-240101-0004.01"]
    set_authority(c, "000.00.00.H42-240101-0002.01", "000.00.00.H42", actor="clerk")
    set_authority(c, "000.00.00.H42-240101-0004.01", "000.05.16.H42", actor="clerk")
    assert unsure(c) == []
    dig = compute_report(c, parse_period("2024"))["digitization"]
    assert {r["agency"]: r["digitized"] for r in dig["by_agency"]} == {"000.00.00.H42": 2, "000.05.16.H42": 2}
    with pytest.raises(InvalidCode):
        set_authority(c, "000.00.00.H42-240101-0002.01", "000.00.99.H42", actor="clerk")
    c.close()
