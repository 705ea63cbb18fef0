"""BagIt export (RFC 8493) of an owner's or a dossier's documents, for transfer to the archive.

    OUT/bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    OUT/data/documents/<doc code>/<doc code>.pdf|.txt|.json, original/NN.ext   (the warehouse objects)
    OUT/data/documents/<doc code>/catalog.json   the catalog record (codes, type, fields, checksums, status)
    OUT/data/documents/<doc code>/events.json    the document's events (its preservation history)
    OUT/data/dossiers/<dossier code>.json        the dossiers the documents belong to

Every object is read through the store (which checks its SHA-256) and compared with the catalog's
SHA-256 before it goes into the bag; the bag is built in ``OUT.partial`` and renamed when complete.
Each exported document gets an ``exported`` event (a lookup of a person's papers is always recorded).
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit
from sqlalchemy import select

from archive.errors import ObjectCorrupted
from archive.store import ObjectStore, sha256_hex
from catalog.codes import mask_id
from catalog.db import Catalog, Document, Dossier
from catalog.status import FINAL_DOCUMENT_STATUSES
from pipeline.errors import ExitCode, PipelineError

log = logging.getLogger("sohoa.export")


class ExportError(PipelineError):
    reason_code = "export_failed"
    exit_code = ExitCode.INPUT


@dataclass
class ExportResult:
    bag: str
    documents: int
    files: int
    bytes: int
    doc_codes: list[str] = field(default_factory=list)


@dataclass
class VerifyResult:
    bag: str
    valid: bool
    files: int
    errors: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def _documents(catalog: Catalog, *, owner_id: str | None = None, dossier: str | None = None) -> list[Document]:
    q = select(Document).where(Document.status.in_(FINAL_DOCUMENT_STATUSES)).order_by(Document.doc_code)
    q = q.where(Document.owner_id == owner_id) if owner_id else q.where(Document.dossier_code == dossier)
    with catalog.session() as s:
        return list(s.scalars(q))


def _record(d: Document) -> dict[str, Any]:
    cols = [c.key for c in Document.__table__.columns]
    return {c: getattr(d, c) for c in cols}


def export_bag(
    catalog: Catalog,
    store: ObjectStore,
    out: Path,
    *,
    owner_id: str | None = None,
    dossier: str | None = None,
    actor: str,
    organisation: str = "",
    agency: str | None = None,
) -> ExportResult:
    if bool(owner_id) == bool(dossier):
        raise ExportError("give exactly one of owner or dossier", "chỉ định đúng một: chủ sở hữu hoặc hồ sơ")
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        raise ExportError(f"{out} exists and is not empty", f"{out} đã tồn tại và không rỗng")
    docs = _documents(catalog, owner_id=owner_id, dossier=dossier)
    what = f"owner {mask_id(owner_id)}" if owner_id else f"dossier {dossier}"
    if not docs:
        raise ExportError(f"no archived documents for {what}", f"không có tài liệu đã lưu trữ cho {what}")
    work = out.with_name(out.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    files = size = 0
    dossiers: set[str] = set()
    try:
        for d in docs:
            folder = work / "documents" / d.doc_code  # type: ignore[operator]
            prefix = d.pdf_key.rsplit("/", 1)[0] + "/" if d.pdf_key else ""
            for key, sha in sorted((d.objects or {}).items()):
                data = store.get(key)
                if sha256_hex(data) != sha:
                    raise ObjectCorrupted(
                        f"{key} does not match the catalog's SHA-256; run the fixity audit",
                        f"{key} không khớp mã băm trong sổ; hãy chạy kiểm tra toàn vẹn",
                    )
                rel = key[len(prefix) :] if prefix and key.startswith(prefix) else key.rsplit("/", 1)[-1]
                dest = folder / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                files += 1
                size += len(data)
            events = [
                {
                    "at": e.at,
                    "action": e.action,
                    "actor": e.actor,
                    "agency": e.agency,
                    "batch_id": e.batch_id,
                    "detail": e.detail,
                }
                for e in catalog.events(doc_key=d.key)
            ]
            _write_json(folder / "catalog.json", _record(d))
            _write_json(folder / "events.json", events)
            if d.dossier_code:
                dossiers.add(d.dossier_code)
        with catalog.session() as s:
            for code in sorted(dossiers):
                ds = s.get(Dossier, code)
                if ds is not None:
                    rec = {c.key: getattr(ds, c.key) for c in Dossier.__table__.columns}
                    _write_json(work / "dossiers" / f"{code}.json", rec)
        info = {
            "Source-Organization": organisation or "sohoa",
            "Sohoa-Agency-Code": agency or "",
            "External-Identifier": owner_id or dossier or "",
            "External-Description": (
                f"Giấy tờ số hóa của {'chủ sở hữu' if owner_id else 'hồ sơ'} {owner_id or dossier} / "
                f"digitized papers of {'owner' if owner_id else 'dossier'} {owner_id or dossier}"
            ),
            "Bagging-Date": datetime.now(UTC).date().isoformat(),
            "Bag-Software-Agent": "sohoa (bagit-python)",
            "Sohoa-Document-Count": str(len(docs)),
            "Sohoa-Document-Codes": " ".join(d.doc_code or "" for d in docs),
            "Sohoa-Exported-By": actor,
        }
        bagit.make_bag(str(work), {k: v for k, v in info.items() if v}, checksums=["sha256"])
        if out.exists():
            out.rmdir()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    for d in docs:
        catalog.record_event(
            "exported",
            actor,
            agency=agency,
            doc_key=d.key,
            doc_code=d.doc_code,
            owner_id=d.owner_id,
            detail={"bag": str(out), "via": "bagit"},
        )
    log.info("exported %d documents of %s to %s", len(docs), what, out)
    return ExportResult(str(out), len(docs), files, size, [d.doc_code or "" for d in docs])


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str, sort_keys=True), encoding="utf-8")


def verify_bag(path: Path) -> VerifyResult:
    """Check a bag completely: structure, Payload-Oxum, and every file against manifest-sha256.txt."""
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as e:
        return VerifyResult(str(path), False, 0, [str(e)])
    errors: list[str] = []
    if "sha256" not in bag.algorithms:
        errors.append("manifest-sha256.txt is missing")
    try:
        bag.validate(processes=1)
    except bagit.BagValidationError as e:
        errors.append(e.message)
        errors.extend(str(d) for d in e.details or [])
    except bagit.BagError as e:
        errors.append(str(e))
    return VerifyResult(str(path), not errors, len(bag.payload_entries()), errors, dict(bag.info))
