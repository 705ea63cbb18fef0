"""The review screen: the queue with its filters, one document at a time (page image with the words of each
doubtful field marked, the fields with their confidence and doubt, the type and its alternatives, the history),
and the decisions — accept (with the corrections typed), send to quarantine. The decisions are
``catalog.review``'s own ``correct``/``accept``/``send_to_quarantine`` (what ``sohoa review`` runs), with the
account as the operator: the same validation, the same events, the same outbox rows."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from catalog.accounts import AccountInfo
from catalog.codes import mask_id
from catalog.db import Document, utcnow
from catalog.errors import CatalogError
from catalog.types import FIELD_KEYS
from pipeline.workspace.core import PREFIX, Denied, Workspace, agency_clause
from pipeline.workspace.i18n import fmt_date
from pipeline.workspace.page_images import PageImages
from pipeline.workspace.split_pages import add_split_routes, stack_view

OK_WORDS = ("accepted", "saved", "quarantined", "resplit")
DATE_FIELDS = ("date_of_birth", "issue_date", "valid_until")
DOUBT_BELOW = 0.9
"""A field read with less confidence than this is marked doubtful on the screen (besides those the reasons name)."""


def _visible_agencies(ws: Workspace, request: Request, account: AccountInfo) -> list[str]:
    from sqlalchemy import select, union

    from catalog.db import Batch, Document
    from catalog.kpi_db import Agency

    stmt = union(select(Agency.code), select(Batch.agency), select(Document.agency))
    with ws.get_catalog(request).session() as s:
        codes = sorted({c for c in s.scalars(stmt) if c})
    return [c for c in codes if account.sees_agency(c)]


def field_rows(doc: dict[str, Any], doc_type: Any, typed: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The fields the screen shows: those read, then the rest of those the type carries (to fill in)."""
    fields = doc.get("fields") or {}
    reasons = " ".join(str(r) for r in doc.get("reasons") or [])
    keys = list(fields)
    for k in doc_type.fields if doc_type is not None else ():
        if k not in keys:
            keys.append(k)
    rows = []
    for k in keys:
        f = fields.get(k) or {}
        base = k.rpartition(".")[2]
        conf = f.get("confidence")
        doubtful = bool(f.get("problem")) or (conf is not None and conf < DOUBT_BELOW) or k in reasons
        value = f.get("value") or ""
        if base in DATE_FIELDS and value:
            value = fmt_date(value)  # shown and typed as dd/mm/yyyy
        rows.append(
            {
                "key": k,
                "base": base,
                "role": k.rpartition(".")[0],
                "value": (typed or {}).get(k, value),
                "confidence": conf,
                "problem": f.get("problem"),
                "second_read": bool(f.get("second_read")),
                "source": f.get("source"),
                "boxes": json.dumps(f.get("boxes") or []),
                "doubtful": doubtful and f.get("source") != "operator",
                "known": base in FIELD_KEYS,
            }
        )
    return rows


