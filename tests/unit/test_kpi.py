"""KPIs on a seeded catalog, against values computed by hand (tests/fixtures_kpi.py), on both backends."""

from datetime import UTC, date, datetime

import pytest

from catalog.errors import InvalidCode
from catalog.kpi import Period, compute_report, current_period, load_targets, parse_period, reuse_found
from tests.kpi_seed import EXPECTED, NOW, C, D, P

pytest_plugins = ["tests.fixtures_kpi"]


def by(rows, key="agency"):
    return {r[key]: r for r in rows}


def test_kpis_match_hand_computed_values(kpi_catalog):
    r = compute_report(kpi_catalog, parse_period("2024Q4"), now=NOW)
    dig, reu, ps = by(r["digitization"]["by_agency"]), by(r["reuse"]["by_agency"]), by(r["per_staff"]["by_agency"])
    dig_lv, reu_lv = by(r["digitization"]["by_level"], "level"), by(r["reuse"]["by_level"], "level")
    for k, v in EXPECTED["digitization"].items():
        assert (dig.get(k) or dig_lv.get(k))["rate"] == v, k
    for k, v in EXPECTED["reuse"].items():
        assert (reu.get(k) or reu_lv.get(k))["rate"] == v, k
    assert {a: reu[a]["received"] for a in (P, D, C)} == EXPECTED["received"]
    assert dig[D]["on_paper_year"] == 2023  # the 2023 denominator carries over
    assert dig[P]["target"] == 90.0 and dig[C]["target"] == 75.0  # the plan's 2021 start: 30/20/15 + 3 × 20
    for a, (found, required, share) in EXPECTED["papers"].items():
        assert (reu[a]["papers_found"], reu[a]["papers_required"], reu[a]["papers_share"]) == (found, required, share)
    res = by(r["resolved"]["by_agency"])
    for a, (n, d, rate) in EXPECTED["resolved"].items():
        assert (res[a]["digitized"], res[a]["resolved"], res[a]["rate"]) == (n, d, rate), a
    assert r["levels"] == ["province", "district", "commune"] and r["period_rule"] == "calendar"
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

    q3 = by(r["trend"], "period")["2024Q3"]["digitization"]
    assert q3 == EXPECTED["digitization_q3"]
    assert [t["period"] for t in r["trend"]] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


def test_filters_by_level_and_agency(kpi_catalog):
    r = compute_report(kpi_catalog, parse_period("2024Q4"), level="district", now=NOW)
    assert [x["agency"] for x in r["digitization"]["by_agency"]] == [D]
    assert [x["level"] for x in r["digitization"]["by_level"]] == ["district"]
    assert r["review_backlog"]["count"] == 1
    r = compute_report(kpi_catalog, parse_period("2024Q4"), agency=P, now=NOW)
    assert [x["agency"] for x in r["reuse"]["by_agency"]] == [P]
    assert r["quarantine"]["reasons"] == [
        {"reason_code": "unreadable_file", "count": 3},
        {"reason_code": "encrypted_pdf", "count": 1},
    ]


