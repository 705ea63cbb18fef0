"""``sohoa rebuild-catalog``: recreate the catalog from the warehouse's sidecar records when the database is lost
and no backup will do.

Every document the warehouse holds completely has a sidecar (``<doc code>.json``, written after its other objects):
type, fields, owner and owner key, codes, checksums, retention. From the sidecars this recreates

* the documents (status, codes, type, fields, owner, pages, OCR text read back from the warehouse, the signed copy
  — the newest renewal ``.rNN.pdf`` when there is one — with its SHA-256, every object with its checksum),
* the dossiers, the owners and the owner-key mapping,
* the warehouse ledger (every object of every document, and the dossiers' entries, with retention and hold),
* the code counters (dossier, document and paper sequences), so new codes never repeat old ones,
* the full-text search index (its triggers fill it as the documents are inserted).

What it cannot recreate, because only the database held it, is said in its report and its ``catalog_rebuilt``
event: the audit and access events (who looked at whose papers), batches and their items, review decisions'
history, API keys, agencies, operators and KPI targets, KPI snapshots, fixity runs, quarantined and failed items.
Restore a backup (``sohoa restore``) for those. A sidecar that cannot be read, or whose checksums do not match the
objects, is reported and skipped; the fixity audit is the place to repair it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from archive.errors import ArchiveError
from archive.layout import OWNER_KEY_RE, is_id_number, mask_key
from catalog import owner_keys
from catalog.codes import CodeTemplates
from catalog.db import Catalog, CodeSequence, Document, Dossier
from catalog.errors import InvalidCode
from catalog.originals import record_original
from catalog.owners import record_owner
from catalog.status import Status
from catalog.warehouse import record_objects
from pipeline.errors import ExitCode, PipelineError

if TYPE_CHECKING:
    from archive.store import ObjectStore, StoredObject

log = logging.getLogger("sohoa.rebuild")

NOT_RECOVERABLE = (
    "audit and access events",
    "batches and batch items",
    "review decisions (a paper a clerk confirmed after archiving comes back as needs_review)",
    "API keys",
    "agencies, operators and KPI targets",
    "KPI snapshots",
    "fixity runs",
    "quarantined and failed items (never stored)",
)
_RENEWAL = re.compile(r"\.r(\d{2,})\.pdf$")


class CatalogNotEmpty(PipelineError):
    reason_code = "catalog_not_empty"
    exit_code = ExitCode.INPUT


@dataclass
class RebuildReport:
    documents: int = 0
    dossiers: int = 0
    owners: int = 0
    objects: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    not_recovered: tuple[str, ...] = NOT_RECOVERABLE

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "dossiers": self.dossiers,
            "owners": self.owners,
            "objects": self.objects,
            "skipped": self.skipped,
            "not_recovered": list(self.not_recovered),
        }


def _sidecar_keys(store: ObjectStore) -> dict[str, str]:
    """doc code → the key of its sidecar; a document moved to an opaque owner key wins over its retired old copy."""
    found: dict[str, str] = {}
    for prefix in ("owners/", "unassigned/"):
        for key in store.keys(prefix):
            parts = key.split("/")
            folder_doc = parts[-2] if len(parts) >= 3 else ""
            if not key.endswith(".json") or parts[-1] != f"{folder_doc}.json" or "original" in parts:
                continue
            code = folder_doc
            old = found.get(code)
            if old is None or (_opaque(key) and not _opaque(old)):
                found[code] = key
    return found


def _opaque(key: str) -> bool:
    parts = key.split("/")
    return len(parts) > 2 and parts[0] == "owners" and bool(OWNER_KEY_RE.match(parts[1]))


def rebuild_catalog(
    catalog: Catalog, store: ObjectStore, templates: CodeTemplates, *, actor: str = "system", force: bool = False
) -> RebuildReport:
    with catalog.session() as s:
        if s.scalar(select(Document.key).limit(1)) is not None and not force:
            raise CatalogNotEmpty(
                "the catalog already holds documents; rebuild into an empty catalog (or give --force to add what it "
                "lacks)",
                "CSDL đã có tài liệu; hãy dựng lại vào CSDL trống (hoặc dùng --force để thêm phần còn thiếu)",
            )
    report = RebuildReport()
    sequences: dict[tuple[str, str], int] = defaultdict(int)
    owners: set[str] = set()
    for doc_code, key in sorted(_sidecar_keys(store).items()):
        try:
            if _rebuild_one(catalog, store, templates, key, sequences, owners, report):
                report.documents += 1
        except (ArchiveError, ValueError, KeyError, InvalidCode) as e:
            log.error("sidecar %s skipped: %s", mask_key(key), type(e).__name__)
            report.skipped.append({"doc_code": doc_code, "reason": mask_key(str(e)) or type(e).__name__})
    _dossier_entries(catalog, store, report)
    _store_sequences(catalog, sequences)
    for owner in sorted(owners):
        if record_owner(catalog, owner, _confirmed_fields(catalog, owner)) is not None:
            report.owners += 1
    with catalog.session() as s:
        report.dossiers = len(list(s.scalars(select(Dossier.code))))
    catalog.record_event(
        "catalog_rebuilt",
        actor,
        detail={**report.as_dict(), "skipped": len(report.skipped), "from": store.url},
    )
    return report


def _rebuild_one(
    catalog: Catalog,
    store: ObjectStore,
    templates: CodeTemplates,
    sidecar_key: str,
    sequences: dict[tuple[str, str], int],
    owners: set[str],
    report: RebuildReport,
) -> bool:
    raw = store.get(sidecar_key)
    side = json.loads(raw)
    doc_code = side["doc_code"]
    prefix = sidecar_key.rsplit("/", 1)[0] + "/"
    objects = {k: o for k in store.keys(prefix) if (o := store.stat(k)) is not None}
    for original in side.get("originals") or []:  # a scanned stack, kept once for all its documents
        stacked = original.get("stack") and str(original.get("key", "")).startswith("stacks/")
        if stacked and (o := store.stat(original["key"])) is not None:
            objects[original["key"]] = o
    pdf_key = side["pdf"]["key"]
    if not pdf_key.startswith(prefix):  # a sidecar copied by the key migration names its new place
        pdf_key = prefix + pdf_key.rsplit("/", 1)[-1]
    renewals = sorted((k for k in objects if _RENEWAL.search(k)), key=lambda k: int(_RENEWAL.search(k).group(1)))
    pdf_key = renewals[-1] if renewals else pdf_key
    for part in ("pdf", "text"):
        k = prefix + side[part]["key"].rsplit("/", 1)[-1]
        if k not in objects:
            raise ValueError(f"{mask_key(k)} named by the sidecar is not in the warehouse")
        if objects[k].sha256 and objects[k].sha256 != side[part]["sha256"]:
            raise ValueError(f"{mask_key(k)} does not match the checksum its sidecar records")
    text_key = prefix + side["text"]["key"].rsplit("/", 1)[-1]
    text = store.get(text_key).decode("utf-8")
    nd30 = side.get("nd30") or {}
    originals = side.get("originals") or []
    sidecar_obj = objects[sidecar_key]
    doc_key = nd30.get("SourceSha256") or sidecar_obj.metadata.get("source-sha256")
    if not doc_key:
        raise ValueError(f"{doc_code}: the sidecar does not name the source's SHA-256")
    with catalog.session() as s:
        if s.get(Document, doc_key) is not None:
            return False  # already there (a rebuild with --force adds what is missing)
    owner_id = side.get("owner_id")
    fields = side.get("fields") or {}
    status = side.get("status") if side.get("status") in (Status.ARCHIVED, Status.NEEDS_REVIEW) else None
    status = status or (Status.NEEDS_REVIEW if side.get("review") else Status.ARCHIVED)
    dossier = side.get("dossier_code")
    if dossier:
        catalog.ensure_dossier(dossier, side.get("agency") or "", side.get("procedure"), owner_id)
        try:
            parsed = templates.parse_dossier_code(dossier)
            scope = (f"dossier:{parsed.agency}", parsed.day.strftime("%Y%m%d"))
            sequences[scope] = max(sequences[scope], parsed.seq)
        except InvalidCode:
            pass
        if side.get("ordinal"):
            sequences[(f"document:{dossier}", "")] = max(sequences[(f"document:{dossier}", "")], int(side["ordinal"]))
    paper = side.get("paper_code")
    if paper and owner_id and side.get("type_code"):
        try:
            nn = templates.parse_paper_code(paper).nn
            scope = (f"paper:{owner_id}:{side['type_code']}", "")
            sequences[scope] = max(sequences[scope], nn)
        except InvalidCode:
            pass
    signed_at = datetime.fromisoformat(side["signed_at"]) if side.get("signed_at") else None
    archived_at = sidecar_obj.stored_at or datetime.now(UTC)
    with catalog.session() as s:
        s.add(
            Document(
                key=doc_key,
                doc_code=doc_code,
                paper_code=paper,
                dossier_code=dossier,
                ordinal=side.get("ordinal"),
                kind=side.get("kind") or "result",
                status=status,
                review_reasons=list(side.get("review") or []),
                input=(originals[0].get("name") if originals else None) or doc_code,
                agency=side.get("agency") or "",
                operator=side.get("operator") or "",
                procedure=side.get("procedure"),
                type_code=side.get("type_code"),
                type_name=side.get("type_name"),
                type_confidence=side.get("type_confidence"),
                owner_id=owner_id,
                fields=fields,
                issue_date=_value(fields, "issue_date"),
                valid_until=_value(fields, "valid_until"),
                pages=side.get("pages"),
                ocr_confidence=side.get("ocr_confidence"),
                text=text,
                pdf_key=pdf_key,
                pdf_sha256=objects[pdf_key].sha256 or side["pdf"]["sha256"],
                objects={k: o.sha256 for k, o in objects.items()},
                signed_at=signed_at,
                archived_at=archived_at,
            )
        )
    eo = side.get("electronic_original")
    if eo:  # an electronic original: its validation as at ingest (the nightly re-validation brings it up to date)
        vkey = prefix + eo["validation"]["key"].rsplit("/", 1)[-1]
        validation = json.loads(store.get(vkey)) if vkey in objects else {}
        when = eo.get("validated_at") or validation.get("validated_at")
        record_original(
            catalog,
            doc_key,
            outcome=eo.get("outcome") or "review",
            reasons=list(eo.get("reasons") or []),
            report=validation,
            signer_name=eo.get("signer_name") or "",
            signer_org=eo.get("signer_org") or "",
            signed_at=datetime.fromisoformat(eo["signed_at"]) if eo.get("signed_at") else None,
            level=eo.get("level"),
            validated_at=datetime.fromisoformat(when) if when else archived_at,
        )
    record_objects(catalog, doc_key, list(objects.values()))
    report.objects += len(objects)
    if owner_id:
        owners.add(owner_id)
        okey = side.get("owner_key") or prefix.split("/")[1]
        if OWNER_KEY_RE.match(okey) and not is_id_number(okey):
            owner_keys.record(catalog, owner_id, okey)
    catalog.record_event(
        "rebuilt_from_warehouse",
        "system",
        agency=side.get("agency"),
        doc_key=doc_key,
        doc_code=doc_code,
        owner_id=owner_id,
        detail={"sidecar_sha256": hashlib.sha256(raw).hexdigest()},
    )
    return True


def _value(fields: dict[str, Any], name: str) -> str | None:
    v = fields.get(name)
    return v.get("value") if isinstance(v, dict) else None


def _confirmed_fields(catalog: Catalog, owner_id: str) -> dict[str, Any]:
    """The fields of the owner's newest archived document (names are taken only from confirmed papers)."""
    with catalog.session() as s:
        d = s.scalars(
            select(Document)
            .where(Document.owner_id == owner_id, Document.status == Status.ARCHIVED)
            .order_by(Document.archived_at.desc())
        ).first()
        return dict(d.fields or {}) if d is not None else {}


