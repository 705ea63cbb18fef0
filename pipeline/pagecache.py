"""Pages already read of a document, kept so that a run that was interrupted (killed, lease expired, Ctrl-C) is
resumed by the next run without reading those pages again.

Each page read by the OCR stage is written here as it completes: its archival JPEG and its ``PageRecord``
(words, boxes, text, resolution, rotation), in one file ``<source>-<page>.page`` under
``SOHOA_HOME/work/pages/<document key>/``. The folder belongs to the document, not to a claim: the claim's own
work folder is removed when its run ends or when a later claim starts, but the pages it read stay for the run
that takes the document up next (only one run holds the document's lease at a time).

An entry is used only when it was read from the same bytes (the source file's SHA-256), the same page of that
file, with the same OCR settings (``settings_fingerprint``: every ``OcrConfig`` field that changes what is
read, the engine and its version, the JPEG quality) and the same entry format. Each file is written to a
temporary name and renamed, so a reader sees a whole entry or none; a run whose lease expired while it was
still alive can at most write an entry equal to the one the current run would write (same bytes, same
settings). The folder is removed once the document reaches a final status; folders left by documents that
never came back are removed after ``MAX_AGE_S``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import time
from dataclasses import asdict
from pathlib import Path

from ocr.config import OcrConfig
from ocr.model import OcrEngine, PageText, Word
from pipeline.model import PageRecord

FORMAT = 1
"""Version of the entry format; entries of another version are ignored (read again)."""
MAX_AGE_S = 14 * 86400
"""Folders of documents untouched this long are removed (a document that failed and was never retried)."""
_NOT_READING = {
    "workers",
    "tesseract_threads",
    "page_timeout_s",
    "document_seconds_per_page",
    "max_pages",
    "max_pixels",
}
"""``OcrConfig`` fields that do not change what a page reads as (a resumed run may use other values)."""
_HEADER = struct.Struct(">I")


def settings_fingerprint(cfg: OcrConfig, engine: OcrEngine, jpeg_quality: int) -> str:
    """What a page's reading depends on besides its bytes."""
    engine_id = f"{type(engine).__module__}.{type(engine).__qualname__}"
    if engine_id == "ocr.tesseract.TesseractEngine":
        from ocr.tesseract import probe

        try:
            engine_id += f"@{probe(cfg.lang).version}"
        except Exception:  # the stage itself reports a missing Tesseract
            pass
    settings = cfg.model_dump(mode="json", exclude=_NOT_READING)
    blob = json.dumps({"format": FORMAT, "ocr": settings, "engine": engine_id, "jpeg": jpeg_quality}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def cache_dir(work_root: Path, key: str) -> Path:
    """The page folder of document ``key`` under the work folder of ``SOHOA_HOME``."""
    return work_root / "pages" / key


def remove(work_root: Path, key: str) -> None:
    shutil.rmtree(cache_dir(work_root, key), ignore_errors=True)


def prune(work_root: Path, now: float | None = None) -> None:
    """Remove the page folders of documents untouched for ``MAX_AGE_S``."""
    root = work_root / "pages"
    if not root.is_dir():
        return
    limit = (now if now is not None else time.time()) - MAX_AGE_S
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


class PageCache:
    """The pages of one document read so far, for one set of OCR settings."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint

    def _path(self, source: int, page: int) -> Path:
        return self.folder / f"{source:03d}-{page:05d}.page"

    def get(self, source: int, sha256: str, page: int) -> tuple[dict, bytes] | None:
        """The record (as written by ``put``) and JPEG of page ``page`` of source ``source`` when it was read
        from these bytes with these settings; None otherwise (missing, stale or damaged)."""
        try:
            data = self._path(source, page).read_bytes()
            (n,) = _HEADER.unpack_from(data)
            meta = json.loads(data[_HEADER.size : _HEADER.size + n])
            jpeg = data[_HEADER.size + n :]
        except (OSError, ValueError, struct.error):
            return None
        ok = (
            meta.get("fingerprint") == self.fingerprint
            and meta.get("sha256") == sha256
            and meta.get("source") == source
            and meta.get("source_page") == page
            and meta.get("jpeg_sha256") == hashlib.sha256(jpeg).hexdigest()
        )
        return (meta, jpeg) if ok else None

    def put(self, record: PageRecord, sha256: str, jpeg: bytes) -> None:
        """Keep one page read (best effort: a full disk only costs reading the page again on resume)."""
        meta = {
            "fingerprint": self.fingerprint,
            "sha256": sha256,
            "source": record.source,
            "source_page": record.source_page,
            "jpeg_sha256": hashlib.sha256(jpeg).hexdigest(),
            "record": _record_json(record),
        }
        blob = json.dumps(meta, ensure_ascii=False).encode()
        path = self._path(record.source, record.source_page)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(_HEADER.pack(len(blob)) + blob + jpeg)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)


def _record_json(r: PageRecord) -> dict:
    d = asdict(r)
    d.pop("image_path")
    d.pop("index")
    return d


def record_from(meta: dict, index: int, image_path: str) -> PageRecord:
    """The ``PageRecord`` of a cached page, as page ``index`` of the document with its JPEG at ``image_path``."""
    d = dict(meta["record"])
    t = dict(d.pop("text"))
    t["words"] = tuple(Word(**w) for w in t["words"])
    return PageRecord(index=index, image_path=image_path, text=PageText(**t), **d)
