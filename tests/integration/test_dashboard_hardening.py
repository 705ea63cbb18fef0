"""The dashboard and the API app against a hostile browser or client (audit of issue 23): a non-ASCII cookie,
cross-site login, logout by a link, missing security headers, sessions beside the key's rate limit, unlimited
failed logins, made-up agency filters, and Swagger UI loaded from a CDN."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from catalog.apikeys import create_key
from catalog.dashboard import router as dashboard_module
from catalog.dashboard.router import COOKIE, CSRF_COOKIE
from catalog.db import Catalog
from pipeline.config import AppConfig
from pipeline.web import create_app
from tests.dashboard_helpers import csrf_token, login
from tests.kpi_seed import P, seed_kpi


@pytest.fixture
def catalog(tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    seed_kpi(c)
    yield c
    c.close()


@pytest.fixture
def client(catalog, tmp_path):
    with TestClient(create_app(AppConfig(home=tmp_path), catalog=catalog)) as c:
        yield c


def dashboard_key(catalog: Catalog, rate: int | None = None) -> str:
    return create_key(
        catalog, agency=P, scopes="dashboard", client="so-noi-vu", created_by="test", rate_per_minute=rate
    )[1]


def test_a_non_ascii_session_cookie_is_no_session(client):
    client.cookies.clear()
    for value in ("khóa.chữký", "\u00ff" * 50 + "." + "\u00e9" * 43, "a" * 5000 + ".b"):
        raw = f"{COOKIE}={value}".encode()  # as a browser may send it: raw bytes, not ASCII
        r = client.get("/dashboard", headers={"Cookie": raw}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/dashboard/login")


def test_login_refuses_a_cross_site_post(client, catalog):
    key = dashboard_key(catalog)
    token = csrf_token(client)  # a real token and cookie in this client's jar
    attempts = [
        ({"key": key}, {}),  # no token (a form on another site cannot read the cookie)
        ({"key": key, "csrf": "x" * 43}, {}),  # a made-up token
        ({"key": key, "csrf": token}, {"Origin": "https://evil.example"}),
        ({"key": key, "csrf": token}, {"Sec-Fetch-Site": "cross-site"}),
        ({"key": key, "csrf": "ử" * 10}, {}),
    ]
    for data, headers in attempts:
        r = client.post("/dashboard/login", data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403, (data, headers)
        assert COOKIE not in r.cookies
    r = login(client, key, follow_redirects=False)  # the same browser, from the form itself
    assert r.status_code == 303 and COOKIE in r.cookies


def test_logout_is_a_post_with_the_pages_token(client, catalog):
    key = dashboard_key(catalog)
    assert login(client, key, follow_redirects=False).status_code == 303
    assert client.get("/dashboard/logout", follow_redirects=False).status_code == 405  # a link logs nobody out
    assert client.post("/dashboard/logout", follow_redirects=False).status_code == 403  # nor a foreign form
    assert client.get("/dashboard?period=2024Q4").status_code == 200  # still logged in
    page = client.get("/dashboard?period=2024Q4").text
    token = re.search(r'class="logout".*?name="csrf" value="([^"]+)"', page).group(1)
    assert token == client.cookies.get(CSRF_COOKIE)
    r = client.post("/dashboard/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and 'sohoa_dashboard=""' in r.headers["set-cookie"]
    client.cookies.delete(COOKIE, path="/dashboard")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_every_answer_carries_security_headers(client, catalog):
    key = dashboard_key(catalog)
    dashboard_pages = [
        client.get("/dashboard/login"),
        client.get("/dashboard", follow_redirects=False),
        client.get("/dashboard?period=2024Q4", headers={"X-API-Key": key}),
        client.get("/dashboard/report?period=2024Q4&format=json", headers={"X-API-Key": key}),
        client.get("/dashboard?period=2024Q9", headers={"X-API-Key": key}),  # an error page too
    ]
    for r in dashboard_pages:
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src" not in csp
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"]
    for r in (client.get("/healthz"), client.get("/v1/search?q=x"), client.get("/openapi.json")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_a_session_takes_from_the_keys_rate_limit(client, catalog):
    key = dashboard_key(catalog, rate=4)
    assert login(client, key, follow_redirects=False).status_code == 303
    codes = [client.get("/dashboard?period=2024Q4").status_code for _ in range(6)]
    assert codes[:4] == [200] * 4 and codes[4:] == [429, 429], codes
    r = client.get("/dashboard?period=2024Q4")
    assert int(r.headers["retry-after"]) >= 1
    # the key header draws on the same bucket: spent by the session, refused too
    assert client.get("/dashboard?period=2024Q4", headers={"X-API-Key": key}).status_code == 429


def test_failed_logins_are_throttled_and_write_few_events(client, catalog):
    token = csrf_token(client)
    codes = []
    for n in range(40):
        r = client.post("/dashboard/login", data={"key": f"sohoa_guess_{n:04d}", "csrf": token})
        codes.append(r.status_code)
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes
    assert int(r.headers["retry-after"]) >= 1
    events = catalog.events(action="dashboard_login_failed") + catalog.events(action="dashboard_login_throttled")
    assert len(events) <= 6  # 5 failures and one note that the address was throttled, not 40 rows
    # a real key is not even looked at while the address is throttled
    assert login(client, dashboard_key(catalog)).status_code == 429


def test_an_unknown_agency_filter_computes_nothing(client, catalog, monkeypatch):
    key = dashboard_key(catalog)
    calls = []
    real = dashboard_module.compute_report
    monkeypatch.setattr(dashboard_module, "compute_report", lambda *a, **k: calls.append(k) or real(*a, **k))
    for agency in ("000.99.99.H42", "x" * 20, "'; drop table", "000.00.16.H4"):
        for path in ("/dashboard", "/dashboard/report"):
            r = client.get(path, params={"period": "2024Q4", "agency": agency}, headers={"X-API-Key": key})
            assert r.status_code == 400, (path, agency)
    assert calls == []
    r = client.get("/dashboard", params={"period": "2024Q4", "agency": P}, headers={"X-API-Key": key})
    assert r.status_code == 200 and len(calls) == 1


def test_swagger_ui_is_served_by_the_app_itself(client):
    r = client.get("/docs")
    assert r.status_code == 200
    assert "cdn" not in r.text.lower() and "https://" not in r.text and "http://" not in r.text
    assert "<script>" not in r.text  # no inline script: the policy allows script from this site only
    assert "script-src 'self'" in r.headers["content-security-policy"]
    for src in re.findall(r'(?:src|href)="([^"]+)"', r.text):
        asset = client.get(src)
        assert asset.status_code == 200 and asset.content, src
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text
    assert client.get("/redoc").status_code == 404  # ReDoc would come from a CDN: not offered
