"""Every KPI recomputed by hand on a catalog spanning 2021–2026 across the 2025 change of the map
(tests/kpi_map_seed.py), on both backends; the forged-purpose attack changes no figure."""

from __future__ import annotations

import pytest

from catalog.db import Catalog
from catalog.kpi import compute_report, parse_period
from tests.kpi_map_seed import EXPECTED, NOW, XN, forged, seed_map

pytest_plugins = []


@pytest.fixture
def map_catalog(catalog_url: str):
    c = Catalog(catalog_url)
    seed_map(c)
    yield c
    c.close()


def by(rows, key="agency"):
    return {r[key]: r for r in rows}


def report(catalog, period: str, **kw):
    return compute_report(catalog, parse_period(period), now=NOW, **kw)


def test_digitization_credits_the_issuing_authority_and_its_successor(map_catalog):
    r = report(map_catalog, "2021")
    assert r["levels"] == ["province", "district", "commune"]
    dig = by(r["digitization"]["by_agency"])
    assert {a: dig[a]["rate"] for a in EXPECTED["digitization_2021"]} == EXPECTED["digitization_2021"]
    assert {x["level"]: x["rate"] for x in r["digitization"]["by_level"]} == EXPECTED["digitization_2021_levels"]
    assert {x["level"]: x["target"] for x in r["digitization"]["by_level"]} == {
        "province": 30.0,
        "district": 20.0,
        "commune": 15.0,
    }  # the plan's own year

    r = report(map_catalog, "2026")
    assert r["levels"] == ["province", "commune"]  # two-level local government
    dig = by(r["digitization"]["by_agency"])
    assert set(dig) == set(EXPECTED["digitization_2026"])  # closed agencies are not shown for 2026
    assert {a: dig[a]["rate"] for a in dig} == EXPECTED["digitization_2026"]
    assert dig[XN]["on_paper"] == 15  # its predecessors' counts
    assert {x["level"]: x["rate"] for x in r["digitization"]["by_level"]} == EXPECTED["digitization_2026_levels"]
    assert {x["level"]: x["target"] for x in r["digitization"]["by_level"]} == EXPECTED["digitization_2026_targets"]
    assert r["digitization"]["unattributed"] == EXPECTED["unattributed_2026"]
    assert {a["code"] for a in r["agencies"]} == set(EXPECTED["digitization_2026"])


def test_reuse_resolved_waiting_satisfaction_per_staff_across_the_change(map_catalog):
    q2, q3 = report(map_catalog, "2025Q2"), report(map_catalog, "2025Q3")
    assert q2["levels"] == ["province", "district", "commune"] and q3["levels"] == ["province", "commune"]
    for r, key in ((q2, "reuse_2025q2"), (q3, "reuse_2025q3")):
        reu = by(r["reuse"]["by_agency"])
        for a, want in EXPECTED[key].items():
            got = reu.get(a)
            assert (got and (got["received"], got["reused"], got["rate"])) == want or (want is None and got is None)
    reu = by(q3["reuse"]["by_agency"])
    for a, want in EXPECTED["reuse_2025q3_papers"].items():
        assert (reu[a]["papers_found"], reu[a]["papers_required"], reu[a]["papers_share"]) == want
    assert by(q3["reuse"]["by_level"], "level")["commune"]["target"] == 80.0
    res = by(q3["resolved"]["by_agency"])
    for a, want in EXPECTED["resolved_2025q3"].items():
        assert (res[a]["digitized"], res[a]["resolved"], res[a]["rate"]) == want
        assert res[a]["met"] is True  # 100 % by 2025
    wait, sat = by(q3["waiting"]["by_agency"]), by(q3["satisfaction"]["by_agency"])
    for a, (n, v, met) in EXPECTED["waiting_2025q3"].items():
        assert (wait[a]["count"], wait[a]["value"], wait[a]["met"]) == (n, v, met)
        assert wait[a]["target"] == 15.0
    for a, (n, v, met) in EXPECTED["satisfaction_2025q3"].items():
        assert (sat[a]["count"], sat[a]["value"], sat[a]["met"]) == (n, v, met)
    ps = by(q3["per_staff"]["by_agency"])
    for a, want in EXPECTED["per_staff_2025q3"].items():
        got = ps[a]
        assert (got["staff"], got["dossiers"], got["dossiers_per_staff"], got["target"], got["met"]) == want, a
    assert by(q2["waiting"]["by_agency"]).get(XN) is None  # XN did not exist yet: no row, not a zero


def test_rollout_by_the_plans_years(map_catalog):
    for period, key in (("2021", "rollout_2021"), ("2022", "rollout_2022")):
        levels = by(report(map_catalog, period)["rollout"]["by_level"], "level")
        assert {lv: (x["running"], x["offices"], x["rate"]) for lv, x in levels.items()} == EXPECTED[key]
        assert levels["commune"]["exempt"] == 1  # the remote commune
    levels = by(report(map_catalog, "2021")["rollout"]["by_level"], "level")
    assert (levels["district"]["target"], levels["district"]["met"]) == (25.0, True)
    assert levels["commune"]["target"] is None


def test_state_reporting_period(map_catalog):
    r = report(map_catalog, "2025Q3s")
    assert (r["from"], r["to"], r["period_rule"]) == ("2025-06-15", "2025-09-14", "state")
    assert r["levels"] == ["province", "district", "commune"]  # 15–30 June still had three levels
    reu = by(r["reuse"]["by_agency"])
    assert {a: (reu[a]["received"], reu[a]["reused"], reu[a]["rate"]) for a in EXPECTED["reuse_2025q3s"]} == (
        EXPECTED["reuse_2025q3s"]
    )


def test_forged_purposes_change_no_figure(map_catalog):
    def figures():
        out = {}
        for period in ("2025Q2", "2025Q3", "2025"):
            r = report(map_catalog, period, use_snapshots=False)
            out[period] = {k: r[k] for k in ("digitization", "reuse", "resolved", "per_staff", "trend")}
        return out

    before = figures()
    with map_catalog.session() as s:
        s.add_all(forged(20))
    assert figures() == before
    assert len(map_catalog.events(action="access.reuse_check")) == 23  # all of them audited


def test_an_agency_the_map_forgot_is_named_not_hidden(map_catalog):
    from catalog.kpi_db import upsert_agency

    upsert_agency(map_catalog, "000.00.18.H42", name="UBND huyện Yên Mô", level="district")  # never closed
    r = report(map_catalog, "2026")
    assert r["off_map"] == ["000.00.18.H42"]
    assert "000.00.18.H42" in {x["agency"] for x in r["digitization"]["by_agency"]}
    assert [x["level"] for x in r["digitization"]["by_level"]] == ["province", "commune"]
    assert report(map_catalog, "2024")["off_map"] == []
