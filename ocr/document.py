"""Read all the pages of a document, in parallel processes, one page in memory per worker.

Pages are rasterized one at a time in the calling process and handed to a pool of worker processes (one
per core by default), at most ``workers + 1`` at once, so memory stays flat however long the file is.
Each worker runs Tesseract with ``OMP_THREAD_LIMIT=1``: the pool already uses every core and Tesseract's
own threads would only fight it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ocr.config import OcrConfig
from ocr.errors import OcrError, TimeBudgetExceeded
from ocr.model import OcrEngine
from ocr.page import PageResult, read_page
from ocr.preprocess import DebugHook
from ocr.sources import PageSize, RasterPage, SourceInfo, blank_page, inspect_source, iter_pages, load_one_page


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int) -> int:
    """``0`` means one process per core available to this process."""
    return workers if workers > 0 else cpu_count()


_engine: OcrEngine | None = None
_cfg: OcrConfig | None = None


def _init_worker(engine: OcrEngine, cfg: OcrConfig, owner: int) -> None:
    global _engine, _cfg
    os.environ["OMP_THREAD_LIMIT"] = str(cfg.tesseract_threads)
    cv2.setNumThreads(1)
    _engine, _cfg = engine, cfg
    threading.Thread(target=_exit_with, args=(owner,), daemon=True, name="owner-watch").start()


def _exit_with(owner: int) -> None:
    """Leave when the process that owns the pool is gone (killed with -9, it cannot tell its workers)."""
    while True:
        time.sleep(2.0)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the PID was taken by another user's process: ours is gone
            os._exit(0)


def _read_in_worker(raster: RasterPage) -> PageResult:
    assert _engine is not None and _cfg is not None
    return read_page(raster, _engine, _cfg)


def _read_source_page(path: str, media_type: str, size: PageSize, n: int) -> PageResult:
    """Rasterize and read one page inside a worker: the parent never holds the page's pixels."""
    assert _engine is not None and _cfg is not None
    return read_page(load_one_page(Path(path), media_type, size, n, _cfg), _engine, _cfg)


class TimeBudget:
    """A document's time budget: one minute plus ``document_seconds_per_page`` per page, checked between pages.

    A page stuck in Tesseract is already stopped by ``page_timeout_s``; this stops a document whose pages are
    each slow (huge, noisy) from holding the batch's workers for hours, with a reason a clerk can act on.
    """

    def __init__(self, pages: int, cfg: OcrConfig) -> None:
        self.pages = pages
        self.limit = 60.0 + pages * cfg.document_seconds_per_page
        self.start = time.monotonic()

    def check(self, done: int) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed > self.limit:
            raise TimeBudgetExceeded(
                f"reading took {elapsed:.0f} s for {done} of {self.pages} pages, over the budget of "
                f"{self.limit:.0f} s for this document; split the file or scan it again at 200-300 dpi",
                f"đọc {done}/{self.pages} trang mất {elapsed:.0f} giây, vượt thời hạn {self.limit:.0f} giây của "
                "tài liệu này; hãy tách tệp hoặc quét lại ở 200-300 dpi",
            )


Source = tuple[str, SourceInfo]
"""A checked scan file: its path and what ``inspect_source`` learned about it."""


class _DocumentReader:
    """The pages of one document submitted to the pool, a window ahead of the one being consumed."""

    def __init__(self, pool: PagePool, sources: list[Source], ahead: int) -> None:
        self.pool = pool
        self.ahead = ahead
        self.tasks = [(i, path, info, n) for i, (path, info) in enumerate(sources) for n in info.page_numbers]
        self.next = 0
        self.window: deque[tuple[int, Future[PageResult]]] = deque()
        self.fill()

    def fill(self) -> None:
        executor = self.pool._pool()
        while len(self.window) < self.ahead and self.next < len(self.tasks):
            i, path, info, n = self.tasks[self.next]
            blank = blank_page(info, n, self.pool.cfg)
            if blank is not None:  # known blank: read here at once, no process round trip
                done: Future[PageResult] = Future()
                done.set_result(read_page(blank, self.pool.engine, self.pool.cfg))
                self.window.append((i, done))
            else:
                self.window.append((i, executor.submit(_read_source_page, path, info.media_type, info.pages[n], n)))
            self.next += 1

    def __iter__(self) -> Iterator[tuple[int, PageResult]]:
        try:
            while self.window:
                i, f = self.window.popleft()
                result = self.pool._result(f)
                self.fill()
                yield i, result
        finally:
            self.cancel()

    def cancel(self) -> None:
        for _, f in self.window:
            f.cancel()
        self.window.clear()
        self.next = len(self.tasks)


