"""A small catalog whose KPIs for 2024Q4 were computed by hand (the expected values sit in ``EXPECTED``).

Three agencies — the provincial centre P (with a postal operator), district D, commune C — with results,
components, dossiers registered by the one-stop system, reuse checks written the way the lookup API writes them
(and forged ones that must count for nothing), quarantines, review backlog, stage timings and fixity events,
including edge cases: a result that expires inside the quarter, one archived before the plan started (2021), one
archived at 00:30 on 1 January (Vietnam time: next quarter), a registered dossier never checked, a check made
before its dossier was registered, a denominator carried over from the previous year, a commune without any
denominator. The quarter is 2024Q4, when local government still had three levels.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from catalog.db import Catalog, Document, Dossier, Event
from catalog.kpi_db import set_year, upsert_agency, upsert_operator
from catalog.registered import register, resolve

VN = ZoneInfo("Asia/Ho_Chi_Minh")
P, D, C = "000.00.00.H42", "000.00.16.H42", "000.05.16.H42"
NOW = datetime(2024, 12, 15, tzinfo=UTC)
A, B, OTHER = "037096014589", "036185000123", "035090001234"  # applicants, and someone else
REUSE = "access.reuse_check"

EXPECTED = {
    "digitization": {P: 20.0, D: 12.5, C: None, "province": 20.0, "district": 12.5, "commune": None},
    "digitization_q3": {"province": 10.0, "district": 0.0, "commune": None},
    "headline_digitization": 16.7,
    "reuse": {P: 50.0, D: 50.0, C: None, "province": 50.0, "district": 50.0, "commune": None},
    "papers": {P: (3, 7, 42.9), D: (1, 1, 100.0)},  # required papers found, required, share
    "resolved": {P: (1, 2, 50.0), D: (0, 0, None)},  # digitized+signed+stored, resolved successfully, rate
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
        doc_code=f"{agency}-241001-{n:04d}.01",
        kind=kind,
        status=status,
        input=f"scan{n}.png",
        agency=agency,
        operator=operator,
        valid_until=valid_until,
        pages=pages,
        ocr_confidence=ocr,
        created_at=(archived - timedelta(seconds=took)) if archived else vn(2024, 10, 1),
        archived_at=archived,
    )


def seed_kpi(catalog: Catalog) -> None:
    upsert_agency(catalog, P, name="Trung tâm Phục vụ hành chính công tỉnh", level="province")
    upsert_agency(catalog, D, name="UBND huyện Hoa Lư", level="district", parent=P)
    upsert_agency(catalog, C, name="UBND xã Ninh Hải", level="commune", parent=D)
    upsert_operator(catalog, "bd01", agency=P, organisation="Bưu điện tỉnh Ninh Bình", org_type="postal")
    upsert_operator(catalog, "p1", agency=P, name="Cán bộ P1")
    upsert_operator(catalog, "d1", agency=D)
    set_year(catalog, P, 2024, results_on_paper=10, staff=2)
    set_year(catalog, D, 2023, results_on_paper=8)  # carried over to 2024
    docs = [
        _doc(1, P, "bd01", vn(2024, 10, 5, 9), pages=2, ocr=0.95, took=10),
        _doc(2, P, "p1", vn(2024, 11, 10, 9), status="needs_review", valid_until="2030-01-01", ocr=0.55, took=20),
        _doc(3, P, "p1", vn(2024, 8, 1, 9), valid_until="2024-12-01", ocr=0.85),  # expires in Q4
        _doc(4, P, "p1", vn(2024, 10, 6, 9), kind="component", pages=3, ocr=0.75, took=30),
        _doc(5, P, "p1", vn(2020, 12, 31, 9)),  # before the plan's start (2021)
        _doc(6, P, "p1", None, status="quarantined"),
        _doc(7, D, "d1", vn(2024, 12, 31, 23, 30), pages=4, ocr=0.65, took=40),
        _doc(8, D, "d1", vn(2025, 1, 1, 0, 30)),  # next quarter in Vietnam time
        _doc(9, C, "c1", vn(2024, 11, 1, 9), pages=2, took=50),
        _doc(
            10,
            D,
            "d1",
            datetime(2024, 12, 14, 12, tzinfo=UTC),
            kind="component",
            status="needs_review",
            ocr=0.45,
            took=60,
        ),
    ]
    dossiers = [
        (f"{P}-241005-0001", P, vn(2024, 10, 5, 8)),
        (f"{P}-241006-0002", P, vn(2024, 10, 6, 8)),
        (f"{P}-241110-0001", P, vn(2024, 11, 10, 8)),
        (f"{P}-240915-0001", P, vn(2024, 9, 15, 8)),
        (f"{D}-241201-0001", D, vn(2024, 12, 1, 8)),
        (f"{D}-241202-0001", D, vn(2024, 12, 2, 8)),
    ]

    def ev(action, at, agency, owner=None, **detail):
        return Event(action=action, at=at, actor="test", agency=agency, owner_id=owner, detail=detail)

    def check(at, agency, owner, purpose, types, found):
        result = f"{len(found)}/{len(types)} reusable"
        return ev(REUSE, at, agency, owner, purpose=purpose, result=result, via="api", types=types, found=found)

    events = [
        check(vn(2024, 10, 5, 8), P, A, f"{P}-241005-0001", ["GKS", "CCCD", "GCNKH"], ["GKS", "CCCD"]),
        check(vn(2024, 10, 6, 8), P, B, f"{P}-241006-0002", ["GKS", "GCNKH"], []),
        check(vn(2024, 11, 10, 8), P, A, f"{P}-241110-0001", ["GKS"], ["GKS"]),
        ev("reuse_check", vn(2024, 12, 1, 8), D, A, purpose=f"{D}-241201-0001", reused=1, found=["GKS"]),
        *forged_checks(1),
        *(ev("quarantined", vn(2024, 10, 7 + i), P, reason_code="unreadable_file") for i in range(3)),
        ev("quarantined", vn(2024, 10, 8), P, reason_code="encrypted_pdf"),
        ev("quarantined", vn(2024, 12, 8), D, reason_code="encrypted_pdf"),
        ev("quarantined", vn(2024, 9, 8), D, reason_code="bomb"),  # Q3
        ev("stage_timings", vn(2024, 10, 5, 9), P, seconds={"ocr": 4.0, "sign": 1.0}),
        ev("stage_timings", vn(2024, 10, 6, 9), P, seconds={"ocr": 6.0, "sign": 2.0}),
        ev("fixity_ok", vn(2024, 11, 2, 2), None, count=10),
        ev("fixity_failed", vn(2024, 11, 3, 2), None, count=1),
    ]
    with catalog.session() as s:
        for code, agency, created in dossiers:
            s.add(Dossier(code=code, agency=agency, created_at=created))
    docs[0].dossier_code, docs[0].signed_at = f"{P}-241005-0001", vn(2024, 10, 5, 9)  # its result, signed
    with catalog.session() as s:
        s.add_all(docs)
        s.add_all(events)
    # the one-stop system's registrations (the reuse checks above were made at reception, and a check may come
    # before the registration: registering folds the checks already made)
    for code, owner, at, types in (
        (f"{P}-241005-0001", A, vn(2024, 10, 5, 7, 55), ["GKS", "CCCD", "GCNKH"]),
        (f"{P}-241006-0002", B, vn(2024, 10, 6, 8, 5), ["GKS", "GCNKH"]),
        (f"{P}-241110-0001", A, vn(2024, 11, 10, 8), ["GKS"]),
        (f"{P}-241120-0005", B, vn(2024, 11, 20, 8), ["GKS"]),  # never checked: not reused, but counted
        (f"{P}-240915-0001", A, vn(2024, 9, 15, 8), []),  # Q3
        (f"{D}-241201-0001", A, vn(2024, 12, 1, 7, 50), ["GKS"]),
        (f"{D}-241202-0001", B, vn(2024, 12, 2, 8), []),
    ):
        register(
            catalog,
            agency=code.split("-")[0],
            code=code,
            owner_id=owner,
            received_at=at,
            required_types=types,
            actor="one-stop",
        )
    resolve(
        catalog,
        agency=P,
        code=f"{P}-241005-0001",
        resolved_at=vn(2024, 10, 5, 10),
        outcome="resolved",
        actor="one-stop",
    )
    resolve(
        catalog,
        agency=P,
        code=f"{P}-241006-0002",
        resolved_at=vn(2024, 10, 20, 10),
        outcome="resolved",
        actor="one-stop",
    )
    with catalog.session() as s:  # checks after the seed's registrations: folded by the next KPI computation
        s.add_all(forged_checks(2))


def forged_checks(n: int) -> list[Event]:
    """Reuse checks that must count for nothing: a well-formed code no one registered, another agency's dossier,
    a dossier of the agency about someone else, a check by another agency's key, a malformed purpose, and a check
    after the dossier was resolved. ``n`` varies the times so the same kind can be sent again."""

    def fake(at, agency, owner, purpose):
        return Event(
            action=REUSE,
            at=at,
            actor="key:forger",
            agency=agency,
            owner_id=owner,
            detail={"purpose": purpose, "result": "1/1 reusable", "via": "api", "types": ["GKS"], "found": ["GKS"]},
        )

    m = n % 50
    return [
        fake(vn(2024, 11, 20, 9, m), P, B, f"{P}-241121-{n:04d}"),
        fake(vn(2024, 12, 2, 9, m), P, B, f"{D}-241202-0001"),
        fake(vn(2024, 11, 20, 10, m), P, OTHER, f"{P}-241120-0005"),
        fake(vn(2024, 10, 6, 9, m), D, B, f"{P}-241006-0002"),
        fake(vn(2024, 11, 20, 11, m), P, B, "HS-khong-hop-le"),
        fake(vn(2024, 11, 1, 9, m), P, B, f"{P}-241006-0002"),  # resolved on 20 October
    ]
