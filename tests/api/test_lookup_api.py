"""Every endpoint of the lookup API and its errors, on both catalog backends, with the audit rows they leave."""

from __future__ import annotations

import logging

import pytest

from catalog import audit
from catalog.api.app import MaskingAccessFilter, mask_path
from tests.api_data import AGENCY, CITIZEN, ENTERPRISE, NOBODY, ON, PDF, code

pytest_plugins = ["tests.fixtures_api"]

DOSSIER = f"{AGENCY}-261122-0042"


def reuse(api, body, **headers):
    return api.client.post("/v1/reuse-check", json=body, headers=api.h("lookup", **headers))


def test_reuse_check_by_procedure(api):
    r = reuse(api, {"owner_id": CITIZEN, "procedure_code": "1.000894", "on_date": ON}, **{"X-Purpose": DOSSIER})
    assert r.status_code == 200, r.text
    body = r.json()
    by_type = {p["type_code"]: p for p in body["papers"]}
    assert set(by_type) == {"GKS", "GXNTTHN", "CCCD", "TK"}  # from catalog/data/types.toml
    assert by_type["GKS"]["status"] == "reusable"
    gks = by_type["GKS"]["document"]
    assert gks["doc_code"] == code(1) and gks["signature"] == "signed" and gks["issue_date"] == "1996-03-04"
    assert gks["valid_until"] is None
    assert by_type["GXNTTHN"]["status"] == "needs_review" and by_type["GXNTTHN"]["document"]["doc_code"] == code(3)
    assert by_type["CCCD"]["status"] == "expired" and by_type["CCCD"]["document"]["valid_until"] == "2021-03-04"
    assert by_type["TK"]["status"] == "missing" and by_type["TK"]["document"] is None
    assert (body["required"], body["reusable"], body["reuse_share"]) == (4, 1, 0.25)

    rows = audit.who_looked(api.catalog, CITIZEN)
    assert len(rows) == 1
    row = rows[0]
    assert row.action == audit.REUSE_CHECK and row.actor == f"key:{api.ids['lookup']}" and row.agency == AGENCY
    assert row.purpose == DOSSIER and row.result == "1/4 reusable" and row.via == "api" and row.client == "sys-lookup"
    assert row.at is not None
    (event,) = api.catalog.events(owner_id=CITIZEN, action=audit.REUSE_CHECK)
    assert event.detail["reusable"] == 1 and event.detail["required"] == 4  # read by the KPI report (issue 9)
    assert event.detail["procedure"] == "1.000894" and event.detail["types"] == ["GKS", "GXNTTHN", "CCCD", "TK"]


def test_reuse_check_by_types_and_on_an_earlier_day(api):
    r = reuse(api, {"owner_id": CITIZEN, "required_types": ["CCCD", "GKS"], "on_date": "2020-01-01"})
    assert r.status_code == 200
    papers = r.json()["papers"]
    assert [p["type_code"] for p in papers] == ["CCCD", "GKS"]
    assert [p["status"] for p in papers] == ["reusable", "reusable"]  # the ID card was still valid in 2020
    assert r.json()["reuse_share"] == 1.0