class PagePool:
    """A pool of page readers kept for the life of a batch (worker start-up is paid once)."""

    def __init__(self, engine: OcrEngine, cfg: OcrConfig, workers: int | None = None) -> None:
        self.engine = engine
        self.cfg = cfg
        self.workers = resolve_workers(cfg.workers if workers is None else workers)
        self._executor: ProcessPoolExecutor | None = None
        self._ahead: OrderedDict[str, _DocumentReader] = OrderedDict()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # forkserver: workers do not inherit the parent's threads, locks or database connections.
            ctx = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=ctx, initializer=_init_worker, initargs=(self.engine, self.cfg, os.getpid())
            )
        return self._executor

    def read(
        self, rasters: Iterable[RasterPage], pages: int | None = None, debug: DebugHook | None = None
    ) -> Iterator[PageResult]:
        """Results in page order. ``pages`` (when known) avoids starting processes for a one-page file and sets
        the document's :class:`TimeBudget`."""
        budget = TimeBudget(pages, self.cfg) if pages else None
        done = 0
        if self.workers <= 1 or debug is not None or (pages is not None and pages <= 1):
            os.environ.setdefault("OMP_THREAD_LIMIT", str(self.cfg.tesseract_threads))
            for raster in rasters:
                yield read_page(raster, self.engine, self.cfg, debug)
                done += 1
                if budget is not None:
                    budget.check(done)
            return
        pool = self._pool()
        window: deque[Future[PageResult]] = deque()
        try:
            for raster in rasters:
                window.append(pool.submit(_read_in_worker, raster))
                del raster
                while len(window) > self.workers:
                    yield self._result(window.popleft())
                    done += 1
                    if budget is not None:
                        budget.check(done)
            while window:
                yield self._result(window.popleft())
        finally:
            for f in window:
                f.cancel()

    def read_sources(self, sources: list[Source], key: str | None = None) -> Iterator[tuple[int, PageResult]]:
        """Every page of a document's files in order, as (source index, result).

        With several workers the pages are rasterized and read in the worker processes, a window ahead;
        if :meth:`prefetch` already started this document (same ``key``) its pages are picked up.
        """
        budget = TimeBudget(sum(info.page_count for _, info in sources), self.cfg)
        done = 0
        if self.workers <= 1:
            for i, (path, info) in enumerate(sources):
                for r in self.read(iter_pages(Path(path), info, self.cfg)):
                    yield i, r
                    done += 1
                    budget.check(done)
            return
        reader = self._ahead.pop(key, None) if key is not None else None
        if reader is None:
            reader = _DocumentReader(self, sources, self.workers + 1)
        else:
            reader.ahead = self.workers + 1
            reader.fill()
        for item in reader:
            yield item
            done += 1
            budget.check(done)

    def prefetch(self, sources: list[Source], key: str) -> None:
        """Start the first page of a coming document, so that single-page documents keep every core busy
        while the current one is classified, signed and stored. At most ``workers`` documents ahead."""
        if self.workers <= 1 or key in self._ahead:
            return
        while len(self._ahead) >= self.workers:
            _, old = self._ahead.popitem(last=False)
            old.cancel()
        self._ahead[key] = _DocumentReader(self, sources, 1)

    def forget(self, key: str) -> None:
        """Drop the pages started ahead of time for ``key`` (the document is read another way)."""
        reader = self._ahead.pop(key, None)
        if reader is not None:
            reader.cancel()

    def prefetched(self, key: str) -> bool:
        return key in self._ahead

    def _result(self, future: Future[PageResult]) -> PageResult:
        try:
            return future.result()
        except BrokenProcessPool as e:
            self.close()
            err = OcrError(
                "an OCR worker process died (out of memory?)", "tiến trình OCR bị dừng đột ngột (thiếu bộ nhớ?)"
            )
            err.retryable = True
            raise err from e

    def close(self) -> None:
        for reader in self._ahead.values():
            reader.cancel()
        self._ahead.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> PagePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class DocumentText:
    """What ``sohoa ocr`` shows: each page's result (without its image) and the document's text."""

    file: str
    media_type: str
    pages: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(p["text"] for p in self.pages if p["text"])

    @property
    def confidence(self) -> float:
        return document_confidence([(p["text"], p["confidence"]) for p in self.pages if not p["blank"]])

    @property
    def low_confidence(self) -> bool:
        return any(p["low_confidence"] for p in self.pages)

    def warnings(self) -> list[str]:
        out = []
        for p in self.pages:
            if p["blank"]:
                out.append(f"trang {p['index']}: trang trắng / page {p['index']}: blank")
            elif p["low_confidence"]:
                out.append(
                    f"trang {p['index']}: chữ đọc được không đáng tin (độ tin cậy {p['confidence']:.2f}, "
                    f"hợp lệ {p['plausibility']:.2f}) / page {p['index']}: low-confidence text"
                )
        return out

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "media_type": self.media_type,
            "pages": self.pages,
            "text": self.text,
            "confidence": self.confidence,
            "low_confidence": self.low_confidence,
        }


