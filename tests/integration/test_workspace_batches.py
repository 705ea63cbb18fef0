"""Starting batches from the workspace and correcting a stack's split, over HTTP on both catalog backends: the
folder list of the clerk's office (never a typed path), uploads, the role matrix (a reviewer-only account starts
none; a clerk only in its own office), CSRF, the audit event; the batch list's figures in one query whatever the
number of batches; the split on the review screen and its correction (checked, the replaced documents withdrawn,
the new page sets handed to the one batch driver). The runs themselves are in the browser tests."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from archive.store import open_store
from catalog.batches import add_planned_item, batch_lease, batch_status, finish_item
from catalog.db import Catalog, Event
from catalog.leases import acquire_lease
from pipeline.config import AppConfig
from pipeline.web import create_app
from tests.workspace_data import OFFICE, OTHER, add_accounts, add_waiting, add_wrong_split, csrf_token, login

pytest_plugins = ["tests.fixtures_review"]


@pytest.fixture
def ws(review_catalog: Catalog, tmp_path):
    cfg = AppConfig(home=tmp_path / "home")
    store = open_store(cfg.store_config)
    add_accounts(review_catalog)
    add_waiting(review_catalog, store, 1)
    add_waiting(review_catalog, store, 3, agency=OTHER, name="Lê Thị Hoa", owner="037192012345")
    intake = cfg.home_dir / "intake"
    for folder in (f"{OFFICE}/quay-1", f"{OFFICE}/_tmp", f"{OTHER}/quay-9", "not-an-office"):
        (intake / folder).mkdir(parents=True)
    app = create_app(cfg, catalog=review_catalog, store=store, workspace_secret=b"s" * 32)
    started = []
    app.state.workspace.launcher._run = started.append  # the starts are recorded here, not run (see the docstring)
    with TestClient(app, base_url="http://testserver") as client:
        yield client, review_catalog, started, app


def events(catalog: Catalog, action: str) -> list[Event]:
    with catalog.session() as s:
        return list(s.scalars(select(Event).where(Event.action == action).order_by(Event.id)))


def test_start_on_a_folder_of_the_office(ws):
    client, catalog, started, app = ws
    login(client, "reviewer.a")
    page = client.get("/workspace/batches")
    assert page.status_code == 200 and 'id="start-folder"' not in page.text
    token = csrf_token(client, "/workspace/batches")
    r = client.post("/workspace/batches/start", data={"csrf": token, "folder": OFFICE})
    assert r.status_code == 403 and not started  # a reviewer-only account runs no batch

    client.cookies.clear()
    login(client, "clerk.a")
    page = client.get("/workspace/batches")
    assert f'<option value="{OFFICE}/quay-1">' in page.text and f'<option value="{OFFICE}">' in page.text
    assert OTHER not in page.text.split('id="start-folder"')[1].split("</form>")[0]  # another office's folders
    assert "_tmp" not in page.text and "not-an-office" not in page.text
    token = csrf_token(client, "/workspace/batches")
    for folder in (f"{OTHER}/quay-9", "../../etc", f"{OFFICE}/../{OTHER}", "/tmp", f"{OFFICE}/_tmp"):
        assert client.post("/workspace/batches/start", data={"csrf": token, "folder": folder}).status_code == 403
    assert client.post("/workspace/batches/start", data={"csrf": "x", "folder": OFFICE}).status_code == 403  # CSRF
    assert not started
    r = client.post(
        "/workspace/batches/start", data={"csrf": token, "folder": f"{OFFICE}/quay-1"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/workspace/batches?ok=started"
    (start,) = started
    assert start.agency == OFFICE and start.account == "clerk.a" and start.planned is None
    assert start.root == app.state.workspace.launcher.root / OFFICE / "quay-1"
    (ev,) = events(catalog, "batch_requested")
    assert ev.actor == "clerk.a" and ev.batch_id == start.batch_id and ev.detail == {"folder": f"{OFFICE}/quay-1"}
    # until the driver records it, the list shows it as starting; the page keeps asking while it does
    page = client.get("/workspace/batches?ok=started")
    assert f'data-starting="{start.batch_id}"' in page.text and 'id="flash"' in page.text
    data = client.get(f"/workspace/batches.json?ids={start.batch_id}").json()
    assert [s["batch_id"] for s in data["starting"]] == [start.batch_id] and data["batches"] == []

    # a supervisor starts one in another office of its province, not in another province's
    client.cookies.clear()
    login(client, "super.h42")
    token = csrf_token(client, "/workspace/batches")
    assert client.post("/workspace/batches/start", data={"csrf": token, "folder": f"{OTHER}/quay-9"}).status_code == 200
    assert started[-1].agency == OTHER and started[-1].account == "super.h42"


def test_start_on_uploaded_files(ws):
    client, catalog, started, app = ws
    login(client, "clerk.a")
    token = csrf_token(client, "/workspace/batches")
    files = [("files", ("../../evil name.png", b"\x89PNG fake", "image/png")), ("files", ("b.pdf", b"%PDF-1.4", "x"))]
    r = client.post("/workspace/batches/upload", data={"csrf": token, "office": OTHER}, files=files)
    assert r.status_code == 403  # a clerk uploads for its own office only
    r = client.post("/workspace/batches/upload", data={"csrf": "nope", "office": OFFICE}, files=files)
    assert r.status_code == 403 and not started
    r = client.post("/workspace/batches/upload", data={"csrf": token, "office": OFFICE}, files=files)
    assert r.status_code == 200 and len(started) == 1
    start = started[0]
    assert start.agency == OFFICE and sorted(p.name for p in start.root.iterdir()) == ["b.pdf", "evil_name.png"]
    assert start.root.is_relative_to(app.state.workspace.launcher.cfg.home_dir / "uploads" / OFFICE)
    (ev,) = events(catalog, "batch_requested")
    assert ev.actor == "clerk.a" and ev.detail["uploaded"] == 2 and ev.detail["bytes"] == 17
    client.cookies.clear()
    login(client, "reviewer.a")
    token = csrf_token(client, "/workspace/batches")
    r = client.post("/workspace/batches/upload", data={"csrf": token, "office": OFFICE}, files=files)
    assert r.status_code == 403 and len(started) == 1


def test_batch_list_figures_in_one_query(ws):
    client, catalog, _started, _app = ws

    def statements(url: str) -> tuple[int, dict]:
        seen: list[str] = []

        def count(conn, cursor, statement, *a):
            if "batch" in statement.lower():
                seen.append(statement)

        event.listen(catalog.engine, "before_cursor_execute", count)
        try:
            body = client.get(url).json()
        finally:
            event.remove(catalog.engine, "before_cursor_execute", count)
        return len(seen), body

    login(client, "clerk.a")
    ids = ["B-ws-1", "B-ws-3"]
    few, body = statements("/workspace/batches.json?ids=" + ",".join(ids))
    assert [b["batch_id"] for b in body["batches"]] == ["B-ws-1"]  # not another office's
    assert body["batches"][0]["totals"]["needs_review"] == 1 and body["batches"][0]["pages"] == 1
    for n in range(20):
        b = catalog.begin_batch("clerk.a", OFFICE, "/in", batch_id=f"B-many-{n:02d}")
        ids.append(b)
        if n % 2:  # an open item: running while its process holds the lease, else interrupted
            catalog.set_batch_items_total(b, 2)
            add_planned_item(catalog, b, 1, "a.png", {"files": []})
            item = add_planned_item(catalog, b, 2, "b.png", {"files": []})
            finish_item(catalog, item, status="archived", pages=3, worker=f"w{n % 3}")
        if n % 4 == 1:
            acquire_lease(catalog, batch_lease(b), "me", 60)
    many, body = statements("/workspace/batches.json?ids=" + ",".join(ids))
    assert len(body["batches"]) == 21 and {b["state"] for b in body["batches"]} == {"done", "interrupted", "running"}
    for b in body["batches"]:  # the same figures as the status of one batch (``sohoa batch status``)
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", b.pop("created"))  # in the installation's zone
        one = batch_status(catalog, b["batch_id"]).as_json()
        assert {k: v for k, v in b.items() if k not in ("operator", "agency", "input_dir")} == one
    assert few == many == 1, (few, many)  # one query, whatever the number of batches
    newer, body = statements("/workspace/batches.json?after=B-ws-1")
    assert newer == 2 and {b["batch_id"] for b in body["batches"]} == set(ids[2:])  # the batch asked for, then one
    assert client.get("/workspace/batches.json").json() == {"batches": [], "starting": []}  # nothing asked: nothing


def test_split_shown_and_corrected_on_the_review_screen(ws, tmp_path):
    client, catalog, started, _app = ws
    _batch, (first, second) = add_wrong_split(catalog, tmp_path)
    login(client, "reviewer.a")
    page = client.get(f"/workspace/review/{second}")
    assert page.status_code == 200 and 'id="split-form"' in page.text and "xap.pdf" in page.text
    boxes = dict(re.findall(r'name="p\.(\d+)"[^>]*?value="(\d*)"', page.text, re.S))
    assert boxes == {"1": "1", "2": "2", "3": "2"}  # each page with the number of its document
    png = client.get(f"/workspace/review/{second}/stack/2")  # the stack's pages, to judge the split by
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert client.get(f"/workspace/review/{second}/stack/4").status_code == 404
    token = csrf_token(client, f"/workspace/review/{second}")
    for form, words in (
        ({"p.1": "1", "p.2": "2", "p.3": "2"}, "không thay đổi"),  # as it was
        ({"p.1": "1", "p.2": "", "p.3": "2"}, "các trang 2"),  # a page lost
        ({"p.1": "1", "p.2": "a", "p.3": "2"}, "không phải số tài liệu"),
    ):
        r = client.post(f"/workspace/review/{second}/split", data={"csrf": token, **form})
        assert r.status_code == 422 and words in r.text, words
    r = client.post(f"/workspace/review/{second}/split", data={"csrf": "x", "p.1": "1", "p.2": "1", "p.3": "2"})
    assert r.status_code == 403 and not started
    r = client.post(
        f"/workspace/review/{second}/split",
        data={"csrf": token, "p.1": "1", "p.2": "1", "p.3": "2"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?ok=resplit")
    (start,) = started
    assert [list(it.pages) for it in start.planned] == [[0, 1], [2]] and start.account == "reviewer.a"
    assert [it.input for it in start.planned] == ["xap.pdf#p1-2", "xap.pdf#p3"]
    (ev,) = events(catalog, "split_corrected")
    assert ev.actor == "reviewer.a" and ev.batch_id == start.batch_id and ev.detail["old"] == [[1], [2, 3]]
    for key in (first, second):
        assert any(r.startswith("split_replaced") for r in catalog.get(key).review_reasons)
    page = client.get(f"/workspace/review/{second}?ok=resplit")
    assert 'id="split-done"' in page.text and 'id="split-form"' not in page.text
    # another office's reviewer cannot touch it; a clerk reviews nothing
    client.cookies.clear()
    login(client, "reviewer.b")
    token = csrf_token(client, "/workspace/review")
    r = client.post(f"/workspace/review/{first}/split", data={"csrf": token, "p.1": "1", "p.2": "2", "p.3": "2"})
    assert r.status_code == 403 and len(started) == 1
    assert client.get(f"/workspace/review/{first}/stack/1").status_code == 403


def test_a_started_batch_is_queued_to_the_workers_when_a_broker_is_configured(catalog_url, tmp_path):
    """With a broker, the web start records the batch (with the id the list already shows) and sends one message
    per item to the workers, through ``pipeline.batch.enqueue_batch`` — nothing is processed in the server."""
    from pipeline.actors import queue_name, setup
    from pipeline.workspace.batch_start import Launcher, Start
    from tests.workspace_data import page_pdf

    cfg = AppConfig(home=tmp_path / "home", catalog_url=catalog_url, broker_url="stub://")
    folder = cfg.home_dir / "intake" / OFFICE / "quay-2"
    folder.mkdir(parents=True)
    for n in range(2):
        (folder / f"{n}.pdf").write_bytes(page_pdf([f"Họ và tên: NGUYỄN VĂN {n}"])[0])
    launcher = Launcher(cfg)
    start = launcher(Start(OFFICE, "clerk.a", f"{OFFICE}/quay-2", folder))
    launcher.join(120)
    assert start.error is None and launcher.waiting(lambda a: True) == []
    catalog = Catalog(catalog_url)
    try:
        b = catalog.get_batch(start.batch_id)
        assert b is not None and b.mode == "queue" and b.operator == "clerk.a" and b.agency == OFFICE
        assert [it.status for it in catalog.batch_items(b.id)] == ["pending", "pending"]
    finally:
        catalog.close()
    broker = setup(cfg).broker
    assert broker.queues[queue_name(cfg)].qsize() == 2

    # a folder that cannot be planned: no batch, and the list says why
    bad = Start(OFFICE, "clerk.a", "gone", folder / "gone")
    launcher(bad)
    launcher.join(60)
    assert bad.error and launcher.waiting(lambda a: a == OFFICE) == [bad]
