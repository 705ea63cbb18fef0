"""The clerk's workspace over HTTP (FastAPI's TestClient) on both catalog backends: login and lock-out, sessions
ended by a disable, CSRF and security headers, the role matrix, review decisions through ``catalog.review`` (the
history, the outbox row, the lookup API), quarantine decisions, search and the audited document page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from archive.store import open_store
from catalog.accounts import MAX_FAILURES, disable_account, reset_password
from catalog.apikeys import create_key
from catalog.db import Catalog, Event
from catalog.outbox import OutboxRow as Outbox
from pipeline.config import AppConfig
from pipeline.web import create_app
from pipeline.workspace.core import COOKIE
from tests.workspace_data import (
    GOOD_ID,
    OFFICE,
    OTHER,
    PASSWORD,
    add_accounts,
    add_waiting,
    csrf_token,
    login,
)

pytest_plugins = ["tests.fixtures_review"]


@pytest.fixture
def ws(review_catalog: Catalog, tmp_path):
    cfg = AppConfig(home=tmp_path / "home")
    store = open_store(cfg.store_config)
    add_accounts(review_catalog)
    keys = {
        "mine": add_waiting(review_catalog, store, 1),
        "mine2": add_waiting(review_catalog, store, 2, name="Trần Văn Bình", owner="037090012345"),
        "other": add_waiting(review_catalog, store, 3, agency=OTHER, name="Lê Thị Hoa", owner="037192012345"),
    }
    app = create_app(cfg, catalog=review_catalog, store=store, workspace_secret=b"s" * 32)
    with TestClient(app, base_url="http://testserver") as client:
        yield client, review_catalog, keys


def events(catalog: Catalog, action: str) -> list[Event]:
    with catalog.session() as s:
        return list(s.scalars(select(Event).where(Event.action == action).order_by(Event.id)))


def test_login_lockout_disable_and_headers(ws):
    client, catalog, _ = ws
    r = client.get("/workspace/review", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/workspace/login")
    page = client.get("/workspace/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in page.text  # no inline script anywhere
    assert login(client, "reviewer.a", "wrong-password!").status_code == 401
    r = login(client, "reviewer.a", follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/workspace" in cookie
    assert client.get("/workspace/review").status_code == 200
    disable_account(catalog, "reviewer.a", by="test")
    assert client.get("/workspace/review", follow_redirects=False).status_code == 303  # the session ended
    assert login(client, "reviewer.a").status_code == 401
    reset_password(catalog, "reviewer.a", by="test", password=PASSWORD)
    # lock-out after repeated failures, also for the right password then
    fresh = TestClient(client.app, base_url="http://testserver")
    throttle = fresh.app.state.workspace.throttle  # the per-address throttle (the dashboard's) is not tested here
    for _ in range(MAX_FAILURES):
        throttle.succeeded("testclient")
        assert login(fresh, "clerk.a", "not-the-password").status_code == 401
    throttle.succeeded("testclient")
    r = login(fresh, "clerk.a")
    assert r.status_code == 401 and "khóa" in r.text
    assert events(catalog, "login_failed")[-1].detail.get("locked_until")


def test_csrf_and_logout(ws):
    client, catalog, keys = ws
    login(client, "reviewer.a")
    r = client.post(f"/workspace/review/{keys['mine']}", data={"csrf": "forged-token-" + "x" * 30})
    assert r.status_code == 403
    token = csrf_token(client, "/workspace/review")
    r = client.post(
        f"/workspace/review/{keys['mine']}", data={"csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert r.status_code == 403
    assert catalog.get(keys["mine"]).status == "needs_review"
    assert client.get("/workspace/logout").status_code == 405  # logout is a POST
    r = client.post("/workspace/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/workspace/review", follow_redirects=False).status_code == 303


def test_role_matrix(ws):
    client, _catalog, keys = ws
    login(client, "clerk.a")
    q = client.get("/workspace/review")
    assert q.status_code == 200 and "261121-0001" in q.text and "261121-0003" not in q.text  # own office only
    assert client.get(f"/workspace/review?office={OTHER}").status_code == 403
    # the queue's filters: reason, type, age (on both backends: the reasons are a JSON list)
    assert 'id="queue-total">2 ' in client.get("/workspace/review?reason=field_uncertain").text
    assert 'id="queue-total">0 ' in client.get("/workspace/review?reason=owner_missing").text
    assert 'id="queue-total">2 ' in client.get("/workspace/review?type=GKS").text
    assert 'id="queue-total">0 ' in client.get("/workspace/review?age=1").text
    assert client.get(f"/workspace/review/{keys['mine']}").status_code == 403  # reviewing needs a reviewer
    assert client.get("/workspace/keys").status_code == 403
    token = csrf_token(client, "/workspace/review")
    r = client.post("/workspace/keys", data={"client": "x", "agency": OFFICE, "scopes": "lookup", "csrf": token})
    assert r.status_code == 403
    client.cookies.clear()
    login(client, "reviewer.a")
    assert client.get(f"/workspace/review/{keys['other']}").status_code == 403  # another office's document
    client.cookies.clear()
    login(client, "super.h42")  # a supervisor sees every office of the province, and makes keys
    q = client.get("/workspace/review")
    assert "261121-0001" in q.text and "261121-0003" in q.text
    assert client.get(f"/workspace/review/{keys['other']}").status_code == 200
    token = csrf_token(client, "/workspace/keys")
    r = client.post("/workspace/keys", data={"client": "motcua", "agency": OTHER, "scopes": "lookup", "csrf": token})
    assert r.status_code == 200 and "sohoa_" in r.text
    r = client.post(
        "/workspace/keys", data={"client": "x", "agency": "000.00.16.H43", "scopes": "lookup", "csrf": token}
    )
    assert r.status_code == 403  # not in its province


def test_review_correct_accept_history_outbox_and_lookup(ws):
    client, catalog, keys = ws
    login(client, "reviewer.a")
    page = client.get(f"/workspace/review/{keys['mine']}")
    assert page.status_code == 200 and 'class="field doubtful" data-field="full_name"' in page.text
    assert 'value="01/02/2003"' in page.text
    assert "autofocus" in page.text and GOOD_ID not in page.text.split("<h2>")[-1]  # masked in the history
    png = client.get(f"/workspace/review/{keys['mine']}/page/1")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert client.get(f"/workspace/review/{keys['mine']}/page/2").status_code == 404
    token = csrf_token(client, f"/workspace/review/{keys['mine']}")
    form = {
        "csrf": token,
        "f.full_name": "Nguyễn Thị Mỹ",
        "f.date_of_birth": "01/02/2003",  # dates are shown (and typed) as dd/mm/yyyy
        "f.id_number": GOOD_ID,
        "f.issue_date": "01/03/2003",
        "f.issuer": "",
        "type": "GKS",
        "action": "accept",
    }
    bad = client.post(f"/workspace/review/{keys['mine']}", data={**form, "f.date_of_birth": "31/02/2003"})
    assert bad.status_code == 422 and 'id="review-error"' in bad.text and "31/02/2003" in bad.text
    r = client.post(f"/workspace/review/{keys['mine']}", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/workspace/review/next")
    d = catalog.get(keys["mine"])
    assert (
        d.status == "archived" and d.reviewed_by == "reviewer.a" and d.fields["full_name"]["value"] == "Nguyễn Thị Mỹ"
    )
    corrected = events(catalog, "review_corrected")[-1]
    changes = corrected.detail["changes"]
    assert corrected.actor == "reviewer.a"
    assert changes["fields.full_name"] == {"from": "Nguyễn Thị My", "to": "Nguyễn Thị Mỹ"}
    assert not any("date" in k or "issuer" in k for k in changes)  # the dates typed as shown are no change
    with catalog.session() as s:
        assert s.scalar(select(Outbox).where(Outbox.doc_key == keys["mine"], Outbox.reason == "review_accepted"))
    hist = client.get(f"/workspace/review/{keys['mine']}")
    assert "Nguyễn Thị Mỹ" in hist.text and "reviewer.a" in hist.text
    _, key = create_key(catalog, agency=OFFICE, scopes="lookup", client="t", created_by="test")
    api = client.post("/v1/owner-documents", json={"owner_id": GOOD_ID}, headers={"X-API-Key": key})
    assert api.status_code == 200, api.text
    assert any(p["doc_code"] == d.doc_code for p in api.json()["documents"])


def test_send_to_quarantine_and_decisions(ws):
    client, catalog, keys = ws
    login(client, "reviewer.a")
    token = csrf_token(client, f"/workspace/review/{keys['mine2']}")
    r = client.post(f"/workspace/review/{keys['mine2']}/quarantine", data={"csrf": token, "reason": ""})
    assert r.status_code == 422
    r = client.post(
        f"/workspace/review/{keys['mine2']}/quarantine",
        data={"csrf": token, "reason": "Thiếu trang 2"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert catalog.get(keys["mine2"]).status == "quarantined"
    q = client.get("/workspace/quarantine")
    assert "Thiếu trang 2" in q.text and 'class="decide"' not in q.text  # a reviewer sees, a supervisor decides
    item_id = int(q.text.split('data-item="', 1)[1].split('"', 1)[0])
    assert client.post(f"/workspace/quarantine/{item_id}", data={"csrf": token, "decision": "keep"}).status_code == 403
    client.cookies.clear()
    login(client, "super.h42")
    token = csrf_token(client, "/workspace/quarantine")
    r = client.post(f"/workspace/quarantine/{item_id}", data={"csrf": token, "decision": "discard", "reason": ""})
    assert r.status_code == 400
    r = client.post(
        f"/workspace/quarantine/{item_id}", data={"csrf": token, "decision": "discard", "reason": "Bản trùng"}
    )
    assert r.status_code == 200 and "Thiếu trang 2" not in r.text
    assert "Bản trùng" in client.get("/workspace/quarantine?all=1").text
    assert events(catalog, "quarantine_discard")[-1].actor == "super.h42"


def test_search_without_accents_and_audited_document(ws):
    client, catalog, keys = ws
    login(client, "reviewer.a")
    token = csrf_token(client, "/workspace/search")
    r = client.post("/workspace/search", data={"csrf": token, "q": "nguyen thi my", "purpose": ""})
    assert r.status_code == 422
    r = client.post("/workspace/search", data={"csrf": token, "q": "nguyen thi my", "purpose": "HS-2026-1"})
    assert r.status_code == 200 and "261121-0001" in r.text and GOOD_ID not in r.text  # masked in the list
    assert GOOD_ID[:7] not in r.text  # nor in the line of text shown with the hit, cut or whole
    r = client.post("/workspace/search", data={"csrf": token, "q": "le thi hoa", "purpose": "HS-2026-1"})
    assert "261121-0003" not in r.text  # another office's paper
    r = client.post("/workspace/search", data={"csrf": token, "q": GOOD_ID, "purpose": "HS-2026-2"})
    assert r.status_code == 200
    code = catalog.get(keys["mine"]).doc_code
    assert "purpose" in client.get(f"/workspace/doc/{code}").text  # asks why first
    page = client.get(f"/workspace/doc/{code}?purpose=HS-2026-3")
    assert page.status_code == 200 and GOOD_ID in page.text  # in full on the document page only
    pdf = client.get(f"/workspace/doc/{code}/pdf?purpose=HS-2026-3")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    audited = [(e.action, e.detail.get("purpose"), e.detail.get("via")) for e in catalog.events(owner_id=GOOD_ID)]
    assert ("access.owner_documents", "HS-2026-2", "workspace") in audited
    assert ("access.document", "HS-2026-3", "workspace") in audited
    assert ("access.download", "HS-2026-3", "workspace") in audited


def test_batches_live_figures_and_english(ws):
    client, _catalog, _keys = ws
    login(client, "clerk.a")
    page = client.get("/workspace/batches")
    assert page.status_code == 200 and "B-ws-1" in page.text and "B-ws-3" not in page.text  # own office only
    data = client.get("/workspace/batches.json?ids=B-ws-1,B-ws-2,B-ws-3").json()["batches"]
    assert {b["batch_id"] for b in data} == {"B-ws-1", "B-ws-2"}
    assert client.get("/workspace/batches/B-ws-3").status_code == 403
    one = client.get("/workspace/batches/B-ws-1/status.json").json()
    assert one["item_rows"][0]["status"] == "needs_review" and one["pages"] == 1
    assert "cần kiểm tra" in client.get("/workspace/batches/B-ws-1").text
    client.get("/workspace/lang/en?next=/workspace/batches")
    english = client.get("/workspace/batches/B-ws-1")
    assert 'lang="en"' in english.text and "needs review" in english.text and "Log out" in english.text
    assert client.get("/workspace/static/review.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/workspace/static/..%2Fcore.py").status_code == 404


def test_open_redirect_markup_and_forged_cookies(ws):
    client, catalog, keys = ws
    token = csrf_token(client)
    for evil in ("//evil.example/x", "https://evil.example", "/workspace\\..\\evil", "/dashboard"):
        r = client.post(
            "/workspace/login",
            data={"name": "reviewer.a", "password": PASSWORD, "csrf": token, "next": evil},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/workspace", evil
        client.cookies.clear()
        token = csrf_token(client)
    r = client.get("/workspace/lang/en?next=//evil.example", follow_redirects=False)
    assert r.headers["location"] == "/workspace"
    # a forged, an unsigned and an oversized session cookie are no session
    for value in ("reviewer.a:1", "eyJrIjoicmV2aWV3ZXIuYToxIn0.forged", "x." * 600):
        client.cookies.clear()
        client.cookies.set(COOKIE, value, path="/workspace")
        assert client.get("/workspace/review", follow_redirects=False).status_code == 303
    client.cookies.clear()
    login(client, "reviewer.a")
    # markup typed into a field and a quarantine reason is shown as text, never run
    token = csrf_token(client, f"/workspace/review/{keys['mine']}")
    client.post(
        f"/workspace/review/{keys['mine']}",
        data={"csrf": token, "f.issuer": "<script>alert(1)</script>", "action": "save"},
    )
    page = client.get(f"/workspace/review/{keys['mine']}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    client.post(
        f"/workspace/review/{keys['mine2']}/quarantine", data={"csrf": token, "reason": '<img src=x onerror="x()">'}
    )
    q = client.get("/workspace/quarantine").text
    assert "<img src=x" not in q and "&lt;img src=x" in q
    # a document of another office is not found through the search or the document page either
    other = catalog.get(keys["other"]).doc_code
    assert client.get(f"/workspace/doc/{other}?purpose=x").status_code == 403
