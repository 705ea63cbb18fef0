"""Build, once per entry point, everything the stages are given: document types, catalog, store, OCR, signer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from archive.store import ObjectStore, open_store
from catalog.db import Catalog
from catalog.types import DocumentTypes, default_document_types
from ocr.document import PagePool
from ocr.tesseract import TesseractEngine
from pipeline.config import AppConfig
from pipeline.ownerkeys import OwnerKeys, owner_key_secret
from signing.sign import DocumentSigner, build_signer


@dataclass
class Deps:
    config: AppConfig
    doc_types: DocumentTypes
    catalog: Catalog
    store: ObjectStore
    engine: TesseractEngine
    signer: DocumentSigner
    pages: PagePool | None = None
    """Worker processes that read pages (of this and the coming documents); None = in this process."""
    stage_observers: tuple[Callable[[str, float], None], ...] = ()
    """Told every stage's name and seconds (``pipeline.stages.run_stages``); workers add the Prometheus histogram."""
    _owner_keys: OwnerKeys | None = field(default=None, repr=False)

    def owner_key(self, owner_id: str | None) -> str | None:
        """The warehouse's opaque folder name for an owner (``pipeline.ownerkeys``); None without an owner."""
        if self._owner_keys is None:
            self._owner_keys = OwnerKeys(self.catalog, owner_key_secret(self.config.home_dir))
        return self._owner_keys(owner_id)

    def close(self) -> None:
        if self.pages is not None:
            self.pages.close()
        self.catalog.close()


def build_deps(cfg: AppConfig) -> Deps:
    doc_types = default_document_types()
    engine = TesseractEngine(cfg.ocr)
    engine.probe()  # before any work: Tesseract and the 'vie' model must be there
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    store = open_store(cfg.store_config)
    organisation = cfg.signing.organisation or cfg.agency_name
    signer = build_signer(cfg.signing, cfg.pki_dir, organisation)
    return Deps(cfg, doc_types, catalog, store, engine, signer, PagePool(engine, cfg.ocr))