def test_reuse_check_for_an_enterprise_and_for_nobody(api):
    r = reuse(api, {"owner_id": ENTERPRISE, "required_types": ["GCNDKDN"], "on_date": ON})
    assert r.json()["papers"][0]["status"] == "reusable"
    branch = reuse(api, {"owner_id": ENTERPRISE + "-001", "required_types": ["GCNDKDN"], "on_date": ON})
    assert branch.status_code == 200 and branch.json()["papers"][0]["status"] == "missing"  # dependent unit
    r = reuse(api, {"owner_id": NOBODY, "procedure_code": "1.000894", "on_date": ON})
    assert r.status_code == 200 and r.json()["reusable"] == 0
    assert {p["status"] for p in r.json()["papers"]} == {"missing"}
    assert audit.who_looked(api.catalog, NOBODY)[0].result == "0/4 reusable"  # looking for nothing is still looking


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"owner_id": "12345", "procedure_code": "1.000894"}, 400, "invalid_code"),
        ({"owner_id": "0100109107", "procedure_code": "1.000894"}, 400, "invalid_code"),  # bad check digit
        ({"owner_id": CITIZEN, "procedure_code": "1.000894", "required_types": ["GKS"]}, 400, "invalid_code"),
        ({"owner_id": CITIZEN}, 400, "invalid_code"),
        ({"owner_id": CITIZEN, "procedure_code": "abc"}, 400, "invalid_code"),
        ({"owner_id": CITIZEN, "procedure_code": "3.999999"}, 404, "unknown_procedure"),
        ({"owner_id": CITIZEN, "required_types": ["NOPE"]}, 400, "invalid_code"),
        ({"owner_id": CITIZEN, "required_types": ["GKS"], "on_date": "22/11/2026"}, 422, "invalid_request"),
        ({"owner_id": CITIZEN, "required_types": ["GKS"], "extra": 1}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
    ],
)
def test_reuse_check_errors(sqlite_api, body, status, error):
    r = reuse(sqlite_api, body)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error and r.json()["message"] and r.json()["message_vi"]
    if status == 400 and "owner" in r.json()["message"]:
        assert "12-digit personal ID" in r.json()["message"]


def test_invalid_owner_is_refused_before_any_query(sqlite_api, monkeypatch):
    from catalog.db import Catalog

    def boom(*a, **k):
        raise AssertionError("queried the catalog")

    monkeypatch.setattr(Catalog, "read", boom)
    assert reuse(sqlite_api, {"owner_id": "0371", "procedure_code": "1.000894"}).status_code == 400
    r = sqlite_api.client.get("/v1/owners/99/documents", headers=sqlite_api.h())
    assert r.status_code == 400


def test_owner_documents(api):
    r = api.client.get(f"/v1/owners/{CITIZEN}/documents", headers=api.h(**{"X-Purpose": DOSSIER}))
    assert r.status_code == 200
    docs = r.json()["documents"]
    assert [d["doc_code"] for d in docs] == [code(3), code(2), code(1), code(4)]  # newest first; no "processing"
    r = api.client.get(f"/v1/owners/{CITIZEN}/documents", params={"type": "GKS", "valid_on": ON}, headers=api.h())
    assert [d["doc_code"] for d in r.json()["documents"]] == [code(1), code(4)]
    r = api.client.get(f"/v1/owners/{CITIZEN}/documents", params={"valid_on": "2022-01-01"}, headers=api.h())
    assert code(2) not in [d["doc_code"] for d in r.json()["documents"]]
    assert (
        api.client.get(f"/v1/owners/{CITIZEN}/documents", params={"type": "NOPE"}, headers=api.h()).status_code == 400
    )
    bad_day = api.client.get(f"/v1/owners/{CITIZEN}/documents", params={"valid_on": "x"}, headers=api.h())
    assert bad_day.status_code == 422
    assert [a.action for a in audit.who_looked(api.catalog, CITIZEN)] == [audit.OWNER_DOCUMENTS] * 3


def test_document_metadata_and_not_found(api):
    r = api.client.get(f"/v1/documents/{code(1)}", headers=api.h())
    assert r.status_code == 200
    d = r.json()
    assert d["owner_id"] == CITIZEN and d["type_code"] == "GKS" and d["file"] == f"/v1/documents/{code(1)}/file"
    assert api.client.get(f"/v1/documents/{code(7)}", headers=api.h()).status_code == 404  # still processing
    r = api.client.get("/v1/documents/nope", headers=api.h())
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    rows = audit.who_looked(api.catalog, CITIZEN)
    assert [(a.action, a.doc_code) for a in rows] == [(audit.DOCUMENT, code(1))]


def test_document_file_is_streamed_from_the_local_store(api):
    r = api.client.get(f"/v1/documents/{code(1)}/file", headers=api.h("download", **{"X-Purpose": DOSSIER}))
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert code(1) in r.headers["content-disposition"]
    no_pdf = api.client.get(f"/v1/documents/{code(4)}/file", headers=api.h("download"))
    assert no_pdf.status_code == 404 and no_pdf.json()["error"] == "no_file"
    rows = audit.who_looked(api.catalog, CITIZEN)
    assert [(a.action, a.result, a.purpose) for a in rows] == [(audit.DOWNLOAD, "streamed", DOSSIER)]


