"""``/v1/dossiers`` and ``/v1/office-figures`` (scope reception, own agency only), on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalog.apikeys import create_key
from catalog.registered import RegisteredDossier
from catalog.service_figures import OfficeFigure
from tests.api_data import AGENCY, CITIZEN, OTHER_CITIZEN

pytest_plugins = ["tests.fixtures_api"]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _now():
    return datetime.now(VN).replace(microsecond=0)


def body(n: int = 1, **kw):
    at = kw.pop("received_at", _now())
    return {
        "code": f"{AGENCY}-{at:%y%m%d}-{n:04d}",
        "procedure_code": "1.001193",
        "owner_id": CITIZEN,
        "received_at": at.isoformat(),
        **kw,
    }


def test_register_resolve_and_read(api):
    b = body()
    r = api.client.post("/v1/dossiers", json=b, headers=api.h("reception"))
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["required_types"]  # the catalogue's papers of procedure 1.001193
    assert got["reused"] is False and got["outcome"] is None and CITIZEN not in r.text
    code = got["code"]
    assert api.client.post("/v1/dossiers", json=b, headers=api.h("reception")).status_code == 200  # sent again
    later = (_now() + timedelta(minutes=1)).isoformat()
    r = api.client.put(
        f"/v1/dossiers/{code}/resolution",
        json={"resolved_at": later, "outcome": "resolved"},
        headers=api.h("reception"),
    )
    assert r.status_code == 200 and r.json()["outcome"] == "resolved"
    r = api.client.get(f"/v1/dossiers/{code}", headers=api.h("reception"))
    assert r.status_code == 200 and r.json()["resolved_at"]
    events = [e.action for e in api.catalog.events() if e.action.startswith("dossier_")]
    assert events == ["dossier_registered", "dossier_resolved"]


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"code": "HS-0001"}, 400, "invalid_code"),
        ({"code": f"000.00.17.H42-{_now():%y%m%d}-0001"}, 400, "other_agency"),
        ({"code": f"{AGENCY}-200101-0001"}, 400, "code_date_mismatch"),
        ({"owner_id": "12345"}, 400, "invalid_code"),
        ({"received_at": _now().replace(tzinfo=None).isoformat()}, 400, "invalid_code"),  # no time zone
        ({"received_at": (_now() + timedelta(days=2)).isoformat()}, 400, "invalid_code"),
        ({"required_types": ["GKS", "<script>"]}, 400, "invalid_code"),
        ({"persons": [CITIZEN, "bad"]}, 400, "invalid_code"),
        ({"extra": 1}, 422, None),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_stored(api, change, status, error):
    b = {**body(), **change}
    r = api.client.post("/v1/dossiers", json=b, headers=api.h("reception"))
    assert r.status_code == status, r.text
    if error:
        assert r.json()["error"] == error
        assert r.json()["message_vi"]
    with api.catalog.session() as s:
        assert s.query(RegisteredDossier).count() == 0


def test_scope_and_agency_of_the_key(api):
    for who in ("lookup", "dashboard", "all"):
        assert api.client.post("/v1/dossiers", json=body(), headers=api.h(who)).status_code == 403
    code = api.client.post("/v1/dossiers", json=body(), headers=api.h("reception")).json()["code"]
    other = create_key(api.catalog, agency="000.00.17.H42", scopes="reception", client="other", created_by="t")[1]
    for r in (
        api.client.get(f"/v1/dossiers/{code}", headers={"X-API-Key": other}),
        api.client.put(
            f"/v1/dossiers/{code}/resolution",
            json={"resolved_at": _now().isoformat(), "outcome": "resolved"},
            headers={"X-API-Key": other},
        ),
    ):
        assert r.status_code == 404 and r.json()["error"] == "dossier_not_registered"
    bad = api.client.put(
        f"/v1/dossiers/{code}/resolution",
        json={"resolved_at": (_now() - timedelta(days=3)).isoformat(), "outcome": "resolved"},
        headers=api.h("reception"),
    )
    assert bad.status_code == 400  # resolved before it was received


def test_a_check_counts_only_for_its_own_registered_dossier(api):
    code = api.client.post("/v1/dossiers", json=body(persons=[OTHER_CITIZEN]), headers=api.h("reception")).json()[
        "code"
    ]
    for owner in (OTHER_CITIZEN, "036096000001"):  # a registered person; someone else
        r = api.client.post(
            "/v1/reuse-check",
            json={"owner_id": owner, "procedure_code": "1.001193"},
            headers=api.h("lookup", **{"X-Purpose": code}),
        )
        assert r.status_code == 200
    got = api.client.get(f"/v1/dossiers/{code}", headers=api.h("reception")).json()
    checked = api.catalog.events(action="access.reuse_check")
    assert len(checked) == 2 and all("found" in e.detail for e in checked)
    assert got["reused"] is False  # neither person has papers here; the stranger's check counted for nothing


def test_office_figures(api):
    figures = [
        {"kind": "waiting", "day_from": "2026-10-01", "day_to": "2026-10-31", "count": 120, "total": 1500},
        {"kind": "satisfaction", "day_from": "2026-10-01", "day_to": "2026-10-31", "count": 80, "total": 77},
    ]
    r = api.client.post("/v1/office-figures", json={"source": "qms", "figures": figures}, headers=api.h("reception"))
    assert r.status_code == 200 and r.json() == {"stored": 2}
    figures[0]["count"] = 121  # the same span again replaces it
    api.client.post("/v1/office-figures", json={"figures": figures}, headers=api.h("reception"))
    with api.catalog.session() as s:
        rows = {(f.kind, f.count) for f in s.query(OfficeFigure)}
    assert rows == {("waiting", 121), ("satisfaction", 80)}
    bad = [{**figures[1], "total": 81}]  # more satisfied than evaluations
    assert api.client.post("/v1/office-figures", json={"figures": bad}, headers=api.h("reception")).status_code == 400
    assert api.client.post("/v1/office-figures", json={"figures": figures}, headers=api.h("lookup")).status_code == 403
