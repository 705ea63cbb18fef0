"""An interrupted long document resumes without reading again the pages already read (``pipeline.pagecache``):
the pages an interrupted run read are taken from the document's page folder, the result equals an uninterrupted
run's, and pages read with other settings or from other bytes are read again."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr.config import OcrConfig
from ocr.document import PagePool
from ocr.model import OcrEngine, PageText, Word
from pipeline import pagecache, stages
from pipeline.model import DocumentJob
from tests.fixtures_ocr import render

PAGES = 6
CFG = OcrConfig(workers=1)


class Interrupted(BaseException):
    """Stands for the process dying mid-document (not an Exception: nothing in the pipeline catches it)."""


class FileCountingEngine(OcrEngine):
    """Stands in for Tesseract: reads each page as words made from its pixels (the same page always reads the
    same), appends a line to ``log`` per page (so calls in worker processes are counted too) and dies at the
    ``die_at``-th page it is asked to read."""

    def __init__(self, log: Path, die_at: int | None = None) -> None:
        self.log = log
        self.die_at = die_at

    def recognize(self, gray: np.ndarray, dpi: float) -> PageText:
        with self.log.open("a") as f:
            f.write(f"{os.getpid()}\n")
        if self.die_at is not None and calls(self.log) >= self.die_at:
            raise Interrupted
        h, w = gray.shape[:2]
        digest = hashlib.sha256(gray.tobytes()).hexdigest()
        words = (Word(f"trang-{digest[:8]}", 10, 20, 200, 40, 91.5, 1, 1), Word("văn", 220, 20, 80, 40, 88.25, 1, 1))
        return PageText(f"trang-{digest[:8]} văn", words, 0.9, w, h)


def calls(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture(scope="module")
def long_tiff(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A six-page TIFF of different papers at 150 dpi."""
    frames = []
    for i, code in enumerate(["GKS", "CCCD", "GKS", "XNCT", "GKS", "CCCD"]):
        bgr, _ = render(code, 11 + i, 150)
        frames.append(Image.fromarray(np.ascontiguousarray(bgr[:, :, ::-1])))
    path = tmp_path_factory.mktemp("long") / "long.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(150, 150), compression="tiff_lzw")
    return path