def test_targets_are_data_and_start_in_the_plans_year():
    t = load_targets()
    # still-valid results: 30/20/15 % in 2021 (the plan's own year), +20 points a year, capped at 100
    assert [t.digitization("province", y) for y in (2020, 2021, 2022, 2024, 2025)] == [None, 30.0, 50.0, 90.0, 100.0]
    assert [t.digitization(lv, 2025) for lv in ("province", "district", "commune")] == [100.0, 100.0, 95.0]
    assert t.digitization("commune", 2021) == 15.0 and t.digitization("district", 2023) == 60.0
    # resolved dossiers digitized, signed and stored: +20 a year to 100 % in 2025
    assert [t.target("resolved", "commune", y) for y in (2020, 2021, 2023, 2025, 2026)] == [
        None,
        20.0,
        60.0,
        100.0,
        100.0,
    ]
    # roll-out: province 100 % and districts 25 % (2021); districts 100 %, communes 50 % (2022); communes +25
    assert [t.target("rollout", "district", y) for y in (2021, 2022)] == [25.0, 100.0]
    assert [t.target("rollout", "commune", y) for y in (2021, 2022, 2023, 2024, 2026)] == [
        None,
        50.0,
        75.0,
        100.0,
        100.0,
    ]
    assert t.exempt("rollout") and t.exempt("per_staff") and not t.exempt("digitization")
    # reuse: 50 % at the provincial centre and 30 % elsewhere (2022), 80 % from 2023
    assert t.reuse("province", 2022) == 50.0 and t.reuse("district", 2022) == 30.0 and t.reuse("commune", 2021) is None
    assert t.reuse("province", 2023) == 80.0 and t.reuse("commune", 2030) == 80.0
    # waiting time at most 20 minutes (2022), 15 (from 2023); satisfaction at least 95 % by 2025
    assert [t.target("waiting", "commune", y) for y in (2021, 2022, 2023, 2025)] == [None, 20.0, 15.0, 15.0]
    assert t.met("waiting", 14.0, 15.0) and not t.met("waiting", 16.0, 15.0)
    assert t.target("satisfaction", "province", 2024) is None and t.target("satisfaction", "province", 2025) == 95.0
    # dossiers per staff member from 2023
    assert t.dossiers_per_staff("province", 2022) is None
    assert (t.dossiers_per_staff("province", 2023), t.dossiers_per_staff("commune", 2025)) == (1600, 800)
    # the map: three levels until 30 June 2025, two since
    assert t.levels.during(date(2025, 4, 1), date(2025, 6, 30)) == ("province", "district", "commune")
    assert t.levels.during(date(2025, 7, 1), date(2025, 9, 30)) == ("province", "commune")
    assert t.levels.during(date(2025, 1, 1), date(2025, 12, 31)) == ("province", "district", "commune")


def test_state_reporting_periods():
    q = parse_period("2026Q4s")
    assert (q.first_day.isoformat(), q.end_day.isoformat()) == ("2026-09-15", "2026-12-15")
    assert q.label == "2026Q4s" and "15/09/2026–14/12/2026" in q.label_vi
    assert parse_period("2026Q1", rule="state").first_day.isoformat() == "2025-12-15"
    assert parse_period("2026s").first_day.isoformat() == "2025-12-15" and parse_period("2026s").months == 12
    assert parse_period("2026Q1s").previous().label == "2025Q4s"
    # the report is due before the 15th of the quarter's last month: from the 15th, the next period runs
    assert current_period(datetime(2026, 12, 14, 12, tzinfo=UTC), rule="state").label == "2026Q4s"
    assert current_period(datetime(2026, 12, 15, 1, tzinfo=UTC), rule="state").label == "2027Q1s"
    with pytest.raises(InvalidCode):
        parse_period("2026Q4", rule="lunar")


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

    q3 = compute_report(kpi_catalog, parse_period("2024Q3"), now=NOW)
    q3["digitization"]["by_level"][0]["rate"] = 99.9  # as reported then (corrected since)
    save_snapshot(kpi_catalog, "2024Q3", q3)
    trend = by(compute_report(kpi_catalog, parse_period("2024Q4"), now=NOW)["trend"], "period")
    assert trend["2024Q3"]["digitization"]["province"] == 99.9
    assert trend["2024Q4"]["digitization"]["province"] == 20.0  # the period itself is always computed
    live = by(compute_report(kpi_catalog, parse_period("2024Q4"), now=NOW, use_snapshots=False)["trend"], "period")
    assert live["2024Q3"]["digitization"]["province"] == 10.0
    district = by(compute_report(kpi_catalog, parse_period("2024Q4"), level="district", now=NOW)["trend"], "period")
    assert district["2024Q3"]["digitization"] == {"district": 0.0}
    one = by(compute_report(kpi_catalog, parse_period("2024Q4"), agency=P, now=NOW)["trend"], "period")
    assert one["2024Q3"]["digitization"]["province"] == 10.0  # recomputed from the agency's snapshot row
