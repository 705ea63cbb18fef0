"""The review queue: documents the pipeline was not sure about wait here until a clerk confirms or
corrects their type and fields. Every look, correction and confirmation is an event (operator, time,
old and new values); a confirmed document is released for reuse (status ``archived``) and its owner
recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select, update

from catalog.codes import (
    CodeTemplates,
    mask_id,
    parse_personal_id,
    validate_dossier_code,
    validate_enterprise_code,
    validate_owner_id,
)
from catalog.dates import parse_date
from catalog.db import BatchItem, Catalog, Document, Event, utcnow
from catalog.errors import CatalogError, InvalidCode, NotFound
from catalog.fields import extract_fields
from catalog.labels import default_vocabulary
from catalog.names import title_case
from catalog.originals import original_info
from catalog.owners import record_owner
from catalog.paper_owners import document_owners, owners_from_fields, record_document_owners, role_fields
from catalog.status import Status
from catalog.types import FIELD_KEYS, DocumentTypes


class ReviewError(CatalogError):
    """A review action that cannot be done as asked (wrong status, missing owner …)."""

    reason_code = "review_refused"
    exit_code = 3


@dataclass(frozen=True, slots=True)
class QueueItem:
    key: str
    doc_code: str | None
    type_code: str | None
    type_confidence: float | None
    owner_id: str | None
    reasons: list[Any]
    batch_id: str | None
    input: str
    created_at: Any
    agency: str | None = None


_QUEUE_COLS = (
    Document.key,
    Document.doc_code,
    Document.type_code,
    Document.type_confidence,
    Document.owner_id,
    Document.review_reasons,
    Document.batch_id,
    Document.input,
    Document.created_at,
    Document.agency,
)


def _queue_filter(
    q: Any,
    *,
    type_code: str | None,
    batch_id: str | None,
    agencies: Any,
    reason: str | None,
    before: datetime | None,
) -> Any:
    q = q.where(Document.status == Status.NEEDS_REVIEW)
    if type_code:
        q = q.where(Document.type_code == type_code)
    if batch_id:
        q = q.where(Document.batch_id == batch_id)
    if agencies is not None:  # a condition on Document.agency (the offices an account sees)
        q = q.where(agencies)
    if reason:  # a reason's code, e.g. "low_confidence" (the reasons are a JSON list of strings)
        q = q.where(cast(Document.review_reasons, String).like(f"%{reason.replace('%', '')}%"))
    if before is not None:
        q = q.where(Document.created_at < before)
    return q


def queue(
    catalog: Catalog,
    *,
    limit: int = 50,
    offset: int = 0,
    type_code: str | None = None,
    batch_id: str | None = None,
    agencies: Any = None,
    reason: str | None = None,
    before: datetime | None = None,
) -> list[QueueItem]:
    """Documents waiting for review, oldest first; ``agencies`` a condition on ``Document.agency``, ``reason`` a
    word of the reasons, ``before`` only documents catalogued before that time (older ones)."""
    q = _queue_filter(
        select(*_QUEUE_COLS), type_code=type_code, batch_id=batch_id, agencies=agencies, reason=reason, before=before
    )
    q = q.order_by(Document.created_at, Document.key).limit(limit).offset(offset)
    with catalog.session() as s:
        rows = s.execute(q).all()
    return [QueueItem(r[0], r[1], r[2], r[3], r[4], list(r[5] or []), r[6], r[7], r[8], r[9]) for r in rows]


def queue_size(
    catalog: Catalog,
    *,
    type_code: str | None = None,
    batch_id: str | None = None,
    agencies: Any = None,
    reason: str | None = None,
    before: datetime | None = None,
) -> int:
    q = _queue_filter(
        select(func.count()).select_from(Document),
        type_code=type_code,
        batch_id=batch_id,
        agencies=agencies,
        reason=reason,
        before=before,
    )
    with catalog.session() as s:
        return int(s.scalar(q) or 0)


def next_in_queue(catalog: Catalog, *, agencies: Any = None, after: str | None = None) -> str | None:
    """The key of the oldest document waiting for review other than ``after`` (the one just decided or skipped):
    the next one after it in the queue's order, else the first."""
    base = _queue_filter(
        select(Document.key, Document.created_at),
        type_code=None,
        batch_id=None,
        agencies=agencies,
        reason=None,
        before=None,
    ).order_by(Document.created_at, Document.key)
    with catalog.session() as s:
        if after:
            cur = s.execute(select(Document.created_at).where(Document.key == after)).first()
            if cur is not None:
                row = s.execute(
                    base.where(
                        or_(
                            Document.created_at > cur[0],
                            and_(Document.created_at == cur[0], Document.key > after),
                        )
                    ).limit(1)
                ).first()
                if row is not None:
                    return row[0]
        row = s.execute(base.where(Document.key != (after or "")).limit(1)).first()
    return row[0] if row is not None else None


