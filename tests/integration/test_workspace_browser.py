"""The clerk's workspace in real headless Chromium (Debian ``chromium`` + ``chromium-driver``, selenium), on both
catalog backends (PostgreSQL from the shared fixtures: skipped on a laptop without it, a failure with CI=true): log in,
review documents by keyboard alone (correct a name, accept with one key, send one to quarantine with a reason),
see the change in the history and in the lookup API, search without accents, the role matrix and a cross-site
POST refused; and, over a real batch, retry a quarantined item after its file was fixed and watch the batch page
update itself; start a batch on a folder of the office and on uploaded files and watch the list follow it (and stop
asking once nothing runs); correct a stack's wrong split on the review screen by keyboard. Screenshots of the main
screens are kept in test-artifacts/."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from archive.store import open_store
from catalog.apikeys import create_key
from catalog.db import Catalog
from pipeline.config import AppConfig
from pipeline.web import create_app
from tests.workspace_data import GOOD_ID, OFFICE, OTHER, PASSWORD, add_accounts, add_waiting

pytest_plugins = ["tests.fixtures_dashboard"]


def wait_for(predicate, timeout: float = 20.0, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


def sign_in(driver, base: str, name: str, path: str = "/workspace") -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.delete_all_cookies()
    driver.get(base + path)
    wait_for(lambda: driver.find_elements(By.ID, "name"))
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait_for(lambda: driver.find_elements(By.ID, "me"))


def active_id(driver) -> str:
    return driver.switch_to.active_element.get_attribute("id") or ""


def test_review_by_keyboard_search_and_roles(chrome, artifacts: Path, tmp_path: Path, catalog_url: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tests.fixtures_dashboard import LiveServer

    cfg = AppConfig(home=tmp_path / "home", catalog_url=catalog_url)
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    store = open_store(cfg.store_config)
    add_accounts(catalog)
    first = add_waiting(catalog, store, 1)
    second = add_waiting(catalog, store, 2, name="Trần Văn Bình", owner="037090012345")
    third = add_waiting(catalog, store, 4, name="Phạm Thu Hà", owner="037192012345")
    add_waiting(catalog, store, 3, agency=OTHER, name="Lê Thị Hoa", owner="037192012346")
    _, api_key = create_key(catalog, agency=OFFICE, scopes="lookup", client="motcua", created_by="test")
    app = create_app(cfg, catalog=catalog, store=store, workspace_secret=b"k" * 32)
    try:
        with LiveServer(app) as srv:
            d = chrome
            d.delete_all_cookies()
            d.get(srv.url + "/workspace/review")
            wait_for(lambda: d.find_elements(By.ID, "login-submit"))
            d.save_screenshot(str(artifacts / "workspace-login.png"))
            sign_in(d, srv.url, "reviewer.a", "/workspace/review")
            assert "/workspace/review" in d.current_url
            assert d.find_element(By.ID, "queue-total").text.startswith("3")  # its office's three, not the other's
            d.save_screenshot(str(artifacts / "workspace-queue.png"))

            # the first document: the doubtful name has the focus and its words are marked on the page
            d.get(srv.url + "/workspace/review/next")
            wait_for(lambda: d.find_elements(By.ID, "review-form"))
            assert first in d.current_url and active_id(d) == "f-full_name"
            wait_for(lambda: d.execute_script("return document.getElementById('page-img').naturalWidth > 0"))
            wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".box.focus"))
            d.save_screenshot(str(artifacts / "workspace-review.png"))
            field = d.switch_to.active_element
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys("Nguyễn Thị Mỹ" + Keys.ENTER)  # correct, then Enter accepts

            # the next one is right as read: one key confirms it
            wait_for(lambda: second in d.current_url and d.find_elements(By.ID, "flash"))
            assert active_id(d) == "f-full_name"
            d.switch_to.active_element.send_keys(Keys.ALT, "q")  # to quarantine, with a reason
            wait_for(lambda: active_id(d) == "q-reason")
            d.switch_to.active_element.send_keys("Thiếu trang 2" + Keys.ENTER)
            wait_for(lambda: third in d.current_url)
            d.switch_to.active_element.send_keys(Keys.ENTER)
            wait_for(lambda: d.find_elements(By.ID, "queue-empty"))

            assert catalog.get(first).status == "archived" and catalog.get(third).status == "archived"
            assert catalog.get(first).fields["full_name"]["value"] == "Nguyễn Thị Mỹ"
            assert catalog.get(second).status == "quarantined"
            d.get(srv.url + f"/workspace/review/{first}")
            history = d.find_element(By.ID, "history").text
            assert "reviewer.a" in history and "Nguyễn Thị Mỹ" in history and "Nguyễn Thị My" in history
            r = httpx.post(srv.url + "/v1/owner-documents", json={"owner_id": GOOD_ID}, headers={"X-API-Key": api_key})
            papers = {p["doc_code"]: p for p in r.json()["documents"]}
            assert papers[catalog.get(first).doc_code]["status"] == "archived"

            # search without accents, with a purpose; the list masks the ID number
            d.get(srv.url + "/workspace/search")
            d.switch_to.active_element.send_keys("nguyen thi my" + Keys.TAB + "HS-2026-0001" + Keys.ENTER)
            wait_for(lambda: d.find_elements(By.ID, "result-count"))
            assert d.find_element(By.ID, "result-count").text == "1" and GOOD_ID not in d.page_source
            d.save_screenshot(str(artifacts / "workspace-search.png"))
            d.find_element(By.CSS_SELECTOR, "a.doc-link").click()
            wait_for(lambda: d.find_elements(By.ID, "owner-id"))
            assert d.find_element(By.ID, "owner-id").text == GOOD_ID  # in full on the document page
            d.save_screenshot(str(artifacts / "workspace-document.png"))
            d.get(srv.url + "/workspace/quarantine")
            assert "Thiếu trang 2" in d.find_element(By.ID, "quarantine").text
            d.save_screenshot(str(artifacts / "workspace-quarantine.png"))

            # a page of another site cannot post to the workspace (CSRF; the Lax cookie is not even sent)
            d.get(
                "data:text/html,<form method=post action='" + srv.url + "/workspace/logout'>"
                "<input name=csrf value=x></form><script>document.forms[0].submit()</script>"
            )
            wait_for(lambda: "127.0.0.1" in d.current_url)
            assert "CSRF" in d.page_source or "/workspace/login" in d.current_url
            d.get(srv.url + "/workspace/review")
            assert d.find_elements(By.ID, "me")  # still logged in

            # the role matrix: a clerk sees its office's queue, not another's, and makes no keys
            sign_in(d, srv.url, "clerk.a", "/workspace/review")
            assert not d.find_elements(By.ID, "nav-keys")
            d.get(srv.url + f"/workspace/review?office={OTHER}")
            assert d.find_element(By.ID, "message").text
            d.get(srv.url + "/workspace/keys")
            assert "vai trò supervisor" in d.find_element(By.ID, "message").text
            d.get(srv.url + f"/workspace/review/{third}")
            assert d.find_elements(By.ID, "message")
            # a supervisor makes a key for an office of its province
            sign_in(d, srv.url, "super.h42", "/workspace/keys")
            d.find_element(By.NAME, "client").send_keys("motcua-hoalu")
            d.find_element(By.ID, "create-key").click()
            wait_for(lambda: d.find_elements(By.ID, "new-key"))
            assert d.find_element(By.ID, "new-key").text.startswith("sohoa_")
            # logout is a POST from the page
            d.find_element(By.ID, "logout").click()
            wait_for(lambda: "/workspace/login" in d.current_url)
            d.get(srv.url + "/workspace/review")
            assert "/workspace/login" in d.current_url
    finally:
        catalog.close()


@pytest.mark.slow
def test_retry_a_quarantined_item_after_its_file_was_fixed(chrome, artifacts: Path, config, samples, tmp_path):
    # embedded catalog only: these screens' PostgreSQL path is the same code, tested without a browser in
    # test_workspace.py / test_workspace_batches.py, and each run here digitizes a page (suite time)
    from selenium.webdriver.common.by import By

    from catalog.accounts import add_account
    from tests.fixtures_dashboard import LiveServer
    from tests.integration.helpers import run_inprocess

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = next((samples / "scans").glob("*GKS*.png"))
    (inbox / "broken.png").write_bytes(good.read_bytes()[:300])  # a scan cut short in transfer
    _report, data = run_inprocess(config, inbox)
    assert [x["status"] for x in data["documents"]] == ["quarantined"]
    batch_id = data["batch_id"]
    (inbox / "broken.png").write_bytes(good.read_bytes())  # the clerk scans the page again

    app = create_app(config, workspace_secret=b"r" * 32)
    catalog = app.state.ctx.catalog
    add_account(catalog, "super.h42", role="supervisor", agency=config.agency, password=PASSWORD, created_by="t")
    with LiveServer(app) as srv:
        d = chrome
        sign_in(d, srv.url, "super.h42", "/workspace/quarantine")
        row = d.find_element(By.CSS_SELECTOR, "#quarantine tr[data-item]")
        item_id = row.get_attribute("data-item")
        row.find_element(By.CSS_SELECTOR, "button.retry").click()
        wait_for(lambda: d.find_elements(By.ID, "flash"))
        d.get(srv.url + f"/workspace/batches/{batch_id}")
        cell = f'tr[data-item="{item_id}"] [data-col="status"]'
        # the page updates itself while the item is processed again (no reload)
        wait_for(
            lambda: d.find_element(By.CSS_SELECTOR, cell).text in ("đã lưu trữ", "cần kiểm tra"), timeout=300, step=1
        )
        d.save_screenshot(str(artifacts / "workspace-batch.png"))
        d.get(srv.url + "/workspace/batches")
        wait_for(lambda: d.find_elements(By.CSS_SELECTOR, f'tr[data-batch="{batch_id}"]'))
        d.save_screenshot(str(artifacts / "workspace-batches.png"))
        app.state.workspace.retry.join(60)
    item = catalog.batch_items(batch_id)[0]
    doc = catalog.get(item.doc_key)
    assert doc is not None and doc.status in ("archived", "needs_review")
    # the pipeline kept where each field was read, for the review screen to mark it on the page
    boxed = {k: f["boxes"] for k, f in doc.fields.items() if f.get("boxes")}
    assert boxed and all(b[0] == 1 and 0 <= b[1] < 1 and 0 <= b[2] < 1 for boxes in boxed.values() for b in boxes)
    retried = [e for e in catalog.events(action="quarantine_retry") if e.batch_id == batch_id]
    assert retried and retried[0].actor == "super.h42"


@pytest.mark.slow
def test_start_batches_on_a_folder_and_on_uploads(chrome, artifacts: Path, config, samples, tmp_path):
    # embedded catalog only, as the retry test above (test_workspace_batches.py starts batches on both backends)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from catalog.accounts import add_account
    from tests.fixtures_dashboard import LiveServer

    good = next((samples / "scans").glob("*GKS*.png"))
    folder = config.home_dir / "intake" / config.agency / "quay-1"
    folder.mkdir(parents=True)
    (folder / good.name).write_bytes(good.read_bytes())
    app = create_app(config, workspace_secret=b"b" * 32)
    catalog = app.state.ctx.catalog
    add_account(catalog, "clerk.x", role="clerk", agency=config.agency, password=PASSWORD, created_by="t")
    add_account(catalog, "reviewer.x", role="reviewer", agency=config.agency, password=PASSWORD, created_by="t")
    polls = "return performance.getEntriesByType('resource').filter(e => e.name.includes('batches.json')).length"
    with LiveServer(app) as srv:
        d = chrome
        sign_in(d, srv.url, "reviewer.x", "/workspace/batches")
        assert not d.find_elements(By.ID, "start-folder")  # a reviewer-only account starts no batch
        sign_in(d, srv.url, "clerk.x", "/workspace/batches")
        Select(d.find_element(By.ID, "folder")).select_by_value(f"{config.agency}/quay-1")
        d.save_screenshot(str(artifacts / "workspace-start-batch.png"))
        d.find_element(By.ID, "start-folder-submit").click()
        wait_for(lambda: d.find_elements(By.ID, "flash"))
        row = 'tr[data-batch][data-state="done"]'
        wait_for(lambda: d.find_elements(By.CSS_SELECTOR, row), timeout=300, step=1)  # followed without a reload
        assert "xong" in d.find_element(By.CSS_SELECTOR, row).text
        # the same page uploaded: a second batch, a duplicate of the first
        d.find_element(By.ID, "files").send_keys(str(good))
        d.find_element(By.ID, "start-upload-submit").click()
        wait_for(lambda: d.find_elements(By.ID, "flash"))
        wait_for(lambda: len(d.find_elements(By.CSS_SELECTOR, row)) == 2, timeout=300, step=1)
        d.save_screenshot(str(artifacts / "workspace-batches-started.png"))
        asked = d.execute_script(polls)
        time.sleep(7)
        assert d.execute_script(polls) == asked  # nothing runs: the page stops asking
        app.state.workspace.launcher.join(60)
    batches = catalog.events(action="batch_requested")
    assert {e.actor for e in batches} == {"clerk.x"} and len(batches) == 2
    first, second = sorted((catalog.get_batch(e.batch_id) for e in batches), key=lambda b: b.created_at)
    assert first.operator == second.operator == "clerk.x" and first.input_dir == str(folder.resolve())
    (a,), (b,) = catalog.batch_items(first.id), catalog.batch_items(second.id)
    assert a.status in ("archived", "needs_review") and b.status == "duplicate"


@pytest.mark.slow
def test_correct_a_wrong_split_by_keyboard(chrome, artifacts: Path, config, tmp_path, catalog_url: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from catalog.accounts import add_account
    from catalog.status import FINAL_ITEM_STATUSES
    from tests.fixtures_dashboard import LiveServer
    from tests.workspace_data import add_wrong_split

    config = config.model_copy(update={"catalog_url": catalog_url})
    app = create_app(config, workspace_secret=b"p" * 32)
    catalog = app.state.ctx.catalog
    add_account(catalog, "reviewer.x", role="reviewer", agency=config.agency, password=PASSWORD, created_by="t")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _batch, (first, second) = add_wrong_split(catalog, inbox, agency=config.agency)
    with LiveServer(app) as srv:
        d = chrome
        sign_in(d, srv.url, "reviewer.x", f"/workspace/review/{second}")
        wait_for(lambda: d.find_elements(By.ID, "split-form"))
        d.find_element(By.TAG_NAME, "body").send_keys(Keys.ALT, "s")  # to the split, then page 2 goes to document 1
        wait_for(lambda: active_id(d) == "split-p1")
        d.switch_to.active_element.send_keys(Keys.TAB)
        assert active_id(d) == "split-p2"
        d.switch_to.active_element.send_keys(Keys.BACKSPACE, "1")
        thumbs = "return [...document.querySelectorAll('img.thumb')].filter(i => i.naturalWidth > 0).length"
        wait_for(lambda: d.execute_script(thumbs) == 3)  # the stack's three pages beside their boxes
        d.execute_script("document.getElementById('split-title').scrollIntoView()")
        d.save_screenshot(str(artifacts / "workspace-split.png"))
        d.switch_to.active_element.send_keys(Keys.ENTER)
        wait_for(lambda: d.find_elements(By.ID, "split-done"))
        assert d.find_element(By.ID, "flash").text
        app.state.workspace.launcher.join(300)
    (ev,) = catalog.events(action="split_corrected")
    assert ev.actor == "reviewer.x" and ev.detail["old"] == [[1], [2, 3]]
    items = catalog.batch_items(ev.batch_id)
    assert [(it.input, it.plan["pages"]) for it in items] == [("xap.pdf#p1-2", [0, 1]), ("xap.pdf#p3", [2])]
    assert all(it.status in FINAL_ITEM_STATUSES for it in items), [(it.status, it.reason) for it in items]
    assert catalog.get_batch(ev.batch_id).operator == "reviewer.x"
    for key in (first, second):
        assert any(r.startswith("split_replaced") for r in catalog.get(key).review_reasons)
