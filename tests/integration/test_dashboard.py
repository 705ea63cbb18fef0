"""The dashboard router on a bare FastAPI app with a stand-in key directory: access (key header, login form,
signed session cookie, revocation), filters, and report downloads that carry the dashboard's figures."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from catalog.dashboard.router import COOKIE, dashboard_router
from catalog.db import Catalog
from catalog.kpi import compute_report, parse_period
from tests.dashboard_helpers import login
from tests.kpi_seed import C, D, P, seed_kpi

pytest_plugins = ["tests.fixtures_kpi"]

GOOD, NOSCOPE = "key-dashboard-0123456789", "key-lookup-0123456789"


@dataclass(frozen=True)
class Key:
    id: str
    client: str
    agency: str
    scopes: frozenset[str]
    rate_per_minute: int | None = None


@dataclass
class FakeKeys:
    keys: dict[str, Key] = field(
        default_factory=lambda: {
            GOOD: Key("k1", "so-noi-vu", P, frozenset({"dashboard"})),
            NOSCOPE: Key("k2", "motcua", P, frozenset({"lookup"})),
        }
    )

    def by_plaintext(self, catalog, plaintext):
        return self.keys.get(plaintext)

    def by_id(self, catalog, key_id):
        return next((k for k in self.keys.values() if k.id == key_id), None)


def make_app(catalog: Catalog, keys: FakeKeys) -> FastAPI:
    app = FastAPI()
    app.include_router(dashboard_router(lambda _req: catalog, keys=keys, secret=b"test-secret"))
    return app


@pytest.fixture
def sqlite_kpi_catalog(tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    seed_kpi(c)
    yield c
    c.close()


def test_access_login_session_and_revocation(kpi_catalog):
    keys = FakeKeys()
    client = TestClient(make_app(kpi_catalog, keys))
    r = client.get("/dashboard?period=2024Q4", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/dashboard/login?next=")
    assert client.get("/dashboard", headers={"X-API-Key": "nope"}).status_code == 401
    assert client.get("/dashboard", headers={"X-API-Key": NOSCOPE}).status_code == 403
    r = client.get("/dashboard?period=2024Q4", headers={"X-API-Key": GOOD})
    assert r.status_code == 200 and "Tỷ lệ số hóa" in r.text and "Tỷ lệ tái sử dụng" in r.text

    assert login(client, NOSCOPE).status_code == 401
    r = login(client, GOOD, "//evil.example/x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"  # no open redirect
    assert COOKIE in r.cookies and GOOD not in r.headers["set-cookie"]  # the key itself never goes in the cookie
    r = client.get("/dashboard?period=2024Q4&level=district")
    assert r.status_code == 200 and f'data-kpi="digitization-{D}"' in r.text
    assert f'data-kpi="digitization-{C}"' not in r.text
    assert [e.action for e in kpi_catalog.events(action="dashboard_login")] == ["dashboard_login"]

    keys.keys.pop(GOOD)  # revoking the key ends its sessions
    assert client.get("/dashboard?period=2024Q4").status_code == 401
    client.cookies.clear()  # the jar keeps the server's cookie beside one set by hand (its domain differs)
    client.cookies.set(COOKIE, "forged.signature", path="/dashboard")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert client.get("/dashboard?period=2024Q9", headers={"X-API-Key": NOSCOPE}).status_code == 403


def test_bad_filters_are_400(sqlite_kpi_catalog):
    client = TestClient(make_app(sqlite_kpi_catalog, FakeKeys()), headers={"X-API-Key": GOOD})
    assert client.get("/dashboard?period=2024Q9").status_code == 400
    assert client.get("/dashboard?level=ward").status_code == 400
    assert client.get("/dashboard?period=2024Q4&rule=lunar").status_code == 400


def test_state_reporting_period_on_the_dashboard(sqlite_kpi_catalog):
    client = TestClient(make_app(sqlite_kpi_catalog, FakeKeys()), headers={"X-API-Key": GOOD})
    page = client.get("/dashboard?period=2024Q4&rule=state")
    assert page.status_code == 200 and "15/09/2024–14/12/2024" in page.text
    assert 'value="state" selected' in page.text and "2024Q4s" in page.text
    data = json.loads(client.get("/dashboard/report?period=2024Q4s&format=json").content)
    assert (data["period"], data["from"], data["to"], data["period_rule"]) == (
        "2024Q4s",
        "2024-09-15",
        "2024-12-14",
        "state",
    )


def test_report_downloads_carry_the_dashboard_figures(sqlite_kpi_catalog):
    from openpyxl import load_workbook

    client = TestClient(make_app(sqlite_kpi_catalog, FakeKeys()), headers={"X-API-Key": GOOD})
    expected = compute_report(sqlite_kpi_catalog, parse_period("2024Q4"))
    r = client.get("/dashboard/report?period=2024Q4&format=json")
    data = r.json()
    assert data["digitization"] == expected["digitization"] and data["reuse"] == expected["reuse"]

    r = client.get("/dashboard/report?period=2024Q4&format=xlsx")
    assert r.headers["content-disposition"] == 'attachment; filename="bao-cao-so-hoa-2024Q4.xlsx"'
    wb = load_workbook(io.BytesIO(r.content))
    assert {"Tổng hợp", "Số hóa", "Tái sử dụng", "Cán bộ", "Xu hướng", "Dữ liệu"} <= set(wb.sheetnames)
    ws = wb["Số hóa"]
    rows = {row[1]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[D][5] == pytest.approx(0.125) and ws.cell(3, 6).number_format == "0.0%"

    r = client.get("/dashboard/report?period=2024Q4&format=csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # BOM for spreadsheet programs
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    got = {(x["section"], x["code"], x["metric"]): x["value"] for x in rows}
    assert got[("reuse", P, "rate")] == "50.0" and got[("digitization", "district", "rate")] == "12.5"

    r = client.get("/dashboard/report?period=2024Q4&format=html")
    assert "@media print" in r.text and 'data-chart="digitization-by-agency"' in r.text
    assert json.loads(client.get("/dashboard/report?period=2024&format=json").content)["period"] == "2024"
