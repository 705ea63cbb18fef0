"""The stages, each a plain function over a frozen ``DocumentJob``, and ``STAGES``, the one table of them that
the runner iterates. A stage function receives what it needs (engine, document types, catalog, store, signer,
config) as arguments and reads no globals; its entry in the table says which of the run's dependencies those are.

    ingest → ocr (preprocess + Tesseract) → classify/extract → code → PDF/A → sign → store → catalog
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import cv2

from archive.errors import ObjectConflict
from archive.layout import document_keys, dossier_entry_key
from archive.store import ObjectStore, StoredObject, write_together
from catalog.assess import assess
from catalog.codes import CodeTemplates
from catalog.config import CatalogConfig
from catalog.db import Catalog
from catalog.errors import InvalidCode
from catalog.fields import FieldValue, WordConfidence
from catalog.originals import record_original
from catalog.owners import record_owner
from catalog.paper_owners import CatalogDirectory, record_document_owners, role_fields
from catalog.parties import PaperOwner
from catalog.status import STAGES as STAGE_NAMES
from catalog.status import Status
from catalog.types import DocumentTypes
from catalog.warehouse import record_objects
from ocr.config import OcrConfig
from ocr.errors import SignedPdf
from ocr.model import OcrEngine
from ocr.page import read_page
from ocr.reread import PageImage, Rereader
from ocr.sources import MEDIA_TYPES, inspect_source, iter_pages
from pipeline import pagecache
from pipeline.model import DocumentJob, PageRecord, SourceFile
from pipeline.originals import PREVIEW_DPI, check_sources
from signing.config import SigningConfig
from signing.pdfa import PdfMetadata, PdfPage, build_pdfa
from signing.sign import DocumentSigner, signed_time

if TYPE_CHECKING:
    from pipeline.config import AppConfig
    from pipeline.deps import Deps

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def document_key(digests: list[str]) -> str:
    """One file: its SHA-256. Several files: SHA-256 of their digests in order."""
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def item_key(digests: list[str], pages: tuple[int, ...] | None = None) -> str:
    """The document key of a batch item: ``document_key`` of its files, or — for a document cut from a
    scanned stack — SHA-256 of the stack's digest and the document's pages, so the same part of the same
    stack is the same document (a duplicate) and a corrected split is a new one."""
    if pages is None:
        return document_key(digests)
    return hashlib.sha256(f"{document_key(digests)}#pages={','.join(map(str, pages))}".encode()).hexdigest()


def stack_key(sha256: str, ext: str) -> str:
    """Where a scanned stack is kept once, byte for byte, for all the documents cut from it."""
    return f"stacks/{sha256[:2]}/{sha256}{ext}"


def hash_sources(files: tuple[str, ...], root: Path) -> tuple[SourceFile, ...]:
    out = []
    for f in files:
        p = Path(f)
        try:
            name = p.relative_to(root).as_posix()
        except ValueError:
            name = p.name
        out.append(SourceFile(str(p), name, sha256_file(p), p.stat().st_size))
    return tuple(out)


def select_pages(sources: tuple[SourceFile, ...], pages: tuple[int, ...] | None) -> tuple[SourceFile, ...]:
    """The sources of a document cut from a stack (one file, some of its pages); others unchanged."""
    if pages is None:
        return sources
    if len(sources) != 1:
        raise ValueError("a document cut from a stack has exactly one file")
    return (replace(sources[0], selected=tuple(pages)),)


def ingest(job: DocumentJob, cfg: OcrConfig, app: AppConfig | None = None) -> DocumentJob:
    """Check every source file completely (format, size, pages, encryption, signatures); note the active content
    of a PDF (JavaScript, embedded files …), which sends the document to review. A PDF that already carries a
    signature is an electronic original: its signatures are validated here (``pipeline.originals``) and the PDF
    itself becomes the document's file, byte for byte."""
    checked = []
    for src in job.sources:
        info = inspect_source(Path(src.path), cfg)
        if src.selected is not None:
            if any(n < 0 or n >= info.page_count for n in src.selected):
                raise ValueError(f"{src.name}: the document's pages are not all in the file")
            info = replace(info, selected=src.selected)
        flags = _active_content(Path(src.path)) if info.media_type == "application/pdf" else ()
        checked.append(replace(src, media_type=info.media_type, pages=info.page_count, info=info, active_content=flags))
    job = replace(job, sources=tuple(checked))
    original = check_sources(job.sources, app) if app is not None else None
    if original is None:
        if app is None and any(s.info is not None and s.info.signed for s in job.sources):
            raise SignedPdf("a signed PDF needs the trust configuration", "tệp PDF đã ký cần cấu hình tin cậy")
        return job
    return replace(
        job,
        original=original,
        pdf_path=job.sources[0].path,
        signed_at=original.signed_at,
        signature_level=original.level,
    )


