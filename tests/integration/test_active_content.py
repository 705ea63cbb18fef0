"""A PDF carrying JavaScript or an embedded file is archived as a signed PDF/A built from its pixels, but held for
a clerk's review with the reason, and its sidecar records what the kept original carries (audit of issue 23:
such PDFs were kept as originals without a flag)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from catalog.db import Catalog
from tests.integration.helpers import run_inprocess

pytestmark = pytest.mark.slow


def scan_pdf(png: Path, out: Path, change) -> Path:
    buf = io.BytesIO()
    Image.open(png).convert("RGB").save(buf, "PDF", resolution=200.0)
    pdf = pikepdf.open(io.BytesIO(buf.getvalue()))
    change(pdf)
    pdf.save(out)
    return out


def test_active_content_is_flagged_for_review(config, samples: Path, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    png = next((samples / "scans").glob("*GKS*"))
    js = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.launchURL('http://x')"))
    scan_pdf(png, inbox / "with-js.pdf", lambda pdf: setattr(pdf.Root, "OpenAction", js))

    def attach(pdf):
        pdf.attachments["a.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ payload", filename="a.exe")

    scan_pdf(png, inbox / "with-file.pdf", attach)
    _report, data = run_inprocess(config, inbox)
    by_input = {d["input"]: d for d in data["documents"]}
    catalog = Catalog(config.catalog_config.url)
    try:
        for name, kind in (("with-js.pdf", "javascript"), ("with-file.pdf", "embedded_file")):
            d = by_input[name]
            assert d["status"] == "needs_review", d
            assert any(r.startswith(f"active_content: {name}: ") and kind in r for r in d["review"]), d["review"]
            doc = catalog.get(d["sha256"])
            sidecar_key = next(k for k in doc.objects if k.endswith(".json"))
            sidecar = json.loads((config.home_dir / "warehouse" / "objects" / sidecar_key).read_text())
            assert sidecar["originals"][0]["active_content"] == [kind]
            original = next(k for k in doc.objects if "/original/" in k)  # kept byte for byte all the same
            assert (config.home_dir / "warehouse" / "objects" / original).read_bytes() == (inbox / name).read_bytes()
    finally:
        catalog.close()