def document_confidence(pages: list[tuple[str, float]]) -> float:
    """Mean page confidence weighted by the amount of text on each page."""
    chars = sum(len(t) for t, _ in pages)
    return round(sum(c * len(t) for t, c in pages) / chars, 4) if chars else 0.0


def page_summary(r: PageResult) -> dict:
    return {
        "index": r.index + 1,
        "rotation": r.rotation,
        "orientation_confidence": round(r.orientation_confidence, 3),
        "skew": round(r.skew_found, 2),
        "archive_straightened": r.skew != r.skew_found,
        "dpi": round(r.dpi, 1),
        "dpi_source": r.dpi_source,
        "page_corners": [list(c) for c in r.page_corners] if r.page_corners else None,
        "blank": r.text.blank,
        "confidence": r.text.confidence,
        "plausibility": r.text.plausibility,
        "low_confidence": r.text.low_confidence,
        "words": len(r.text.words),
        "seconds": r.seconds,
        "steps": list(r.steps),
        "text": r.text.text,
    }


def _debug_writer(folder: Path, page: int) -> DebugHook:
    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, image: np.ndarray) -> None:
        cv2.imwrite(str(folder / f"p{page:03d}-{name}.png"), image)

    return write


def read_document(
    path: Path,
    cfg: OcrConfig,
    engine: OcrEngine | None = None,
    debug_dir: Path | None = None,
    info: SourceInfo | None = None,
) -> DocumentText:
    """OCR every page of one scan file (the ``sohoa ocr`` command)."""
    if engine is None:
        from ocr.tesseract import TesseractEngine

        engine = TesseractEngine(cfg)
        engine.probe()
    info = info or inspect_source(path, cfg)
    doc = DocumentText(str(path), info.media_type)
    with PagePool(engine, cfg) as pool:
        if debug_dir is not None:
            for raster in iter_pages(path, info, cfg):
                r = read_page(raster, engine, cfg, _debug_writer(debug_dir, raster.index + 1))
                doc.pages.append(page_summary(r))
        else:
            for r in pool.read(iter_pages(path, info, cfg), pages=info.page_count):
                doc.pages.append(page_summary(r))
    return doc
