"""API keys: stored hashed, 401 without or with a bad key, 403 outside scope (the whole matrix), 429 over rate."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from catalog.api import require_scope
from catalog.apikeys import ApiKey, authenticate, create_key, list_keys, parse_scopes, revoke_key
from catalog.errors import InvalidCode, NotFound
from tests.api_data import AGENCY, CITIZEN, code, make_api

pytest_plugins = ["tests.fixtures_api"]

# (method, path, json body, scope it needs)
ROUTES = [
    ("POST", "/v1/reuse-check", {"owner_id": CITIZEN, "procedure_code": "1.000894"}, "lookup"),
    ("GET", f"/v1/owners/{CITIZEN}/documents", None, "lookup"),
    ("GET", f"/v1/documents/{code(1)}", None, "lookup"),
    ("GET", f"/v1/documents/{code(1)}/file", None, "download"),
    ("GET", "/v1/search?q=ninh", None, "search"),
]


def call(api, method, path, body, headers):
    return api.client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("route", ROUTES, ids=[r[1].split("/")[2] + "-" + r[3] for r in ROUTES])
def test_scope_matrix(sqlite_api, route):
    method, path, body, needed = route
    for who in ("lookup", "download", "search", "dashboard", "all"):
        r = call(sqlite_api, method, path, body, sqlite_api.h(who))
        allowed = who in (needed, "all")
        assert r.status_code == (200 if allowed else 403), (who, r.status_code, r.text)
        if not allowed:
            assert r.json()["error"] == "scope_denied" and needed in r.json()["message"]


@pytest.mark.parametrize("route", ROUTES, ids=[r[1].split("/")[2] + "-" + r[3] for r in ROUTES])
def test_no_key_or_a_bad_key_is_401(sqlite_api, route):
    method, path, body, _ = route
    r = call(sqlite_api, method, path, body, {})
    assert r.status_code == 401 and r.json()["error"] == "missing_api_key"
    assert r.headers["www-authenticate"] == "X-API-Key"
    for bad in ("nonsense", "sohoa_k000000000_" + "A" * 43, sqlite_api.keys["lookup"][:-1] + "x"):
        r = call(sqlite_api, method, path, body, {"X-API-Key": bad})
        assert r.status_code == 401 and r.json()["error"] == "invalid_api_key"


def test_open_routes_need_no_key(sqlite_api):
    assert sqlite_api.client.get("/healthz").status_code == 200
    assert sqlite_api.client.get("/metrics").status_code == 200
    assert sqlite_api.client.get("/openapi.json").status_code == 200


def test_refusals_about_a_person_are_in_their_trail(sqlite_api):
    from catalog import audit

    r = sqlite_api.client.get(f"/v1/owners/{CITIZEN}/documents", headers=sqlite_api.h("search", **{"X-Purpose": "?"}))
    assert r.status_code == 403
    (row,) = audit.who_looked(sqlite_api.catalog, CITIZEN)
    assert row.action == audit.DENIED and row.actor == f"key:{sqlite_api.ids['search']}" and row.purpose == "?"
    assert "403" in row.result


def test_a_revoked_key_stops_working(sqlite_api):
    h = sqlite_api.h("lookup")
    assert sqlite_api.client.get(f"/v1/owners/{CITIZEN}/documents", headers=h).status_code == 200
    revoke_key(sqlite_api.catalog, sqlite_api.ids["lookup"], revoked_by="admin")
    r = sqlite_api.client.get(f"/v1/owners/{CITIZEN}/documents", headers=h)
    assert r.status_code == 401 and r.json()["error"] == "invalid_api_key"


def test_rate_limit_per_key(tmp_path):
    api = make_api(f"sqlite:///{tmp_path / 'c.db'}", tmp_path, rate=1000, key_rates={"lookup": 3})
    with api.client:
        codes = [
            api.client.get(f"/v1/owners/{CITIZEN}/documents", headers=api.h("lookup")).status_code for _ in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]
        r = api.client.get(f"/v1/owners/{CITIZEN}/documents", headers=api.h("lookup"))
        assert r.json()["error"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
        # another key is counted on its own
        assert api.client.get(f"/v1/owners/{CITIZEN}/documents", headers=api.h("all")).status_code == 200
        assert "sohoa_api_rate_limited_total 3.0" in api.client.get("/metrics").text
    api.catalog.close()


def test_each_worker_process_allows_its_share_of_a_key_rate():
    from catalog.api.auth import RateLimiter

    two = RateLimiter(600, processes=2)
    assert sum(two.take("k", 10) == 0 for _ in range(10)) == 5  # two processes together: about 10
    assert sum(two.take("other", None) == 0 for _ in range(400)) == 300


def test_keys_are_stored_hashed_and_shown_once(catalog_url):
    from catalog.db import Catalog

    c = Catalog(catalog_url)
    info, plain = create_key(c, agency=AGENCY, scopes="lookup,download", client="motcua", created_by="admin")
    assert plain.startswith(f"sohoa_{info.id}_") and len(plain) > 50
    with c.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.id == info.id))
        assert plain not in (row.key_hash, row.id) and len(row.key_hash) == 64
        assert row.scopes == ["download", "lookup"]
    assert authenticate(c, plain).id == info.id
    assert authenticate(c, plain + "x") is None and authenticate(c, None) is None
    assert [k.id for k in list_keys(c)] == [info.id]
    assert list_keys(c, agency="000.00.17.H42") == []
    revoke_key(c, plain, revoked_by="admin")  # the whole key works as well as its id
    revoke_key(c, info.id, revoked_by="admin")  # twice is harmless
    assert authenticate(c, plain) is None and list_keys(c) == [] and len(list_keys(c, include_revoked=True)) == 1
    assert [e.action for e in c.events(action="apikey_revoked")] == ["apikey_revoked"]
    with pytest.raises(NotFound):
        revoke_key(c, "k000000000", revoked_by="admin")
    c.close()


@pytest.mark.parametrize(
    "kw",
    [
        {"scopes": "lookup,admin"},
        {"scopes": ""},
        {"agency": "H42"},
        {"client": "bad\nname"},
        {"rate_per_minute": 0},
    ],
)
def test_key_creation_is_validated(tmp_path, kw):
    from catalog.db import Catalog

    c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    args = {"agency": AGENCY, "scopes": "lookup", "client": "motcua", "created_by": "admin", **kw}
    with pytest.raises(InvalidCode):
        create_key(c, **args)
    c.close()


def test_parse_scopes():
    assert parse_scopes(" search, lookup ,lookup") == ["lookup", "search"]


def test_require_scope_rejects_unknown_scopes():
    with pytest.raises(ValueError):
        require_scope("admin")


def test_another_router_mounts_with_a_scope(sqlite_api):
    """How issue 9's dashboard (and any later router) plugs into the app."""
    router = APIRouter()

    @router.get("/dashboard/ping")
    def ping(request: Request):
        return {"agency": request.state.key.agency}

    app = sqlite_api.client.app
    app.include_router(router, dependencies=[Depends(require_scope("dashboard"))])
    assert sqlite_api.client.get("/dashboard/ping", headers=sqlite_api.h("dashboard")).json() == {"agency": AGENCY}
    assert sqlite_api.client.get("/dashboard/ping", headers=sqlite_api.h("lookup")).status_code == 403
    assert sqlite_api.client.get("/dashboard/ping").status_code == 401
