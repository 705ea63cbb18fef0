"""A catalog spanning 2021–2026 across the 2025 change of the map, whose KPIs were computed by hand.

Agencies: the provincial centre PC; two districts DH and DG (closed on 30 June 2025, their work carried to the
province); communes X1 and X2 (merged on 1 July 2025 into the new commune XN); a remote commune XR (exempt from
roll-out and per-staff targets). Results are credited to the authority that issued them, read from the paper: a
commune result scanned at the provincial centre counts for the commune, and after the merger for its successor.

The hand computations sit next to each figure in ``EXPECTED``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from catalog.db import Catalog, Document, Dossier, Event
from catalog.kpi_db import set_year, upsert_agency
from catalog.registered import register, resolve
from catalog.service_figures import check, put

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PC, DH, DG = "000.00.00.H42", "000.00.16.H42", "000.00.17.H42"
X1, X2, XN, XR = "000.05.16.H42", "000.06.16.H42", "000.40.16.H42", "000.09.17.H42"
A, B, OTHER = "037096014589", "036185000123", "035090001234"
NOW = datetime(2026, 12, 20, tzinfo=UTC)
REUSE = "access.reuse_check"

EXPECTED = {
    # 2021: X1 issued d1 (scanned at the centre): 1/10; DH issued d2: 1/20; the centre 0/40; X2 0/5
    "digitization_2021": {X1: 10.0, DH: 5.0, PC: 0.0, X2: 0.0, DG: None, XR: None},
    "digitization_2021_levels": {"province": 0.0, "district": 5.0, "commune": 6.7},  # commune: 1/(10+5)
    # 2026: XN carries X1's d1, d3 and X2's d5, plus its own d6: 4 over its predecessors' 10 + 5 = 26.7;
    # the centre carries DH's d2 and d7: 2 over its 2025 count of 50 = 4.0; d4's issuer matched no agency
    "digitization_2026": {PC: 4.0, XN: 26.7, XR: None},
    "digitization_2026_levels": {"province": 4.0, "commune": 26.7},
    "digitization_2026_targets": {"province": 100.0, "commune": 100.0},
    "unattributed_2026": 1,
    # reuse: registered dossiers only; X1 in 2025Q2, XN in 2025Q3 — 1 of 2 each
    "reuse_2025q2": {X1: (2, 1, 50.0), XN: None},
    "reuse_2025q3": {XN: (2, 1, 50.0)},
    "reuse_2025q3_papers": {XN: (1, 3, 33.3)},  # XN-0805 needs GKS, CCCD (found GKS); XN-0806 needs GKS
    # resolved: XN-250805-0001 resolved with its signed result; XN-250806-0001 refused (not counted)
    "resolved_2025q3": {XN: (1, 1, 100.0)},
    # roll-out 2021: the centre; DH since 2021-06-01, DG only from its first document in 2022; no commune yet
    "rollout_2021": {"province": (1, 1, 100.0), "district": (1, 2, 50.0), "commune": (0, 2, 0.0)},
    # roll-out 2022: DG now too; X1 from its first scan (March 2022), X2 not until 2024; XR exempt
    "rollout_2022": {"province": (1, 1, 100.0), "district": (2, 2, 100.0), "commune": (1, 2, 50.0)},
    # waiting 2025Q3 at XN: (1200 + 1000) minutes over (100 + 50) visits; a span crossing the quarter's end left out
    "waiting_2025q3": {XN: (150, 14.7, True)},
    "satisfaction_2025q3": {XN: (200, 95.0, True)},
    "per_staff_2025q3": {XN: (2, 2, 1.0, 200.0, False), XR: (None, 0, None, None, None)},
    # state period 2025Q3s = 15 June – 14 September: X1's dossiers of 10 and 11 June fall before it
    "reuse_2025q3s": {X1: (0, 0, None), XN: (2, 1, 50.0)},
}


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN).astimezone(UTC)


def _result(n: int, scanned_by: str, archived: datetime, issuer: str | None, issue_date: str, **kw) -> Document:
    return Document(
        key=f"{n:064d}",
        doc_code=f"{scanned_by}-{archived.astimezone(VN):%y%m%d}-{n:04d}.01",
        kind=kw.pop("kind", "result"),
        status="archived",
        input=f"scan{n}.png",
        agency=scanned_by,
        operator=kw.pop("operator", "op1"),
        fields={"issuer": {"value": issuer, "confidence": 0.9}} if issuer else {},
        issue_date=issue_date,
        pages=1,
        created_at=archived,
        archived_at=archived,
        signed_at=archived,
        **kw,
    )


def seed_map(catalog: Catalog) -> None:
    upsert_agency(
        catalog, PC, name="Trung tâm Phục vụ hành chính công tỉnh", level="province", rollout_from="2021-03-01"
    )
    for code, name, since in ((DH, "UBND huyện Hoa Lư", "2021-06-01"), (DG, "UBND huyện Gia Viễn", None)):
        dated = {"valid_to": "2025-06-30", "merged_into": PC, **({"rollout_from": since} if since else {})}
        upsert_agency(catalog, code, name=name, level="district", **dated)
    upsert_agency(
        catalog, X1, name="UBND xã Ninh Hải", level="commune", parent=DH, valid_to="2025-06-30", merged_into=XN
    )
    upsert_agency(
        catalog, X2, name="UBND xã Ninh Xuân", level="commune", parent=DH, valid_to="2025-06-30", merged_into=XN
    )
    upsert_agency(catalog, XN, name="UBND xã Hoa Lư", level="commune", valid_from="2025-07-01")
    upsert_agency(catalog, XR, name="UBND xã Gia Sinh", level="commune", remote=True)
    for code, year, paper in ((X1, 2021, 10), (X2, 2021, 5), (DH, 2021, 20), (PC, 2021, 40), (PC, 2025, 50)):
        set_year(catalog, code, year, results_on_paper=paper)
    set_year(catalog, XN, 2025, staff=2)
    with catalog.session() as s:
        s.add(Dossier(code=f"{XN}-250805-0001", agency=XN, created_at=vn(2025, 8, 5, 8)))
    docs = [
        _result(1, PC, vn(2021, 5, 10, 9), "ỦY BAN NHÂN DÂN HUYỆN HOA LƯ ỦY BAN NHÂN DÂN XÃ NINH HẢI", "2019-04-02"),
        _result(2, PC, vn(2021, 6, 10, 9), "UBND HUYỆN HOA LƯ", "2020-01-15"),
        _result(3, X1, vn(2022, 3, 1, 9), None, "2018-07-01"),
        _result(4, PC, vn(2023, 2, 1, 9), "SỞ TƯ PHÁP", "2022-11-11"),
        _result(5, X2, vn(2024, 9, 1, 9), "UBND XÃ NINH XUÂN", "2024-08-30"),
        _result(6, XN, vn(2025, 8, 12, 9), "UBND XÃ HOA LƯ", "2025-08-10", dossier_code=f"{XN}-250805-0001"),
        _result(7, PC, vn(2026, 2, 1, 9), "UBND HUYỆN HOA LƯ", "2024-01-01"),
        _result(8, DG, vn(2022, 5, 1, 9), None, "2022-05-01", kind="component"),
    ]
    with catalog.session() as s:
        s.add_all(docs)
        s.add_all(
            [
                _check(vn(2025, 6, 10, 8), X1, A, f"{X1}-250610-0001", ["GKS"], ["GKS"]),
                _check(vn(2025, 8, 5, 8), XN, A, f"{XN}-250805-0001", ["GKS", "CCCD"], ["GKS"]),
                _check(vn(2025, 8, 6, 8), XN, B, f"{XN}-250806-0001", ["GKS"], []),
            ]
        )
    for code, owner, at, types in (
        (f"{X1}-250610-0001", A, vn(2025, 6, 10, 7, 50), ["GKS"]),
        (f"{X1}-250611-0001", B, vn(2025, 6, 11, 8), ["GKS"]),
        (f"{XN}-250805-0001", A, vn(2025, 8, 5, 7, 55), ["GKS", "CCCD"]),
        (f"{XN}-250806-0001", B, vn(2025, 8, 6, 8), ["GKS"]),
    ):
        register(
            catalog,
            agency=code.split("-")[0],
            code=code,
            owner_id=owner,
            received_at=at,
            required_types=types,
            actor="t",
        )
    resolve(
        catalog, agency=XN, code=f"{XN}-250805-0001", resolved_at=vn(2025, 8, 12, 10), outcome="resolved", actor="t"
    )
    resolve(catalog, agency=XN, code=f"{XN}-250806-0001", resolved_at=vn(2025, 8, 20, 10), outcome="refused", actor="t")
    put(
        catalog,
        [
            check(XN, "waiting", "2025-07-01", "2025-07-31", 100, 1200),
            check(XN, "waiting", "2025-08-01", "2025-09-30", 50, 1000),
            check(XN, "waiting", "2025-09-15", "2025-10-14", 10, 1000),  # crosses the quarter's end
            check(XN, "satisfaction", "2025-07-01", "2025-09-30", 200, 190),
        ],
        source="test",
        actor="t",
    )


def _check(at, agency, owner, purpose, types, found) -> Event:
    return Event(
        action=REUSE,
        at=at,
        actor="key:desk",
        agency=agency,
        owner_id=owner,
        detail={"purpose": purpose, "result": f"{len(found)}/{len(types)} reusable", "types": types, "found": found},
    )


def forged(n: int) -> list[Event]:
    """Twenty checks a lookup key could send with any purpose: none may move a figure."""
    out = []
    for i in range(n):
        m = i % 5
        purpose, agency, owner = (
            (f"{X1}-250611-0001", XN, B),  # another agency's registered dossier
            (f"{XN}-250806-0001", XN, OTHER),  # a registered dossier of the agency, about someone else
            (f"{XN}-250807-{i:04d}", XN, A),  # a well-formed code no one registered
            (f"{XN}-250806-0001", PC, B),  # the right dossier and person, another agency's key
            (f"{XN}-250806-0001", XN, B),  # the right everything, but after it was resolved (refused on 20 Aug)
        )[m]
        at = vn(2025, 8, 25, 9, i) if m == 4 else vn(2025, 8, 6, 9, i)
        out.append(_check(at, agency, owner, purpose, ["GKS"], ["GKS"]))
    return out
