"""Real Tesseract on generated pages: seals, sideways pages, headers, the page pool, ``sohoa ocr``."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr.config import OcrConfig
from ocr.document import PagePool, read_document
from ocr.model import OcrEngine
from ocr.page import read_page
from ocr.preprocess import rotate_quarter
from ocr.sources import RasterPage, inspect_source, iter_pages
from ocr.tesseract import TesseractEngine
from scripts.bench_ocr import line_errors
from tests.integration.helpers import cli

pytest_plugins = ["tests.fixtures_ocr"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    e = TesseractEngine(OcrConfig())
    e.probe()
    return e


def _read(image: np.ndarray, engine: TesseractEngine, cfg: OcrConfig | None = None) -> str:
    return read_page(RasterPage(0, image, 200.0), engine, cfg or OcrConfig()).text.text


def test_the_signers_name_under_the_red_seal_is_read(sealed_page, engine):
    page, paper = sealed_page
    text = _read(page, engine)
    assert paper.signer_name in text
    errors, total = line_errors(paper.truth_lines(), text)
    assert errors / total < 0.01


def test_a_sideways_shadowed_photocopy_is_read(sealed_page, shadowed, engine):
    page, paper = sealed_page
    scan = rotate_quarter(shadowed(page, 0.4), 270)
    _, buf = cv2.imencode(".jpg", scan, [cv2.IMWRITE_JPEG_QUALITY, 50])
    scan = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    errors, total = line_errors(paper.truth_lines(), _read(scan, engine))
    assert errors / total < 0.03


def test_the_two_column_header_stays_two_blocks(sealed_page, engine):
    page, paper = sealed_page
    lines = _read(page, engine).splitlines()
    assert "ỦY BAN NHÂN DÂN" in lines
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines
    left = lines.index("ỦY BAN NHÂN DÂN")
    assert lines[left + 1] == paper.header_left[1]


def test_pages_read_in_the_pool_match_pages_read_in_process(tmp_path: Path, sealed_page, engine):
    page, _ = sealed_page
    rgb = Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB))
    tif = tmp_path / "three.tif"
    rgb.save(tif, save_all=True, append_images=[rgb.rotate(180), rgb], dpi=(200, 200), compression="tiff_lzw")
    cfg = OcrConfig()
    info = inspect_source(tif, cfg)
    with PagePool(engine, cfg, workers=1) as one:
        alone = [r.text.text for r in one.read(iter_pages(tif, info, cfg))]
    with PagePool(engine, cfg, workers=2) as two:
        pooled = [(i, r.index, r.rotation, r.text.text) for i, r in two.read_sources([(str(tif), info)])]
    assert [p[3] for p in pooled] == alone
    assert [p[1] for p in pooled] == [0, 1, 2] and pooled[1][2] == 180


def test_a_blank_page_is_not_sent_to_tesseract(tmp_path: Path):
    class Refuses(OcrEngine):
        def recognize(self, gray, dpi):
            raise AssertionError("a blank page reached the engine")

    blank = tmp_path / "blank.png"
    Image.new("RGB", (1654, 2339), (246, 244, 240)).save(blank, dpi=(200, 200))
    doc = read_document(blank, OcrConfig(workers=1), engine=Refuses())
    assert doc.pages[0]["blank"] and doc.text == ""


def test_sohoa_ocr_writes_every_step_and_reports_the_page(home: Path, tmp_path: Path, sealed_page):
    page, paper = sealed_page
    scan = tmp_path / "scan.png"
    Image.fromarray(cv2.cvtColor(rotate_quarter(page, 90), cv2.COLOR_BGR2RGB)).save(scan, dpi=(200, 200))
    debug = tmp_path / "steps"
    proc = cli(home, "ocr", str(scan), "--json", "--debug-dir", str(debug))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    p = data["pages"][0]
    assert p["rotation"] == 270 and not p["low_confidence"] and p["plausibility"] > 0.9
    assert p["dpi"] == 200 and p["dpi_source"] == "file" and p["page_corners"] is None  # a scan: no page to find
    assert paper.signer_name in data["text"]
    names = sorted(f.name for f in debug.iterdir())
    assert names[0] == "p001-00-input.png"
    assert [n.split("-", 2)[2] for n in names[1:]] == [f"{s}.png" for s in p["steps"]]


def test_a_second_read_of_a_line_cut_from_a_skewed_sealed_page_spells_the_same_words(sealed_page, shadowed, engine):
    from ocr.reread import PageImage, Rereader

    page, paper = sealed_page
    h, w = page.shape[:2]
    tilted = cv2.warpAffine(
        shadowed(page, 0.3), cv2.getRotationMatrix2D((w / 2, h / 2), 4.0, 1.0), (w, h), borderValue=(250, 250, 250)
    )
    for image in (page, tilted):
        r = read_page(RasterPage(0, image, 200.0), engine, OcrConfig())
        words = list(r.text.words)
        reread = Rereader(engine, OcrConfig(), [PageImage(lambda r=r: r.image, r.dpi, r.skew, len(words))], words)
        pos = next(i for i, x in enumerate(words) if x.text == paper.owner_id)  # the ID number's word
        again = reread([pos])
        assert [x.text for x in again if x.text == paper.owner_id], (r.skew, [x.text for x in again])
        assert min(x.conf for x in again if x.text == paper.owner_id) >= 85
        # a few words of a name line: read as one line, same words in the same order
        first = next(i for i, x in enumerate(words) if x.text.startswith(paper.fields["full_name"].split()[0].upper()))
        span = [first, first + 1]
        again = [x.text for x in reread(span)]
        assert any(again[k : k + 2] == [words[first].text, words[first + 1].text] for k in range(len(again))), again
    assert reread.reads == 2


def test_several_second_reads_are_one_tesseract_call(sealed_page, engine):
    from ocr.reread import PageImage, Rereader

    page, paper = sealed_page
    r = read_page(RasterPage(0, page, 200.0), engine, OcrConfig())
    words = list(r.text.words)
    reread = Rereader(engine, OcrConfig(), [PageImage(lambda: r.image, r.dpi, r.skew, len(words))], words)
    id_pos = next(i for i, x in enumerate(words) if x.text == paper.owner_id)
    surname = paper.fields["full_name"].split()[0].upper()
    name_pos = next(i for i, x in enumerate(words) if x.text == surname)
    reread.prefetch([[id_pos], [name_pos, name_pos + 1]])
    assert reread.reads == 1  # both lines in one call
    assert paper.owner_id in [x.text for x in reread([id_pos])]
    assert [x.text for x in reread([name_pos, name_pos + 1])][-2:] == [words[name_pos].text, words[name_pos + 1].text]
    assert reread.reads == 1  # answered from what the one call read
