"""Move a warehouse written before opaque owner keys (``owners/<ID number>/…``) to ``owners/<owner key>/…``.

For each document with objects under an ID-number folder, in order and safely:

1. **copy** — every object is read through the store (its digest checked), compared with the catalog's SHA-256 and
   written under the new key with the same type, metadata, retention (never shorter) and legal hold. The sidecar
   is rewritten for its new place (new keys, ``owner_key``, ``moved_from``); a dossier entry naming the new keys is
   added beside the old one (``dossiers/<code>/<doc code>.moved.json``: dossier entries are write-once);
2. **verify** — every new object is read back and its SHA-256 compared with what was meant;
3. **switch** — in one catalog transaction the document's ``objects`` and ``pdf_key`` name the new keys, the
   ledger gets the new objects and marks the old ones ``retired``; a ``keys_migrated`` event is written;
4. **retire** — each old object is deleted when the store allows: at once when it has no retention, else it stays
   (``retired`` in the ledger, still audited) until its retention ends, and a later run (or the nightly
   ``owner-keys`` job) deletes it then. A legal hold on an old copy is lifted only once its verified new copy holds
   one itself.

A failure at any step leaves the document as it was (the catalog still names the old keys); running again takes
it up. Presigned URLs, logs and error messages name the new keys from the switch on.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from archive.errors import ArchiveError, ObjectLocked, ObjectMissing
from archive.layout import is_id_number, mask_key
from archive.mirror import MirroredStore
from catalog.db import Catalog, Document
from catalog.warehouse import WarehouseObject, record_objects
from pipeline.ownerkeys import OwnerKeys

if TYPE_CHECKING:
    from archive.store import ObjectStore

log = logging.getLogger("sohoa.keymigration")
RETIRED = "retired"


@dataclass
class MigrationReport:
    documents: int = 0
    objects_copied: int = 0
    old_deleted: int = 0
    old_retained: int = 0
    """Old objects still under retention or hold: deleted by a later run once it ends."""
    failed: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "objects_copied": self.objects_copied,
            "old_deleted": self.old_deleted,
            "old_retained": self.old_retained,
            "failed": self.failed,
        }


def legacy_owner(key: str) -> str | None:
    """The ID number in a key written before opaque keys (``owners/<ID>/…``), else None."""
    parts = key.split("/", 2)
    if len(parts) == 3 and parts[0] == "owners" and is_id_number(parts[1]):
        return parts[1]
    return None


def _legacy_documents(catalog: Catalog) -> list[Document]:
    """Documents with an object under an ID-number folder (their keys and objects read first, the rest after)."""
    with catalog.session() as s:
        rows = s.execute(select(Document.key, Document.objects).where(Document.objects.is_not(None)))
        keys = [k for k, objects in rows if any(legacy_owner(o) for o in (objects or {}))]
        return [d for k in keys if (d := s.get(Document, k)) is not None]


def migrate_keys(
    catalog: Catalog, store: ObjectStore, owner_keys: OwnerKeys, *, actor: str = "system"
) -> MigrationReport:
    """Copy, verify and switch every document still under an ID-number folder, then retire what may go."""
    report = MigrationReport()
    for doc in _legacy_documents(catalog):
        try:
            report.objects_copied += _migrate_document(catalog, store, owner_keys, doc, actor)
            report.documents += 1
        except (ArchiveError, ValueError) as e:
            log.error("document %s not migrated: %s", doc.doc_code, getattr(e, "reason_code", type(e).__name__))
            report.failed.append({"doc_code": doc.doc_code or doc.key[:16], "reason": mask_key(str(e))})
    retire_old_keys(catalog, store, report)
    return report


def _migrate_document(catalog: Catalog, store: ObjectStore, owner_keys: OwnerKeys, doc: Document, actor: str) -> int:
    objects: dict[str, str] = dict(doc.objects or {})
    legacy_ids = {legacy_owner(k) for k in objects} - {None}
    if len(legacy_ids) != 1:
        raise ValueError(f"document {doc.doc_code}: objects under several owner folders")
    legacy_id = legacy_ids.pop()
    assert legacy_id is not None
    okey = owner_keys(legacy_id)
    assert okey is not None
    old_prefix, new_prefix = f"owners/{legacy_id}/", f"owners/{okey}/"
    ledger = {o.key: o for o in _ledger_of(catalog, doc.key)}

    def new_key(k: str) -> str:
        return new_prefix + k[len(old_prefix) :] if k.startswith(old_prefix) else k

    moved = {k: new_key(k) for k in [*objects, *ledger] if k.startswith(old_prefix)}
    sidecar_old = f"{old_prefix}{doc.doc_code}/{doc.doc_code}.json"
    stored = []
    new_objects: dict[str, str] = {}
    for old, new in moved.items():
        expected = objects.get(old) or (ledger[old].sha256 if old in ledger else None)
        st = store.stat(old)
        if st is None:
            raise ObjectMissing(f"{mask_key(old)} is not in the store", f"{mask_key(old)} không có trong kho")
        data = store.get(old)
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise ValueError(f"{mask_key(old)}: the stored bytes are not those catalogued; run the fixity audit first")
        was = ledger.get(old)
        retain = max((_aware(t) for t in (st.retain_until, was.retain_until if was else None) if t), default=None)
        hold = st.legal_hold or (ledger[old].legal_hold if old in ledger else False)
        if old == sidecar_old:
            data = _moved_sidecar(data, moved, okey, old)
        obj = store.put(
            new, data, content_type=st.content_type, metadata=st.metadata, retain_until=retain, legal_hold=hold
        )
        if hashlib.sha256(store.get(new)).hexdigest() != hashlib.sha256(data).hexdigest():  # verify
            raise ValueError(f"{mask_key(new)}: the copy does not read back as written")
        stored.append(obj)
        new_objects[new] = obj.sha256
    if doc.dossier_code and doc.doc_code:
        entry = {
            "dossier_code": doc.dossier_code,
            "doc_code": doc.doc_code,
            "owner_key": okey,
            "sidecar": {"key": new_key(sidecar_old), "sha256": new_objects.get(new_key(sidecar_old))},
            "pdf": {"key": new_key(doc.pdf_key or ""), "sha256": doc.pdf_sha256},
            "moved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        entry_key = f"dossiers/{doc.dossier_code}/{doc.doc_code}.moved.json"
        data = json.dumps(entry, ensure_ascii=False, indent=1, sort_keys=True).encode()
        try:
            stored.append(store.put(entry_key, data, content_type="application/json"))
        except ArchiveError as e:
            if e.reason_code != "object_conflict":  # an earlier, interrupted run wrote it: keep that one
                raise
    # switch: the catalog names the new keys from now on
    catalog_objects = {new_key(k): (new_objects.get(new_key(k)) or v) for k, v in objects.items()}
    record_objects(catalog, doc.key, stored)
    with catalog.session() as s:
        s.execute(
            update(Document)
            .where(Document.key == doc.key)
            .values(objects=catalog_objects, pdf_key=new_key(doc.pdf_key) if doc.pdf_key else None)
        )
        s.execute(update(WarehouseObject).where(WarehouseObject.key.in_(list(moved))).values(status=RETIRED))
    catalog.record_event(
        "keys_migrated",
        actor,
        agency=doc.agency,
        doc_key=doc.key,
        doc_code=doc.doc_code,
        owner_id=doc.owner_id,
        detail={"objects": len(moved), "owner_key": okey},
    )
    log.info("document %s: %d objects moved to its owner's opaque key", doc.doc_code, len(moved))
    return len(moved)


def _moved_sidecar(data: bytes, moved: dict[str, str], okey: str, old_key: str) -> bytes:
    sidecar = json.loads(data)
    for part in ("pdf", "text"):
        if isinstance(sidecar.get(part), dict) and sidecar[part].get("key") in moved:
            sidecar[part]["key"] = moved[sidecar[part]["key"]]
    for o in sidecar.get("originals") or []:
        if o.get("key") in moved:
            o["key"] = moved[o["key"]]
    sidecar["owner_key"] = okey
    sidecar["moved_from"] = {"sha256": hashlib.sha256(data).hexdigest(), "at": datetime.now(UTC).isoformat()}
    del old_key  # the old key names the ID number: it is not written into the new sidecar
    return json.dumps(sidecar, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _aware(t: datetime) -> datetime:
    """SQLite gives back naive datetimes; the ledger stores UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _ledger_of(catalog: Catalog, doc_key: str) -> list[WarehouseObject]:
    with catalog.session() as s:
        return list(s.scalars(select(WarehouseObject).where(WarehouseObject.doc_key == doc_key)))


