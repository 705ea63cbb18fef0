"""``store_document``: a document's objects written together, the sidecar only once they all are."""

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from archive.config import StoreConfig
from archive.layout import document_keys, owner_key
from archive.store import open_store
from catalog.types import default_document_types
from pipeline.model import DocumentJob, SourceFile
from pipeline.stages import store_document

OWNER = "037096014589"
OKEY = owner_key(OWNER, b"test-owner-key-secret")


class Recording:
    """A local store that notes when each put starts and ends (and can fail one of them)."""

    def __init__(self, store, fail: str | None = None) -> None:
        self.store, self.fail, self.log, self.from_files = store, fail, [], []
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0

    def __getattr__(self, name):
        return getattr(self.store, name)

    def put(self, key, data, **kw):
        return self._noted(key, lambda: self.store.put(key, data, **kw))

    def put_file(self, key, path, **kw):
        self.from_files.append(key)
        return self._noted(key, lambda: self.store.put_file(key, path, **kw))

    def _noted(self, key, write):
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.log.append(("start", key))
        try:
            if key == self.fail:
                raise OSError("disk full")
            return write()
        finally:
            with self.lock:
                self.in_flight -= 1
                self.log.append(("end", key))


def job(tmp_path: Path) -> DocumentJob:
    sources = []
    for n in (1, 2):
        p = tmp_path / f"scan-{n}.png"
        p.write_bytes(b"\x89PNG scan %d" % n * 50_000)
        sources.append(SourceFile(str(p), p.name, "0" * 64, p.stat().st_size, "image/png"))
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(b"%PDF-1.7 signed" * 70_000)
    return DocumentJob(
        key="a" * 64,
        batch_id="B1",
        input="in",
        agency="000.00.16.H42",
        operator="clerk",
        work_dir=str(tmp_path),
        sources=tuple(sources),
        text="GIẤY KHAI SINH",
        type_code="GKS",
        owner_id=OWNER,
        owner_key=OKEY,
        doc_code="000.00.16.H42-261205-0001.01",
        pdf_path=str(pdf),
    )


def test_objects_are_written_together_and_the_sidecar_after_them(tmp_path):
    store = Recording(open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}")))
    j = job(tmp_path)
    done = store_document(j, store, default_document_types())
    keys = document_keys(OKEY, j.doc_code)
    sidecar_start = store.log.index(("start", keys.sidecar))
    others = [k for k in done.objects if k != keys.sidecar]
    assert len(others) == 4  # two scans, the text, the PDF
    assert all(store.log.index(("end", k)) < sidecar_start for k in others)
    assert store.most_in_flight >= 2  # they did overlap
    assert store.get(keys.pdf) == Path(j.pdf_path).read_bytes()
    assert sorted(store.from_files) == sorted([keys.pdf, keys.original(1, ".png"), keys.original(2, ".png")])
    assert store.stat(keys.pdf).sha256 == done.pdf_sha256


def test_a_failed_write_leaves_no_sidecar(tmp_path):
    j = job(tmp_path)
    keys = document_keys(OKEY, j.doc_code)
    store = Recording(open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}")), fail=keys.text)
    with pytest.raises(OSError, match="disk full"):
        store_document(j, store, default_document_types())
    assert store.stat(keys.sidecar) is None  # the document is not complete in the store
    assert store.stat(keys.pdf) is not None  # the other writes finished; a re-run keeps them (write-once)
    done = store_document(j, Recording(store.store), default_document_types())
    assert store.stat(keys.sidecar) is not None and done.pdf_sha256 == store.stat(keys.pdf).sha256


def test_the_owners_id_number_is_never_a_key(tmp_path):
    """Objects are filed under the owner's opaque key; an unresolved key stops the stage rather than fall back."""
    store = open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}"))
    done = store_document(job(tmp_path), store, default_document_types())
    assert done.objects and all(OWNER not in k and OKEY in k for k in done.objects)
    assert json.loads(store.get(document_keys(OKEY, done.doc_code).sidecar))["owner_key"] == OKEY
    with pytest.raises(ValueError, match="opaque key"):
        store_document(replace(job(tmp_path), owner_key=None), store, default_document_types())
    with pytest.raises(ValueError, match="never an ID number"):
        document_keys(OWNER, done.doc_code)


def test_error_messages_carry_no_id_number():
    from catalog.errors import InvalidCode
    from pipeline.errors import describe

    f = describe(InvalidCode("owner 037096014589 at owners/037096014589/x", "chủ 037096014589"))
    assert "037096014589" not in f.en + f.vi + f.message and "037******589" in f.en
    f = describe(KeyError("037096014589"))  # an unexpected error's text is masked too
    assert "037096014589" not in f.en and f.reason_code == "internal_error"
