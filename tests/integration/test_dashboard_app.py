"""The dashboard mounted in the lookup API app (issue 7's ``create_app``) with real API keys: the key header
gets the API's own answers, people log in with a form; the reuse-check contract end to end; and the page in
headless Chromium, with a screenshot kept in test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from catalog.apikeys import create_key, revoke_key
from catalog.dashboard.charts import fmt_pct
from catalog.dashboard.router import COOKIE
from catalog.db import Catalog, Document
from catalog.kpi import DEFAULT_TZ, compute_report, current_period, parse_period
from catalog.kpi_db import upsert_agency
from pipeline.config import AppConfig
from pipeline.web import create_app
from tests.dashboard_helpers import login
from tests.kpi_seed import P, seed_kpi

pytest_plugins = ["tests.fixtures_kpi", "tests.fixtures_dashboard"]


def keys(catalog: Catalog) -> dict[str, str]:
    return {
        scope: create_key(catalog, agency=P, scopes=scope, client=f"so-noi-vu-{scope}", created_by="test")[1]
        for scope in ("dashboard", "lookup")
    }


def test_dashboard_in_the_api_app(kpi_catalog, tmp_path):
    k = keys(kpi_catalog)
    with TestClient(create_app(AppConfig(home=tmp_path), catalog=kpi_catalog)) as client:
        r = client.get("/dashboard?period=2024Q4", headers={"X-API-Key": k["dashboard"]})
        assert r.status_code == 200 and "Tỷ lệ số hóa" in r.text
        r = client.get("/dashboard?period=2024Q4", headers={"X-API-Key": k["lookup"]})
        assert r.status_code == 403 and r.json()["error"] == "scope_denied"  # the API's own answer
        r = client.get("/dashboard/report?format=json", headers={"X-API-Key": "sohoa_k000000000_" + "x" * 43})
        assert r.status_code == 401 and r.json()["error"] == "invalid_api_key"
        assert login(client, k["lookup"]).status_code == 401
        r = login(client, k["dashboard"], follow_redirects=False)
        assert r.status_code == 303 and COOKIE in r.cookies
        assert client.get("/dashboard?period=2024Q4").status_code == 200
        revoke_key(kpi_catalog, k["dashboard"], revoked_by="test")
        assert client.get("/dashboard?period=2024Q4").status_code == 401  # the session ends with the key
        assert "/dashboard" in client.get("/openapi.json").json()["paths"]


def test_reuse_rate_of_dossiers_registered_through_the_api_and_the_forged_purpose_attack(tmp_path):
    """The one-stop system registers two dossiers; the reception desk checks both; the rate is 1 of 2. Then a
    lookup key sends 20 checks with forged purposes (another agency's dossier, codes no one registered, a
    registered dossier about someone else): all answered and audited, and no figure moves."""
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    commune, other = "000.05.16.H42", "000.06.16.H42"
    upsert_agency(catalog, commune, name="UBND xã Ninh Hải", level="commune")
    upsert_agency(catalog, other, name="UBND xã Ninh Hòa", level="commune")
    now = datetime.now(ZoneInfo(DEFAULT_TZ))
    today = now.strftime("%y%m%d")
    first, second = f"{commune}-{today}-0001", f"{commune}-{today}-0002"
    citizen, spouse = "037096014589", "036185000123"
    with catalog.session() as s:
        s.add(
            Document(
                key="a" * 64, doc_code=f"{commune}-200101-0001.01", status="archived", input="gks.png",
                agency=commune, operator="c1", type_code="GKS", owner_id=citizen, issue_date="1996-03-04",
                signed_at=datetime(2020, 1, 1, tzinfo=UTC), archived_at=datetime(2020, 1, 1, tzinfo=UTC),
                pdf_key="x.pdf",
            )
        )  # fmt: skip
    k = {
        scope: create_key(catalog, agency=commune, scopes=scope, client=f"xa-{scope}", created_by="test")[1]
        for scope in ("lookup", "reception")
    }
    foreign = create_key(catalog, agency=other, scopes="reception", client="xa-khac", created_by="test")[1]
    with TestClient(create_app(AppConfig(home=tmp_path), catalog=catalog)) as client:

        def post(path, body, key, **headers):
            return client.post(path, json=body, headers={"X-API-Key": key, **headers})

        received = now.replace(microsecond=0).isoformat()
        for code, types in ((first, ["GKS", "GCNKH"]), (second, ["GCNKH"])):
            body = {"code": code, "owner_id": citizen, "persons": [spouse], "received_at": received}
            r = post("/v1/dossiers", {**body, "required_types": types}, k["reception"])
            assert r.status_code == 201, r.text
        assert post("/v1/dossiers", {**body, "required_types": types}, k["reception"]).status_code == 200  # again
        conflict = post("/v1/dossiers", {**body, "required_types": ["GKS"]}, k["reception"])
        assert conflict.status_code == 409 and conflict.json()["error"] == "dossier_conflict"
        # a key registers only its own agency's dossiers, and only with a lookup key's scope it cannot
        assert post("/v1/dossiers", {**body, "code": f"{other}-{today}-0001"}, k["reception"]).status_code == 400
        assert post("/v1/dossiers", body, foreign).status_code == 400
        assert post("/v1/dossiers", body, k["lookup"]).status_code == 403
        assert client.get(f"/v1/dossiers/{first}", headers={"X-API-Key": foreign}).status_code == 404

        for purpose, types in ((first, ["GKS", "GCNKH"]), (second, ["GCNKH"])):
            r = post(
                "/v1/reuse-check", {"owner_id": citizen, "required_types": types}, k["lookup"], **{"X-Purpose": purpose}
            )
            assert r.status_code == 200, r.text
        got = client.get(f"/v1/dossiers/{first}", headers={"X-API-Key": k["reception"]}).json()
        assert got["reused"] is True and got["found_types"] == ["GKS"] and "owner_id" not in got
        before = compute_report(catalog, current_period(), agency=commune)["reuse"]["by_agency"][0]
        assert (before["received"], before["reused"], before["rate"]) == (2, 1, 50.0)
        assert (before["papers_found"], before["papers_required"]) == (1, 3)

        forged = [f"{other}-{today}-{n:04d}" for n in range(1, 8)]  # another agency's codes
        forged += [f"{commune}-{today}-{n:04d}" for n in range(100, 107)]  # codes no one registered
        forged += [second] * 6  # a registered dossier, but about another owner
        owners = [citizen] * 14 + ["035090001234"] * 6
        for purpose, owner in zip(forged, owners, strict=True):
            r = post(
                "/v1/reuse-check", {"owner_id": owner, "required_types": ["GKS"]}, k["lookup"], **{"X-Purpose": purpose}
            )
            assert r.status_code == 200  # answered …
    audited = [e for e in catalog.events(action="access.reuse_check")]
    assert len(audited) == 22  # … and audited
    after = compute_report(catalog, current_period(), agency=commune)["reuse"]["by_agency"][0]
    assert after == before
    catalog.close()


def test_dashboard_in_headless_chromium(tmp_path, chrome, artifacts):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from tests.fixtures_dashboard import LiveServer

    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    seed_kpi(catalog)
    k = keys(catalog)
    expected = compute_report(catalog, parse_period("2024Q4"))
    district = next(x for x in expected["digitization"]["by_level"] if x["level"] == "district")["rate"]
    reuse_p = next(x for x in expected["reuse"]["by_agency"] if x["agency"] == P)["rate"]
    try:
        with LiveServer(create_app(AppConfig(home=tmp_path), catalog=catalog)) as server:
            chrome.delete_all_cookies()
            chrome.set_window_size(1280, 2400)
            chrome.get(f"{server.url}/dashboard?period=2024Q4")
            assert "/dashboard/login" in chrome.current_url  # a person is asked to log in
            chrome.find_element(By.ID, "key").send_keys(k["dashboard"])
            chrome.find_element(By.ID, "login-submit").click()
            # the click returns before the browser has followed the redirect: wait for the dashboard
            title = "Báo cáo kết quả số hóa — Quý IV/2024"
            WebDriverWait(chrome, 30).until(ec.title_contains(title), "no dashboard after login")
            assert chrome.title.startswith(title), chrome.title

            names = {c.get_attribute("data-chart") for c in chrome.find_elements(By.CSS_SELECTOR, "svg.chart")}
            assert {"digitization-trend", "digitization-by-agency", "reuse-trend", "reuse-by-agency"} <= names
            bars = chrome.find_elements(By.CSS_SELECTOR, 'svg[data-chart="digitization-by-agency"] rect.bar')
            assert len(bars) == 2 and all(b.is_displayed() and b.rect["width"] > 0 for b in bars)
            wide, narrow = sorted(bars, key=lambda b: b.rect["width"], reverse=True)
            assert wide.rect["width"] == pytest.approx(narrow.rect["width"] * 20.0 / 12.5, rel=0.02)  # to scale
            points = chrome.find_elements(By.CSS_SELECTOR, 'svg[data-chart="digitization-trend"] circle.point')
            assert len(points) == 8 and all(p.is_displayed() for p in points)  # 4 quarters × 2 levels with data
            assert chrome.find_elements(By.CSS_SELECTOR, 'svg[data-chart="reuse-by-agency"] line.target')

            cell = chrome.find_element(By.CSS_SELECTOR, '[data-kpi="digitization-level-district"]')
            assert cell.text == fmt_pct(district) == "12,5 %"
            assert chrome.find_element(By.CSS_SELECTOR, f'[data-kpi="reuse-{P}"]').text == fmt_pct(reuse_p)

            chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})  # printable: no controls
            assert not chrome.find_element(By.CSS_SELECTOR, "form.filters").is_displayed()
            assert all(c.is_displayed() for c in chrome.find_elements(By.CSS_SELECTOR, "svg.chart"))
            chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

            height = chrome.execute_script("return document.documentElement.scrollHeight")
            chrome.set_window_size(1280, min(height + 40, 8000))
            chrome.save_screenshot(str(artifacts / "dashboard-2024Q4.png"))

            Select(chrome.find_element(By.ID, "f-level")).select_by_value("district")
            chrome.find_element(By.CSS_SELECTOR, "form.filters button").click()
            WebDriverWait(chrome, 30).until(ec.url_contains("level=district"), "the filter was not applied")
            rows = [e.text for e in chrome.find_elements(By.CSS_SELECTOR, "#t-digitization td.t:first-child")]
            assert len(rows) == 1 and rows[0].startswith("UBND huyện Hoa Lư")
    finally:
        chrome.set_window_size(1280, 2400)
        catalog.close()
    assert (artifacts / "dashboard-2024Q4.png").stat().st_size > 10_000
