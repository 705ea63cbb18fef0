"""Done-when of issue 5: every archived copy of a batch is a two-layer PDF/A signed at the configured
level, with the visible box at the top right of page 1, that both ``pdfsig`` and ``sohoa verify``
report valid; the nightly renewal then adds a document timestamp as a new version of each copy."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from catalog.db import Catalog
from tests.integration.helpers import run_inprocess

pytestmark = pytest.mark.slow
pytest_plugins = ["tests.fixtures_pki"]


@pytest.fixture
def small_batch(samples: Path, tmp_path: Path) -> Path:
    """Two of the session's sample scans: an image and an (unsigned) input PDF."""
    d = tmp_path / "in"
    d.mkdir()
    for pattern in ("*GKS*", "*GCNDKDN*"):
        shutil.copy(next((samples / "scans").glob(pattern)), d)
    return d


def test_every_archived_copy_is_signed_at_the_level_and_verifies(
    config, small_batch: Path, home: Path, sohoa_cli, sohoa_cli_json
):
    assert config.signing.level == "B-LTA"  # the embedded default: long-term, renewable
    report, data = run_inprocess(config, small_batch)
    assert report.failed_items == 0 and data["totals"]["archived"] == 2
    catalog = Catalog(config.catalog_config.url)
    try:
        for doc in data["documents"]:
            pdf = Path(doc["pdf"])
            # poppler, independently: the agency's signature is valid
            out = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, timeout=60).stdout
            assert "Signature #1" in out and "Signature is Valid." in out.split("Signature #2")[0]
            # two layers: the colour image and the invisible text; box top right of page 1, no image
            with pikepdf.open(pdf) as p:
                page = p.pages[0]
                assert "/Im0" in page.Resources.XObject and "/F1" in page.Resources.Font
                _, _, w, h = (float(v) for v in page.mediabox)
                annot = next(a for a in page.Annots if a.get("/FT") == "/Sig")
                x0, y0, x1, y1 = (float(v) for v in annot.Rect)
                assert x0 > w / 2 and y0 > h * 0.8 and x1 <= w and y1 <= h
                assert "/Image" not in str(annot.AP.N.Resources.keys())
            # sohoa verify by document code: exit 0, level as configured, PDF/A self-check clean
            rc, v = sohoa_cli_json(home, "verify", doc["doc_code"], "--json", "--min-level", "B-LTA")
            assert rc == 0, v
            assert v["verdict"] == "valid" and v["level"] == "B-LTA" and v["pdfa_problems"] == []
            assert v["signatures"][0]["trusted"] and v["signatures"][0]["ltv"]
            d = catalog.by_code(doc["doc_code"])
            assert d.signature_level == "B-LTA" and d.timestamp_expires_at is not None
            assert catalog.events(doc_key=d.key, action="verified")  # the lookup is recorded
    finally:
        catalog.close()

    # nightly renewal: window longer than the demo TSA certificate's life, so every copy is due
    proc = sohoa_cli(home, "nightly", "retimestamp", "--window-days", "3650", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)["summary"]
    assert summary["renewed"] == 2 and summary["failed"] == 0
    for doc in data["documents"]:
        rc, v = sohoa_cli_json(home, "verify", doc["doc_code"], "--json")
        assert rc == 0 and v["pdf_key"].endswith(".r01.pdf") and len(v["doc_timestamps"]) == 2
        assert Path(doc["pdf"]).is_file()  # the first copy is still in the write-once store
        out = subprocess.run(["pdfsig", v["pdf"]], capture_output=True, text=True, timeout=60).stdout
        assert "Signature is Valid." in out.split("Signature #2")[0]