@pytest.fixture(scope="module")
def whole(long_tiff: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[DocumentJob, Path]:
    """The uninterrupted read every resumed one is compared with (made once: six pages prepared), and its log."""
    tmp = tmp_path_factory.mktemp("whole")
    job = _read(long_tiff, tmp, "whole", FileCountingEngine(tmp / "whole.log"), cache=False)
    return job, tmp / "whole.log"


def _job(path: Path, work: Path) -> DocumentJob:
    sources = stages.hash_sources((str(path),), path.parent)
    key = stages.item_key([s.sha256 for s in sources])
    job = DocumentJob(key, "B1", path.name, "000.00.00.H42", "clerk", str(work), sources)
    return stages.ingest(job, CFG)


def _read(path, tmp: Path, name: str, engine, cfg=CFG, pool=None, cache: bool = True):
    job = _job(path, tmp / name)
    pages_dir = pagecache.cache_dir(tmp / "work", job.key) if cache else None
    return stages.ocr_pages(job, engine, cfg, 85, pool=pool, pages_dir=pages_dir)


def _same(a: DocumentJob, b: DocumentJob) -> None:
    assert len(a.pages) == len(b.pages) == PAGES
    assert a.text == b.text and a.ocr_confidence == b.ocr_confidence
    for pa, pb in zip(a.pages, b.pages, strict=True):
        assert dataclasses.replace(pa, image_path="") == dataclasses.replace(pb, image_path="")
        assert Path(pa.image_path).read_bytes() == Path(pb.image_path).read_bytes()


def test_an_interrupted_document_resumes_from_its_last_page_read(long_tiff: Path, tmp_path: Path, whole):
    whole, whole_log = whole
    assert calls(whole_log) == PAGES

    first = tmp_path / "first.log"
    with pytest.raises(Interrupted):
        _read(long_tiff, tmp_path, "claim-1", FileCountingEngine(first, die_at=4))
    assert calls(first) == 4  # three pages read, the fourth interrupted

    second = tmp_path / "second.log"
    resumed = _read(long_tiff, tmp_path, "claim-2", FileCountingEngine(second))
    assert calls(second) == PAGES - 3  # pages 1-3 are not read again
    _same(resumed, whole)
    assert Path(resumed.pages[0].image_path).parent == tmp_path / "claim-2"  # in the new claim's own folder


def test_resume_through_the_page_pool(long_tiff: Path, tmp_path: Path, whole):
    """Pages read in worker processes are kept as they complete, and the pool reads only the rest."""
    whole, _ = whole
    first = tmp_path / "first.log"
    engine = FileCountingEngine(first)
    with PagePool(engine, CFG, workers=2) as pool:
        job = _job(long_tiff, tmp_path / "claim-1")
        pages_dir = pagecache.cache_dir(tmp_path / "work", job.key)
        real_put = pagecache.PageCache.put
        kept = []

        def put_then_die(self, record, sha256, jpeg):
            real_put(self, record, sha256, jpeg)
            kept.append(record.index)
            if len(kept) == 2:
                raise Interrupted

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(pagecache.PageCache, "put", put_then_die)
            with pytest.raises(Interrupted):
                stages.ocr_pages(job, engine, CFG, 85, pool=pool, pages_dir=pages_dir)
    assert kept == [1, 2]
    second = tmp_path / "second.log"
    engine2 = FileCountingEngine(second)
    with PagePool(engine2, CFG, workers=2) as pool:
        resumed = _read(long_tiff, tmp_path, "claim-2", engine2, pool=pool)
    assert calls(second) == PAGES - 2
    _same(resumed, whole)


def test_pages_read_with_other_settings_or_bytes_are_read_again(long_tiff: Path, tmp_path: Path):
    _read(long_tiff, tmp_path, "claim-1", FileCountingEngine(tmp_path / "a.log"))
    log = tmp_path / "b.log"
    _read(long_tiff, tmp_path, "claim-2", FileCountingEngine(log), cfg=CFG.model_copy(update={"workers": 3}))
    assert calls(log) == 0  # the number of workers does not change what a page reads as
    log = tmp_path / "c.log"
    _read(long_tiff, tmp_path, "claim-3", FileCountingEngine(log), cfg=CFG.model_copy(update={"denoise": False}))
    assert calls(log) == PAGES  # another setting that changes the reading: nothing reused (entries replaced)
    _read(long_tiff, tmp_path, "claim-1b", FileCountingEngine(tmp_path / "a2.log"))
    assert calls(tmp_path / "a2.log") == PAGES

    job = _job(long_tiff, tmp_path / "x")
    fingerprint = pagecache.settings_fingerprint(CFG, FileCountingEngine(log), 85)
    cache = pagecache.PageCache(pagecache.cache_dir(tmp_path / "work", job.key), fingerprint)
    assert cache.get(0, job.sources[0].sha256, 0) is not None
    assert cache.get(0, "0" * 64, 0) is None  # other bytes
    entry = cache._path(0, 1)
    entry.write_bytes(entry.read_bytes()[:-10])  # a damaged entry (cut short) is read again, not trusted
    assert cache.get(0, job.sources[0].sha256, 1) is None
    log = tmp_path / "d.log"
    _read(long_tiff, tmp_path, "claim-4", FileCountingEngine(log))
    assert calls(log) == 1


def test_old_page_folders_are_pruned(tmp_path: Path):
    old = pagecache.cache_dir(tmp_path, "a" * 64)
    new = pagecache.cache_dir(tmp_path, "b" * 64)
    for d in (old, new):
        d.mkdir(parents=True)
    os.utime(old, (0, 0))
    pagecache.prune(tmp_path)
    assert not old.exists() and new.exists()