def _dossier_entries(catalog: Catalog, store: ObjectStore, report: RebuildReport) -> None:
    """The dossiers' manifest entries go back into the ledger (the fixity audit checks them too)."""
    by_doc: dict[str, list[StoredObject]] = defaultdict(list)
    with catalog.session() as s:
        codes = {code: key for code, key in s.execute(select(Document.doc_code, Document.key))}
    for key in store.keys("dossiers/"):
        name = key.rsplit("/", 1)[-1]
        doc_code = name.removesuffix(".moved.json").removesuffix(".json")
        doc_key = codes.get(doc_code)
        o = store.stat(key)
        if doc_key is not None and o is not None:
            by_doc[doc_key].append(o)
    for doc_key, objs in by_doc.items():
        record_objects(catalog, doc_key, objs)
        report.objects += len(objs)


def _store_sequences(catalog: Catalog, sequences: dict[tuple[str, str], int]) -> None:
    if not sequences:
        return
    table = CodeSequence.__table__
    dialect = postgresql if catalog.dialect == "postgresql" else sqlite
    for (scope, period), last in sequences.items():
        stmt = dialect.insert(table).values(scope=scope, period=period, last=last)
        stmt = stmt.on_conflict_do_update(
            index_elements=["scope", "period"], set_={"last": stmt.excluded.last}, where=table.c.last < last
        )
        catalog.execute(stmt, {})
