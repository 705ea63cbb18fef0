"""A batch interrupted in the middle of a long document: the next run takes the document up under the claim rules
and reads only the pages the interrupted run had not read; the archived result equals an uninterrupted run's."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from ocr.document import PagePool
from pipeline.batch import run_batch
from pipeline.config import AppConfig
from pipeline.deps import build_deps
from pipeline.intake_config import SplitConfig
from pipeline.report import batch_json
from tests.unit.test_page_resume import PAGES, FileCountingEngine, Interrupted, calls
from tests.unit.test_page_resume import long_tiff as long_tiff

FINISHED = ("archived", "needs_review")


def _run(config: AppConfig, scans: Path, engine) -> dict:
    deps = build_deps(config)
    deps.pages.close()
    deps = dataclasses.replace(deps, engine=engine, pages=PagePool(engine, config.ocr, workers=1))
    try:
        # one document of six pages, not a stack to cut (cutting reads pages of its own)
        report = run_batch(
            scans, None, deps, operator="clerk-01", agency=config.agency, split=SplitConfig(enabled=False)
        )
        return batch_json(report, deps.catalog, deps.store)
    finally:
        deps.close()


def test_an_interrupted_batch_reads_only_the_pages_left(
    long_tiff: Path,
    home: Path,
    demo_pki_dir: Path,
    tmp_path: Path,
):
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(long_tiff, scans / "ho-so-dai.tif")
    config = AppConfig(home=home)

    first = tmp_path / "first.log"
    with pytest.raises(Interrupted):
        _run(config, scans, FileCountingEngine(first, die_at=5))
    assert calls(first) == 5
    pages_dirs = list((config.work_dir / "pages").iterdir())
    assert len(pages_dirs) == 1 and len(list(pages_dirs[0].glob("*.page"))) == 4

    second = tmp_path / "second.log"
    data = _run(config, scans, FileCountingEngine(second))
    assert calls(second) == PAGES - 4  # the four pages read before the interruption are not read again
    (doc,) = data["documents"]
    assert doc["status"] in FINISHED and doc["pages"] == PAGES
    assert not pages_dirs[0].exists()  # the document is final: its pages are not kept
    assert [p.name for p in config.work_dir.iterdir()] == ["pages"]  # the claims' own folders are gone

    other_home = tmp_path / "home2"
    shutil.copytree(demo_pki_dir, other_home / "pki")
    whole = tmp_path / "whole.log"
    (ref,) = _run(AppConfig(home=other_home), scans, FileCountingEngine(whole))["documents"]
    assert calls(whole) == PAGES
    assert doc["text"] == ref["text"] and doc["ocr_confidence"] == ref["ocr_confidence"]
    assert doc["type_code"] == ref["type_code"] and doc["status"] == ref["status"]
