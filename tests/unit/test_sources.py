from pathlib import Path

import pytest

from ocr.config import OcrConfig
from ocr.errors import (
    DecompressionBomb,
    EmptyFile,
    EncryptedPdf,
    UnreadableImage,
    UnsupportedFormat,
)
from ocr.sources import inspect_source, iter_pages, sniff
from tests import badfiles

CFG = OcrConfig()


def test_formats_are_recognised_by_content(samples: Path):
    found = {sniff(p) for p in (samples / "scans").iterdir()}
    assert found == {"image/png", "image/jpeg", "image/tiff", "application/pdf"}


def test_multipage_tiff_and_pdf_pages(samples: Path):
    tif = next((samples / "scans").glob("*.tif"))
    info = inspect_source(tif, CFG)
    assert info.page_count == 2
    pages = list(iter_pages(tif, info, CFG))
    assert [p.index for p in pages] == [0, 1]
    assert pages[0].image.ndim == 3 and pages[0].dpi == pytest.approx(200, abs=1)
    pdf = next((samples / "scans").glob("*.pdf"))
    info = inspect_source(pdf, CFG)
    page = next(iter_pages(pdf, info, CFG))
    assert page.dpi == CFG.pdf_dpi
    assert page.image.shape[0] > page.image.shape[1]  # portrait A4


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (badfiles.empty, EmptyFile),
        (badfiles.truncated_jpeg, UnreadableImage),
        (badfiles.corrupt_pdf, UnreadableImage),
        (badfiles.encrypted_pdf, EncryptedPdf),
        (badfiles.png_bomb, DecompressionBomb),
        (badfiles.not_an_image, UnsupportedFormat),
    ],
)
def test_bad_inputs_are_refused_with_a_reason(tmp_path: Path, make, error):
    path = make(tmp_path / "bad")
    with pytest.raises(error) as exc:
        inspect_source(path, CFG)
    assert exc.value.vi and str(exc.value)
    assert exc.value.exit_code == 3 and not exc.value.retryable


def test_bomb_below_pillow_limit_is_still_refused(tmp_path: Path):
    path = badfiles.png_bomb(tmp_path / "b.png", 13_000, 13_000)  # 169 Mpx: under Pillow's own limit
    with pytest.raises(DecompressionBomb):
        inspect_source(path, OcrConfig(max_pixels=150_000_000))


def test_a_signed_pdf_is_recognised_as_an_electronic_original(tmp_path: Path, config):
    from pipeline.deps import build_deps

    deps = build_deps(config)
    path = badfiles.signed_pdf(tmp_path / "signed.pdf", deps.signer)
    before = path.read_bytes()
    info = inspect_source(path, CFG)
    assert info.signed and info.page_count == 1
    assert path.read_bytes() == before
    unsigned = tmp_path / "plain.pdf"
    badfiles._one_page_pdf().save(unsigned)
    assert not inspect_source(unsigned, CFG).signed