def add_review_routes(router: APIRouter, ws: Workspace) -> None:
    images = PageImages()

    def catalog_of(request: Request):
        return ws.get_catalog(request)

    @router.get("/review")
    def review_queue(
        request: Request,
        office: str | None = Query(None, max_length=20),
        type: str | None = Query(None, max_length=20),
        reason: str | None = Query(None, max_length=40),
        age: int | None = Query(None, ge=0, le=3650),
        offset: int = Query(0, ge=0, le=1_000_000),
    ) -> Response:
        from catalog.review import queue, queue_size

        account = ws.require(request)
        catalog = catalog_of(request)
        clause = agency_clause(account, Document.agency)
        if office:
            ws.require_office(account, office)
            clause = Document.agency == office
        before = utcnow() - timedelta(days=age) if age else None
        kw = {"type_code": type or None, "agencies": clause, "reason": reason or None, "before": before}
        items = queue(catalog, limit=50, offset=offset, **kw)
        total = queue_size(catalog, **kw)
        doc_types = ws.get_ctx(request).doc_types
        query = {k: v for k, v in {"office": office, "type": type, "reason": reason, "age": age}.items() if v}
        return ws.render(
            request,
            "queue.html",
            items=[{"item": i, "owner": mask_id(i.owner_id), "reasons": [str(r) for r in i.reasons]} for i in items],
            total=total,
            offset=offset,
            more=offset + len(items) < total,
            next_url=f"{PREFIX}/review?" + urlencode({**query, "offset": offset + 50}),
            filters={"office": office or "", "type": type or "", "reason": reason or "", "age": age or ""},
            offices=_visible_agencies(ws, request, account),
            types=[(t.code, t.name_vi) for t in doc_types.types],
            reasons=REASON_CODES,
        )

    @router.get("/review/next")
    def review_next(request: Request, after: str | None = Query(None, max_length=64), ok: str | None = None):
        from catalog.review import next_in_queue

        account = ws.require(request, "reviewer")
        ok = ok if ok in OK_WORDS else None
        key = next_in_queue(catalog_of(request), agencies=agency_clause(account, Document.agency), after=after)
        if key is None:
            return RedirectResponse(f"{PREFIX}/review" + (f"?ok={ok}" if ok else ""), status_code=303)
        return RedirectResponse(f"{PREFIX}/review/{key}" + (f"?ok={ok}" if ok else ""), status_code=303)

    def load(request: Request, key: str, account: AccountInfo):
        from catalog.review import find

        try:
            d = find(catalog_of(request), key)
        except CatalogError as e:
            raise Denied(404, getattr(e, "vi", str(e)), str(e)) from None
        ws.require_office(account, d.agency)
        return d

    def review_page(
        request: Request,
        account: AccountInfo,
        key: str,
        *,
        error: str | None = None,
        typed: dict[str, str] | None = None,
        typed_type: str | None = None,
        status: int = 200,
        ok: str | None = None,
        split_typed: dict[str, str] | None = None,
    ) -> Response:
        from catalog.review import show

        catalog = catalog_of(request)
        d = load(request, key, account)
        data = show(catalog, d.key, account.name, account.agency)  # the look is an event (it shows a person's data)
        doc_types = ws.get_ctx(request).doc_types
        t = doc_types.get(typed_type or data["type_code"] or "") if (typed_type or data["type_code"]) else None
        stack = stack_view(catalog, d.batch_id, data.get("split"))
        resplit = any(str(r).startswith("split_replaced") for r in data.get("reasons") or [])
        return ws.render(
            request,
            "review.html",
            status=status,
            doc=data,
            doc_status=d.status,
            pages=d.pages or 1,
            has_pdf=bool(d.pdf_key),
            rows=field_rows(data, t, typed),
            type_code=typed_type or data["type_code"] or "",
            types=[(x.code, x.name_vi) for x in doc_types.types],
            candidates=[c for c in data.get("candidates") or [] if c and c[0] != data["type_code"]][:4],
            history=[_history_row(h) for h in data["history"]],
            reasons=[str(r) for r in data.get("reasons") or []],
            error=error,
            ok=ok,
            can_decide=account.at_least("reviewer") and d.status == "needs_review",
            stack=stack,
            split_typed=split_typed,
            can_resplit=stack is not None and not resplit and ws.launcher is not None,
            resplit_done=resplit,
        )

    @router.get("/review/{key}")
    def review_doc(request: Request, key: str, ok: str | None = Query(None, max_length=20)) -> Response:
        account = ws.require(request, "reviewer")
        return review_page(request, account, key, ok=ok if ok in OK_WORDS else None)

    @router.get("/review/{key}/page/{n}")
    def page_image(request: Request, key: str, n: int) -> Response:
        account = ws.require(request, "reviewer")
        d = load(request, key, account)
        if not d.pdf_key or n < 1 or n > max(d.pages or 1, 1):
            raise Denied(404, "Không có trang này", "no such page")
        store = ws.get_ctx(request).open_store()
        png = images.png(d.pdf_sha256 or d.key, n, lambda: store.get(d.pdf_key))
        if png is None:
            raise Denied(404, "Không có trang này", "no such page")
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=600"})

    @router.post("/review/{key}")
    async def decide(request: Request, key: str) -> Response:
        from catalog.review import accept, correct

        account = ws.require(request, "reviewer")
        form = await request.form()
        ws.check_post(request, str(form.get("csrf") or ""))
        catalog = catalog_of(request)
        d = load(request, key, account)
        doc_types = ws.get_ctx(request).doc_types
        typed = {str(k)[2:]: str(v) for k, v in form.items() if str(k).startswith("f.")}
        new_type = str(form.get("type") or "").strip() or None
        current = d.fields or {}
        changed = {k: v for k, v in typed.items() if _differs(k, v, (current.get(k) or {}).get("value"))}
        type_change = new_type if new_type and new_type != d.type_code else None
        try:
            if changed or type_change:
                correct(
                    catalog,
                    doc_types,
                    d.key,
                    account.name,
                    type_code=type_change,
                    fields=changed,
                    agency=account.agency,
                )
            if form.get("action") == "save":
                return RedirectResponse(f"{PREFIX}/review/{d.key}?ok=saved", status_code=303)
            accept(catalog, doc_types, d.key, account.name, templates=ws.templates_cfg, agency=account.agency)
        except CatalogError as e:
            msg = str(e) if ws.lang(request) == "en" else getattr(e, "vi", str(e))
            return review_page(request, account, d.key, error=msg, typed=typed, typed_type=new_type, status=422)
        return RedirectResponse(f"{PREFIX}/review/next?after={d.key}&ok=accepted", status_code=303)

    @router.post("/review/{key}/quarantine")
    def to_quarantine(
        request: Request, key: str, reason: str = Form("", max_length=500), csrf: str = Form("", max_length=100)
    ) -> Response:
        from catalog.review import send_to_quarantine

        account = ws.require(request, "reviewer")
        ws.check_post(request, csrf)
        d = load(request, key, account)
        try:
            send_to_quarantine(catalog_of(request), d.key, account.name, reason, agency=account.agency)
        except CatalogError as e:
            msg = str(e) if ws.lang(request) == "en" else getattr(e, "vi", str(e))
            return review_page(request, account, d.key, error=msg, status=422)
        return RedirectResponse(f"{PREFIX}/review/next?after={d.key}&ok=quarantined", status_code=303)

    add_split_routes(router, ws, load, review_page, images)


