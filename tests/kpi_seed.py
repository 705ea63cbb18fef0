"""A small catalog whose KPIs for 2026Q4 were computed by hand (the expected values sit in ``EXPECTED``).

Three agencies — the provincial centre P (with a postal operator), district D, commune C — with results,
components, dossiers, reuse checks written the way the lookup API writes them, quarantines, review backlog,
stage timings and fixity events, including edge cases: a result that expires inside the quarter, one archived
before the plan started, one archived at 00:30 on 1 January (Vietnam time: next quarter), a dossier known only
from its reuse check, a denominator carried over from the previous year, a commune without any denominator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from catalog.db import Catalog, Document, Dossier, Event
from catalog.kpi_db import set_year, upsert_agency, upsert_operator

VN = ZoneInfo("Asia/Ho_Chi_Minh")
P, D, C = "000.00.00.H42", "000.00.16.H42", "000.05.16.H42"
NOW = datetime(2026, 12, 15, tzinfo=UTC)

EXPECTED = {
    "digitization": {P: 20.0, D: 12.5, C: None, "province": 20.0, "district": 12.5, "commune": None},
    "digitization_q3": {"province": 10.0, "district": 0.0, "commune": None},
    "headline_digitization": 16.7,
    "reuse": {P: 50.0, D: 50.0, C: None, "province": 50.0, "district": 50.0, "commune": None},
    "received": {P: 4, D: 2, C: 0},
    "per_staff": {P: (2, 2.0, 3.0), D: (1, 2.0, 5.0), C: (1, 0.0, 2.0)},  # staff, dossiers/staff, pages/staff
    "pages_by_org_type": {"postal": 2, "state": 9, "unregistered": 2},
    "backlog": {"count": 2, "median": 17.7, "oldest": 34.9, "buckets": [1, 0, 0, 1]},
    "ocr": {"documents": 5, "mean": 0.67, "bins": [1, 1, 1, 1, 0, 1]},
    "quarantine": [("unreadable_file", 3), ("encrypted_pdf", 2)],
    "processing": {"median": 35.0, "p90": 60.0, "stages": {"ocr": 5.0, "sign": 1.5}},
    "fixity": {"ok": 10, "failed": 1},
}


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN).astimezone(UTC)


def _doc(
    n: int,
    agency: str,
    operator: str,
    archived: datetime | None,
    *,
    kind="result",
    status="archived",
    valid_until=None,
    pages=1,
    ocr=None,
    took=0.0,
) -> Document:
    return Document(
        key=f"{n:064d}",
        doc_code=f"{agency}-261001-{n:04d}.01",
        kind=kind,
        status=status,
        input=f"scan{n}.png",
        agency=agency,
        operator=operator,
        valid_until=valid_until,
        pages=pages,
        ocr_confidence=ocr,
        created_at=(archived - timedelta(seconds=took)) if archived else vn(2026, 10, 1),
        archived_at=archived,
    )


def seed_kpi(catalog: Catalog) -> None:
    upsert_agency(catalog, P, name="Trung tâm Phục vụ hành chính công tỉnh", level="province")
    upsert_agency(catalog, D, name="UBND huyện Hoa Lư", level="district", parent=P)
    upsert_agency(catalog, C, name="UBND xã Ninh Hải", level="commune", parent=D)
    upsert_operator(catalog, "bd01", agency=P, organisation="Bưu điện tỉnh Ninh Bình", org_type="postal")
    upsert_operator(catalog, "p1", agency=P, name="Cán bộ P1")
    upsert_operator(catalog, "d1", agency=D)
    set_year(catalog, P, 2026, results_on_paper=10, staff=2)
    set_year(catalog, D, 2025, results_on_paper=8)  # carried over to 2026
    docs = [
        _doc(1, P, "bd01", vn(2026, 10, 5, 9), pages=2, ocr=0.95, took=10),
        _doc(2, P, "p1", vn(2026, 11, 10, 9), status="needs_review", valid_until="2030-01-01", ocr=0.55, took=20),
        _doc(3, P, "p1", vn(2026, 8, 1, 9), valid_until="2026-12-01", ocr=0.85),  # expires in Q4
        _doc(4, P, "p1", vn(2026, 10, 6, 9), kind="component", pages=3, ocr=0.75, took=30),
        _doc(5, P, "p1", vn(2021, 12, 31, 9)),  # before the plan's start
        _doc(6, P, "p1", None, status="quarantined"),
        _doc(7, D, "d1", vn(2026, 12, 31, 23, 30), pages=4, ocr=0.65, took=40),
        _doc(8, D, "d1", vn(2027, 1, 1, 0, 30)),  # next quarter in Vietnam time
        _doc(9, C, "c1", vn(2026, 11, 1, 9), pages=2, took=50),
        _doc(
            10,
            D,
            "d1",
            datetime(2026, 12, 14, 12, tzinfo=UTC),
            kind="component",
            status="needs_review",
            ocr=0.45,
            took=60,
        ),
    ]
    dossiers = [
        (f"{P}-261005-0001", P, vn(2026, 10, 5, 8)),
        (f"{P}-261006-0002", P, vn(2026, 10, 6, 8)),
        (f"{P}-261110-0001", P, vn(2026, 11, 10, 8)),
        (f"{P}-260915-0001", P, vn(2026, 9, 15, 8)),
        (f"{D}-261201-0001", D, vn(2026, 12, 1, 8)),
        (f"{D}-261202-0001", D, vn(2026, 12, 2, 8)),
    ]

    def ev(action, at, agency, **detail):
        return Event(action=action, at=at, actor="test", agency=agency, detail=detail)

    events = [
        ev("access.reuse_check", vn(2026, 10, 5, 8), P, purpose=f"{P}-261005-0001", result="2/3 reusable", via="api"),
        ev("access.reuse_check", vn(2026, 10, 6, 8), P, purpose=f"{P}-261006-0002", result="0/2 reusable", via="api"),
        ev("access.reuse_check", vn(2026, 11, 20, 8), P, purpose=f"{P}-261120-0005", result="1/1 reusable", via="api"),
        ev("access.reuse_check", vn(2026, 11, 20, 9), P, purpose="HS-khong-hop-le", result="1/1 reusable", via="api"),
        ev("reuse_check", vn(2026, 12, 1, 8), D, purpose=f"{D}-261201-0001", reused=1),
        *(ev("quarantined", vn(2026, 10, 7 + i), P, reason_code="unreadable_file") for i in range(3)),
        ev("quarantined", vn(2026, 10, 8), P, reason_code="encrypted_pdf"),
        ev("quarantined", vn(2026, 12, 8), D, reason_code="encrypted_pdf"),
        ev("quarantined", vn(2026, 9, 8), D, reason_code="bomb"),  # Q3
        ev("stage_timings", vn(2026, 10, 5, 9), P, seconds={"ocr": 4.0, "sign": 1.0}),
        ev("stage_timings", vn(2026, 10, 6, 9), P, seconds={"ocr": 6.0, "sign": 2.0}),
        ev("fixity_ok", vn(2026, 11, 2, 2), None, count=10),
        ev("fixity_failed", vn(2026, 11, 3, 2), None, count=1),
    ]
    with catalog.session() as s:
        for code, agency, created in dossiers:
            s.add(Dossier(code=code, agency=agency, created_at=created))
        s.add_all(docs)
        s.add_all(events)