def retire_old_keys(catalog: Catalog, store: ObjectStore, report: MigrationReport | None = None) -> MigrationReport:
    """Delete every retired object whose retention has ended (and the ledger row with it); keep the others."""
    report = report or MigrationReport()
    with catalog.session() as s:
        rows = list(s.scalars(select(WarehouseObject).where(WarehouseObject.status == RETIRED)))
    now = datetime.now(UTC)
    for row in rows:
        until = _aware(row.retain_until) if row.retain_until else None
        if until is not None and until > now:
            report.old_retained += 1
            continue
        try:
            if row.legal_hold and _new_copy_held(catalog, row):
                _lift_hold(store, row.key)
            store.delete(row.key)
        except ObjectMissing:
            pass
        except ObjectLocked:
            report.old_retained += 1
            continue
        with catalog.session() as s:
            gone = s.get(WarehouseObject, row.key)
            if gone is not None:
                s.delete(gone)
        report.old_deleted += 1
    return report


def _new_copy_held(catalog: Catalog, row: WarehouseObject) -> bool:
    """Whether the object that replaced ``row`` is in the ledger under a hold of its own."""
    owner = legacy_owner(row.key)
    if owner is None:
        return False
    rest = row.key.split("/", 2)[2]
    with catalog.session() as s:
        return bool(
            s.scalar(
                select(WarehouseObject.legal_hold).where(
                    WarehouseObject.doc_key == row.doc_key,
                    WarehouseObject.key.like(f"owners/%/{rest}"),
                    WarehouseObject.status != RETIRED,
                )
            )
        )


def _lift_hold(store: ObjectStore, key: str) -> None:
    if isinstance(store, MirroredStore):
        for copy in (store.primary, store.mirror):
            try:
                copy.set_legal_hold(key, False)
            except ObjectMissing:
                pass
    else:
        store.set_legal_hold(key, False)