def test_document_file_redirects_to_a_presigned_url_when_the_store_has_one(sqlite_api):
    class S3Like:
        def presigned_get(self, key, expires):
            return f"https://s3.example/{key}?X-Amz-Expires={int(expires.total_seconds())}"

    sqlite_api.client.app.state.ctx.store = S3Like()
    r = sqlite_api.client.get(f"/v1/documents/{code(1)}/file", headers=sqlite_api.h("download"), follow_redirects=False)
    assert r.status_code == 307
    assert (
        r.headers["location"].startswith("https://s3.example/owners/") and "X-Amz-Expires=300" in r.headers["location"]
    )
    assert r.json()["expires_in"] == 300
    assert audit.who_looked(sqlite_api.catalog, CITIZEN)[0].result == "presigned"


def test_missing_object_is_404_and_broken_store_is_503(sqlite_api):
    class Local:  # a store that cannot presign (catalog.api.app.FileSource)
        def presigned_get(self, key, expires):
            return None

    class Broken(Local):
        def get(self, key):
            from archive.errors import StorageUnavailable

            raise StorageUnavailable("down")

    class Empty(Local):
        def get(self, key):
            from archive.errors import ObjectMissing

            raise ObjectMissing("gone")

    ctx = sqlite_api.client.app.state.ctx
    ctx.store = Empty()
    assert sqlite_api.client.get(f"/v1/documents/{code(1)}/file", headers=sqlite_api.h("download")).status_code == 404
    ctx.store = Broken()
    r = sqlite_api.client.get(f"/v1/documents/{code(1)}/file", headers=sqlite_api.h("download"))
    assert r.status_code == 503 and r.json()["message_vi"]


def test_search_is_diacritic_insensitive_and_audited(api):
    r = api.client.get("/v1/search", params={"q": "ninh binh"}, headers=api.h("search", **{"X-Purpose": "audit"}))
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert [h["doc_code"] for h in hits] == [code(1)]
    assert "Ninh Bình" in hits[0]["snippet"]
    r = api.client.get("/v1/search", params={"q": "DINH van"}, headers=api.h("search"))
    assert [h["doc_code"] for h in r.json()["hits"]] == [code(1)]  # đ folds to d
    r = api.client.get("/v1/search", params={"q": "Bình"}, headers=api.h("search"))
    assert {h["doc_code"] for h in r.json()["hits"]} == {code(1), code(5)}
    assert api.client.get("/v1/search", params={"q": "zzzz"}, headers=api.h("search")).json()["hits"] == []
    assert api.client.get("/v1/search", params={"q": "!!!"}, headers=api.h("search")).status_code == 400
    assert api.client.get("/v1/search", params={"q": 'x" OR *'}, headers=api.h("search")).status_code == 200
    rows = audit.who_looked(api.catalog, CITIZEN)
    assert [a.action for a in rows] == [audit.SEARCH] * 3 and rows[0].purpose == "audit"


def test_healthz_and_metrics(api):
    r = api.client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    reuse(api, {"owner_id": CITIZEN, "procedure_code": "1.000894"})
    reuse(api, {"owner_id": "0", "procedure_code": "1.000894"})
    m = api.client.get("/metrics")
    assert m.status_code == 200
    assert 'sohoa_api_requests_total{method="POST",route="/v1/reuse-check",status="200"} 1.0' in m.text
    assert 'route="/v1/reuse-check",status="400"' in m.text
    api.client.get(f"/v1/owners/{CITIZEN}/documents", headers=api.h())
    assert CITIZEN not in api.client.get("/metrics").text  # routes by template, never the raw path


