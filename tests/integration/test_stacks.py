"""A scanned stack from the feeder to the warehouse: cut by its receipt and separator sheets, one dossier, the
stack kept once byte for byte; run again (or dropped in the watched folder) it is nothing but duplicates."""

import hashlib
import json
import random
from pathlib import Path

import pytest

from catalog.db import Catalog
from pipeline.intake_config import WatchConfig
from pipeline.watch import Watcher
from scripts.samplegen.stacks import demo_stack
from tests.integration.helpers import cli, cli_json, run_inprocess

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack_file(tmp_path_factory) -> tuple[Path, str]:
    stack, code = demo_stack(random.Random(3))
    path = stack.save(tmp_path_factory.mktemp("stack") / "xap-01.pdf")
    return path, code


def test_stack_batch_then_watched_folder(config, home: Path, tmp_path: Path, stack_file):
    path, code = stack_file
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / path.name).write_bytes(path.read_bytes())
    sha = hashlib.sha256(path.read_bytes()).hexdigest()

    _, data = run_inprocess(config, scans)
    docs = data["documents"]
    assert [d["input"] for d in docs] == ["xap-01.pdf#p1", "xap-01.pdf#p3", "xap-01.pdf#p5"]
    assert all(d["status"] in ("archived", "needs_review") for d in docs), [(d["input"], d["reason"]) for d in docs]
    assert {d["dossier_code"] for d in docs} == {code}
    assert [d["doc_code"] for d in docs] == [f"{code}.01", f"{code}.02", f"{code}.03"]
    assert docs[2]["type_code"] == "XNCT"  # the separator sheet said so
    assert [d["pages"] for d in docs] == [1, 1, 1]
    (stack,) = data["stacks"]
    assert [d["pages"] for d in stack["documents"]] == [[1], [3], [5]]
    assert stack["documents"][0]["receipt"] and stack["documents"][0]["started_by"] == "receipt"
    assert {(x["page"], x["why"]) for x in stack["dropped"]} == {(2, "blank"), (4, "separator"), (6, "blank"),
                                                                 (7, "separator")}  # fmt: skip

    # the stack is kept once, byte for byte; every document's sidecar points at its pages in it
    kept = list((home / "warehouse" / "objects" / "stacks").rglob("*.pdf"))
    assert len(kept) == 1 and hashlib.sha256(kept[0].read_bytes()).hexdigest() == sha
    sidecars = [p for p in (home / "warehouse" / "objects").rglob(f"{code}.0*.json") if p.parent.name != code]
    pages = sorted(o["pages"] for s in sidecars for o in json.loads(s.read_text())["originals"])
    assert pages == [[1], [3], [5]]
    assert all(o["key"].startswith("stacks/") for s in sidecars for o in json.loads(s.read_text())["originals"])
    assert not list((home / "warehouse" / "objects").rglob("original/*"))
    catalog = Catalog(config.catalog_config.url)
    try:
        receipt = catalog.get(docs[0]["sha256"])
        assert receipt.kind == "component"
        # the receipt is archived as the catalogue's reception receipt, its code the one its QR code carries
        assert docs[0]["type_code"] == "GTNHS" and docs[0]["status"] == "archived", docs[0]["review"]
        assert receipt.fields["dossier_code"]["value"] == code
    finally:
        catalog.close()
    assert [r for d in docs for r in d["review"] if r.startswith("split")] == []  # nothing for a clerk to settle
    rc, shown = cli_json(home, "review", "show", docs[2]["doc_code"], "--json")
    assert rc == 0 and shown["split"]["stack"] == "xap-01.pdf" and shown["split"]["pages"] == [5]
    assert shown["split"]["part"] == 3 and shown["split"]["started_by"] == "separator"

    # dropped into the watched folder: taken, cut the same way, nothing archived twice, moved to _processed
    from pipeline.cli_watch import inprocess_submit
    from pipeline.deps import build_deps

    watched = tmp_path / "watched"
    (watched / "000.00.16.H42").mkdir(parents=True)  # a sub-folder named for an office
    (watched / "000.00.16.H42" / path.name).write_bytes(path.read_bytes())
    (watched / "~$xap-02.pdf").write_bytes(b"%PDF-1.4 half written")  # a scanner's temporary file
    deps = build_deps(config)
    try:
        watcher = Watcher(watched, WatchConfig(settle_s=0), config.ocr, inprocess_submit(deps, "clerk-02"))
        assert watcher.poll() == []  # first look: noted, not yet known to be still
        (done,) = watcher.poll()
    finally:
        deps.close()
    assert done.parent.parent.parent.name == "_processed" and done.read_bytes() == path.read_bytes()
    note = json.loads((done.parent / f"{done.name}.sohoa.json").read_text())
    assert note["source"] == "000.00.16.H42/xap-01.pdf"
    assert [d["status"] for d in note["report"]["documents"]] == ["duplicate"] * 3
    assert (watched / "~$xap-02.pdf").exists()  # never taken
    assert not any((watched / ".sohoa" / "incoming").iterdir())

    # a reviewer corrects the split: the certificate and the confirmation were one paper (merge 2 and 3)
    batch_id = data["batch_id"]
    (scans / path.name).unlink()  # the input is gone: the stack comes back from the warehouse
    refused = cli(home, "stack", "fix", batch_id, "xap-01.pdf", "--parts", "1;3")
    assert refused.returncode == 3 and "5" in refused.stderr  # page 5 would be lost
    rc, fixed = cli_json(home, "stack", "fix", batch_id, "xap-01.pdf", "--parts", "1;3,5", "--type", "2=GKS",
                         "--operator", "reviewer-01", "--json")  # fmt: skip
    assert rc in (0, 1), fixed
    (doc,) = fixed["documents"]
    assert doc["input"] == "xap-01.pdf#p3,5" and doc["pages"] == 2 and doc["dossier_code"] == code
    assert doc["status"] in ("archived", "needs_review") and doc["type_code"] == "GKS"
    assert sorted(fixed["withdrawn"]) == [f"{code}.02", f"{code}.03"]
    catalog = Catalog(config.catalog_config.url)
    try:
        for d in docs[1:]:
            old = catalog.get(d["sha256"])
            assert old.status == "needs_review" and any(r.startswith("split_replaced") for r in old.review_reasons)
        assert catalog.get(docs[0]["sha256"]).status == receipt.status  # the receipt is untouched
    finally:
        catalog.close()
    rc, shown = cli_json(home, "stack", "show", fixed["batch_id"], "--json")
    assert shown[0]["documents"][0]["pages"] == [3, 5] and shown[0]["documents"][0]["started_by"] == "review"

    # a catalog rebuilt from the warehouse alone links each document to the stack it was cut from
    from archive.store import open_store
    from pipeline.rebuild import rebuild_catalog

    rebuilt = Catalog(f"sqlite:///{tmp_path / 'rebuilt.db'}")
    try:
        rebuild_catalog(rebuilt, open_store(config.store_config), config.templates, actor="test")
        for d in docs:
            objects = rebuilt.get(d["sha256"]).objects
            assert [k for k in objects if k.startswith("stacks/")] == [f"stacks/{sha[:2]}/{sha}.pdf"]
    finally:
        rebuilt.close()


def test_no_split_keeps_the_file_one_document(config, tmp_path: Path, stack_file):
    from catalog.types import default_document_types
    from pipeline.batch import record_batch

    path, _ = stack_file
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / path.name).write_bytes(path.read_bytes())
    catalog = Catalog(config.catalog_config.url)
    try:
        whole = record_batch(scans, None, catalog, default_document_types(), operator="t", agency=config.agency)
        cut = record_batch(
            scans, None, catalog, default_document_types(), operator="t", agency=config.agency,
            split=config.intake.split.model_copy(update={"receipt_text": "off"}), ocr=config.ocr,
        )  # fmt: skip
    finally:
        catalog.close()
    assert [r.item.pages for r in whole.items] == [None] and whole.pages == 7
    assert [r.item.pages for r in cut.items] == [(0,), (2,), (4,)] and cut.pages == 3