def _active_content(path: Path) -> tuple[str, ...]:
    from ocr.pdfcheck import active_content

    try:
        return active_content(path)
    except Exception:  # a file pikepdf opened but whose objects cannot all be walked: a person should look
        return ("unchecked",)


def ocr_pages(
    job: DocumentJob,
    engine: OcrEngine,
    cfg: OcrConfig,
    jpeg_quality: int,
    on_page=lambda: None,
    pool=None,
    pages_dir: Path | None = None,
) -> DocumentJob:
    """Prepare and recognise every page; keep each upright colour page as a JPEG.

    With a :class:`~ocr.document.PagePool` the pages are read in its worker processes (and may already
    have been started while the previous document was being signed); without one, in this process.
    Either way only a window of pages is in memory at once. With ``pages_dir`` (``pipeline.pagecache``) each
    page read is kept there as it completes, and pages an interrupted run of this document already read (same
    bytes, same settings) are taken from there instead of being read again.
    """
    work = Path(job.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    if job.original is not None:
        # the signed PDF is the document: its page images are previews for the review screen, rendered coarser,
        # and its pages (text layers, nearly always) are read here rather than sent to the pool
        cfg = cfg.model_copy(update={"text_layer_dpi": PREVIEW_DPI})
        pool = None
    pages: list[PageRecord] = []
    sources = [
        (src.path, src.info or replace(inspect_source(Path(src.path), cfg), selected=src.selected))
        for src in job.sources
    ]
    cache = None
    if pages_dir is not None and job.original is None:
        cache = pagecache.PageCache(pages_dir, pagecache.settings_fingerprint(cfg, engine, jpeg_quality))
    tasks = [(s_idx, n) for s_idx, (_, info) in enumerate(sources) for n in info.page_numbers]
    done = {}
    if cache is not None:
        for s_idx, n in tasks:
            hit = cache.get(s_idx, job.sources[s_idx].sha256, n)
            if hit is not None:
                done[s_idx, n] = hit
    if done:  # only the pages not read yet go to the readers
        sources = [
            (path, replace(info, selected=tuple(n for n in info.page_numbers if (s_idx, n) not in done)))
            for s_idx, (path, info) in enumerate(sources)
        ]
        if pool is not None:
            pool.forget(job.key)  # a page started ahead of time was for the whole document
    if pool is not None:
        results = pool.read_sources(sources, key=None if done else job.key)
    else:
        results = (
            (s_idx, read_page(raster, engine, cfg))
            for s_idx, (path, info) in enumerate(sources)
            for raster in iter_pages(Path(path), info, cfg)
        )
    for task in tasks:
        n = len(pages) + 1
        image_path = work / f"page-{n:04d}.jpg"
        if task in done:
            meta, jpeg = done.pop(task)
            image_path.write_bytes(jpeg)
            pages.append(pagecache.record_from(meta, n, str(image_path)))
            on_page()
            continue
        s_idx, result = next(results)
        ok, buf = cv2.imencode(".jpg", result.image, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        image_path.write_bytes(buf.tobytes())
        h, w = result.image.shape[:2]
        record = PageRecord(
            n,
            s_idx,
            result.index,
            w,
            h,
            result.dpi,
            result.dpi_estimated,
            result.rotation,
            result.skew,
            str(image_path),
            result.text,
            result.dpi_source,
        )
        pages.append(record)
        if cache is not None:
            cache.put(record, job.sources[s_idx].sha256, buf.tobytes())
        del result
        on_page()
    if next(results, None) is not None:  # the readers are run to their end (their budget, their clean-up)
        raise RuntimeError("more pages read than the document has")
    texts = [p.text.text for p in pages]
    chars = sum(len(t) for t in texts)
    confidence = sum(p.text.confidence * len(p.text.text) for p in pages) / chars if chars else 0.0
    return replace(job, pages=tuple(pages), text="\n\n".join(texts), ocr_confidence=round(confidence, 4))


def classify_and_extract(
    job: DocumentJob,
    doc_types: DocumentTypes,
    cfg: CatalogConfig,
    ocr: OcrConfig,
    engine: OcrEngine | None = None,
    catalog: Catalog | None = None,
) -> DocumentJob:
    """Type, fields and owners, with the reasons a clerk must confirm them (if any).

    With an ``engine`` that reads single lines, key fields doubted only for their OCR word confidence, and
    sure names and ID numbers, are read a second time from the page image (``catalog.assess``,
    ``ocr.reread``). With the ``catalog``, an owner whose paper prints no ID number is looked up by name and
    date of birth among the owners of archived papers (``catalog.paper_owners.CatalogDirectory``)."""
    declared = job.declared
    words = [w for p in job.pages for w in p.text.words]
    reread = None
    if engine is not None and cfg.second_read:
        pages = [
            PageImage(functools.partial(_load_page, p.image_path), p.dpi, p.skew, len(p.text.words)) for p in job.pages
        ]
        reread = Rereader(engine, ocr, pages, words)
    a = assess(
        job.text or "",
        doc_types,
        cfg,
        words=words,
        ocr_confidence=job.ocr_confidence or 0.0,
        declared_type=declared.type_code,
        declared_owner=declared.owner_id,
        reread=reread,
        directory=CatalogDirectory(catalog) if catalog is not None else None,
    )
    fields = a.fields
    t = doc_types.get(a.type_code) if a.type_code else None
    if t is not None and "dossier_code" in t.fields and declared.dossier:
        # a reception receipt cut from a stack: its code was read from its QR code, barcode or printed text and
        # validated when the stack was split; that reading is the dossier's, whatever the page's OCR made of it
        fields = {**fields, "dossier_code": FieldValue(declared.dossier, 1.0, None, source=None)}
    review = list(a.review)
    if job.original is not None:  # why the electronic original's signatures do not pass (empty when they do)
        review.extend(job.original.reasons)
    review.extend(declared.notes)  # what the stack's split could not settle (``pipeline.split``)
    if not any(p.text.words for p in job.pages):
        review.append("blank_document")
    for src in job.sources:  # the original is kept byte for byte: a clerk must know what else it carries
        if src.active_content:
            review.append(f"active_content: {src.name}: {', '.join(src.active_content)}")
    for p in job.pages if job.original is None else ():  # an original's page images are only previews
        if p.text.blank:  # a blank page is archived small: there is nothing on it to lose
            continue
        if p.dpi + 0.5 < ocr.min_archive_dpi:  # PNG stores dots per metre: 200 dpi reads 199.9996
            review.append(f"low_resolution: page {p.index} at {p.dpi:.0f} dpi")
            break
    return replace(
        job,
        type_code=a.type_code,
        type_name=a.type_name,
        type_confidence=a.type_confidence,
        candidates=a.candidates,
        fields=fields,
        owner_id=a.owner_id,
        owners=a.owners,
        review=tuple(dict.fromkeys(review)),
    )


def _load_page(path: str):
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f"cannot read the page image {path}")
    return image


def today_in(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def assign_codes(
    job: DocumentJob, catalog: Catalog, doc_types: DocumentTypes, templates: CodeTemplates, cfg: CatalogConfig
) -> DocumentJob:
    """Dossier code, document code (archive file name) and digitized-paper code.

    Codes already recorded for this document (an interrupted earlier run) are kept, so a resumed
    document is archived under the same code.
    """
    existing = catalog.get(job.key)
    if existing is not None and existing.doc_code:
        return replace(
            job,
            dossier_code=existing.dossier_code,
            ordinal=existing.ordinal,
            doc_code=existing.doc_code,
            paper_code=existing.paper_code,
        )
    declared = job.declared
    agency = declared.agency or job.agency
    dossier = declared.dossier
    if dossier is None:
        day = today_in(cfg.timezone)
        if cfg.invent_dossier_codes:
            seq = catalog.next_sequence(f"dossier:{agency}", day.strftime("%Y%m%d"), limit=9999)
        else:  # the one-stop system issues 0001 upwards: take from the top of the range, never a real code
            seq = 10_000 - catalog.next_sequence(f"dossier-reserved:{agency}", day.strftime("%Y%m%d"), limit=999)
        dossier = templates.dossier_code(agency, day, seq)
    catalog.ensure_dossier(dossier, agency, declared.procedure, job.owner_id)
    ordinal = catalog.next_sequence(f"document:{dossier}")
    doc_code = templates.document_code(dossier, ordinal)
    paper_code = None
    t = doc_types.get(job.type_code) if job.type_code else None
    if t is not None and job.owner_id and not job.review:
        nn = catalog.next_sequence(f"paper:{job.owner_id}:{t.code}")
        try:
            paper_code = templates.paper_code(job.owner_id, t.result_code, t.notation, nn)
        except InvalidCode:  # e.g. a 100th paper of one type for one owner: the code waits, the document does not
            paper_code = None
    catalog.update_document(
        job.key, holder=job.holder, dossier_code=dossier, ordinal=ordinal, doc_code=doc_code, paper_code=paper_code
    )
    return replace(job, dossier_code=dossier, ordinal=ordinal, doc_code=doc_code, paper_code=paper_code)


def nd30_metadata(job: DocumentJob, agency_name: str) -> dict[str, str]:
    """Decree 30/2020 Annex VI document metadata (plus the owner and source checksum)."""
    f = job.fields
    return {
        "FileCode": job.dossier_code or "",
        "DocCode": job.doc_code or "",
        "DocOrdinal": str(job.ordinal or ""),
        "TypeName": job.type_name or "",
        "TypeCode": job.type_code or "",
        "IssuedDate": f["issue_date"].value if "issue_date" in f else "",
        "OrganName": f["issuer"].value if "issuer" in f else "",
        "Language": "vi",
        "PageAmount": str(len(job.pages)),
        "OwnerId": job.owner_id or "",
        "Digitizer": job.agency,
        "SourceSha256": job.key,
        "Description": f"Số hóa bởi {agency_name}",
    }


def build_pdf(job: DocumentJob, cfg: SigningConfig, agency_name: str) -> DocumentJob:
    pages = [PdfPage(Path(p.image_path).read_bytes(), p.width, p.height, p.dpi, p.text.words) for p in job.pages]
    meta = PdfMetadata(
        title=f"{job.type_name or 'Tài liệu số hóa'} — {job.doc_code}",
        doc_code=job.doc_code or "",
        creator=agency_name,
        created=datetime.now(ZoneInfo(cfg.timezone)),
        subject=job.type_name or "",
        nd30=nd30_metadata(job, agency_name),
    )
    data = build_pdfa(pages, meta, cfg.text_font_path)
    path = Path(job.work_dir) / "document.pdf"
    path.write_bytes(data)
    return replace(job, pdf_path=str(path))


def sign_pdf(job: DocumentJob, signer: DocumentSigner) -> DocumentJob:
    signed = signer.sign(Path(job.pdf_path).read_bytes())  # type: ignore[arg-type]
    path = Path(job.work_dir) / "signed.pdf"
    path.write_bytes(signed.data)
    return replace(
        job,
        pdf_path=str(path),
        signed_at=signed.signed_at,
        signature_level=signed.level,
        timestamp_expires_at=signed.timestamp_expires,
    )


def retain_until(doc_types: DocumentTypes, type_code: str | None, from_: datetime) -> datetime | None:
    t = doc_types.get(type_code) if type_code else None
    years = t.retention_years if t else 10
    if years is None:
        return None
    try:
        return from_.replace(year=from_.year + years)
    except ValueError:
        return from_.replace(year=from_.year + years, day=28)


def pdf_already_stored(job: DocumentJob, store: ObjectStore, owner_key: str | None = None) -> bool:
    keys = document_keys(owner_key or job.owner_key, job.doc_code)  # type: ignore[arg-type]
    return store.stat(keys.pdf) is not None


def store_document(
    job: DocumentJob, store: ObjectStore, doc_types: DocumentTypes, catalog: Catalog | None = None
) -> DocumentJob:
    """Originals, OCR text, signed PDF/A, then the metadata sidecar — the sidecar last, so its presence
    means the document is complete in the store. Each object is retained for its document type's period
    (a legal hold for permanent types) and noted in the catalog's warehouse ledger with its SHA-256. The owner's
    folder is ``job.owner_key`` (opaque, never the ID number)."""
    if job.owner_id and not job.owner_key:
        raise ValueError("the owner's opaque key must be resolved before the document is stored")
    keys = document_keys(job.owner_key, job.doc_code)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    retain = retain_until(doc_types, job.type_code, now)
    t = doc_types.get(job.type_code) if job.type_code else None
    hold = t is not None and t.retention_years is None  # permanent: no end date, so a legal hold
    meta = {"doc-code": job.doc_code or "", "source-sha256": job.key}
    objects: dict[str, str] = {}
    stored: list[StoredObject] = []

    def _kept(key: str, write: Callable[[], StoredObject]) -> StoredObject:
        """Write once; an object left by an interrupted run of this same document is kept as it is."""
        try:
            return write()
        except ObjectConflict:
            obj = store.stat(key)  # written by an interrupted run of this document (e.g. signed a second earlier)
            if obj is None:
                raise
            return obj

    def _put(key: str, data: bytes, content_type: str) -> StoredObject:
        kw = dict(content_type=content_type, retain_until=retain, metadata=meta, legal_hold=hold)
        return _kept(key, lambda: store.put(key, data, **kw))  # type: ignore[arg-type]

    def _put_file(key: str, path: str, content_type: str) -> Callable[[], StoredObject]:
        kw = dict(content_type=content_type, retain_until=retain, metadata=meta, legal_hold=hold)
        return lambda: _kept(key, lambda: store.put_file(key, path, **kw))  # type: ignore[arg-type]

    def _put_stack(key: str, src: SourceFile) -> Callable[[], StoredObject]:
        kw = dict(content_type=src.media_type, metadata={"source-sha256": src.sha256}, legal_hold=True)
        return lambda: _kept(key, lambda: store.put_file(key, src.path, **kw))  # type: ignore[arg-type]

    electronic = job.original is not None
    with store.durable_group():  # every object durable before the catalog hears of it
        originals = []
        writes: list[Callable[[], StoredObject]] = []
        if electronic:  # the signed PDF is the document's file (keys.pdf), stored once, byte for byte
            src = job.sources[0]
            originals.append(
                {
                    "key": keys.pdf,
                    "name": src.name,
                    "sha256": src.sha256,
                    "size": src.size,
                    "media_type": src.media_type,
                }
                | ({"active_content": list(src.active_content)} if src.active_content else {})
            )
            report = json.dumps(job.original.report, ensure_ascii=False, indent=1, sort_keys=True).encode()  # type: ignore[union-attr]
            writes.append(lambda: _put(keys.validation, report, "application/json"))
            for p in job.pages:  # page images for the review screen: derived, the PDF stays the legal object
                writes.append(_put_file(keys.page_image(p.index), p.image_path, "image/jpeg"))
        for n, src in enumerate(() if electronic else job.sources, 1):
            ext = MEDIA_TYPES.get(src.media_type, Path(src.name).suffix.lower() or ".bin")
            entry: dict[str, object] = {}
            if src.selected is None:
                key = keys.original(n, ext)
                writes.append(_put_file(key, src.path, src.media_type or "application/octet-stream"))
            else:  # a part of a scanned stack: the stack is kept once for all its documents, held (its parts'
                # retention periods differ); the document names its pages in it
                key = stack_key(src.sha256, ext)
                writes.append(_put_stack(key, src))
                entry = {"pages": [p + 1 for p in src.selected], "stack": True}
            originals.append(
                {"key": key, "name": src.name, "sha256": src.sha256, "size": src.size, "media_type": src.media_type}
                | entry
                | ({"active_content": list(src.active_content)} if src.active_content else {})
            )
        text = (job.text or "").encode("utf-8")
        writes.append(lambda: _put(keys.text, text, "text/plain; charset=utf-8"))
        if job.pdf_path:
            writes.append(_put_file(keys.pdf, job.pdf_path, "application/pdf"))
        # originals, text and PDF at once (their flushes overlap); the sidecar after them all
        for obj in write_together(writes):
            objects[obj.key] = obj.sha256
            stored.append(obj)
        if job.pdf_path:
            pdf_sha = objects[keys.pdf]
            signed_at = job.signed_at
            if electronic and pdf_sha != job.sources[0].sha256:
                raise RuntimeError("the stored electronic original differs from the input (SHA-256)")
        else:  # stored by an interrupted run of this document: keep that signed copy
            pdf_bytes = store.get(keys.pdf)
            pdf_sha = hashlib.sha256(pdf_bytes).hexdigest()
            signed_at = signed_time(pdf_bytes)
            stored.extend(o for o in [store.stat(keys.pdf)] if o is not None)
        objects[keys.pdf] = pdf_sha
        sidecar = {
            "doc_code": job.doc_code,
            "dossier_code": job.dossier_code,
            "paper_code": job.paper_code,
            "ordinal": job.ordinal,
            "kind": job.declared.kind,
            "procedure": job.declared.procedure,
            "type_code": job.type_code,
            "type_name": job.type_name,
            "type_confidence": job.type_confidence,
            "owner_id": job.owner_id,
            "owner_key": job.owner_key,
            "owners": owners_as_json(job.owners),
            "fields": fields_as_json(job.fields),
            "status": job.status,
            "review": list(job.review),
            "pages": len(job.pages),
            "ocr_confidence": job.ocr_confidence,
            "agency": job.agency,
            "operator": job.operator,
            "signed_at": signed_at.isoformat() if signed_at else None,
            "retain_until": retain.isoformat() if retain else "permanent",
            "pdf": {"key": keys.pdf, "sha256": pdf_sha},
            "text": {"key": keys.text, "sha256": objects[keys.text]},
            "originals": originals,
            "nd30": nd30_metadata(job, ""),
            "text_origin": [p.text.origin for p in job.pages],
        }
        if job.original is not None:
            o = job.original
            sidecar["electronic_original"] = {
                "outcome": o.outcome,
                "reasons": list(o.reasons),
                "signer_name": o.signer_name,
                "signer_org": o.signer_org,
                "signed_at": o.signed_at.isoformat() if o.signed_at else None,
                "level": o.level,
                "validated_at": o.validated_at.isoformat(),
                "validation": {"key": keys.validation, "sha256": objects[keys.validation]},
            }
        data = json.dumps(sidecar, ensure_ascii=False, indent=1, sort_keys=True).encode()
        side = _put(keys.sidecar, data, "application/json")
        objects[keys.sidecar] = side.sha256
        stored.append(side)
        if job.dossier_code:  # the dossier's manifest entry: where the document is and what it holds
            entry = {
                "dossier_code": job.dossier_code,
                "doc_code": job.doc_code,
                "ordinal": job.ordinal,
                "owner_id": job.owner_id,
                "owners": owners_as_json(job.owners),
                "type_code": job.type_code,
                "sidecar": {"key": keys.sidecar, "sha256": objects[keys.sidecar]},
                "pdf": {"key": keys.pdf, "sha256": pdf_sha},
            }
            entry_data = json.dumps(entry, ensure_ascii=False, indent=1, sort_keys=True).encode()
            stored.append(_put(dossier_entry_key(job.dossier_code, job.doc_code or ""), entry_data, "application/json"))
    if catalog is not None:
        record_objects(catalog, job.key, stored)
    return replace(job, objects=objects, pdf_key=keys.pdf, pdf_sha256=pdf_sha, signed_at=signed_at)


def catalog_document(job: DocumentJob, catalog: Catalog, doc_types: DocumentTypes | None = None) -> DocumentJob:
    """Record the stored document; from now on it is findable (and reusable unless it needs review)."""
    f = job.fields
    # everyone the paper belongs to, so a reuse check for any of them finds it (also while it waits for review);
    # first, so the outbox row of the national warehouse (written with the status) names them all
    record_document_owners(catalog, job.key, job.owners)
    if job.original is not None:
        o = job.original
        record_original(
            catalog,
            job.key,
            outcome=o.outcome,
            reasons=list(o.reasons),
            report=dict(o.report),
            signer_name=o.signer_name,
            signer_org=o.signer_org,
            signed_at=o.signed_at,
            level=o.level,
            validated_at=o.validated_at,
        )
    reason = "original_validated" if job.original is not None else "archived"
    catalog.update_document(
        job.key,
        holder=job.holder,
        status=job.status,
        reason_code=None,
        reason=None,
        review_reasons=list(job.review),
        type_code=job.type_code,
        type_name=job.type_name,
        type_confidence=job.type_confidence,
        type_candidates=[list(c) for c in job.candidates],
        owner_id=job.owner_id,
        fields=fields_as_json(f, field_boxes(job)),
        issue_date=f["issue_date"].value or None if "issue_date" in f else None,
        valid_until=f["valid_until"].value or None if "valid_until" in f else None,
        pages=len(job.pages),
        ocr_confidence=job.ocr_confidence,
        text=job.text,
        pdf_key=job.pdf_key,
        pdf_sha256=job.pdf_sha256,
        objects=dict(job.objects),
        signed_at=job.signed_at,
        signature_level=job.signature_level,
        timestamp_expires_at=job.timestamp_expires_at,
        archived_at=datetime.now(UTC),
        # a reusable paper goes to the national portal's warehouse: its outbox row commits with it
        outbox=("upsert", reason) if job.status == Status.ARCHIVED else None,
    )
    if job.status == Status.ARCHIVED:
        doc_type = doc_types.get(job.type_code) if doc_types is not None and job.type_code else None
        for o in job.owners or ((PaperOwner("person", job.owner_id),) if job.owner_id else ()):
            record_owner(catalog, o.owner_id, role_fields(doc_type, f, o.role))
    catalog.record_event(
        str(job.status),
        job.operator,
        agency=job.agency,
        doc_key=job.key,
        doc_code=job.doc_code,
        owner_id=job.owner_id,
        batch_id=job.batch_id,
        detail={"review": list(job.review), "pdf_sha256": job.pdf_sha256}
        | ({"electronic_original": True, "text_origin": [p.text.origin for p in job.pages]} if job.original else {}),
    )
    return job


def owners_as_json(owners: tuple[PaperOwner, ...]) -> list[dict[str, str]]:
    """The paper's owners as the sidecar and the dossier entry list them (role, ID, how it was found)."""
    return [{"role": o.role, "owner_id": o.owner_id, "how": o.how} for o in owners]


def fields_as_json(
    fields: Mapping[str, FieldValue], boxes: Mapping[str, list[list[float]]] | None = None
) -> dict[str, dict[str, object]]:
    return {
        k: {
            "value": v.value,
            "confidence": v.confidence,
            **({"problem": v.problem} if v.problem else {}),
            **({"second_read": True} if v.second_read else {}),
            **({"boxes": boxes[k]} if boxes and boxes.get(k) else {}),
        }
        for k, v in fields.items()
    }


def field_boxes(job: DocumentJob) -> dict[str, list[list[float]]]:
    """Where on the pages each field was read: ``[page, left, top, width, height]`` per word (the page numbered
    from 1 as ``PageRecord.index``), the box as fractions of the upright page, so the review screen can mark it on
    a page image of any size."""
    words, where = [], []
    for p in job.pages:
        for w in p.text.words:
            words.append(w)
            where.append(p)
    if not words:
        return {}
    index = WordConfidence(words)
    out: dict[str, list[list[float]]] = {}
    for key, fv in job.fields.items():
        if not fv.source:
            continue
        boxes = []
        for i in index.span(fv.source):
            w, p = words[i], where[i]
            if p.width <= 0 or p.height <= 0 or w.width <= 0:
                continue
            boxes.append(
                [
                    p.index,
                    round(w.left / p.width, 5),
                    round(w.top / p.height, 5),
                    round(w.width / p.width, 5),
                    round(w.height / p.height, 5),
                ]
            )
        if boxes:
            out[key] = boxes
    return out


# --- the table the runner iterates -------------------------------------------------------------------
OnPage = Callable[[], None]


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage: its name (``catalog.status.STAGES``: timing events, KPIs, the ``sohoa_stage_seconds`` metric)
    and how it is called with the run's dependencies. ``needed`` says whether it runs for this job at all."""

    name: str
    run: Callable[[DocumentJob, Deps, OnPage], DocumentJob]
    needed: Callable[[DocumentJob, Deps], bool] = lambda job, deps: True


# The lambdas look the stage functions up when called, so a test may replace one on this module.
STAGES: tuple[Stage, ...] = (
    Stage("ingest", lambda job, d, on_page: ingest(job, d.config.ocr, d.config)),
    Stage(
        "ocr",
        lambda job, d, on_page: ocr_pages(
            job,
            d.engine,
            d.config.ocr,
            d.config.signing.image_quality,
            on_page,
            pool=d.pages,
            pages_dir=pagecache.cache_dir(d.config.work_dir, job.key),
        ),
    ),
    Stage(
        "classify",
        lambda job, d, on_page: classify_and_extract(
            job, d.doc_types, d.config.catalog, d.config.ocr, d.engine, d.catalog
        ),
    ),
    Stage(
        "codes",
        lambda job, d, on_page: assign_codes(job, d.catalog, d.doc_types, d.config.templates, d.config.catalog),
    ),
    # A signed copy left by an interrupted run of this same document is kept: no second PDF, no second signature.
    Stage(
        "pdf",
        lambda job, d, on_page: build_pdf(job, d.config.signing, d.config.agency_name),
        needed=lambda job, d: job.original is None and not pdf_already_stored(job, d.store, d.owner_key(job.owner_id)),
    ),
    # An electronic original is never signed again: its own signatures are what it is worth.
    Stage(
        "sign",
        lambda job, d, on_page: sign_pdf(job, d.signer),
        needed=lambda job, d: job.pdf_path is not None and job.original is None,
    ),
    Stage(
        "store",
        lambda job, d, on_page: store_document(
            replace(job, owner_key=d.owner_key(job.owner_id)), d.store, d.doc_types, d.catalog
        ),
    ),
    Stage("catalog", lambda job, d, on_page: catalog_document(job, d.catalog, d.doc_types)),
)
assert tuple(st.name for st in STAGES) == STAGE_NAMES, "the stage table and catalog.status.STAGES differ"

StageObserver = Callable[[str, float], None]
"""Told each stage's name and seconds once it returns (the ``stage_timings`` event, the Prometheus histogram)."""


def run_stages(
    job: DocumentJob, deps: Deps, on_page: OnPage = lambda: None, observers: tuple[StageObserver, ...] = ()
) -> DocumentJob:
    """Every stage of ``STAGES`` in order, each timed and reported to ``observers``."""
    for stage in STAGES:
        if not stage.needed(job, deps):
            continue
        t0 = time.monotonic()
        job = stage.run(job, deps, on_page)
        seconds = time.monotonic() - t0
        for observe in observers:
            observe(stage.name, seconds)
    return job