def test_a_dead_catalog_is_503_not_500(sqlite_api):
    from catalog.db import Catalog

    ctx = sqlite_api.client.app.state.ctx
    ctx.catalog = Catalog("postgresql://postgres@127.0.0.1:1/none", migrate=False)  # nothing listens on port 1
    ctx.keys.ttl = 60
    ctx.keys.put(__import__("catalog.apikeys").apikeys.hash_key(sqlite_api.keys["lookup"]), None)
    assert sqlite_api.client.get("/healthz").status_code == 503
    ctx.keys.ttl = 0
    r = reuse(sqlite_api, {"owner_id": CITIZEN, "procedure_code": "1.000894"})
    assert r.status_code == 503 and r.json()["error"] == "catalog_unavailable"


def test_access_log_never_shows_owner_ids(caplog):
    assert mask_path(f"/v1/owners/{CITIZEN}/documents?type=GKS") == "/v1/owners/037******589/documents?type=…"
    assert mask_path("/v1/search?q=Đinh Văn An") == "/v1/search?q=…"
    rec = logging.LogRecord("uvicorn.access", 20, "", 0, '%s - "%s %s HTTP/%s" %d', None, None)
    rec.args = ("127.0.0.1:5000", "GET", f"/v1/owners/{CITIZEN}/documents", "1.1", 200)
    MaskingAccessFilter().filter(rec)
    assert CITIZEN not in rec.getMessage() and "037******589" in rec.getMessage()


def test_openapi_is_published(sqlite_api):
    spec = sqlite_api.client.get("/openapi.json").json()
    assert {"/v1/reuse-check", "/v1/owners/{owner_id}/documents", "/v1/documents/{doc_code}", "/v1/search"} <= set(
        spec["paths"]
    )
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": spec["components"]["securitySchemes"]["ApiKey"]["description"],
    }


def test_purpose_can_be_required(tmp_path):
    from catalog.api.config import ApiConfig
    from tests.api_data import make_api

    api = make_api(f"sqlite:///{tmp_path / 'c.db'}", tmp_path)
    api.client.app.state.ctx.config = ApiConfig(require_purpose=True, key_cache_seconds=0)
    with api.client:
        r = reuse(api, {"owner_id": CITIZEN, "procedure_code": "1.000894"})
        assert r.status_code == 400 and r.json()["error"] == "purpose_required"
        assert reuse(api, {"owner_id": CITIZEN, "procedure_code": "1.000894"}, **{"X-Purpose": " "}).status_code == 400
        assert (
            reuse(api, {"owner_id": CITIZEN, "procedure_code": "1.000894"}, **{"X-Purpose": DOSSIER}).status_code == 200
        )
        assert api.client.get(f"/v1/documents/{code(1)}", headers=api.h()).status_code == 400
    assert [a.purpose for a in audit.who_looked(api.catalog, CITIZEN)] == [DOSSIER]  # refused requests read nothing
    api.catalog.close()


def test_an_electronic_original_says_so_and_counts_only_while_valid(api):
    from datetime import UTC, datetime

    from catalog.originals import record_original

    key = f"{1:064d}"  # code(1), the citizen's birth certificate (tests.api_data)
    values = dict(report={}, signer_name="Nguyễn Văn Ký", signer_org="UBND xã Yên Phong", level="B-T")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    record_original(api.catalog, key, outcome="valid", reasons=[], signed_at=at, validated_at=at, **values)
    d = api.client.get(f"/v1/documents/{code(1)}", headers=api.h()).json()
    assert d["origin"] == "electronic_original" and d["signature_validation"] == "valid"
    assert d["signer_org"] == "UBND xã Yên Phong" and d["validated_at"].startswith("2026-12-01")
    body = {"owner_id": CITIZEN, "required_types": ["GKS"], "on_date": ON}
    assert reuse(api, body).json()["papers"][0]["status"] == "reusable"
    reasons = ["signature_revoked: Signature1"]
    record_original(api.catalog, key, outcome="review", reasons=reasons, signed_at=at, validated_at=at, **values)
    paper = reuse(api, body).json()["papers"][0]
    assert paper["status"] != "reusable" and paper["document"]["signature_validation"] == "review"
    assert api.client.get(f"/v1/documents/{code(2)}", headers=api.h()).json()["origin"] == "digitized_copy"
