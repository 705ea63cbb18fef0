"""Bad input in a clerk's scanner folder: one batch holds every kind at once, beside one good scan. Each kind is
quarantined with its reason in Vietnamese and English and its bytes kept (a checked copy); the good scan is archived
(the batch goes on); the input folder is untouched; running the batch again archives nothing twice."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from rich.console import Console

from ocr.config import OcrConfig
from pipeline.config import AppConfig
from pipeline.report import print_summary
from tests import badfiles
from tests.integration.helpers import run_inprocess

pytestmark = pytest.mark.slow


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _jpeg_bomb(path: Path) -> None:
    buf = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (60000).to_bytes(2, "big") + (60000).to_bytes(2, "big")  # height, width
    path.write_bytes(bytes(data))


def _pdf(path: Path, pages: int) -> None:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path)


def _zero_page_pdf(path: Path) -> None:
    _pdf(path, 1)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        del pdf.pages[0]
        pdf.save(path)


def _inside(inbox: Path, rel: str) -> bool:
    p = inbox / rel
    return p.is_file() and not p.is_symlink() and p.resolve().is_relative_to(inbox.resolve())


@dataclass
class Batch:
    inbox: Path
    config: AppConfig
    data: dict
    rerun: dict
    before: dict[str, str]
    by_input: dict[str, dict]

    def quarantined(self, name: str) -> tuple[dict, Path]:
        """The document, its reason.json and its quarantine folder."""
        d = self.by_input[name]
        folder = self.config.quarantine_dir / self.data["batch_id"] / f"{d['ordinal']:04d}"
        return json.loads((folder / "reason.json").read_text(encoding="utf-8")), folder


# input name -> (manifest row, expected reason code); files are made in the fixture below
ROWS = {
    "empty.png": ("empty.png,,,", "empty_file"),
    "truncated.jpg": ("truncated.jpg,,,", "unreadable_image"),
    "corrupt.pdf": ("corrupt.pdf,,,", "unreadable_image"),
    "encrypted.pdf": ("encrypted.pdf,,,", "encrypted_pdf"),
    "bomb.png": ("bomb.png,,,", "decompression_bomb"),
    "bomb.jpg": ("bomb.jpg,,,", "decompression_bomb"),
    "notes.txt": ("notes.txt,,,", "unsupported_format"),
    "page.html.png": ("page.html.png,,,", "unsupported_format"),
    "archive.zip.pdf": ("archive.zip.pdf,,,", "unsupported_format"),
    "anim.gif": ("anim.gif,,,", "unsupported_format"),
    "nopages.pdf": ("nopages.pdf,,,", "unreadable_image"),
    "long.pdf": ("long.pdf,,,", "too_many_pages"),
    "../outside.png": ("../outside.png,,,", "outside_input"),
    "/etc/passwd": ("/etc/passwd,,,", "outside_input"),
    "link.png": ("link.png,,,", "outside_input"),
    "missing.png": ("missing.png,,,", "missing_file"),
    "row": (",,,1.001193", "bad_row"),
    "bad-owner.png": ("bad-owner.png,12345,,", "invalid_code"),
    "bad-dossier.png": ("bad-dossier.png,,H42-1,", "invalid_code"),
    "bad-procedure.png": ("bad-procedure.png,,,9.999", "invalid_code"),
    "=1+1.txt": ("=1+1.txt,,,", "unsupported_format"),
    "a[/]x.txt": ("a[/]x.txt,,,", "unsupported_format"),
    "sub/p.txt|other/p.txt": ("sub/p.txt|other/p.txt,,,", "unsupported_format"),
    "reason.json": ("reason.json,,,", "unsupported_format"),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, demo_pki_dir: Path, samples: Path) -> Batch:
    root = tmp_path_factory.mktemp("adversarial-batch")
    home = root / "home"
    shutil.copytree(demo_pki_dir, home / "pki")
    config = AppConfig(home=home, ocr=OcrConfig(max_pages=5))
    inbox = root / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "other").mkdir()
    good = next((samples / "scans").glob("*GKS*"))
    shutil.copy(good, inbox / "good.png")
    for name in ("bad-owner.png", "bad-dossier.png", "bad-procedure.png"):
        shutil.copy(good, inbox / name)  # good scans on rows with bad declared values
    badfiles.empty(inbox / "empty.png")
    badfiles.truncated_jpeg(inbox / "truncated.jpg")
    badfiles.corrupt_pdf(inbox / "corrupt.pdf")
    badfiles.encrypted_pdf(inbox / "encrypted.pdf")
    badfiles.png_bomb(inbox / "bomb.png")
    _jpeg_bomb(inbox / "bomb.jpg")
    badfiles.not_an_image(inbox / "notes.txt")
    (inbox / "page.html.png").write_text("<html><script>alert(1)</script></html>")
    with zipfile.ZipFile(inbox / "archive.zip.pdf", "w") as z:
        z.writestr("a.txt", "x")
    Image.new("RGB", (20, 20)).save(inbox / "anim.gif", "GIF")
    _zero_page_pdf(inbox / "nopages.pdf")
    _pdf(inbox / "long.pdf", 6)
    (root / "outside.png").write_bytes(good.read_bytes())
    os.symlink(root / "outside.png", inbox / "link.png")
    (inbox / "=1+1.txt").write_text('=HYPERLINK("http://evil")')
    (inbox / "a[").mkdir()
    (inbox / "a[/]x.txt").write_text("[bold red]markup[/]")  # a path with rich markup in it: folder "a[", file "]x.txt"
    (inbox / "sub" / "p.txt").write_text("một / one")
    (inbox / "other" / "p.txt").write_text("hai / two")
    (inbox / "reason.json").write_text('{"reason_code": "forged"}')
    rows = ["good.png,,,", *(row for row, _ in ROWS.values()), "good.png,,,"]  # the good scan twice
    (inbox / "manifest.csv").write_text("file,owner_id,dossier,procedure\n" + "\n".join(rows) + "\n", encoding="utf-8")
    before = {p.relative_to(inbox).as_posix(): _sha(p) for p in inbox.rglob("*") if p.is_file()}
    _report, data = run_inprocess(config, inbox)
    _report2, rerun = run_inprocess(config, inbox)
    by_input: dict[str, dict] = {}
    for n, d in enumerate(data["documents"], 1):
        name = "row" if d["input"].startswith("row ") else d["input"]  # a row that names no file
        by_input.setdefault(name, {**d, "ordinal": n})
    return Batch(inbox, config, data, rerun, before, by_input)


@pytest.mark.parametrize("name", list(ROWS))
def test_each_bad_input_is_quarantined_with_its_reason_and_bytes(batch: Batch, name: str):
    expected = ROWS[name][1]
    d = batch.by_input[name]
    assert d["status"] == "quarantined", d
    reason, folder = batch.quarantined(name)
    assert reason["reason_code"] == expected, reason
    assert d["reason"] and " / " in d["reason"]  # Vietnamese / English
    for f in reason["files"]:  # every byte we had of it, checked
        copy = folder / f["copy"]
        assert f["sha256"] == _sha(copy) == batch.before[f["input"]]
    inside = [p for p in name.split("|") if _inside(batch.inbox, p)]
    assert sorted(f["input"] for f in reason["files"]) == sorted(inside)


def test_the_batch_goes_on_and_the_good_scan_is_archived(batch: Batch):
    docs = batch.data["documents"]
    assert docs[0]["status"] in ("archived", "needs_review")
    # the same scan listed twice in one batch: one document, under one code
    assert docs[-1]["sha256"] == docs[0]["sha256"] and docs[-1]["doc_code"] == docs[0]["doc_code"]
    assert batch.data["totals"]["quarantined"] == len(ROWS), [(d["input"], d["status"]) for d in docs]


def test_nothing_is_archived_twice_on_a_second_run(batch: Batch):
    assert next(d["status"] for d in batch.rerun["documents"]) == "duplicate"
    assert batch.rerun["totals"]["archived"] + batch.rerun["totals"]["needs_review"] == 0
    assert batch.rerun["totals"]["quarantined"] == len(ROWS)


def test_the_input_folder_is_untouched(batch: Batch):
    after = {p.relative_to(batch.inbox).as_posix(): _sha(p) for p in batch.inbox.rglob("*") if p.is_file()}
    assert after == batch.before


def test_markup_and_formula_names_are_text_in_the_summary(batch: Batch):
    console = Console(record=True, width=250, color_system=None)
    print_summary(console, batch.data, type("S", (), {"url": "file:///wh"})(), "/q")
    text = console.export_text()
    assert "a[/]x.txt" in text and "=1+1.txt" in text


def test_json_report_is_valid_and_masks_nothing_it_should_not_carry(batch: Batch):
    text = json.dumps(batch.data, ensure_ascii=False)
    assert json.loads(text)["batch_id"] == batch.data["batch_id"]
    assert "Traceback" not in text