def _differs(key: str, typed: str, stored: Any) -> bool:
    """Whether the clerk changed a field: what was typed, in the form the catalog stores it (a date typed as
    dd/mm/yyyy, a name in capitals …), against the stored value. A value the catalog would refuse is a change
    (``correct`` then says what is wrong); an empty box for a field never read is none."""
    from catalog.review import normalize_field

    typed, stored = typed.strip(), str(stored or "").strip()
    if not typed:
        return bool(stored)
    if typed == stored:
        return False
    try:
        return normalize_field(key, typed) != stored
    except CatalogError:
        return True


REASON_CODES = (
    "type_uncertain",
    "type_mismatch",
    "field_uncertain",
    "field_missing",
    "field_empty",
    "owner_uncertain",
    "owner_invalid",
    "owner_missing",
    "owner_mismatch",
    "owner_ambiguous",
    "ocr_low_confidence",
    "blank_document",
    "low_resolution",
    "active_content",
)


def _history_row(h: dict[str, Any]) -> dict[str, Any]:
    """One event of the history, its changes as (what, old, new); ID numbers masked except in the new value the
    clerk typed on this very screen (shown in full on the document page only)."""
    changes = []
    for what, ch in ((h.get("detail") or {}).get("changes") or {}).items():
        old, new = ch.get("from"), ch.get("to")
        if what in ("owner_id", "fields.id_number") or what.endswith(".id_number"):
            old, new = mask_id(old) if old else old, mask_id(new) if new else new
        changes.append((what, old, new))
    return {"at": h["at"], "actor": h["actor"], "action": h["action"], "changes": changes}