def find(catalog: Catalog, ref: str) -> Document:
    """A document by its code, its SHA-256, or an unambiguous SHA-256 prefix (8+ characters)."""
    ref = ref.strip()
    with catalog.session() as s:
        d = s.scalar(select(Document).where(or_(Document.doc_code == ref, Document.key == ref)))
        if d is None and len(ref) >= 8 and all(c in "0123456789abcdef" for c in ref.lower()):
            hits = list(s.scalars(select(Document).where(Document.key.startswith(ref.lower())).limit(2)))
            if len(hits) > 1:
                raise ReviewError(f"{ref} matches several documents", f"{ref} trùng với nhiều tài liệu")
            d = hits[0] if hits else None
    if d is None:
        raise NotFound(f"no document {ref}", f"không có tài liệu {ref}")
    return d


def show(catalog: Catalog, ref: str, operator: str, agency: str | None = None) -> dict[str, Any]:
    """What a clerk needs to decide; the look itself is recorded (it shows a person's data)."""
    d = find(catalog, ref)
    catalog.record_event(
        "review_viewed", operator, agency=agency, doc_key=d.key, doc_code=d.doc_code, owner_id=d.owner_id
    )
    return {
        "key": d.key,
        "doc_code": d.doc_code,
        "status": d.status,
        "reasons": d.review_reasons,
        "type_code": d.type_code,
        "type_name": d.type_name,
        "type_confidence": d.type_confidence,
        "candidates": d.type_candidates,
        "owner_id": d.owner_id,
        "owners": [{"role": o.role, "owner_id": o.owner_id, "how": o.how} for o in document_owners(catalog, d.key)],
        "fields": d.fields,
        "issue_date": d.issue_date,
        "valid_until": d.valid_until,
        "input": d.input,
        "batch_id": d.batch_id,
        "text": d.text,
        "reviewed_by": d.reviewed_by,
        "reviewed_at": d.reviewed_at,
        "split": split_of(catalog, d),
        "history": [
            {"at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail}
            for e in catalog.events(doc_key=d.key)
            if e.action.startswith("review_") and e.action != "review_viewed"
        ],
    }


def split_of(catalog: Catalog, d: Document) -> dict[str, Any] | None:
    """Where a document cut from a scanned stack came from: the stack, its pages in it (from 1), what started it
    — for the reviewer who must judge the split (``sohoa stack show|fix``). None for a document of whole files."""
    from catalog.db import BatchItem

    if not d.batch_id:
        return None
    with catalog.session() as s:
        item = s.scalar(select(BatchItem).where(BatchItem.batch_id == d.batch_id, BatchItem.doc_key == d.key).limit(1))
    plan = (item.plan or {}) if item is not None else {}
    stack = plan.get("stack")
    if not stack or plan.get("pages") is None:
        return None
    return {
        "stack": stack.get("input"),
        "pages": [p + 1 for p in plan["pages"]],
        "part": stack.get("part"),
        "parts": stack.get("parts"),
        "pages_total": stack.get("pages_total"),
        "started_by": stack.get("started_by"),
        "dropped": stack.get("dropped") or [],
    }


def normalize_field(key: str, value: str) -> str:
    """A clerk's value in the form the catalog stores, or InvalidCode saying what is wrong. Another owner's field
    is named with its role: ``wife.id_number``."""
    value = value.strip()
    role, _, base = key.rpartition(".")
    if role and role not in default_vocabulary().roles:
        raise InvalidCode(f"unknown role {role!r} in {key!r}", f"không có vai trò {role!r} trong {key!r}")
    key = base
    if key not in FIELD_KEYS:
        raise InvalidCode(f"unknown field {key!r} (known: {', '.join(FIELD_KEYS)})", f"không có trường {key!r}")
    if key == "id_number":
        return parse_personal_id(value).number
    if key == "enterprise_code":
        return validate_enterprise_code(value)
    if key == "dossier_code":
        return validate_dossier_code(value)
    if key == "full_name":
        # a person's name typed in capitals becomes title case; anything else (a company's name) stays as typed
        name = " ".join(value.split())
        name = title_case(name) if name.isupper() and not _looks_like_organisation(name) else name
        if not name:
            raise InvalidCode("the name is empty", "họ tên trống")
        return name
    if key in ("date_of_birth", "issue_date", "valid_until"):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            d = parse_date(value)
            if d is None:
                raise InvalidCode(
                    f"{key}: {value!r} is not a date (YYYY-MM-DD, dd/mm/yyyy or 'ngày … tháng … năm …')",
                    f"{key}: {value!r} không phải ngày hợp lệ",
                ) from None
            return d.isoformat()
    return value


def _looks_like_organisation(name: str) -> bool:
    from ocr.text import fold

    f = fold(name)
    return any(f.startswith(p) for p in ("cong ty", "hop tac xa", "doanh nghiep", "chi nhanh", "ho kinh doanh"))


def correct(
    catalog: Catalog,
    doc_types: DocumentTypes,
    ref: str,
    operator: str,
    *,
    type_code: str | None = None,
    fields: Mapping[str, str] | None = None,
    owner_id: str | None = None,
    agency: str | None = None,
) -> Document:
    """Fix the type, fields and/or owner of a document; each change is recorded (old → new)."""
    d = find(catalog, ref)
    changes: dict[str, dict[str, Any]] = {}
    new_fields = {k: dict(v) for k, v in (d.fields or {}).items()}
    new_type, new_name = d.type_code, d.type_name
    if type_code and type_code != d.type_code:
        t = doc_types.get(type_code)
        if t is None:
            raise InvalidCode(f"unknown document type {type_code!r}", f"không có loại giấy tờ {type_code!r}")
        changes["type_code"] = {"from": d.type_code, "to": type_code}
        new_type, new_name = t.code, t.name_vi
        # read the stored OCR text again with the right type's labels: fields the clerk does not give
        # come from there (with their confidence), fields the new type does not carry are dropped
        reread = extract_fields(d.text or "", t)
        for key in list(new_fields):
            if key not in t.fields and key not in (fields or {}):
                changes[f"fields.{key}"] = {"from": new_fields.pop(key).get("value"), "to": None}
        for key, fv in reread.items():
            old = new_fields.get(key, {}).get("value")
            if key not in (fields or {}) and fv.value != old:
                changes[f"fields.{key}"] = {"from": old, "to": fv.value}
                new_fields[key] = {"value": fv.value, "confidence": fv.confidence, "source": "reread"}
    for key, raw in (fields or {}).items():
        value = normalize_field(key, raw)
        old = (d.fields or {}).get(key, {}).get("value")
        if value != old:
            changes[f"fields.{key}"] = {"from": old, "to": value}
        new_fields[key] = {"value": value, "confidence": 1.0, "source": "operator"}
    new_owner = d.owner_id
    if owner_id:
        new_owner = validate_owner_id(owner_id)
    elif fields:
        t = doc_types.get(new_type) if new_type else None
        key = t.owner_field if t else None
        if key and key in fields:
            new_owner = new_fields[key]["value"]
    if new_owner != d.owner_id:
        changes["owner_id"] = {"from": d.owner_id, "to": new_owner}
    # everyone the paper belongs to, after the correction (a spouse's ID typed as wife.id_number)
    t_now = doc_types.get(new_type) if new_type else None
    before = document_owners(catalog, d.key)
    after = owners_from_fields(t_now, new_fields, new_owner, before) if t_now is not None else list(before)
    if [(o.role, o.owner_id) for o in after] != [(o.role, o.owner_id) for o in before]:
        changes["owners"] = {
            "from": [f"{o.role}:{mask_id(o.owner_id)}" for o in before],
            "to": [f"{o.role}:{mask_id(o.owner_id)}" for o in after],
        }
    # a validity end computed from the type's rule follows a corrected issue date or type
    t = doc_types.get(new_type) if new_type else None
    if t is not None and "valid_until" not in (fields or {}) and t.validity.kind in ("years", "months"):
        issued = new_fields.get("issue_date", {}).get("value")
        reread_until = new_fields.get("valid_until", {}).get("source") == "reread"
        if issued and not reread_until and ("fields.issue_date" in changes or "type_code" in changes):
            until = t.validity.valid_until(date.fromisoformat(issued), None)
            if until:
                new_fields["valid_until"] = {"value": until.isoformat(), "confidence": 1.0, "source": "rule"}
                changes["fields.valid_until"] = {
                    "from": (d.fields or {}).get("valid_until", {}).get("value"),
                    "to": until.isoformat(),
                }
    if not changes:
        return d
    if "owners" in changes:
        record_document_owners(catalog, d.key, after)
    catalog.update_document(
        d.key,
        outbox=("upsert", "review_corrected") if d.status == Status.ARCHIVED else None,
        type_code=new_type,
        type_name=new_name,
        type_confidence=1.0 if "type_code" in changes else d.type_confidence,
        fields=new_fields,
        owner_id=new_owner,
        issue_date=new_fields.get("issue_date", {}).get("value"),
        valid_until=new_fields.get("valid_until", {}).get("value"),
    )
    catalog.record_event(
        "review_corrected",
        operator,
        agency=agency,
        doc_key=d.key,
        doc_code=d.doc_code,
        owner_id=new_owner,
        detail={"changes": changes},
    )
    return find(catalog, d.key)


def accept(
    catalog: Catalog,
    doc_types: DocumentTypes,
    ref: str,
    operator: str,
    *,
    templates: CodeTemplates | None = None,
    agency: str | None = None,
) -> Document:
    """Confirm a document as it now stands and release it for reuse."""
    d = find(catalog, ref)
    if d.status == Status.ARCHIVED:
        raise ReviewError(f"{d.doc_code or d.key} is already archived", f"{d.doc_code or d.key} đã được lưu trữ")
    if d.status != Status.NEEDS_REVIEW:
        raise ReviewError(
            f"{d.doc_code or d.key} is {d.status}, not waiting for review",
            f"{d.doc_code or d.key} đang ở trạng thái {d.status}, không chờ duyệt",
        )
    t = doc_types.get(d.type_code) if d.type_code else None
    if t is None:
        raise ReviewError(
            "set the document type first (sohoa review correct --type …)",
            "cần xác định loại giấy tờ trước (sohoa review correct --type …)",
        )
    if not d.owner_id:
        raise ReviewError(
            "set the owner first (sohoa review correct --owner … or --field id_number=…)",
            "cần xác định chủ sở hữu trước (sohoa review correct --owner …)",
        )
    validate_owner_id(d.owner_id)
    original = original_info(catalog, d.key)
    if original is not None and original.outcome != "valid":
        # an electronic original is worth its issuer's signature: a clerk cannot vouch for one that does not
        # validate. A missing root goes into [trust], then `sohoa nightly revalidate`; a doctored file stays here.
        why = ", ".join(original.reasons) or "signature"
        raise ReviewError(
            f"the electronic original's signature does not validate ({why}); it cannot be released for reuse — "
            "configure its issuer's CA in [trust] and run `sohoa nightly revalidate`, or digitize the paper itself",
            f"chữ ký của bản gốc điện tử không hợp lệ ({why}); không thể đưa vào tái sử dụng — cấu hình CA của "
            "cơ quan cấp trong [trust] rồi chạy `sohoa nightly revalidate`, hoặc số hóa bản giấy",
        )
    fields = dict(d.fields or {})
    paper_code = d.paper_code
    if paper_code is None:
        templates = templates or CodeTemplates()
        nn = catalog.next_sequence(f"paper:{d.owner_id}:{t.code}")
        paper_code = templates.paper_code(d.owner_id, t.result_code, t.notation, nn)
    owners = document_owners(catalog, d.key)
    if not any(o.owner_id == d.owner_id for o in owners):  # a paper catalogued before owners were recorded
        owners = owners_from_fields(t, fields, d.owner_id, owners)
        record_document_owners(catalog, d.key, owners)  # before the release: its outbox row names them all
    now = utcnow()
    catalog.update_document(
        d.key,
        outbox=("upsert", "review_accepted"),
        status=Status.ARCHIVED,
        paper_code=paper_code,
        reviewed_by=operator,
        reviewed_at=now,
        archived_at=now,
        fields={k: {**v, "confirmed": True} for k, v in fields.items()},
    )
    catalog.record_event(
        "review_accepted",
        operator,
        agency=agency,
        doc_key=d.key,
        doc_code=d.doc_code,
        owner_id=d.owner_id,
        detail={"reasons": d.review_reasons, "type_code": t.code, "paper_code": paper_code},
    )
    for o in owners:
        record_owner(catalog, o.owner_id, role_fields(t, fields, o.role))
    if not owners:
        record_owner(catalog, d.owner_id, fields)
    return find(catalog, d.key)


def review_events(catalog: Catalog, ref: str) -> list[Event]:
    d = find(catalog, ref)
    return [e for e in catalog.events(doc_key=d.key) if e.action.startswith("review_")]


def send_to_quarantine(
    catalog: Catalog, ref: str, operator: str, reason: str, *, agency: str | None = None
) -> Document:
    """Take a document out of the review queue as unusable (a wrong paper, an unreadable scan, a page missing):
    it is quarantined with the clerk's reason, its batch item too; its stored bytes stay where they are, and a
    run over the corrected input takes it up again."""
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise InvalidCode("say why the document goes to quarantine", "cần ghi lý do cách ly")
    d = find(catalog, ref)
    if d.status != Status.NEEDS_REVIEW:
        raise ReviewError(
            f"{d.doc_code or d.key} is {d.status}, not waiting for review",
            f"{d.doc_code or d.key} đang ở trạng thái {d.status}, không chờ duyệt",
        )
    text = f"{reason} / sent to quarantine in review"
    catalog.update_document(d.key, status=Status.QUARANTINED, reason_code="review_rejected", reason=text)
    with catalog.session() as s:
        s.execute(
            update(BatchItem)
            .where(BatchItem.doc_key == d.key, BatchItem.status == Status.NEEDS_REVIEW)
            .values(status=Status.QUARANTINED, reason_code="review_rejected", reason=text)
        )
    catalog.record_event(
        "review_quarantined",
        operator,
        agency=agency,
        doc_key=d.key,
        doc_code=d.doc_code,
        owner_id=d.owner_id,
        batch_id=d.batch_id,
        detail={"reason": reason},
    )
    return find(catalog, d.key)
