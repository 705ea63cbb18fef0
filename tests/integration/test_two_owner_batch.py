"""Papers of two people through a whole batch (issue 18): a marriage certificate and a land-use certificate held
by two people are scanned, read and archived once, and a reuse check for either owner finds them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog import lookup
from catalog.db import Catalog
from catalog.owners import get_owner
from catalog.paper_owners import document_owners
from catalog.types import default_document_types
from scripts.make_samples import Spec, generate
from tests.integration.helpers import run_inprocess, truths

pytestmark = pytest.mark.slow


def test_each_owner_of_a_two_person_paper_finds_it(config, tmp_path: Path):
    samples = tmp_path / "samples"
    generate(
        samples,
        [Spec("GCNKH", "clean", 200, "png", "suffix-inline"), Spec("GCNQSDD", "clean", 200, "tif", "2014-two")],
        seed=3,
    )
    report, data = run_inprocess(config, samples / "scans")
    assert report.failed_items == 0
    truth = truths(samples)
    catalog = Catalog(config.catalog_config.url)  # type: ignore[arg-type]
    doc_types = default_document_types()
    try:
        for doc in data["documents"]:
            t = truth[doc["input"]]
            assert doc["status"] == "archived", doc["review"]
            d = catalog.by_code(doc["doc_code"])
            recorded = {(o.role, o.owner_id) for o in document_owners(catalog, d.key)}
            assert recorded == {(o["role"], o["owner_id"]) for o in t["owners"]}
            sidecar = json.loads(Path(doc["pdf"]).with_suffix(".json").read_text())
            assert {(o["role"], o["owner_id"]) for o in sidecar["owners"]} == recorded
            for o in t["owners"]:
                answer = lookup.reuse_check(catalog, doc_types, o["owner_id"], type_codes=[t["type"]])
                paper = answer.papers[0]
                assert paper.status == "reusable" and paper.document.doc_code == doc["doc_code"]
                assert paper.document.role == o["role"]
                assert get_owner(catalog, o["owner_id"]).documents == 1
    finally:
        catalog.close()
