"""KPIs on a seeded catalog, against values computed by hand (tests/fixtures_kpi.py), on both backends."""

import pytest

from catalog.errors import InvalidCode
from catalog.kpi import Period, compute_report, load_targets, parse_period, reuse_found
from tests.kpi_seed import EXPECTED, NOW, C, D, P

pytest_plugins = ["tests.fixtures_kpi"]


def by(rows, key="agency"):
    return {r[key]: r for r in rows}


def test_kpis_match_hand_computed_values(kpi_catalog):
    r = compute_report(kpi_catalog, parse_period("2026Q4"), now=NOW)
    dig, reu, ps = by(r["digitization"]["by_agency"]), by(r["reuse"]["by_agency"]), by(r["per_staff"]["by_agency"])
    dig_lv, reu_lv = by(r["digitization"]["by_level"], "level"), by(r["reuse"]["by_level"], "level")
    for k, v in EXPECTED["digitization"].items():
        assert (dig.get(k) or dig_lv.get(k))["rate"] == v, k
    for k, v in EXPECTED["reuse"].items():
        assert (reu.get(k) or reu_lv.get(k))["rate"] == v, k
    assert {a: reu[a]["received"] for a in (P, D, C)} == EXPECTED["received"]
    assert dig[D]["on_paper_year"] == 2025  # the 2025 denominator carries over
    assert dig[P]["target"] == 100.0 and dig[C]["target"] == 95.0  # 2022 start: 30/20/15 + 4 × 20, capped
    for a, (staff, dps, pps) in EXPECTED["per_staff"].items():
        assert (ps[a]["staff"], ps[a]["dossiers_per_staff"], ps[a]["pages_per_staff"]) == (staff, dps, pps), a
    assert (
        ps[P]["staff_source"] == "entered"
        and ps[D]["staff_source"] == "operators"
        and ps[C]["staff_source"] == "active"
    )
    assert ps[P]["target"] == 400.0 and ps[D]["target"] == 300.0 and ps[C]["target"] == 200.0
    assert r["per_staff"]["pages_by_org_type"] == EXPECTED["pages_by_org_type"]

    b = r["review_backlog"]
    assert (b["count"], b["median_age_days"], b["oldest_age_days"]) == (2, 17.7, 34.9)
    assert [x["count"] for x in b["buckets"]] == EXPECTED["backlog"]["buckets"]
    o = r["ocr_confidence"]
    assert (o["documents"], o["mean"]) == (5, 0.67)
    assert [x["count"] for x in o["bins"]] == EXPECTED["ocr"]["bins"]
    assert [(q["reason_code"], q["count"]) for q in r["quarantine"]["reasons"]] == EXPECTED["quarantine"]
    pt = r["processing_time"]
    assert (pt["median_seconds"], pt["p90_seconds"]) == (35.0, 60.0)
    assert {s["stage"]: s["median_seconds"] for s in pt["stages"]} == EXPECTED["processing"]["stages"]
    assert r["preservation"]["fixity"]["ok"] == 10 and r["preservation"]["fixity"]["failed"] == 1
    assert r["preservation"]["renewal"] is None  # no renewal ran: absent, not zero

    q3 = by(r["trend"], "period")["2026Q3"]["digitization"]
    assert q3 == EXPECTED["digitization_q3"]
    assert [t["period"] for t in r["trend"]] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]


def test_filters_by_level_and_agency(kpi_catalog):
    r = compute_report(kpi_catalog, parse_period("2026Q4"), level="district", now=NOW)
    assert [x["agency"] for x in r["digitization"]["by_agency"]] == [D]
    assert [x["level"] for x in r["digitization"]["by_level"]] == ["district"]
    assert r["review_backlog"]["count"] == 1
    r = compute_report(kpi_catalog, parse_period("2026Q4"), agency=P, now=NOW)
    assert [x["agency"] for x in r["reuse"]["by_agency"]] == [P]
    assert r["quarantine"]["reasons"] == [
        {"reason_code": "unreadable_file", "count": 3},
        {"reason_code": "encrypted_pdf", "count": 1},
    ]


def test_targets_are_data():
    t = load_targets()
    assert [t.digitization("province", y) for y in (2021, 2022, 2023, 2025, 2026)] == [None, 30.0, 50.0, 90.0, 100.0]
    assert t.digitization("commune", 2022) == 15.0 and t.digitization("district", 2024) == 60.0
    assert t.reuse("province", 2022) == 50.0 and t.reuse("district", 2022) == 30.0
    assert t.reuse("province", 2023) == 60.0 and t.reuse("district", 2024) == 63.3  # interpolated
    assert t.reuse("commune", 2030) == 80.0
    assert (t.dossiers_per_staff("province"), t.dossiers_per_staff("commune")) == (1600, 800)


def test_periods():
    q = parse_period("2026Q4")
    assert (q.first_day.isoformat(), q.end_day.isoformat(), q.label_vi) == ("2026-10-01", "2027-01-01", "Quý IV/2026")
    assert q.start.isoformat() == "2026-09-30T17:00:00+00:00"  # midnight in Vietnam
    assert parse_period("2026") == Period(2026) and parse_period("2026-q1") == Period(2026, 1)
    for bad in ("2026Q5", "26Q1", "Q4", ""):
        with pytest.raises(InvalidCode):
            parse_period(bad)


@pytest.mark.parametrize(
    ("detail", "found"),
    [
        ({"result": "2/3 reusable"}, True),
        ({"result": "0/3 reusable"}, False),
        ({"reused": 1}, True),
        ({"share": 0.0}, False),
        ({"result": "partial"}, True),
        ({}, False),
    ],
)
def test_reuse_contract(detail, found):
    assert reuse_found(detail) is found


def test_trend_uses_snapshots_of_ended_quarters(kpi_catalog):
    from catalog.kpi_db import save_snapshot

    q3 = compute_report(kpi_catalog, parse_period("2026Q3"), now=NOW)
    q3["digitization"]["by_level"][0]["rate"] = 99.9  # as reported then (corrected since)
    save_snapshot(kpi_catalog, "2026Q3", q3)
    trend = by(compute_report(kpi_catalog, parse_period("2026Q4"), now=NOW)["trend"], "period")
    assert trend["2026Q3"]["digitization"]["province"] == 99.9
    assert trend["2026Q4"]["digitization"]["province"] == 20.0  # the period itself is always computed
    live = by(compute_report(kpi_catalog, parse_period("2026Q4"), now=NOW, use_snapshots=False)["trend"], "period")
    assert live["2026Q3"]["digitization"]["province"] == 10.0
    district = by(compute_report(kpi_catalog, parse_period("2026Q4"), level="district", now=NOW)["trend"], "period")
    assert district["2026Q3"]["digitization"] == {"district": 0.0}
    one = by(compute_report(kpi_catalog, parse_period("2026Q4"), agency=P, now=NOW)["trend"], "period")
    assert one["2026Q3"]["digitization"]["province"] == 10.0  # recomputed from the agency's snapshot row
